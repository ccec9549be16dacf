"""The site in Korean or English (Flask-Babel): which language a request gets, and metadata in that language.

The interface language comes from `?lang=ko|en` (kept in the site's links and remembered in a cookie), else
the cookie, else the browser's Accept-Language; a client that says nothing gets English, the language the
message ids are written in. Catalogue metadata carries both languages where the publisher gave them: pages
show the interface language and fall back to the other, and text shown in the other language is marked
with its own `lang` attribute so screen readers and line breaking treat it right.
"""

from __future__ import annotations

from pathlib import Path

from flask import g, request
from flask_babel import Babel, get_locale, lazy_gettext
from markupsafe import Markup, escape

LANGUAGES = ("ko", "en")
DEFAULT = "en"
COOKIE = "hdcat_lang"
TRANSLATIONS = Path(__file__).with_name("translations")

#: the blueprints whose links carry `?lang=` on from a page that was asked for with it (the API and linked
#: data answer machines and stay free of it)
PAGE_BLUEPRINTS = frozenset({"pages", "search", "definitions", "account", "access", "audit", "lineage_page"})
#: page endpoints of blueprints that also serve machines
_MACHINE_ENDPOINTS = frozenset({"search.api_search", "search.api_suggest", "search.export", "audit.export"})

#: words the search layer gives as facet values for "none" and buckets: translated here, for people
FIXED_FACET_LABELS = {
    "external": lazy_gettext("external source"),
    "unclassified": lazy_gettext("unclassified"),
    "unknown": lazy_gettext("unknown"),
    "suppressed": lazy_gettext("below threshold"),
    "<1k": lazy_gettext("under 1,000"),
    "1k-10k": lazy_gettext("1,000–10,000"),
    "10k-100k": lazy_gettext("10,000–100,000"),
    "100k+": lazy_gettext("100,000 or more"),
}
LINEAGE_LABELS = {"yes": lazy_gettext("has lineage"), "no": lazy_gettext("no lineage")}
#: states and kinds the catalogue stores as English words (runs, access requests, definitions), for people
WORDS = {
    "submitted": lazy_gettext("submitted"),
    "questioned": lazy_gettext("questioned"),
    "approved": lazy_gettext("approved"),
    "rejected": lazy_gettext("rejected"),
    "withdrawn": lazy_gettext("withdrawn"),
    "question": lazy_gettext("question"),
    "answer": lazy_gettext("answer"),
    "approve": lazy_gettext("approve"),
    "reject": lazy_gettext("reject"),
    "withdraw": lazy_gettext("withdraw"),
    "submit": lazy_gettext("submit"),
    "changed": lazy_gettext("changed"),
    "unchanged": lazy_gettext("unchanged"),
    "failed": lazy_gettext("failed"),
    "interrupted": lazy_gettext("interrupted"),
    "queued": lazy_gettext("queued"),
    "running": lazy_gettext("running"),
    "committing": lazy_gettext("committing"),
    "done": lazy_gettext("done"),
    "draft": lazy_gettext("draft"),
    "published": lazy_gettext("published"),
    "deprecated": lazy_gettext("deprecated"),
    "university": lazy_gettext("University hospital"),
    "tertiary": lazy_gettext("Tertiary hospital"),
    "general": lazy_gettext("General hospital"),
    "specialised": lazy_gettext("Specialised hospital"),
    "upstream": lazy_gettext("upstream"),
    "downstream": lazy_gettext("downstream"),
    "both": lazy_gettext("both"),
    "none": lazy_gettext("none"),
    "job": lazy_gettext("job"),
    "hospital": lazy_gettext("hospital"),
    "DATASET": lazy_gettext("dataset"),
    "JOB": lazy_gettext("job"),
    "GROUP": lazy_gettext("group"),
}


def word(value) -> str:
    """A stored English word (a status, a kind) in the interface language; unknown words stay as they are."""
    found = WORDS.get(str(value)) if value is not None else None
    return str(found) if found is not None else ("" if value is None else str(value))


def _chosen() -> str | None:
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else None


def select_locale() -> str:
    """?lang= first, then the cookie, then Accept-Language, then English."""
    chosen = _chosen() or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def lang() -> str:
    """The interface language of this request: "ko" or "en"."""
    return str(get_locale() or DEFAULT)


def pick(variants: dict | None, fallback: str | None = None) -> tuple[str | None, str | None]:
    """(text, language) in the interface language, else the other one, else any, else the fallback."""
    variants = variants or {}
    here = lang()
    for key in (here, *(x for x in LANGUAGES if x != here), *sorted(k for k in variants if k)):
        if variants.get(key):
            return variants[key], key
    if variants.get(""):
        return variants[""], None
    return fallback, None


def marked(text, text_lang: str | None) -> Markup:
    """Escaped text, in a <span lang> when it is not in the interface language."""
    if text is None or text == "":
        return Markup("")
    if text_lang and text_lang != lang():
        return Markup('<span lang="{}">{}</span>').format(text_lang, text)
    return escape(text)


def localized(variants: dict | None, fallback: str | None = None) -> Markup:
    """A language map ({"ko": ..., "en": ...}) in the interface language, marked when it falls back."""
    return marked(*pick(variants, fallback))


def plain(variants: dict | None, fallback: str | None = None) -> str:
    """The same choice as `localized`, as plain text (for <title> and attributes)."""
    return pick(variants, fallback)[0] or ""


def other(variants: dict | None) -> Markup:
    """The text in the language not shown by `localized`, marked with its language (for subtitles)."""
    shown = pick(variants)[1]
    for key in LANGUAGES:
        if key != shown and (variants or {}).get(key) and variants[key] != variants.get(shown):
            return marked(variants[key], key)
    return Markup("")


def hospital_name(h: dict | None) -> Markup:
    """A hospital in the interface language (name_ko / name_en)."""
    if not h:
        return Markup("")
    return localized({"ko": h.get("name_ko"), "en": h.get("name_en")}, h.get("id"))


def hospital_other_name(h: dict | None) -> Markup:
    return other({"ko": h.get("name_ko"), "en": h.get("name_en")}) if h else Markup("")


def concept_label(c: dict | None) -> Markup:
    """A code-list concept's label (label is English or the scheme's own, label_ko Korean)."""
    if not c:
        return Markup("")
    return localized({"ko": c.get("label_ko"), "en": c.get("label")}, c.get("notation"))


def facet_title(name: str) -> str:
    """A facet's heading: search.facets declares both titles (one entry per facet), so none is in the .po."""
    from hdcat.search.facets import BY_NAME

    facet = BY_NAME.get(name)
    if facet is None:
        return name
    return facet.title_ko if lang() == "ko" else facet.title_en


def facet_label(name: str, value: str, label: str) -> Markup:
    """A facet value for people in the interface language; the search layer's label is the fallback."""
    from hdcat.search.facets import label_in

    if name == "has_lineage" and value in LINEAGE_LABELS:
        return escape(str(LINEAGE_LABELS[value]))
    if value in FIXED_FACET_LABELS:
        return escape(str(FIXED_FACET_LABELS[value]))
    found = label_in(name, value)
    return localized(found, label) if found else escape(label)


def facet_text(name: str, value: str, label: str) -> str:
    """The same label as `facet_label`, as plain text: what the JSON API gives in a bucket's `label`, in
    the request's language (?lang=, the cookie or Accept-Language; English when none is said)."""
    if name == "has_lineage" and value in LINEAGE_LABELS:
        return str(LINEAGE_LABELS[value])
    if value in FIXED_FACET_LABELS:
        return str(FIXED_FACET_LABELS[value])
    from hdcat.search.facets import label_in

    found = label_in(name, value)
    return (pick(found)[0] or label) if found else label


def switch_url(to: str) -> str:
    """This page in the other language: the same path and query, with lang= set."""
    from urllib.parse import urlencode

    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", to))
    return request.path + "?" + urlencode(args)


def _keep_lang(endpoint: str, values: dict) -> None:
    """Links built on a page asked for with ?lang= keep it, so a shared link opens in the same language."""
    chosen = g.get("hdcat_lang_asked")
    if not chosen or "lang" in values or not endpoint or endpoint in _MACHINE_ENDPOINTS:
        return
    if endpoint.split(".", 1)[0] in PAGE_BLUEPRINTS:
        values["lang"] = chosen


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)

    @app.before_request
    def _remember_asked():
        g.hdcat_lang_asked = _chosen()

    @app.after_request
    def _lang_cookie(response):
        asked = g.get("hdcat_lang_asked")
        if asked and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Language", lang())
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response

    app.url_defaults(_keep_lang)
    app.jinja_env.globals.update(
        lang=lang,
        LANGUAGES=LANGUAGES,
        switch_url=switch_url,
        localized=localized,
        plain=plain,
        pick_text=pick,
        other=other,
        facet_title=facet_title,
        facet_label=facet_label,
    )
    app.jinja_env.filters.update(
        hospital_name=hospital_name,
        hospital_other_name=hospital_other_name,
        concept=concept_label,
        word=word,
    )
