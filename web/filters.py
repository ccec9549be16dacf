"""Jinja filters for the pages: counts, dates and safe links."""

from __future__ import annotations

from urllib.parse import urlsplit

from markupsafe import Markup, escape


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


def _order() -> tuple[str, ...]:
    """The order a hit's title and snippet are looked for in: the interface language, then the other."""
    from hdcat.web.i18n import LANGUAGES, lang

    here = lang()
    return (here, *(x for x in LANGUAGES if x != here))


def _pick(variants: dict | None) -> tuple[str | None, str | None]:
    if not variants:
        return None, None
    order = _order()
    for key in (*order, *sorted(k for k in variants if k not in order)):
        if variants.get(key):
            return variants[key], key
    return None, None


def _in_lang(html: Markup, text_lang: str | None) -> Markup:
    from hdcat.web.i18n import lang

    if text_lang and text_lang != lang():
        return Markup('<span lang="{}">').format(text_lang) + html + Markup("</span>")
    return html


def hit_title(hit: dict, lang: str | None = None) -> Markup:
    """A search hit's title with the query words marked, in the interface language or else the other. The
    search layer escapes every word before it adds <mark> (search.backends.base.highlight), so only its output
    becomes Markup; a title without a highlight, in any language or none, is escaped here."""
    highlights = hit.get("title_highlight") or {}
    marked, marked_lang = (highlights.get(lang), lang) if lang else _pick(highlights)
    if marked:
        return _in_lang(Markup(marked), marked_lang)
    text, text_lang = _pick(hit.get("titles"))
    return _in_lang(escape(text or hit.get("title") or ""), text_lang)


def hit_subtitle(hit: dict) -> Markup | None:
    """The title in the language the main title is not shown in, when the hit has both."""
    highlights = hit.get("title_highlight") or {}
    shown = _pick(highlights)[1] or _pick(hit.get("titles"))[1]
    for other in _order():
        if other != shown and highlights.get(other) and shown:
            return _in_lang(Markup(highlights[other]), other)
    return None


def hit_snippet(hit: dict) -> Markup | None:
    """The description snippet that shows a query word, preferring the interface language, then the other."""
    highlights = hit.get("highlight") or {}
    with_mark = {k: v for k, v in highlights.items() if v and "<mark>" in v}
    chosen, chosen_lang = _pick(with_mark)
    if not chosen:
        chosen, chosen_lang = _pick(highlights)
    return _in_lang(Markup(chosen), chosen_lang) if chosen else None


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
    app.jinja_env.filters["hit_subtitle"] = hit_subtitle
    app.jinja_env.filters["safe_url"] = safe_url
    app.jinja_env.filters["count"] = count
    app.jinja_env.filters["day"] = lambda v: str(v)[:10] if v else "—"
