"""What every search backend offers, and the parts of answering that do not depend on the engine."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from hdcat.catalog import HdcatError
from hdcat.search.analysis import word_terms
from hdcat.search.query import SearchRequest


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
        return {
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "relaxed": self.relaxed,
            "did_you_mean": self.did_you_mean,
            "hits": self.hits,
            "facets": self.facets,
        }


@dataclass(frozen=True)
class Capabilities:
    persistent: bool
    alias_swap: bool
    #: `update` writes some documents into the live index (else every change is a rebuild)
    updates: bool = False


class SearchBackend:
    name = "base"
    capabilities = Capabilities(persistent=False, alias_swap=False)
    #: True: the constructor takes `shards` and `replicas` ([search] in hdcat.toml) besides the URL
    index_layout = False

    def rebuild(self, documents: Iterable[dict]) -> int:
        """Index everything anew and switch to it at once; searches never see a half-built index."""
        raise NotImplementedError

    def update(self, documents: Iterable[dict], delete_ids: Iterable[str] = ()) -> int:
        """Delete the documents with these ids, then write `documents` (replacing any with the same id),
        visible to searches together; the number written. Only when capabilities.updates."""
        raise NotImplementedError

    def search(self, request: SearchRequest, any_word: bool = False) -> SearchResult:
        """Datasets matching every clause of `request.must` (or any of them, with any_word)."""
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


def highlight(text: str | None, terms: set[str], limit: int = 320) -> str | None:
    """HTML-escaped snippet with <mark> around words whose analysis hits a query term.

    Done here, not in the engines, so both backends highlight identically.
    """
    if not text:
        return None
    if not terms:
        escaped = html.escape(text)
        return escaped if len(escaped) <= limit else escaped[:limit].rsplit(" ", 1)[0] + " …"
    words = text.split()
    first = next((i for i, w in enumerate(words) if not terms.isdisjoint(word_terms(w))), None)
    start = max(0, first - 12) if first is not None else 0
    pieces, length = [], 0
    for word in words[start:]:
        if length > limit:
            pieces.append("…")
            break
        length += len(word) + 1
        escaped = html.escape(word)
        pieces.append(f"<mark>{escaped}</mark>" if not terms.isdisjoint(word_terms(word)) else escaped)
    return ("… " if start else "") + " ".join(pieces)


def hit_from_document(doc: dict, request: SearchRequest, score: float | None) -> dict:
    terms = request.highlight_terms()
    summary = dict(doc["summary"])
    descriptions = doc.get("descriptions") or {}
    summary["score"] = round(score, 4) if score is not None else None
    summary["highlight"] = {lang: highlight(text, terms) for lang, text in descriptions.items()}
    summary["title_highlight"] = {
        lang: highlight(t, terms, 500) for lang, t in summary.get("titles", {}).items()
    }
    return summary
