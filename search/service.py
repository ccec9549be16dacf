"""Search over the catalogue: documents from the graph, one backend, facet labels for people.

The index is derived data: `reindex` rebuilds it from the graph at any time,
and `sync` keeps it in step after each harvest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hdcat.catalog import Catalog
from hdcat.search.analysis import flush_terms, use_terms_file
from hdcat.search.backends import SearchUnavailable, open_backend
from hdcat.search.documents import to_document
from hdcat.search.facets import label as facet_label
from hdcat.search.query import ALL_FACET_VALUES, SearchRequest, build_request
from hdcat.search.suggest import Suggester, contribution
from hdcat.search.suggester_shares import SuggesterShares
from hdcat.search.synonyms import groups as synonym_groups


def search_folder(settings) -> Path:
    """The data folder's search/: the embedded index, the suggesters, the STALE mark, the analysed words."""
    return Path(settings.data_dir) / "search"


def _stale_file(settings) -> Path:
    return search_folder(settings) / "STALE"


def terms_file(settings) -> Path:
    """Where the Korean words analysed so far are kept (search.analysis.KoreanTerms): beside the index, for
    every engine, since the analysis is hdcat's own."""
    return search_folder(settings) / "korean-terms.sqlite"


def mark_stale(settings, reason: str) -> None:
    """Remember that the index missed an update, so the next chance rebuilds it."""
    path = _stale_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reason)


class Search:
    def __init__(self, catalog: Catalog, backend=None):
        self.catalog = catalog
        settings = catalog.settings
        self.folder = search_folder(settings)
        self.folder.mkdir(parents=True, exist_ok=True)
        use_terms_file(terms_file(settings))
        self.backend = backend or open_backend(settings.search_url, settings.data_dir, settings.search)
        # two suggesters: words from consortium-only titles must not reach anonymous autocomplete; built
        # when first asked, and again when the shares have moved on since (a harvest, here or elsewhere)
        self._suggesters: dict = {}
        self._shares: SuggesterShares | None = None

    def close(self) -> None:
        self.backend.close()
        if self._shares is not None:
            self._shares.close()

    @property
    def shares(self) -> SuggesterShares:
        """Every dataset's share of the suggesters (opened on first use; the older JSON files, if any, are
        taken in once)."""
        if self._shares is None:
            self._shares = SuggesterShares(self.folder / "suggest.sqlite")
            _take_older_shares(self.folder, self._shares)
        return self._shares

    @property
    def suggester(self) -> Suggester:
        """Autocomplete and 'did you mean' for members: every dataset's words."""
        return self._suggester_kept(public=False)

    @property
    def public_suggester(self) -> Suggester:
        """The same from public datasets' words alone, for everyone else."""
        return self._suggester_kept(public=True)

    def _suggester_kept(self, public: bool) -> Suggester:
        found = self._suggesters.get(public)
        if found is None or found[0] != self.shares.generation:
            found = self._suggesters[public] = self.shares.suggester(public)
        return found[1]

    # ---- documents ------------------------------------------------------------------
    def documents(self, source: str | None = None, on_document: Callable[[], None] | None = None):
        """Every dataset's search document (of one source), read in one pass over the catalogue."""
        yield from self._documents(self.catalog.datasets.all_rows(source=source, members=True), on_document)

    def _documents(self, rows, on_document: Callable[[], None] | None = None, copy_graphs=None, linked=None):
        """The search documents of (dataset, graph) rows; records come graph by graph (Datasets.records,
        which `copy_graphs` is passed to). `linked`: which of them have lineage, if the caller knows."""
        if linked is None:
            linked = self.catalog.lineage.catalog_ids()
        rows = sorted(rows, key=lambda row: str(row[1]))
        for record in self.catalog.datasets.records(rows, copy_graphs=copy_graphs):
            doc = to_document(record, has_lineage=record["id"] in linked)
            doc["source"] = (record.get("harvest") or {}).get("source", "")
            if on_document:
                on_document()
            yield doc

    def reindex(self, on_document: Callable[[], None] | None = None) -> int:
        """Rebuild from the graph. If the engine is down the graph still holds everything: the index
        is marked stale (a file beside it) and the next sync, `hdcat serve` or `hdcat reindex` rebuilds it."""

        def documents(shares):
            # streamed into the engine: the whole catalogue's documents at once were a large harvest's
            # peak memory (a quarter of it at 5,000 datasets); each leaves only its share of the suggesters,
            # staged on disk as the pass goes (held in memory, they were gigabytes at 1,000,000 datasets)
            for doc in self.documents(on_document=on_document):
                shares.add(doc["id"], contribution(doc))
                yield doc
            _keep_analysed_words()  # before the engine commits what it was given

        with self.shares.rebuilding() as shares:  # a pass that fails leaves the shares kept before
            try:
                count = self.backend.rebuild(documents(shares))
            except SearchUnavailable as exc:
                mark_stale(self.catalog.settings, exc.message)
                raise
            shares.finish()
        _stale_file(self.catalog.settings).unlink(missing_ok=True)
        return count

    def update(self, runs) -> int | None:
        """Follow these harvest runs by re-indexing only the datasets their commits touched; the number of
        documents written, or None when that is not possible (a run whose changes are unknown, an engine
        without updates, a stale index, or counts that disagree afterwards) and a rebuild is needed."""
        changed = _changed(runs)
        if self.stale or any(r.touched is None for r in changed) or not self.backend.capabilities.updates:
            return None
        if not self.shares.filled:
            return None
        touched = set().union(*(r.touched for r in changed)) if changed else set()
        # the removed ones are not among the rows: they are only deleted from the index
        id_rows = self.catalog.datasets.rows_with_local_ids(touched, members=True)
        rows = [(ds, g) for ds, g, _ in id_rows]
        # the touched records are read from the store unless they are a fair share of the catalogue: a copy of
        # a graph costs its size (1,000 records of 100,000 datasets: 81 s to copy the graph, against about
        # 3 ms a record read from the store)
        share = len(rows) * 4 >= max(self.count(), 1)
        # a few datasets ask lineage about themselves; a fair share asks for the whole lineage index
        linked = None if share else self.catalog.lineage.catalog_ids_among(row[2] for row in id_rows)
        docs = list(self._documents(rows, copy_graphs=share, linked=linked))
        _keep_analysed_words()
        try:
            written = self.backend.update(docs, delete_ids=touched)
        except SearchUnavailable as exc:
            mark_stale(self.catalog.settings, exc.message)
            raise
        self.shares.update(touched, {doc["id"]: contribution(doc) for doc in docs})
        if self.count() != self.catalog.datasets.total(members=True):
            return None  # something else moved meanwhile: the caller rebuilds
        return written

    def needs_sync(self, runs) -> bool:
        """After these harvest runs: did something change, did an earlier update fail, or does the
        index hold another number of datasets than the graph?"""
        return bool(_changed(runs)) or self.stale or self.count() != self.catalog.datasets.total(members=True)

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
        result = self.backend.search(_for_reader(request, members))
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
        body["period"] = (
            {"start": request.period.start, "end": request.period.end, "label": str(request.period)}
            if request.period
            else None
        )
        if request.q and (result.total == 0 or result.relaxed):
            body["did_you_mean"] = self._suggester(members).correct(request.q)
        body["took_ms"] = round(result.took_ms, 2)
        return body

    def holdings(self, members: bool = False, hospital: str | None = None) -> dict:
        """The charts' figures, counted by this engine (`holdings`)."""
        return holdings(self.backend, members, hospital)

    def complete(self, prefix: str, limit: int = 10, members: bool = False) -> list[str]:
        return self._suggester(members).complete(prefix, limit)

    def _suggester(self, members: bool) -> Suggester:
        return self.suggester if members else self.public_suggester

    # ---- labels ---------------------------------------------------------------------
    def label(self, facet: str, value: str) -> str:
        return facet_label(facet, value)


def _take_older_shares(folder: Path, shares: SuggesterShares) -> None:
    """An index made before the shares were kept in SQLite kept them as one JSON file (suggest-parts.json,
    beside the two suggesters built from it): taken in once, then removed, so an update can follow it
    without a rebuild."""
    older = folder / "suggest-parts.json"
    if shares.filled or not older.exists():
        return
    shares.replace_all(json.loads(older.read_text("utf-8")))
    for name in ("suggest-parts.json", "suggest.json", "suggest-public.json"):
        (folder / name).unlink(missing_ok=True)


#: the facets the charts count
CHARTED = ("disease_area", "data_type", "years_covered")


def holdings(backend, members: bool = False, hospital: str | None = None) -> dict:
    """The charts' figures: datasets by disease area, data type and year covered, of the whole catalogue or
    of one hospital, as the search page counts them where a chart's bar leads. One request of facet counts,
    every value of each: counting them from the records took a pass over every record after each commit
    (103 s at 100,000 datasets, about twenty minutes at 1,000,000)."""
    request = SearchRequest(size=0, facet_size=ALL_FACET_VALUES, facet_names=CHARTED)
    if hospital:
        request.filters["hospital"] = [hospital]
    result = backend.search(_for_reader(request, members))
    counted = {name: {b["value"]: b["count"] for b in buckets} for name, buckets in result.facets.items()}
    years = counted["years_covered"]
    return {
        "total": result.total,
        "disease_areas": counted["disease_area"],
        "data_types": counted["data_type"],
        "years": {int(y): n for y, n in years.items() if y.isdigit()},
        "no_period": years.get("unknown", 0),
    }


def _for_reader(request: SearchRequest, members: bool) -> SearchRequest:
    """Consortium-only datasets left out for readers who are not members, in the engine, so hits, totals
    and facet counts all leave them out."""
    if not members:
        request.filters["visibility"] = ["public"]
    return request


def _changed(runs) -> list:
    """The harvest runs whose commit changed the catalogue."""
    return [r for r in runs if getattr(r, "outcome", None) and r.outcome.value == "changed"]


def _keep_analysed_words() -> None:
    """Before an index write: analyse the synonym groups' labels (the code lists' Korean and English names)
    too, then write every word analysed to the file of analysed words (analysis.KoreanTerms), so they are
    known before any query needs them. The first search of a new server expanded its synonyms through
    kiwipiepy, loading the model in a request (4.4 s, and every search arriving meanwhile waited: the p95
    of search under load was 2-4 s, bench/results/load.md). The groups are made once a process; free when
    the words are known."""
    synonym_groups()
    flush_terms()
