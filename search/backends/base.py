"""What every search backend offers, and the parts of answering that do not depend on the engine."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Iterable

from catalog.errors import HdcatError
from search.analysis import word_terms
from search.query import FACETS, SearchRequest


class SearchUnavailable(HdcatError):
    """The search engine cannot be reached or refused the request; the graph is unaffected."""
    status = 503
    code = "search_unavailable"


@dataclass
class SearchResult:
    total: int
    hits: list[dict]
    facets: dict[str, list[dict]]
    page: int
    size: int
    relaxed: bool = False
    did_you_mean: str | None = None
    took_ms: float = 0.0

    def to_dict(self) -> dict:
        return {"total": self.total, "page": self.page, "size": self.size, "relaxed": self.relaxed,
                "did_you_mean": self.did_you_mean, "hits": self.hits, "facets": self.facets}


@dataclass(frozen=True)
class Capabilities:
    persistent: bool
    alias_swap: bool


class SearchBackend:
    name = "base"
    capabilities = Capabilities(persistent=False, alias_swap=False)

    def rebuild(self, documents: Iterable[dict]) -> int:
        """Index everything anew and switch to it at once; searches never see a half-built index."""
        raise NotImplementedError

    def upsert(self, documents: list[dict]) -> None:
        raise NotImplementedError

    def delete(self, ids: list[str]) -> None:
        raise NotImplementedError

    def search(self, request: SearchRequest) -> SearchResult:
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


_WORD = re.compile(r"\S+")


def highlight(text: str | None, terms: set[str], limit: int = 320) -> str | None:
    """HTML-escaped snippet with <mark> around words whose analysis hits a query term.

    Done here, not in the engines, so both backends highlight identically.
    """
    if not text:
        return None
    if not terms:
        escaped = html.escape(text)
        return escaped if len(escaped) <= limit else escaped[:limit].rsplit(" ", 1)[0] + " …"
    words = _WORD.findall(text)
    marked = []
    first = None
    for i, word in enumerate(words):
        hit = not terms.isdisjoint(word_terms(word))
        if hit and first is None:
            first = i
        marked.append(f"<mark>{html.escape(word)}</mark>" if hit else html.escape(word))
    start = max(0, (first or 0) - 12)
    snippet = " ".join(marked[start:])
    plain_len = 0
    cut = []
    for piece in marked[start:]:
        plain_len += len(piece) + 1
        cut.append(piece)
        if plain_len > limit:
            cut.append("…")
            break
    return ("… " if start else "") + " ".join(cut) if len(snippet) > limit else ("… " if start else "") + snippet


def hit_from_document(doc: dict, request: SearchRequest, score: float | None) -> dict:
    terms = request.highlight_terms()
    summary = dict(doc["summary"])
    descriptions = doc.get("descriptions") or {}
    summary["score"] = round(score, 4) if score is not None else None
    summary["highlight"] = {
        lang: highlight(text, terms) for lang, text in descriptions.items()
    }
    summary["title_highlight"] = {lang: highlight(t, terms, 500) for lang, t in summary.get("titles", {}).items()}
    return summary


def empty_facets() -> dict[str, list[dict]]:
    return {name: [] for name in FACETS}
