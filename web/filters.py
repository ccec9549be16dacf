"""Jinja filters for the pages: counts, dates and safe links."""

from __future__ import annotations

from urllib.parse import urlsplit

from markupsafe import Markup, escape

#: the languages a hit's title and snippet are looked for in, in order; then any other, then none
_LANGS = ("ko", "en")


def safe_url(value) -> str | None:
    """Only http(s) and mailto URLs become links; anything else is shown as text."""
    if not value:
        return None
    scheme = urlsplit(str(value)).scheme.lower()
    return str(value) if scheme in ("http", "https", "mailto") else None


def count(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pick(variants: dict | None):
    if not variants:
        return None
    for lang in (*_LANGS, *sorted(k for k in variants if k not in _LANGS)):
        if variants.get(lang):
            return variants[lang]
    return None


def hit_title(hit: dict, lang: str | None = None) -> Markup:
    """A search hit's title with the query words marked. The search layer escapes every word before it
    adds <mark> (search.backends.base.highlight), so only its output becomes Markup; a title without a
    highlight, in any language or none, is escaped here."""
    marked = (hit.get("title_highlight") or {}).get(lang) if lang else _pick(hit.get("title_highlight"))
    return Markup(marked) if marked else escape(hit.get("title") or "")


def hit_snippet(hit: dict) -> Markup | None:
    """The description snippet that shows a query word, preferring Korean, then English, then any."""
    highlights = hit.get("highlight") or {}
    with_mark = {k: v for k, v in highlights.items() if v and "<mark>" in v}
    chosen = _pick(with_mark) or _pick(highlights)
    return Markup(chosen) if chosen else None


def utc_time(value: str | None) -> str:
    """A stored ISO 8601 time as people read it, with its zone said: "2026-12-02 05:14:44 UTC"."""
    if not value:
        return "—"
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def init_app(app) -> None:
    from hdcat.web.citation import citation

    app.jinja_env.filters["citation"] = citation
    app.jinja_env.filters["utc_time"] = utc_time
    app.jinja_env.filters["hit_title"] = hit_title
    app.jinja_env.filters["hit_snippet"] = hit_snippet
    app.jinja_env.filters["safe_url"] = safe_url
    app.jinja_env.filters["count"] = count
    app.jinja_env.filters["day"] = lambda v: str(v)[:10] if v else "—"
