"""Search over the catalogue: documents from the graph, one backend, facet labels for people.

The index is derived data: `reindex` rebuilds it from the graph at any time,
and `sync` keeps it in step after each harvest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hdcat.catalog import Catalog
from hdcat.search.backends import SearchUnavailable, open_backend
from hdcat.search.documents import to_document
from hdcat.search.facets import label as facet_label
from hdcat.search.query import SearchRequest, build_request
from hdcat.search.suggest import Suggester


def _stale_file(settings) -> Path:
    return Path(settings.data_dir) / "search" / "STALE"


def mark_stale(settings, reason: str) -> None:
    """Remember that the index missed an update, so the next chance rebuilds it."""
    path = _stale_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reason)


class Search:
    def __init__(self, catalog: Catalog, backend=None):
        self.catalog = catalog
        settings = catalog.settings
        self.folder = Path(settings.data_dir) / "search"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.backend = backend or open_backend(settings.search_url, settings.data_dir)
        # two suggesters: words from consortium-only titles must not reach anonymous autocomplete
        self.suggester = Suggester.load(self.folder / "suggest.json")
        self.public_suggester = Suggester.load(self.folder / "suggest-public.json")

    def close(self) -> None:
        self.backend.close()

    # ---- documents ------------------------------------------------------------------
    def documents(self, source: str | None = None, on_document: Callable[[], None] | None = None):
        linked = self.catalog.lineage.catalog_ids()
        page = 1
        while True:
            total, records = self.catalog.datasets.page(page, 200, source=source, members=True)
            for record in records:
                doc = to_document(record, has_lineage=record["id"] in linked)
                doc["source"] = (record.get("harvest") or {}).get("source", "")
                if on_document:
                    on_document()
                yield doc
            if page * 200 >= total:
                break
            page += 1

    def reindex(self, on_document: Callable[[], None] | None = None) -> int:
        """Rebuild from the graph. If the engine is down the graph still holds everything: the index
        is marked stale (a file beside it) and the next sync, `hdcat serve` or `hdcat reindex` rebuilds it."""
        docs = list(self.documents(on_document=on_document))
        try:
            count = self.backend.rebuild(docs)
        except SearchUnavailable as exc:
            mark_stale(self.catalog.settings, exc.message)
            raise
        self.suggester = Suggester.from_documents(docs)
        self.suggester.save(self.folder / "suggest.json")
        self.public_suggester = Suggester.from_documents([d for d in docs if d["visibility"] == ["public"]])
        self.public_suggester.save(self.folder / "suggest-public.json")
        _stale_file(self.catalog.settings).unlink(missing_ok=True)
        return count

    def needs_sync(self, runs) -> bool:
        """After these harvest runs: did something change, did an earlier update fail, or does the
        index hold another number of datasets than the graph?"""
        changed = any(getattr(r, "outcome", None) and r.outcome.value == "changed" for r in runs)
        return changed or self.stale or self.count() != self.catalog.datasets.count(members=True)

    def sync(self, runs) -> int:
        """Bring the index in step after harvests; 0 when it already was."""
        return self.reindex() if self.needs_sync(runs) else 0

    @property
    def stale(self) -> bool:
        """True when an earlier update of the index failed and has not been repaired yet."""
        return _stale_file(self.catalog.settings).exists()

    def count(self) -> int:
        return self.backend.count()

    # ---- queries --------------------------------------------------------------------
    def search(self, args: dict, members: bool = False) -> dict:
        """A search as a visitor asked it; `members` says whether they may see consortium-only datasets."""
        return self.run(build_request(args), members)

    def run(self, request: SearchRequest, members: bool = False) -> dict:
        """Every word first; when that finds nothing, any word (said as `relaxed`); when it finds less
        than a page, the first page is topped up with any-word hits marked `partial`."""
        if not members:  # applied in the engine, so hits, totals and facet counts all leave them out
            request.filters["visibility"] = ["public"]
        result = self.backend.search(request)
        several = len(request.must) > 1
        if result.total == 0 and several:
            result = self.backend.search(request, any_word=True)
        elif several and request.page == 1 and result.total < request.size:
            more = self.backend.search(request, any_word=True)
            seen = {h["id"] for h in result.hits}
            extra = [dict(h, partial=True) for h in more.hits if h["id"] not in seen]
            result.hits += extra[: request.size - len(result.hits)]
        body = result.to_dict()
        body["facets"] = {
            name: [dict(b, label=self.label(name, b["value"])) for b in buckets]
            for name, buckets in result.facets.items()
        }
        if request.q and (result.total == 0 or result.relaxed):
            body["did_you_mean"] = self._suggester(members).correct(request.q)
        body["took_ms"] = round(result.took_ms, 2)
        return body

    def complete(self, prefix: str, limit: int = 10, members: bool = False) -> list[str]:
        return self._suggester(members).complete(prefix, limit)

    def _suggester(self, members: bool) -> Suggester:
        return self.suggester if members else self.public_suggester

    # ---- labels ---------------------------------------------------------------------
    def label(self, facet: str, value: str) -> str:
        return facet_label(facet, value)
