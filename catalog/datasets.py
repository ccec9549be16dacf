"""The read model of datasets: counts, pages, one dataset as a record or as RDF, the home page's figures.

Everything here only reads. Records are built from the graph once and kept in memory until a
commit changes the graph (`forget`), so lists and pages stop costing per-row SPARQL. A
dataset's conformance is read as last computed (see catalog.conformance_service): reading a
dataset never scores it.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterator

from hdcat.catalog.config import Settings
from hdcat.catalog.errors import NotFound
from hdcat.catalog.iris import (
    consortium_graph_iri,
    reference_graph_iri,
    safe_iri,
    source_graph_iri,
    valid_local_id,
)
from hdcat.catalog.range_types import state_range_types
from hdcat.catalog.readmodel import dataset_record, suppress
from hdcat.catalog.resources import GraphCopy, RecordView, closure, describe
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

#: `{where}` narrows by hospital, disease area, source and visibility (Datasets._where)
COUNT_DATASETS = (
    P
    + """SELECT (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
    {where} }}"""
)
PAGE_OF_DATASETS = (
    P
    + """SELECT ?ds ?g WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
    {where} }}
    ORDER BY ?id LIMIT {limit} OFFSET {offset}"""
)
#: every dataset with its short id in one pass, for whole-catalogue work (reindex, conformance): paging
#: with OFFSET would sort the catalogue once a page, N² over a pass
ALL_DATASETS = (
    P
    + """SELECT ?ds ?g ?id WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
    {where} }}
    ORDER BY ?id"""
)
WHERE_HOSPITAL = "FILTER(?h = <{hospital}>)"
WHERE_DISEASE_AREA = "GRAPH ?g {{ ?ds dcat:theme <{theme}> }}"
WHERE_GRAPH_IN = "FILTER(?g IN ({graphs}))"
LOCATE_BY_ID = (
    P
    + """SELECT ?ds ?g WHERE {{ GRAPH ?g {{ ?ds hdcat:localId ?id }}
    FILTER(STR(?id) = {local_id}) {visible} }} LIMIT 1"""
)
LOCATE_BY_IRI = P + "SELECT ?id ?g WHERE {{ GRAPH ?g {{ <{iri}> hdcat:localId ?id }} {visible} }} LIMIT 1"
#: every dataset with its graph, in id order, for the whole-catalogue DCAT export (no hospital needed)
CATALOGUE_PAGE = (
    P
    + """SELECT ?ds ?g WHERE {{ GRAPH ?g {{ ?ds a dcat:Dataset ; hdcat:localId ?id }} {visible} }}
    ORDER BY ?id LIMIT {limit} OFFSET {offset}"""
)
DATASETS_BY_HOSPITAL_AND_AREA = (
    P
    + """SELECT ?h ?theme (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h .
    OPTIONAL {{ ?ds dcat:theme ?theme FILTER(STRSTARTS(STR(?theme), "{areas}")) }} }} {visible} }}
    GROUP BY ?h ?theme"""
)
DATASETS_BY_HOSPITAL = (
    P
    + """SELECT ?h (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h }} {visible} }} GROUP BY ?h"""
)
#: every dataset's short id, hospital and own identifier, for matching lineage datasets to the catalogue
CATALOGUE_IDS = (
    P
    + """SELECT ?id ?h ?ident WHERE { GRAPH ?g { ?ds hdcat:localId ?id ; hdcat:hospital ?h .
    OPTIONAL { ?ds dct:identifier ?ident } } }"""
)


class Datasets:
    """Answers the read model. `conformance_of(dataset IRI)` gives a record its measurements as last
    computed; it must only read."""

    #: read-model records kept between requests; a commit clears them (see forget)
    RECORD_CACHE_SIZE = 20_000

    def __init__(self, store, settings: Settings, conformance_of: Callable[[str], list] | None = None):
        self.store = store
        self.settings = settings
        self.base = settings.base_iri
        self.conformance_of = conformance_of or (lambda dataset: [])
        self._records: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._epoch = 0  # bumped by every commit: a value read before it is not cached after it
        self._catalogue_ids: dict | None = None
        self._stats: dict[bool, dict] = {}  # the home page's figures, by `members`, until a commit

    def forget(self) -> None:
        """After a commit: cached records and catalogue ids may describe the old graph."""
        with self._lock:
            self._records.clear()
            self._epoch += 1
            self._catalogue_ids = None
            self._stats = {}

    # ---- lists ----
    def _where(self, hospital=None, disease_area=None, source=None, members=False) -> str:
        clauses = [visible_graphs_filter(self.base, members)]
        if hospital:
            clauses.append(WHERE_HOSPITAL.format(hospital=hospital_iri(hospital)))
        if disease_area:
            clauses.append(WHERE_DISEASE_AREA.format(theme=DISEASE_AREA[disease_area]))
        if source:
            graphs = (source_graph_iri(self.base, source), consortium_graph_iri(self.base, source))
            clauses.append(WHERE_GRAPH_IN.format(graphs=", ".join(f"<{n}>" for n in graphs)))
        return "\n".join(clauses)

    def count(self, hospital=None, disease_area=None, source=None, members=False) -> int:
        q = COUNT_DATASETS.format(where=self._where(hospital, disease_area, source, members))
        return int(next(iter(self.store.query(q))).n)

    def page(
        self, page=1, size=20, hospital=None, disease_area=None, source=None, members=False
    ) -> tuple[int, list[dict]]:
        """One page of datasets; `members` says whether the reader may see consortium-only ones."""
        total, rows = self.page_rows(page, size, hospital, disease_area, source, members)
        return total, [self.record(ds, g) for ds, g in rows]

    def page_rows(self, page, size, hospital=None, disease_area=None, source=None, members=False):
        """(total, [(dataset IRI, its graph)]) of one page, in local-id order."""
        q = PAGE_OF_DATASETS.format(
            where=self._where(hospital, disease_area, source, members),
            limit=int(size),
            offset=(int(page) - 1) * int(size),
        )
        rows = [(row.ds, row.g) for row in self.store.query(q)]
        return self.count(hospital, disease_area, source, members), rows

    def all_rows(self, source=None, members=True) -> list[tuple]:
        """[(dataset IRI, its graph)] of every dataset (of one source), in local-id order, from one query."""
        return [(ds, g) for ds, g, _ in self.rows_with_ids(source, members)]

    def rows_with_ids(self, source=None, members=True) -> list[tuple]:
        """[(dataset IRI, its graph, its short id)] of every dataset (of one source), from one query: how
        a pass over many ids finds them (one query, not one lookup an id)."""
        q = ALL_DATASETS.format(where=self._where(None, None, source, members))
        return [(row.ds, row.g, str(row.id)) for row in self.store.query(q)]

    # ---- one dataset ----
    def locate(self, local_id: str, members: bool = False):
        """(IRI, graph) of a dataset; a hidden one is NotFound, so its existence does not leak either."""
        if not valid_local_id(local_id):
            raise NotFound(f"no dataset with id {local_id!r}")
        q = LOCATE_BY_ID.format(
            local_id=Literal(local_id).n3(), visible=visible_graphs_filter(self.base, members)
        )
        rows = list(self.store.query(q))
        if not rows:
            raise NotFound(f"no dataset with id {local_id!r}")
        return rows[0].ds, rows[0].g

    def locate_iri(self, iri: str, members: bool = False):
        """(local id, graph) of a dataset IRI, or NotFound."""
        if not safe_iri(iri):
            raise NotFound(f"no dataset with IRI {iri}")
        rows = list(
            self.store.query(LOCATE_BY_IRI.format(iri=iri, visible=visible_graphs_filter(self.base, members)))
        )
        if not rows:
            raise NotFound(f"no dataset with IRI {iri}")
        return str(rows[0].id), rows[0].g

    def get(self, local_id: str, members: bool = False) -> dict:
        ds, g = self.locate(local_id, members)
        return self.record(ds, g)

    def records(self, rows, with_conformance: bool = True) -> Iterator[dict]:
        """The records of many (dataset, graph) rows, for whole passes (reindex): each graph is read from
        the store once into memory and every record is cut from that copy, instead of a store lookup a
        triple (the store's per-call overhead was most of a reindex: bench/results/pipeline.md)."""
        copies: dict = {}
        for ds, graph_name in rows:
            if (str(ds), str(graph_name)) in self._records:  # cached: no copy needed
                yield self.record(ds, graph_name, with_conformance)
                continue
            if graph_name not in copies:
                copies.clear()  # rows come grouped by graph in practice; keep one copy at a time
                copies[graph_name] = GraphCopy(self.store.graph_triples(graph_name))
            yield self.record(ds, graph_name, with_conformance, ctx=copies[graph_name])

    def record(self, ds, graph_name, with_conformance: bool = True, ctx=None) -> dict:
        """A dataset's read-model record. Built from the graph once (a describe and a dozen lookups), then
        served from memory until a harvest commits: lists and pages stop costing per-row SPARQL. `ctx`: an
        in-memory copy of `graph_name` to read instead of the store (see `records`)."""
        key = (str(ds), str(graph_name))
        with self._lock:
            base = self._records.get(key)
            epoch = self._epoch
            if base is not None:
                self._records.move_to_end(key)
        if base is None:
            g = (
                RecordView(closure(ctx, ds))
                if ctx is not None
                else describe(self.store.dataset, ds, graph_name)
            )
            base = dataset_record(g, ds, self.settings.suppression_threshold)
            base["harvest"] = self._harvest_info(ds, graph_name, ctx)
            base["visibility"] = visibility_of(self.base, graph_name)
            with self._lock:
                if self._epoch == epoch:  # no commit came in between: the record is current
                    self._records[key] = base
                    while len(self._records) > self.RECORD_CACHE_SIZE:
                        self._records.popitem(last=False)
        return {**base, "conformance": self.conformance_of(str(ds)) if with_conformance else []}

    def _harvest_info(self, ds, graph_name, ctx=None) -> dict | None:
        """The catalogue record of a dataset: first seen, last changed, the run that changed it."""
        src = ctx if ctx is not None else self.store.graph(graph_name)
        rec = next(src.subjects(FOAF.primaryTopic, ds), None)
        run = src.value(rec, PROV.wasGeneratedBy) if rec is not None else None
        if run is None:
            return None
        return {
            "run": str(run),
            "run_id": str(run).rsplit("/", 1)[-1],
            "source": str(graph_name).rsplit("/", 1)[-1],
            "first_seen": str(src.value(rec, DCT.issued)),
            "last_changed": str(src.value(rec, DCT.modified)),
        }

    def resource_graph(self, local_id: str, members: bool = False) -> Graph:
        """One dataset as RDF: its description, its catalogue record and its hospital's names."""
        ds, g = self.locate(local_id, members)
        out = describe(self.store.dataset, ds, g)
        src = self.store.graph(g)
        for rec in src.subjects(FOAF.primaryTopic, ds):
            for t in src.triples((rec, None, None)):
                out.add(t)
        hospital = out.value(ds, HDCAT.hospital)
        publisher = out.value(ds, DCT.publisher)
        for node in (hospital, publisher):
            if isinstance(node, URIRef):
                for ctx in (src, self.store.graph(reference_graph_iri(self.base))):
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
        """One page of the whole catalogue as DCAT: the catalog node and each dataset in full."""
        q = CATALOGUE_PAGE.format(
            visible=visible_graphs_filter(self.base, members),
            limit=int(size),
            offset=(int(page) - 1) * int(size),
        )
        out = bind_prefixes(Graph())
        out.add((catalog_iri, RDF.type, DCAT.Catalog))
        for row in self.store.query(q):
            out.add((catalog_iri, DCAT.dataset, row.ds))
            for t in describe(self.store.dataset, row.ds, row.g):
                out.add(t)
        return out, self.count(members=members)

    def stats(self, members: bool = False) -> dict:
        """Figures for the home page: datasets per hospital and disease area, suppressed sums. Counted once
        per commit (forget() drops them), not on every request: two aggregate queries over the catalogue."""
        with self._lock:
            cached, epoch = self._stats.get(members), self._epoch
        if cached is None:
            cached = self._count_stats(members)
            with self._lock:
                if self._epoch == epoch:
                    self._stats[members] = cached
        return {**cached, "threshold": self.settings.suppression_threshold}

    def _count_stats(self, members: bool) -> dict:
        visible = visible_graphs_filter(self.base, members)
        by_hospital: Counter = Counter()
        by_area: Counter = Counter()
        matrix: dict = defaultdict(Counter)
        for row in self.store.query(
            DATASETS_BY_HOSPITAL_AND_AREA.format(areas=DISEASE_AREA, visible=visible)
        ):
            h = str(row.h).rsplit("/", 1)[-1]
            area = str(row.theme).rsplit("/", 1)[-1] if row.theme else "unclassified"
            matrix[h][area] += int(row.n)
            by_area[area] += int(row.n)
        for row in self.store.query(DATASETS_BY_HOSPITAL.format(visible=visible)):
            by_hospital[str(row.h).rsplit("/", 1)[-1]] = int(row.n)
        rows = []
        for h in hospitals():
            rows.append(
                {
                    **h,
                    "datasets": by_hospital.get(h["id"], 0),
                    "areas": {a: suppress(n, 1) for a, n in matrix.get(h["id"], {}).items()},
                }
            )
        return {
            "total": sum(by_hospital.values()),
            "hospitals": rows,
            "disease_areas": dict(by_area.most_common()),
        }

    def catalogue_ids(self) -> dict:
        """(hospital, identifier or name, lower-case) → the catalogue dataset's id, for matching lineage; read
        once and kept until a harvest commits (an event used to rescan the whole catalogue)."""
        cached = self._catalogue_ids
        if cached is not None:
            return cached
        with self._lock:
            epoch = self._epoch
        ids = {}
        for row in self.store.query(CATALOGUE_IDS):
            h = str(row.h).rsplit("/", 1)[-1]
            ids[(h, str(row.id).lower())] = str(row.id)
            ids[(h, str(row.id).removeprefix(h + "-").lower())] = str(row.id)
            if row.ident:
                ids[(h, str(row.ident).lower())] = str(row.id)
        with self._lock:
            if epoch == self._epoch:
                self._catalogue_ids = ids
        return ids
