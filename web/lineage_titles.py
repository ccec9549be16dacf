"""What a lineage node is called on the page: its catalogue dataset's title, else its own name, cut at a
word boundary so it fits a box.

Lineage ids ("dataset:hanbit:hanbit-heart-failure-echocardiography-2015-2025") are for machines; a person
recognises the catalogue title. The id stays available on hover (SVG <title>) and in the table view.
"""

from __future__ import annotations

import re
import unicodedata

from flask import request
from hdcat.catalog import HdcatError
from hdcat.web import lineage_palette

LANGUAGES = ("en", "ko")
_BREAK = re.compile(r"(?<=[\s._\-/:])")  # break after a space or a separator, keeping it on the left


def reader_language() -> str:
    """The interface language: Flask-Babel's choice where the app has it, else the browser's preference."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
        if locale is not None and locale.language in LANGUAGES:
            return locale.language
    except Exception:  # noqa: BLE001 — Flask-Babel absent or not set up on this app: fall back
        pass
    return request.accept_languages.best_match(LANGUAGES) or "en"


def width(text: str) -> int:
    """Display width in half-width units: a Hangul or other wide character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def shorten(text: str, limit: int) -> str:
    """`text` within `limit` units, cut after a whole word with an ellipsis; a single word longer than
    the limit is cut inside it (nothing else would fit)."""
    text = " ".join(text.split())
    if width(text) <= limit:
        return text
    kept = ""
    for word in _BREAK.split(text):
        if width((kept + word).rstrip(" ._-/:")) > limit - 1:  # a trailing separator is dropped
            break
        kept += word
    kept = kept.rstrip(" ._-/:")
    if not kept:  # one long word
        for ch in text:
            if width(kept + ch) > limit - 1:
                break
            kept += ch
    return kept + "…"


def wrap(text: str, limit: int, lines: int = 2) -> list[str]:
    """`text` over at most `lines` lines of `limit` units, broken after a space or a separator (which stays
    at the end of its line: "cohort_with_" / "smoking_history"); the last line shortened."""
    out: list[str] = []
    rest = " ".join(text.split())
    while rest and len(out) < lines - 1 and width(rest) > limit:
        line = ""
        for word in _BREAK.split(rest):
            if width((line + word).rstrip()) > limit:
                break
            line += word
        if not line.strip():  # one word longer than a line: the last line's shortening handles it
            break
        out.append(line.rstrip())
        rest = rest[len(line) :].lstrip()
    if rest:
        out.append(shorten(rest, limit))
    return out


class Titles:
    """Titles of lineage nodes for one request, each catalogue record read once. `lookup(local id)` gives a
    catalogue record (a dict with "titles" by language and "title") or raises HdcatError."""

    def __init__(self, lookup, language: str = "en"):
        self.lookup = lookup
        self.language = language
        self._cache: dict[str, str | None] = {}

    def of_catalogue(self, local_id: str) -> str | None:
        if local_id not in self._cache:
            try:
                record = self.lookup(local_id)
            except HdcatError:  # gone or hidden since the lineage was indexed: the node's name serves
                record = None
            self._cache[local_id] = pick_title(record, self.language) if record else None
        return self._cache[local_id]

    def __call__(self, node: str, data: dict) -> str:
        """A node's title: its catalogue dataset's, else its dataset or job name."""
        if data.get("catalogId"):
            title = self.of_catalogue(data["catalogId"])
            if title:
                return title
        if data.get("type") == "GROUP":  # a hospital, when the page is collapsed by hospital
            swatch = lineage_palette.swatch(data.get("name"))
            return swatch.short if swatch.hospital else str(data.get("name"))
        return str(data.get("name") or node.rsplit(":", 1)[-1])


def pick_title(record: dict, language: str) -> str | None:
    titles = record.get("titles") or {}
    other = [lang for lang in LANGUAGES if lang != language]
    for lang in [language, *other, ""]:
        if titles.get(lang):
            return titles[lang]
    return record.get("title")
