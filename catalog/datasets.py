"""The read model of datasets: counts, pages, one dataset as a record or as RDF, the home page's figures.

Everything here only reads. Records are built from the graph once and kept in memory until a
commit changes the graph (`forget`), so lists and pages stop costing per-row SPARQL. A
dataset's conformance is read as last computed (see catalog.conformance_service): reading a
dataset never scores it.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict, namedtuple
from collections.abc import Callable, Iterator
from typing import NamedTuple

from hdcat.catalog.config import Settings
from hdcat.catalog.errors import NotFound
from hdcat.catalog.graph_rows import CATALOGUE_KEYS, DATASET_AREAS_KEPT, DATASET_MAP, READ_WHOLE_ABOVE
from hdcat.catalog.holdings import UNCLASSIFIED, with_area
from hdcat.catalog.iris import (
    consortium_graph_prefix,
    iri_tail,
    reference_graph_iri,
    safe_iri,
    source_graphs,
    valid_local_id,
)
from hdcat.catalog.memory import collector_paused
from hdcat.catalog.patched import Patched
from hdcat.catalog.range_types import state_range_types
from hdcat.catalog.readmodel import dataset_record, suppress
from hdcat.catalog.resources import RecordView, RememberingUndescribed, dataset_closure, describe
from hdcat.catalog.shared_datasets import source_of, source_order
from hdcat.catalog.values_blocks import in_parts
from hdcat.catalog.visibility import visibility_of, visible_graphs_filter
from hdcat.ontology import (
    DCAT,
    DCT,
    DISEASE_AREA,
    HDCAT,
    PROV,
    bind_prefixes,
    hospital_iri,
    hospitals,
    sparql_prefixes,
)
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF

P = sparql_prefixes("dcat", "dct", "hdcat", "foaf", "prov")

#: `{where}` (Datasets._where) narrows by source and visibility
#: every (dataset, graph, short id) of the visible graphs, for whole-catalogue work (reindex, conformance):
#: paging with OFFSET would sort the catalogue once a page, N² over a pass
_Row = namedtuple("_Row", "ds g id")
_EVERY_DATASET = """WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
    {where} }}"""
ALL_DATASETS = P + "SELECT ?ds ?g ?id " + _EVERY_DATASET
#: ALL_DATASETS by graph, the graph first, unfiltered: the map of every dataset reads each graph's rows. Like
#: every kind of rows kept per graph (catalog.graph_rows), `{graphs}` is a VALUES block of graphs, named first
#: so each is one range, or nothing for every graph (Datasets._graph_rows)
DATASETS_BY_GRAPH = (
    P
    + """SELECT ?g ?ds ?id WHERE {{ {graphs}
    GRAPH ?g {{ ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }} }}"""
)
#: how many datasets ALL_DATASETS gives (`{where}`: the visibility filter). The import stage writes a short id
#: only beside hdcat:hospital on a dcat:Dataset (harvesters/dcat_import.py), so the short ids alone count
#: them: one range of one index, where the three patterns joined looked each dataset up at random (63 s
#: against 0.8 s at 1,000,000 datasets, a store larger than the page cache)
COUNT_DATASETS = (
    P + "SELECT (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{ ?ds hdcat:localId ?id }} {where} }}"
)
WHERE_GRAPH_IN = "FILTER(?g IN ({graphs}))"
#: whether any graph states a theme (`{theme}`: an IRI), and whether any of some graphs holds anything
THEME_HELD = P + "SELECT ?g WHERE {{ GRAPH ?g {{ ?ds dcat:theme <{theme}> }} }} LIMIT 1"
GRAPH_HELD = P + "SELECT ?g WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1"
#: the datasets that have any of the given short ids (`{ids}`: quoted literals), in any graph
DATASETS_WITH_IDS = (
    P + """SELECT DISTINCT ?ds WHERE {{ GRAPH ?g {{ ?ds hdcat:localId ?id }} VALUES ?id {{ {ids} }} }}"""
)
#: how many datasets the given graphs (`{graphs}`: IRIs in angle brackets) hold between them
SOURCE_SIZE = (
    P
    + """SELECT (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{ ?ds a dcat:Dataset }}
    VALUES ?g {{ {graphs} }} }}"""
)
#: each dataset's hospital and disease areas (its dcat:theme in the disease-area scheme, or none), by graph:
#: the home page's figures are counted from them (catalog.graph_rows keeps them per graph; the two aggregate
#: queries they replace took 162 s at 1,000,000 datasets after every commit). Two queries joined in Python,
#: not one with an OPTIONAL theme: Oxigraph read every theme of the catalogue for that OPTIONAL even with the
#: graphs named (33 s for the two graphs of a 36-dataset source at 1,000,000 datasets). `{graphs}`: a VALUES
#: block of graphs, or nothing for every graph
DATASET_HOSPITALS = (
    P
    + """SELECT ?g ?ds ?h WHERE {{ {graphs} GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }} }}"""
)
DATASET_AREAS = (
    P
    + f"""SELECT ?g ?ds ?theme WHERE {{{{ {{graphs}} GRAPH ?g {{{{ ?ds dcat:theme ?theme
    FILTER(STRSTARTS(STR(?theme), "{DISEASE_AREA}")) }}}} }}}}"""
)
#: the hospital of each of the given datasets (`{datasets}`: IRIs in angle brackets), in the visible graphs
HOSPITALS_OF = (
    P
    + """SELECT DISTINCT ?ds ?h WHERE {{ VALUES ?ds {{ {datasets} }} GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
    {visible} }}"""
)
#: every dataset's short id, hospital and own identifier, for matching lineage datasets to the catalogue, by
#: graph (catalog.graph_rows keeps them per graph; `{graphs}` as in DATASETS_BY_GRAPH)
CATALOGUE_IDS = (
    P
    + """SELECT ?g ?id ?h ?ident WHERE {{ {graphs} GRAPH ?g {{
    ?ds hdcat:localId ?id ; hdcat:hospital ?h . OPTIONAL {{ ?ds dct:identifier ?ident }} }} }}"""
)
#: the same of some datasets (`{ids}`: their short ids as literals)
CATALOGUE_IDS_OF = (
    P
    + """SELECT ?id ?h ?ident WHERE {{ VALUES ?id {{ {ids} }}
    GRAPH ?g {{ ?ds hdcat:localId ?id ; hdcat:hospital ?h . OPTIONAL {{ ?ds dct:identifier ?ident }} }} }}"""
)


class Datasets:
    """Answers the read model. `conformance_of(dataset IRI)` gives a record its measurements as last
    computed; it must only read."""

    #: read-model records kept between requests; a commit clears them (see forget)
    RECORD_CACHE_SIZE = 20_000

    def __init__(
        self,
        store,
        settings: Settings,
        conformance_of: Callable[[str], list] | None = None,
        conformance_of_many: Callable[[list], dict] | None = None,
    ):
        self.store = store
        self.settings = settings
        self.base = settings.base_iri
        self.conformance_of = conformance_of or (lambda dataset: [])
        #: dataset IRIs → {IRI: measurements}: what a pass over many records reads at once
        self.conformance_of_many = conformance_of_many or (lambda datasets: {})
        self._records: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._epoch = 0  # bumped by every commit: a value read before it is not cached after it
        self._catalogue_ids: Patched[MatchKeys] = Patched()  # see catalogue_ids
        self._stats: OrderedDict = OrderedDict()  # the home page's figures, by `members`, until a commit
        self._totals: OrderedDict = OrderedDict()  # `total()` by `members`, until a commit
        #: each listing's datasets in page order, by its filters, until a commit: a page is then a slice,
        #: not a sort of the whole catalogue (ORDER BY … OFFSET sorted it again for every page)
        self._orders: OrderedDict = OrderedDict()
        self._local_ids: OrderedDict = OrderedDict()  # short id → its datasets' IRIs, until a commit
        #: members? → dataset → (graphs, short id): see _graph_map
        self._maps: dict[bool, Patched[dict]] = {True: Patched(), False: Patched()}
        #: graph name → the IRIs a record read found it holds nothing on, until a commit writes that graph
        self._undescribed: dict = {}

    def forget(self, graphs=None, touched=None) -> None:
        """After a commit: cached records and catalogue ids may describe the old graph. `graphs`: the named
        graphs the commit wrote, when known. A record is made from its own graphs alone, so only the records
        read from those go; the others stay (a harvest of eight sources then builds each record once, not
        once for its conformance and again for the index after a later source's commit). `touched`: the
        short ids the commit added, changed or removed, when known: the catalogue ids are then read again
        for those alone (`catalogue_ids`)."""
        for kept in (self._catalogue_ids, *self._maps.values()):
            kept.forget(touched)
        with self._lock:
            if graphs is None:
                self._records.clear()
                self._undescribed = {}
            else:
                written = {str(g) for g in graphs}
                for key in [k for k in self._records if written.intersection(map(str, k[1]))]:
                    del self._records[key]
                self._undescribed = {g: known for g, known in self._undescribed.items() if g not in written}
            self._epoch += 1
            self._stats.clear()
            self._totals.clear()
            self._orders.clear()
            self._local_ids.clear()

    # ---- lists ----
    def _where(self, source=None, members=False) -> str:
        clauses = [visible_graphs_filter(self.base, members)]
        if source:
            graphs = source_graphs(self.base, source)
            clauses.append(WHERE_GRAPH_IN.format(graphs=", ".join(f"<{n}>" for n in graphs)))
        return "\n".join(clauses)

    #: listings whose order is kept (hospital × disease area × source × reader kind in use at once)
    ORDERS_KEPT = 64

    def count(self, hospital=None, disease_area=None, source=None, members=False) -> int:
        return len(self._order(hospital, disease_area, source, members))

    def total(self, members=False) -> int:
        """`count()` of the whole catalogue without reading its map: the number alone, counted by the engine,
        unless the map is at hand (a re-harvest's index update checks the total once and reads nothing else
        of the catalogue). The number is kept until a commit: the home and hospital pages ask for it on every
        view (is the search index behind?), and the count is most of a second at 1,000,000 datasets."""
        everything = self._maps[bool(members)].current()
        if everything is not None:
            return len(everything)

        def count() -> int:
            q = COUNT_DATASETS.format(where=visible_graphs_filter(self.base, members))
            return int(self.store.select_text(q)[0][0])

        return self._kept(self._totals, bool(members), count)

    def page(
        self, page=1, size=20, hospital=None, disease_area=None, source=None, members=False
    ) -> tuple[int, list[dict]]:
        """One page of datasets; `members` says whether the reader may see consortium-only ones."""
        total, rows = self.page_rows(page, size, hospital, disease_area, source, members)
        return total, [self.record(ds, graphs) for ds, graphs in rows]

    def page_rows(self, page, size, hospital=None, disease_area=None, source=None, members=False):
        """(total, [(dataset IRI, its graphs)]) of one page: each dataset once, however many sources publish
        it, in short-id order; the graphs are every visible graph that publishes it, first source first."""
        order = self._order(hospital, disease_area, source, members)
        start = (int(page) - 1) * int(size)
        page_ds = order[start : start + int(size)]
        graphs = self._graphs_of(page_ds, members)
        rows = [(ds, graphs[ds][0]) for ds in page_ds if ds in graphs]
        return len(order), rows

    def _order(self, hospital, disease_area, source, members) -> list:
        """Every dataset of a listing in page order, kept until the next commit. The whole catalogue's order
        is the map of every visible dataset sorted by short id (no second query); a filtered listing is that
        order kept to the datasets it holds (`_held`)."""

        def compute() -> list:
            if not (hospital or disease_area or source):
                everything = self._graph_map(members)
                return sorted(everything, key=lambda ds: (everything[ds][1], str(ds)))
            held = self._held(hospital, disease_area, source, members)
            return [ds for ds in self._order(None, None, None, members) if str(ds) in held]

        key = (hospital, disease_area, source, bool(members))
        if key not in self._orders and not self._named_in_store(disease_area, source):
            return []  # nothing to read and nothing to keep: an unknown value must not push out real listings
        return self._kept(self._orders, key, compute, self.ORDERS_KEPT)

    def _named_in_store(self, disease_area, source) -> bool:
        """Whether some graph holds the disease area as a theme and the source has a graph: one look-up in
        an index each, so a listing by a value nothing holds is empty at once (it would cost a pass over the
        rows per graph, seconds at 1,000,000 datasets, and a place among the kept listings)."""
        if disease_area and not self.store.select_text(THEME_HELD.format(theme=DISEASE_AREA[disease_area])):
            return False
        if source:
            graphs = " ".join(f"<{g}>" for g in source_graphs(self.base, source))
            return bool(self.store.select_text(GRAPH_HELD.format(graphs=graphs)))
        return True

    def _held(self, hospital, disease_area, source, members) -> set[str]:
        """The datasets a filtered listing holds: stated in a graph the reader may see (of the source's, with
        a source) with that hospital and that disease area, from the rows per graph the home page's figures
        are counted from (kept on disk, read again for the graphs a commit changed): 2.5-3.3 s at 1,000,000
        datasets, where the query that found and sorted a listing took 70 s for a hospital of 21 datasets
        and 332 s for one of 999,999 (a disease area alone was found at once through the store's index of
        themes; a hospital's listing read and sorted the catalogue)."""
        hospital = str(hospital_iri(hospital)) if hospital else None
        theme = str(DISEASE_AREA[disease_area]) if disease_area else None
        graphs = {str(g) for g in source_graphs(self.base, source)} if source else None
        held = set()
        for name, rows in self._visible_rows(DATASET_AREAS_KEPT, self._area_rows, members):
            if graphs is None or name in graphs:
                held.update(
                    ds
                    for ds, h, t in rows
                    if (hospital is None or h == hospital) and (theme is None or t == theme)
                )
        return held

    def _kept(self, cache: OrderedDict, key, compute, limit: int | None = None, keep: bool = True):
        """`cache[key]`, computed on first use and kept until the next commit (forget() empties the caches
        and moves the epoch on): what was computed while a commit came in is returned but not kept, and
        the least recently used entries go beyond `limit`. `keep` False: found or computed, not kept."""
        with self._lock:
            found, epoch = cache.get(key), self._epoch
            if found is not None:
                cache.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            if keep and self._epoch == epoch:  # no commit came in between: the value is current
                cache[key] = found
                while limit is not None and len(cache) > limit:
                    cache.popitem(last=False)
        return found

    def _graphs_of(self, datasets, members: bool) -> dict:
        """dataset → (its graphs in source order, its short id) for the given datasets: looked up in the map
        of every visible dataset (`_graph_map`), so a page, a dataset page or a lineage title costs no
        query once the map is read (it was one query a page, and one per dataset looked up)."""
        if not datasets:
            return {}
        everything = self._maps[bool(members)].current()
        if everything is None and len(datasets) <= self.FEW_ROWS:  # not at hand: these alone, not the map
            return {ds: (graphs, local) for ds, graphs, local in self.rows_for(datasets, members)}
        everything = self._graph_map(members)
        return {ds: everything[ds] for ds in datasets if ds in everything}

    def _graph_map(self, members: bool) -> dict:
        """dataset → (its visible graphs in source order, its short id), of every dataset the reader may see:
        one query over the catalogue, kept until the next commit (like the listing orders)."""

        def read_whole() -> dict:
            with collector_paused():  # a million datasets are millions of objects and no garbage
                return self._grouped(
                    _Row(URIRef(ds), g, local)
                    for name, rows in self._visible_rows(DATASET_MAP, self._map_rows, members)
                    for g in (URIRef(name),)
                    for ds, local in rows
                )

        def patch(everything: dict, touched: set[str]) -> dict:
            """The datasets with a touched short id read again with every graph that publishes them."""
            rows = self.rows_for(self._datasets_with_ids(touched), members)
            fresh = {ds: (graphs, local) for ds, graphs, local in rows}
            kept = {
                ds: found for ds, found in everything.items() if found[1] not in touched and ds not in fresh
            }
            kept.update(fresh)
            return kept

        return self._maps[bool(members)].get(read_whole, patch)

    #: the share of the catalogue's datasets to read again above which the map and keys are read whole
    READ_WHOLE_ABOVE = READ_WHOLE_ABOVE

    def _visible_rows(self, kind, read, members: bool) -> list[tuple[str, list]]:
        """(graph, its rows) of one kind of rows kept per graph (catalog.graph_rows), for the graphs the
        reader may see."""
        hidden = consortium_graph_prefix(self.base)
        by_graph = kind.kept(self.store, self.base, self.settings.data_dir, read, self.READ_WHOLE_ABOVE)
        return [(name, rows) for name, rows in by_graph.items() if members or not name.startswith(hidden)]

    def _map_rows(self, graphs: list[str] | None) -> list[tuple]:
        """(graph, dataset, short id) of the given graphs, or of every graph (None): what the map of every
        dataset is made of (kept per graph on disk: catalog.graph_rows)."""
        return self._graph_rows(DATASETS_BY_GRAPH, graphs)

    def _grouped(self, rows) -> dict:
        """(dataset, graph, id) rows → dataset → (graphs in source order, the smallest short id). One tuple a
        dataset: nearly every dataset has one row, and a list or two each was most of a million-dataset map's
        making."""
        found: dict = {}
        several = []
        for ds, g, local in rows:
            entry = found.get(ds)
            if entry is None:
                found[ds] = ((g,), str(local))
                continue
            graphs, least = entry
            if g not in graphs:
                graphs += (g,)
                if len(graphs) == 2:
                    several.append(ds)
            found[ds] = (graphs, min(least, str(local)))
        for ds in several:
            graphs, least = found[ds]
            found[ds] = (tuple(sorted(graphs, key=lambda g: source_order(self.base, g))), least)
        return found

    def all_rows(self, source=None, members=True) -> list[tuple]:
        """[(dataset IRI, its graphs)] of every dataset (of one source), in short-id order."""
        return [(ds, graphs) for ds, graphs, _ in self.rows_with_ids(source, members)]

    def rows_with_ids(self, source=None, members=True) -> list[tuple]:
        """[(dataset IRI, its graphs, its short id)] of every dataset (of one source), each once, in short-id
        order: how a pass over many ids finds them (one query, or two for one source, not one lookup an
        id). A dataset of the source that other sources publish too comes with all its graphs."""
        everything = self._graph_map(members)  # kept until the next commit: a pass reads it once
        if source:
            wanted = self.source_ids(source, members)
            everything = {ds: v for ds, v in everything.items() if ds in wanted}
        return [
            (ds, graphs, local_id)
            for ds, (graphs, local_id) in sorted(everything.items(), key=lambda kv: (kv[1][1], str(kv[0])))
        ]

    #: above this many short ids, `rows_with_local_ids` reads the catalogue's map instead of naming them
    IDS_NAMED = 2_000

    def rows_with_local_ids(self, local_ids, members=True) -> list[tuple]:
        """`rows_with_ids` of the datasets whose short id is among `local_ids`: two queries that name them
        instead of the map of the whole catalogue (a 1 %-changed re-harvest's index update read 5,000 rows
        to find 50)."""
        local_ids = set(local_ids)
        if len(local_ids) > self.IDS_NAMED:
            return [row for row in self.rows_with_ids(members=members) if row[2] in local_ids]
        return [
            row for row in self.rows_for(self._datasets_with_ids(local_ids), members) if row[2] in local_ids
        ]

    def _datasets_with_ids(self, local_ids) -> list[URIRef]:
        """The datasets that have any of these short ids, in any graph (VALUES blocks)."""
        return [
            URIRef(ds)
            for ids in in_parts(Literal(i).n3() for i in sorted(local_ids))
            for (ds,) in self.store.select_text(DATASETS_WITH_IDS.format(ids=ids))
        ]

    def source_ids(self, source: str, members: bool = True) -> dict:
        """Dataset → its short id, of one source's datasets (one query, read as text)."""
        q = ALL_DATASETS.format(where=self._where(source, members))
        return {URIRef(ds): local for ds, _, local in self.store.select_text(q)}

    def source_size(self, source: str) -> int:
        """How many datasets `source` publishes, public or not, counted by the engine (0.02 s at 100,000
        datasets, against 4.8 s to read their short ids)."""
        graphs = " ".join(f"<{g}>" for g in source_graphs(self.base, source))
        return int(self.store.select_text(SOURCE_SIZE.format(graphs=graphs))[0][0])

    def rows_for(self, datasets, members: bool = True) -> list[tuple]:
        """`rows_with_ids` of the given datasets alone, with every graph that publishes them: what a
        rescoring of a few datasets needs, without a query over the whole catalogue."""
        if not datasets:
            return []
        visible = self._where(None, members)
        parts = in_parts(f"<{d}>" for d in dict.fromkeys(datasets))
        wheres = (f"{visible} VALUES ?ds {{ {part} }}" for part in parts)
        rows = [row for where in wheres for row in self.store.select_text(ALL_DATASETS.format(where=where))]
        found = self._grouped(_Row(URIRef(ds), URIRef(g), local) for ds, g, local in rows)
        return [
            (ds, graphs, local_id)
            for ds, (graphs, local_id) in sorted(found.items(), key=lambda kv: (kv[1][1], str(kv[0])))
        ]

    # ---- one dataset ----
    def locate(self, local_id: str, members: bool = False):
        """(IRI, graphs) of a dataset; a hidden one is NotFound, so its existence does not leak either."""
        if not valid_local_id(local_id):
            raise NotFound(f"no dataset with id {local_id!r}")
        candidates = self._datasets_of_id(local_id)
        found = self._graphs_of(candidates, members)  # only the graphs this reader may see
        ds = next((ds for ds in candidates if ds in found), None)
        if ds is None:
            raise NotFound(f"no dataset with id {local_id!r}")
        return ds, found[ds][0]

    #: short ids whose datasets `locate` keeps until the next commit
    IDS_KEPT = 10_000

    def _datasets_of_id(self, local_id: str) -> list:
        """The IRIs of the datasets that carry this short id (in any graph), from one look-up kept until the
        next commit; who may see which is decided by the caller from the graphs. (Every short id of the
        catalogue was read for the first dataset page: 58 s with a cold cache at 1,000,000 datasets.)"""
        found = lambda: sorted(self._datasets_with_ids([local_id]), key=str)  # noqa: E731
        return self._kept(self._local_ids, local_id, found, self.IDS_KEPT)

    def locate_iri(self, iri: str, members: bool = False):
        """(short id, graphs) of a dataset IRI, or NotFound."""
        if not safe_iri(iri):
            raise NotFound(f"no dataset with IRI {iri}")
        found = self._graphs_of([URIRef(iri)], members)
        if not found:
            raise NotFound(f"no dataset with IRI {iri}")
        graphs, local_id = found[URIRef(iri)]
        return local_id, graphs

    def get(self, local_id: str, members: bool = False) -> dict:
        ds, graphs = self.locate(local_id, members)
        return self.record(ds, graphs)

    #: up to this many rows, `records` reads each record from the store rather than copying whole graphs
    FEW_ROWS = 200

    def records(self, rows, with_conformance: bool = True, copy_graphs: bool | None = None) -> Iterator[dict]:
        """The records of many (dataset, graphs) rows, for whole passes (reindex): each graph is read from
        the store once into memory and every record is cut from that copy, instead of a store lookup a
        triple (the store's per-call overhead was most of a reindex: bench/results/pipeline.md). With
        `copy_graphs` False (a few rows of a large graph: a re-harvest's changes) they are read from the
        store instead; None (the default) decides by the number of rows (FEW_ROWS)."""
        rows = list(rows)
        if copy_graphs is None:
            copy_graphs = len(rows) > self.FEW_ROWS
        # every record's measurements read at once: two store lookups a record were two requests a record to
        # a SPARQL server
        scores = self.conformance_of_many([ds for ds, _ in rows]) if with_conformance and rows else {}

        def record(ds, graphs, **kwargs) -> dict:
            found = self.record(ds, graphs, with_conformance=False, **kwargs)
            return {**found, "conformance": scores.get(str(ds), [])} if with_conformance else found

        # a pass over more records than the cache holds keeps none of them: the next pass (the index after
        # conformance) goes in the same order, so each would be gone before it was asked for again, and the
        # cache's 20,000 records were a large harvest's index step's peak memory
        keep = len(rows) <= self.RECORD_CACHE_SIZE
        if not copy_graphs:
            for ds, graphs in rows:
                yield record(ds, _as_graphs(graphs), keep=keep)
            return
        copies: OrderedDict = OrderedDict()
        for ds, graphs in rows:
            graphs = _as_graphs(graphs)
            if (str(ds), graphs) in self._records:  # cached: no copy needed
                yield record(ds, graphs)
                continue
            for name in graphs:
                if name not in copies:
                    copies[name] = self.store.graph_copy(name)
                copies.move_to_end(name)
            while len(copies) > max(len(graphs), self.GRAPH_COPIES):  # rows come grouped by graph in practice
                copies.popitem(last=False)
            ctx = {name: copies[name] for name in graphs}
            yield record(ds, graphs, ctx=ctx, keep=keep)

    #: graphs `records` holds in memory at once: the current one and those of datasets shared with it
    GRAPH_COPIES = 3

    def record(self, ds, graphs, with_conformance: bool = True, ctx=None, keep: bool = True) -> dict:
        """A dataset's read-model record, from every graph in `graphs` (the first one's values first, see
        catalog.shared_datasets). Built from the graphs once, then served from memory until a harvest
        commits: lists and pages stop costing per-row SPARQL. `ctx`: graph name → an in-memory copy of
        it to read instead of the store (see `records`); `keep` False: built (or found) but not kept."""
        graphs = _as_graphs(graphs)

        def build() -> dict:
            sources = [(name, ctx[name] if ctx else self._view(name, ds)) for name in graphs]
            g = RecordView([t for _, src in sources for t in dataset_closure(src, ds)])
            base = dataset_record(g, ds, self.settings.suppression_threshold)
            base["sources"] = [self._harvest_info(ds, name, src) for name, src in sources]
            base["harvest"] = next((x for x in base["sources"] if x["run"]), None)
            base["id"] = min([base["id"], *(x["local_id"] for x in base["sources"] if x["local_id"])])
            base["visibility"] = visibility_of(self.base, graphs)
            return base

        base = self._kept(self._records, (str(ds), graphs), build, self.RECORD_CACHE_SIZE, keep)
        return {**base, "conformance": self.conformance_of(str(ds)) if with_conformance else []}

    def _view(self, name, ds):
        """The store's read view of one graph for one record, remembering what the graph does not describe
        (RememberingUndescribed): a set taken before a commit is replaced, not cleared, by `forget`, so a
        read that overlaps a commit cannot leave a stale entry behind."""
        with self._lock:
            empty = self._undescribed.setdefault(str(name), set())
        return RememberingUndescribed(self.store.read_view(name, about=ds), empty)

    def _harvest_info(self, ds, graph_name, src) -> dict:
        """One source of a dataset: its name, who may see it there, and its catalogue record there (first
        seen, last changed, the run that changed it; None where no harvest wrote one)."""
        rec = next(iter(src.subjects(FOAF.primaryTopic, ds)), None)
        run = src.value(rec, PROV.wasGeneratedBy) if rec is not None else None
        hospital = src.value(ds, HDCAT.hospital)
        local_id = src.value(ds, HDCAT.localId)
        return {
            "source": source_of(graph_name),
            "graph": str(graph_name),
            "visibility": visibility_of(self.base, graph_name),
            "hospital": iri_tail(hospital) if hospital is not None else None,
            "local_id": str(local_id) if local_id is not None else None,
            "run": str(run) if run is not None else None,
            "run_id": iri_tail(run) if run is not None else None,
            "first_seen": str(src.value(rec, DCT.issued)) if run is not None else None,
            "last_changed": str(src.value(rec, DCT.modified)) if run is not None else None,
        }

    def resource_graph(self, local_id: str, members: bool = False) -> Graph:
        """One dataset as RDF: its description from every source that publishes it, each source's catalogue
        record of it, and its hospitals' names."""
        ds, graphs = self.locate(local_id, members)
        out = describe(self.store.dataset, ds, graphs)
        for g in graphs:
            src = self.store.graph(g)
            for rec in src.subjects(FOAF.primaryTopic, ds):
                for t in src.triples((rec, None, None)):
                    out.add(t)
        reference = self.store.graph(reference_graph_iri(self.base))
        for node in {*out.objects(ds, HDCAT.hospital), *out.objects(ds, DCT.publisher)}:
            if isinstance(node, URIRef):
                for ctx in [*(self.store.graph(g) for g in graphs), reference]:
                    for t in ctx.triples((node, None, None)):
                        out.add(t)
        return self.with_range_types(out)

    def with_range_types(self, graph: Graph) -> Graph:
        """`graph` as published: with the types DCAT-AP 3's range shapes check (catalog.range_types)."""
        return state_range_types(graph, self.store.graph(reference_graph_iri(self.base)))

    # ---- the whole catalogue ----
    def catalog_graph(
        self, page: int, size: int, catalog_iri: URIRef, members: bool = False
    ) -> tuple[Graph, int]:
        """One page of the whole catalogue as DCAT: the catalog node and each dataset in full (from every
        source that publishes it), paged like the API: by distinct dataset, in short-id order."""
        total, rows = self.page_rows(page, size, members=members)
        out = bind_prefixes(Graph())
        out.add((catalog_iri, RDF.type, DCAT.Catalog))
        for ds, graphs in rows:
            out.add((catalog_iri, DCAT.dataset, ds))
            for t in describe(self.store.dataset, ds, graphs):
                out.add(t)
        return out, total

    def stats(self, members: bool = False) -> dict:
        """Figures for the home page: datasets per hospital and disease area, suppressed sums. Counted once
        per commit (forget() drops them), not on every request: from the rows per graph (`_count_stats`).
        The table of the home page puts each dataset in one column (`disease_areas_once`, each hospital's
        `areas_once`)."""
        cached = self._kept(self._stats, members, lambda: self._count_stats(members))
        return {**cached, "threshold": self.settings.suppression_threshold}

    def _count_stats(self, members: bool) -> dict:
        """Datasets by hospital and by hospital and disease area, each dataset once however many graphs
        publish it, counted from each visible graph's rows (kept on disk per graph)."""
        in_area, of_hospital = set(), set()
        with collector_paused():
            for _, rows in self._visible_rows(DATASET_AREAS_KEPT, self._area_rows, members):
                for ds, h, theme in rows:
                    in_area.add((h, theme, ds))
                    of_hospital.add((h, ds))
        by_area: Counter = Counter()
        matrix: dict = defaultdict(Counter)
        for (h, theme), n in Counter((h, theme) for h, theme, _ in in_area).items():
            h, area = iri_tail(h), iri_tail(theme) if theme else "unclassified"
            matrix[h][area] += n
            by_area[area] += n
        whole_once, once_by_hospital = _areas_once(in_area, of_hospital)
        in_area = of_hospital = None
        rows = []
        for h in hospitals():
            rows.append(
                {
                    **h,
                    # each of a hospital's datasets is in one column of its row
                    "datasets": sum(once_by_hospital.get(h["id"], {}).values()),
                    "areas": {a: suppress(n, 1) for a, n in matrix.get(h["id"], {}).items()},
                    "areas_once": dict(once_by_hospital.get(h["id"], {})),
                }
            )
        return {
            # not the sum by hospital: a dataset two hospitals' sources publish is one dataset. Each one is in
            # one column once: the listing's total (the same pattern as its map), without reading the map (8 s
            # of a new process's first home page at 1,000,000 datasets)
            "total": sum(whole_once.values()),
            "hospitals": rows,
            "disease_areas": dict(by_area.most_common()),
            "disease_areas_once": dict(whole_once.most_common()),
        }

    def hospitals_of(self, datasets, members: bool = False) -> dict[str, list[str]]:
        """dataset IRI → the ids of its hospitals, for the given datasets the reader may see (others are left
        out)."""
        wanted = [URIRef(d) for d in datasets if safe_iri(str(d))]
        if not wanted:
            return {}
        found: dict = defaultdict(list)
        for named in in_parts(f"<{ds}>" for ds in dict.fromkeys(wanted)):
            q = HOSPITALS_OF.format(datasets=named, visible=visible_graphs_filter(self.base, members))
            for ds, h in self.store.select_text(q):
                found[ds].append(iri_tail(h))
        return {ds: sorted(hs) for ds, hs in found.items()}

    def catalogue_ids(self) -> dict:
        """(hospital, identifier or name, lower-case) → the catalogue dataset's id, for matching lineage; read
        once and kept until a harvest commits (an event used to rescan the whole catalogue)."""

        def patch(keys: MatchKeys, touched: set[str]) -> MatchKeys:
            """The touched datasets' keys taken out and read again; a key an untouched dataset holds too goes
            back to it (before, such a key was lost until the next whole read)."""
            ids = {key: local for key, local in keys.ids.items() if local not in touched}
            shared: dict = {}
            for key, holders in keys.shared.items():
                left = holders - touched
                if left:
                    ids[key] = min(left)
                if len(left) > 1:
                    shared[key] = left
            kept = MatchKeys(ids, shared)
            for local, hospital, ident in self._catalogue_id_rows(touched):
                kept.hold(local, hospital, ident)
            return kept

        def read_whole() -> MatchKeys:
            with collector_paused():
                every = self._visible_rows(CATALOGUE_KEYS, self._catalogue_rows, members=True)
                return _match_keys(row for _, rows in every for row in rows)

        return self._catalogue_ids.get(read_whole, patch).ids

    def catalogue_ids_of(self, local_ids) -> dict:
        """`catalogue_ids` of these datasets alone (named in VALUES blocks): what a search update asks of
        lineage for the datasets it re-indexes, where the whole catalogue's took a minute at 1,000,000."""
        return _match_keys(self._catalogue_id_rows(local_ids)).ids

    def _area_rows(self, graphs: list[str] | None) -> list[tuple]:
        """(graph, dataset, hospital, disease-area theme or None) of the given graphs, or of every graph: a
        row a theme, or one with none, as OPTIONAL would give them."""
        held = self._graph_rows(DATASET_HOSPITALS, graphs)
        themed = self._graph_rows(DATASET_AREAS, graphs)
        themes: dict = defaultdict(list)
        for g, ds, theme in themed:
            themes[(g, ds)].append(theme)
        return [(g, ds, h, theme) for g, ds, h in held for theme in themes.get((g, ds)) or (None,)]

    def _catalogue_rows(self, graphs: list[str] | None) -> list[tuple]:
        """(graph, short id, hospital, identifier or None) of the given graphs, or of every graph (None)."""
        return self._graph_rows(CATALOGUE_IDS, graphs)

    def _graph_rows(self, template: str, graphs: list[str] | None) -> list[tuple]:
        """`template`'s rows of every graph (None: `{graphs}` left empty) or of the given graphs, named in
        VALUES blocks there."""
        if graphs is None:
            return self.store.select_text(template.format(graphs=""))
        blocks = (f"VALUES ?g {{ {part} }}" for part in in_parts(f"<{g}>" for g in graphs))
        return [row for block in blocks for row in self.store.select_text(template.format(graphs=block))]

    def _catalogue_id_rows(self, local_ids) -> list:
        return [
            row
            for ids in in_parts(Literal(i).n3() for i in sorted(local_ids))
            for row in self.store.select_text(CATALOGUE_IDS_OF.format(ids=ids))
        ]


class MatchKeys(NamedTuple):
    """The keys lineage events are matched to catalogue datasets by. `ids`: (hospital, key) → short id, the
    smallest of the datasets that hold the key, so a whole read and a patched one agree whatever order the
    store gives rows in; `shared`: every holder of a key more than one dataset holds, so that a commit that
    takes the key from one of them gives it back to the others."""

    ids: dict
    shared: dict

    def hold(self, local: str, hospital: str, ident: str | None) -> None:
        """A dataset's keys (short id, short id without its hospital's prefix, the publisher's identifier,
        each in lower case) from its (short id, hospital IRI, identifier or None) row."""
        h = iri_tail(hospital)
        keys = [(h, local.lower()), (h, local.removeprefix(h + "-").lower())]
        if ident:
            keys.append((h, ident.lower()))
        for key in keys:
            found = self.ids.get(key)
            if found is None:
                self.ids[key] = local
            elif found != local:
                holders = self.shared.setdefault(key, {found})
                holders.add(local)
                self.ids[key] = min(holders)


def _match_keys(rows) -> MatchKeys:
    keys = MatchKeys({}, {})
    for local, hospital, ident in rows:
        keys.hold(local, hospital, ident)
    return keys


def _as_graphs(graphs) -> tuple:
    """A row's graphs as a tuple: one graph name is a tuple of one."""
    return (graphs,) if isinstance(graphs, str) else tuple(graphs)


def _areas_once(in_area, of_hospital) -> tuple[Counter, dict[str, Counter]]:
    """The home table's figures: each dataset in one column (catalog.holdings.with_area: its disease area,
    several or unclassified) for the whole catalogue and for each hospital whose listing shows it. From the
    rows per graph the figures are counted from, where the records' tally took a pass over every record
    (about twenty minutes at 1,000,000 datasets). A dataset's areas are those of every graph it is in, as
    its listing's record reads them; one column kept a dataset, not a set of areas (a million sets were
    seconds and hundreds of megabytes)."""
    tails: dict = {}
    column: dict = {}
    for _, theme, ds in in_area:
        if theme:
            area = tails.get(theme) or tails.setdefault(theme, iri_tail(theme))
            column[ds] = with_area(column.get(ds), area)
    by_hospital: dict = defaultdict(Counter)
    whole: Counter = Counter()
    counted = set()
    for h, ds in of_hospital:
        area = column.get(ds, UNCLASSIFIED)
        by_hospital[iri_tail(h)][area] += 1
        if ds not in counted:
            counted.add(ds)
            whole[area] += 1
    return whole, by_hospital
