"""Multilingual CKAN fields as language-tagged literals.

Portals keep translations two ways: ckanext-fluent adds `title_translated`, `notes_translated`,
`name_translated`… (a dict of language → text, and for tags language → list of words) beside the plain
field, which holds one of them again; other portals (opendata.swiss and its kind) put the dict into
`title`, `notes` and `tags` themselves, sometimes as a JSON string. Both become one literal per language
(`"Titre"@fr`), so a reader picks its language and the DCAT-AP "one title per language" rule holds. A plain
value that repeats a translation is not written twice; a plain value that differs is kept untagged (the
portal did not say its language). A key that is not a language tag keeps its text, untagged, with a warning.
"""

from __future__ import annotations

import json
import re

from hdcat.catalog import HarvestRun
from rdflib import Literal

#: BCP 47 as far as RDF needs it: a primary subtag and optional subtags (en, de-CH, zh-Hant-TW)
_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*\Z")


def _as_dict(value):
    """A dict, or a string holding a JSON object (some portals store the translations that way)."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


def _words(value) -> list[str]:
    """The non-empty strings of a string, a list of strings, or a list of CKAN tag dicts."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("display_name") or item.get("name")
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
    return out


def lang_values(value, run: HarvestRun | None, where: str) -> list[tuple[str, str | None]]:
    """(text, language or None) of a plain value or a language → value(s) dict."""
    value = _as_dict(value)
    if not isinstance(value, dict):
        return [(w, None) for w in _words(value)]
    out = []
    for lang, texts in value.items():
        words = _words(texts)
        tag = lang.strip() if isinstance(lang, str) else ""
        if words and not _LANG.match(tag):
            if run is not None:
                run.warn(f"{where}: {lang!r} is not a language tag; its text is kept without a language")
            tag = ""
        out += [(w, tag or None) for w in words]
    return out


def literals(
    pkg: dict, key: str, run: HarvestRun | None, where: str, also: tuple[str, ...] = ()
) -> list[Literal]:
    """The literals of `key`: its `<key>_translated` twin (and the `also` fields) tagged, then the plain
    value unless it repeats one of them."""
    tagged: list[tuple[str, str | None]] = []
    for name in (f"{key}_translated", *also):
        tagged += lang_values(pkg.get(name), run, f"{where} {name}")
    plain = lang_values(pkg.get(key), run, f"{where} {key}")
    seen_texts = {text for text, _ in tagged}
    out, seen = [], set()
    for text, lang in [*tagged, *((t, lang) for t, lang in plain if t not in seen_texts)]:
        lit = Literal(text, lang=lang) if lang else Literal(text)
        if lit not in seen:
            seen.add(lit)
            out.append(lit)
    return out
