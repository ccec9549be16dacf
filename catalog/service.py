"""The catalogue service: the one place that writes the graph and answers the read model.

Web views and the CLI call this; they never touch the store directly. Writes
are whole-graph replacements per source, committed only after a harvest has
succeeded, so a failed harvest leaves the last good data in place.
"""
from __future__ import annotations

import gc
import hashlib
import json
import threading
from datetime import datetime, timezone
from collections import Counter, OrderedDict, defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, XSD

from hdcat.catalog.config import Settings
from hdcat.catalog.conformance import SUGGEST_AT, assess, measurement_graph, read_measurements, shapes, validate_declared
from hdcat.catalog.definitions import Definitions
from hdcat.catalog.lineage import LineageGraph
from hdcat.catalog.openlineage import RDF_JSON, event_key, map_event, node_id, validate_event
from hdcat.catalog.errors import NotFound
from hdcat.catalog.iris import (consortium_graph_iri, consortium_graph_prefix, record_iri, reference_graph_iri, runs_graph_iri,
                          safe_iri, short_hash, source_graph_iri, valid_local_id)
from hdcat.catalog.visibility import CONSORTIUM, PUBLIC, consortium_datasets, split
from hdcat.catalog.readmodel import dataset_record, suppress
from hdcat.catalog.resources import closure, describe
from hdcat.catalog.runs import RUNS_QUERY, HarvestRun, Outcome
from hdcat.catalog.stores import CatalogStore, open_store
from hdcat.ontology import DCAT, DCT, DISEASE_AREA, EU_ACCESS, HDCAT, PROV, hospital_iri, bind_prefixes, hospitals, sparql_prefixes, vocabulary_graph

P = sparql_prefixes("dcat", "dct", "hdcat", "foaf", "prov")


def dataset_hash(graph: Graph, iri: URIRef) -> str:
    """A content hash of one dataset's description that ignores blank-node labels."""
    lines = []
    for s, p, o in closure(graph, iri):
        parts = ["_:" if isinstance(t, BNode) else t.n3() for t in (s, p, o)]
        lines.append(" ".join(parts))
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8")).hexdigest()[:32]


class Catalog:
    def __init__(self, settings: Settings, store: CatalogStore | None = None):
        self._lineage: LineageGraph | None = None
        self._lineage_lock = threading.RLock()
        self._commit_lock = threading.RLock()
        self._event_keys: set[str] = set()
        self.settings = settings
        self.base = settings.base_iri
        self.store = store if store is not None else open_store(settings.store_url)
        self._ensure_reference()
        self._conformance_stale = True
        self._conformance_lock = threading.RLock()
        self._records: OrderedDict = OrderedDict()
        self._records_lock = threading.Lock()
        self._records_epoch = 0
        self._catalogue_ids_cache: dict | None = None
        self.definitions = Definitions(self.store, self.base, on_change=self._mark_conformance_stale)

    def close(self) -> None:
        self.store.close()

    # ---- reference data -------------------------------------------------------
    def _ensure_reference(self) -> None:
        """Load code lists and hospitals into their own graph when missing or outdated."""
        vocab = vocabulary_graph()
        digest = hashlib.sha256(vocab.serialize(format="nt", encoding="utf-8")).hexdigest()[:32]
        name = reference_graph_iri(self.base)
        if (name, HDCAT.contentHash, Literal(digest)) in self.store.graph(name):
            return
        g = Graph()
        for t in vocab:
            g.add(t)
        g.add((name, HDCAT.contentHash, Literal(digest)))
        self.store.replace_graph(name, g)

    # ---- writes ---------------------------------------------------------------
    def source_graph(self, source: str) -> URIRef:
        return source_graph_iri(self.base, source)

    def source_graphs(self, source: str) -> tuple[URIRef, URIRef]:
        """(public, consortium-only) graphs of one source; see catalog.visibility."""
        return source_graph_iri(self.base, source), consortium_graph_iri(self.base, source)

    def _visible(self, members: bool) -> str:
        """A SPARQL filter on ?g that keeps consortium-only graphs from anyone who is not a member."""
        return "" if members else f'FILTER(!STRSTARTS(STR(?g), "{consortium_graph_prefix(self.base)}"))'

    def public_graphs(self) -> list[URIRef]:
        """What anonymous SPARQL may read: every graph but consortium-only ones and lineage (members only)."""
        hidden = consortium_graph_prefix(self.base)
        return [g for g in self.store.graph_names() if not str(g).startswith(hidden) and g != self.lineage_graph_iri]

    def _split_is_current(self, source: str) -> bool:
        """Does the stored public/consortium split still follow the source's `visibility` setting?
        If someone changed the setting, the next harvest must re-split even when the data read the same."""
        config = self.settings.source(source)
        public, hidden = self.source_graphs(source)
        if config is not None and config.visibility == CONSORTIUM:
            q = P + f"ASK {{ GRAPH <{public}> {{ ?d a dcat:Dataset }} }}"
        else:
            q = P + f"""ASK {{ GRAPH <{hidden}> {{ ?d a dcat:Dataset
                FILTER NOT EXISTS {{ ?d dct:accessRights <{EU_ACCESS.RESTRICTED}> }} }} }}"""
        return not self.store.query(q).askAnswer

    def visibility_of(self, graph_name) -> str:
        return CONSORTIUM if str(graph_name).startswith(consortium_graph_prefix(self.base)) else PUBLIC

    def record_run(self, run: HarvestRun) -> None:
        with self._commit_lock:
            self.store.add_to_graph(runs_graph_iri(self.base), run.to_graph(self.base, self.source_graph(run.source)))

    def last_good_pages(self, source: str) -> list[tuple[str, str]]:
        """The pages (location, content hash) the source's last good harvest read, in order."""
        good = self.last_good_run(source)
        if good is None or not self._split_is_current(source):
            return []
        g = self.store.graph(runs_graph_iri(self.base))
        pages = [(int(g.value(p, HDCAT.order)), str(g.value(p, HDCAT.location)), str(g.value(p, HDCAT.contentHash)))
                 for p in g.objects(URIRef(good["iri"]), HDCAT.page)]
        return [(loc, digest) for _, loc, digest in sorted(pages)]

    def commit_unchanged(self, run: HarvestRun) -> HarvestRun:
        """Record a run whose source read exactly as last time: nothing to import or rewrite."""
        last = self.last_good_run(run.source)
        run.found = last["found"] if last else 0
        run.finish(Outcome.UNCHANGED)
        self.record_run(run)
        return run

    def commit_harvest(self, run: HarvestRun, graph: Graph | None) -> HarvestRun:
        """Replace the source's graph with `graph` and record the run; None means the harvest failed."""
        with self._commit_lock:
            return self._commit(run, graph)

    def _commit(self, run: HarvestRun, graph: Graph | None) -> HarvestRun:
        if graph is None or (run.outcome and run.outcome.failed):
            if not (run.outcome and run.outcome.failed):
                run.finish(Outcome.FAILED, run.error or "harvest produced no graph")
            self.record_run(run)
            return run
        name, hidden_name = self.source_graphs(run.source)
        previous = self._previous_records(name, hidden_name)
        self._dedupe_local_ids(graph, name, hidden_name)
        current = {ds: dataset_hash(graph, ds) for ds in graph.subjects(RDF.type, DCAT.Dataset)
                   if isinstance(ds, URIRef)}
        added = [ds for ds in current if ds not in previous]
        changed = [ds for ds in current if ds in previous and previous[ds]["hash"] != current[ds]]
        removed = [ds for ds in previous if ds not in current]
        run.found = len(current)
        run.added, run.changed, run.removed = len(added), len(changed), len(removed)
        if not added and not changed and not removed and previous and self._split_is_current(run.source):
            run.finish(Outcome.UNCHANGED)
            self.record_run(run)
            return run
        now = Literal(run.started.isoformat(), datatype=XSD.dateTime)
        run_node = run.iri(self.base)
        for ds, digest in current.items():
            local_id = str(graph.value(ds, HDCAT.localId))
            rec = record_iri(self.base, local_id)
            old = previous.get(ds)
            unchanged = old is not None and old["hash"] == digest
            graph.add((rec, RDF.type, DCAT.CatalogRecord))
            graph.add((rec, FOAF.primaryTopic, ds))
            graph.add((rec, HDCAT.contentHash, Literal(digest)))
            graph.add((rec, DCT.issued, old["issued"] if old else now))
            graph.add((rec, DCT.modified, old["modified"] if unchanged else now))
            graph.add((rec, PROV.wasGeneratedBy, old["run"] if unchanged else run_node))
            graph.add((rec, HDCAT.source, URIRef(name)))
        config = self.settings.source(run.source)
        public, hidden = split(graph, consortium_datasets(graph, config.visibility if config else PUBLIC))
        run.finish(Outcome.CHANGED)
        # the source's graphs and its run record in one transaction: never one without the other
        self.store.replace_graphs({name: public, hidden_name: hidden},
                                  add={runs_graph_iri(self.base): run.to_graph(self.base, self.source_graph(run.source))})
        self._conformance_stale = True
        self._lineage = None  # derivations may have changed: rebuilt from the graph on next use
        self._forget_derived()
        return run

    def _previous_records(self, *names: URIRef) -> dict:
        q = P + f"""SELECT ?ds ?hash ?issued ?modified ?run WHERE {{ GRAPH ?g {{
            ?rec foaf:primaryTopic ?ds ; hdcat:contentHash ?hash ; dct:issued ?issued ;
                 dct:modified ?modified ; prov:wasGeneratedBy ?run }} VALUES ?g {{ {' '.join(f'<{n}>' for n in names)} }} }}"""
        return {row.ds: {"hash": str(row.hash), "issued": row.issued, "modified": row.modified, "run": row.run}
                for row in self.store.query(q)}

    def _dedupe_local_ids(self, graph: Graph, *names: URIRef) -> None:
        """A short id already used by another source's dataset gets a hash suffix."""
        q = P + f"""SELECT ?id ?ds WHERE {{ GRAPH ?g {{ ?ds hdcat:localId ?id }}
            FILTER(?g NOT IN ({', '.join(f'<{n}>' for n in names)})) }}"""
        taken = {str(row.id): row.ds for row in self.store.query(q)}
        for ds, local_id in list(graph.subject_objects(HDCAT.localId)):
            owner = taken.get(str(local_id))
            if owner is not None and owner != ds:
                graph.set((ds, HDCAT.localId, Literal(f"{local_id}-{short_hash(str(ds), 6)}")))

    # ---- read model -----------------------------------------------------------
    def _where(self, hospital=None, disease_area=None, source=None, members=False) -> str:
        clauses = [self._visible(members)]
        if hospital:
            clauses.append(f"FILTER(?h = <{hospital_iri(hospital)}>)")
        if disease_area:
            clauses.append(f"GRAPH ?g {{ ?ds dcat:theme <{DISEASE_AREA[disease_area]}> }}")
        if source:
            clauses.append(f"FILTER(?g IN ({', '.join(f'<{n}>' for n in self.source_graphs(source))}))")
        return "\n".join(clauses)

    def count_datasets(self, hospital=None, disease_area=None, source=None, members=False) -> int:
        q = P + f"""SELECT (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{
            ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
            {self._where(hospital, disease_area, source, members)} }}"""
        return int(next(iter(self.store.query(q))).n)

    def dataset_page(self, page=1, size=20, hospital=None, disease_area=None, source=None,
                     members=False) -> tuple[int, list[dict]]:
        """One page of datasets; `members` says whether the reader may see consortium-only ones."""
        total, rows = self._page_rows(page, size, hospital, disease_area, source, members)
        return total, [self._record(ds, g) for ds, g in rows]

    def _page_rows(self, page, size, hospital=None, disease_area=None, source=None, members=False):
        """(total, [(dataset IRI, its graph)]) of one page, in local-id order."""
        q = P + f"""SELECT ?ds ?g WHERE {{ GRAPH ?g {{
            ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
            {self._where(hospital, disease_area, source, members)} }}
            ORDER BY ?id LIMIT {int(size)} OFFSET {(int(page) - 1) * int(size)}"""
        rows = [(row.ds, row.g) for row in self.store.query(q)]
        return self.count_datasets(hospital, disease_area, source, members), rows

    def _locate(self, local_id: str, members: bool = False):
        """(IRI, graph) of a dataset; a hidden one is NotFound, so its existence does not leak either."""
        if not valid_local_id(local_id):
            raise NotFound(f"no dataset with id {local_id!r}")
        q = P + f"""SELECT ?ds ?g WHERE {{ GRAPH ?g {{ ?ds hdcat:localId ?id }}
            FILTER(STR(?id) = {Literal(local_id).n3()}) {self._visible(members)} }} LIMIT 1"""
        rows = list(self.store.query(q))
        if not rows:
            raise NotFound(f"no dataset with id {local_id!r}")
        return rows[0].ds, rows[0].g

    def locate_iri(self, iri: str, members: bool = False):
        """(local id, graph) of a dataset IRI, or NotFound."""
        if not safe_iri(iri):
            raise NotFound(f"no dataset with IRI {iri}")
        q = P + f"SELECT ?id ?g WHERE {{ GRAPH ?g {{ <{iri}> hdcat:localId ?id }} {self._visible(members)} }} LIMIT 1"
        rows = list(self.store.query(q))
        if not rows:
            raise NotFound(f"no dataset with IRI {iri}")
        return str(rows[0].id), rows[0].g

    #: read-model records kept between requests; a commit clears them (see _forget_derived)
    RECORD_CACHE_SIZE = 20_000

    def _record(self, ds, graph_name, with_conformance: bool = True) -> dict:
        """A dataset's read-model record. Built from the graph once (a describe and a dozen lookups), then
        served from memory until a harvest commits: lists and pages stop costing per-row SPARQL."""
        key = (str(ds), str(graph_name))
        with self._records_lock:
            base = self._records.get(key)
            epoch = self._records_epoch
            if base is not None:
                self._records.move_to_end(key)
        if base is None:
            g = describe(self.store.dataset, ds, graph_name)
            base = dataset_record(g, ds, self.settings.suppression_threshold)
            base["harvest"] = self._harvest_info(ds, graph_name)
            base["visibility"] = self.visibility_of(graph_name)
            with self._records_lock:
                if self._records_epoch == epoch:  # no commit came in between: the record is current
                    self._records[key] = base
                    while len(self._records) > self.RECORD_CACHE_SIZE:
                        self._records.popitem(last=False)
        return {**base, "conformance": self.conformance_of(dataset=str(ds)) if with_conformance else []}

    def _forget_derived(self) -> None:
        """After a commit: cached records and catalogue ids may describe the old graph."""
        with self._records_lock:
            self._records.clear()
            self._records_epoch += 1
            self._catalogue_ids_cache = None

    def dataset(self, local_id: str, members: bool = False) -> dict:
        ds, g = self._locate(local_id, members)
        return self._record(ds, g)

    def _harvest_info(self, ds, graph_name) -> dict | None:
        """The catalogue record of a dataset: first seen, last changed, the run that changed it."""
        src = self.store.graph(graph_name)
        rec = next(src.subjects(FOAF.primaryTopic, ds), None)
        run = src.value(rec, PROV.wasGeneratedBy) if rec is not None else None
        if run is None:
            return None
        return {"run": str(run), "run_id": str(run).rsplit("/", 1)[-1],
                "source": str(graph_name).rsplit("/", 1)[-1],
                "first_seen": str(src.value(rec, DCT.issued)), "last_changed": str(src.value(rec, DCT.modified))}

    def resource_graph(self, local_id: str, members: bool = False) -> Graph:
        """One dataset as RDF: its description, its catalogue record and its hospital's names."""
        ds, g = self._locate(local_id, members)
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
        return out

    def stats(self, members: bool = False) -> dict:
        """Figures for the home page: datasets per hospital and disease area, suppressed sums."""
        q = P + """SELECT ?h ?theme (COUNT(DISTINCT ?ds) AS ?n) WHERE { GRAPH ?g {
            ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h .
            OPTIONAL { ?ds dcat:theme ?theme FILTER(STRSTARTS(STR(?theme), "%s")) } } %s }
            GROUP BY ?h ?theme""" % (DISEASE_AREA, self._visible(members))
        by_hospital: Counter = Counter()
        by_area: Counter = Counter()
        matrix: dict = defaultdict(Counter)
        for row in self.store.query(q):
            h = str(row.h).rsplit("/", 1)[-1]
            area = str(row.theme).rsplit("/", 1)[-1] if row.theme else "unclassified"
            matrix[h][area] += int(row.n)
            by_area[area] += int(row.n)
        q_total = P + """SELECT ?h (COUNT(DISTINCT ?ds) AS ?n) WHERE { GRAPH ?g {
            ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h } %s } GROUP BY ?h""" % self._visible(members)
        for row in self.store.query(q_total):
            by_hospital[str(row.h).rsplit("/", 1)[-1]] = int(row.n)
        threshold = self.settings.suppression_threshold
        rows = []
        for h in hospitals():
            rows.append({**h, "datasets": by_hospital.get(h["id"], 0),
                         "areas": {a: suppress(n, 1) for a, n in matrix.get(h["id"], {}).items()}})
        return {"total": sum(by_hospital.values()), "hospitals": rows,
                "disease_areas": dict(by_area.most_common()), "threshold": threshold}

    def lineage_catalog_ids(self) -> set[str]:
        """Catalogue datasets that appear in lineage: harvested derivations and matched OpenLineage datasets."""
        return set(self.lineage.by_catalog)

    def lineage_node_for(self, local_id: str) -> str | None:
        return self.lineage.by_catalog.get(local_id)

    def lineage_panel(self, local_id: str) -> dict | None:
        """What a dataset page shows of its lineage: the node and its direct neighbours."""
        node = self.lineage_node_for(local_id)
        if node is None:
            return None
        g = self.lineage.graph
        def describe_nodes(ids):
            return [{"id": n, "name": g.nodes[n].get("name", n), "type": g.nodes[n].get("type"),
                     "catalogId": g.nodes[n].get("catalogId")} for n in sorted(ids)]
        return {"node": node, "upstream": describe_nodes(g.predecessors(node)),
                "downstream": describe_nodes(g.successors(node))}

    # ---- conformance to definitions ------------------------------------------------------------
    @property
    def conformance_graph_iri(self) -> URIRef:
        return URIRef(f"{self.base}/graph/conformance")

    @property
    def hidden_conformance_graph_iri(self) -> URIRef:
        """Measurements about consortium-only datasets: under the consortium prefix, like the datasets."""
        return URIRef(f"{consortium_graph_prefix(self.base)}conformance")

    def _mark_conformance_stale(self) -> None:
        self._conformance_stale = True

    def conformance_of(self, dataset: str | None = None, definition: str | None = None,
                       members: bool = True) -> list[dict]:
        """DQV measurements (declared and suggested), recomputed first if datasets or definitions changed;
        without `members`, those about consortium-only datasets are left out."""
        self.recompute_conformance()
        graphs = [self.conformance_graph_iri] + ([self.hidden_conformance_graph_iri] if members else [])
        found = [m for g in graphs for m in read_measurements(self.store, g, dataset, definition)]
        found.sort(key=lambda r: (-r["score"], r["dataset"]))
        for m in found:
            m["definition_id"], m["definition_version"] = m["definition"].rsplit("/", 2)[-2:]
        return found

    def recompute_conformance(self, force: bool = False) -> int:
        """Score every dataset against every live definition version; one graph, replaced whole."""
        with self._conformance_lock:
            if not (self._conformance_stale or force):
                return -1
            self._conformance_stale = False
            defs = [self.definitions.get(v["id"], v["version"]) for v in self.definitions.versions()
                    if v["status"] == "published"]  # drafts are previewed live on their page
            results = []
            if defs:
                shape_graphs = {d["iri"]: shapes(d) for d in defs}
                page = 1
                while True:
                    total, rows = self._records_page(page, 500)
                    for ds, g, record in rows:
                        for d in defs:
                            r = assess(d, record)
                            declared = d["iri"] in record["conforms_to"]
                            if declared:
                                data = describe(self.store.dataset, ds, g)
                                # a declared claim is judged by the SHACL shapes alone
                                r["conforms"], messages = validate_declared(d, data, shape_graphs[d["iri"]], ds)
                                r["missing"] = sorted(m.split(" ")[0] for m in messages if m.endswith("element missing"))
                                r["wrong"] = sorted(m for m in messages if not m.endswith("element missing"))
                            if declared or r["score"] >= SUGGEST_AT:
                                results.append(dict(r, dataset=record["iri"], definition=d["iri"], declared=declared,
                                                    visibility=record["visibility"]))
                    if page * 500 >= total:
                        break
                    page += 1
            self.store.replace_graphs({
                self.conformance_graph_iri: measurement_graph(self.base, [r for r in results if r["visibility"] == PUBLIC]),
                self.hidden_conformance_graph_iri: measurement_graph(
                    self.base, [r for r in results if r["visibility"] != PUBLIC])})
            return len(results)

    def _records_page(self, page: int, size: int):
        """Every dataset, a page at a time, as (IRI, graph, record without conformance): what scoring reads."""
        total, rows = self._page_rows(page, size, members=True)
        return total, [(ds, g, self._record(ds, g, with_conformance=False)) for ds, g in rows]

    # ---- lineage -------------------------------------------------------------------------
    @property
    def lineage_graph_iri(self) -> URIRef:
        return URIRef(f"{self.base}/graph/lineage")

    @property
    def lineage(self) -> LineageGraph:
        """The networkx lineage index, rebuilt from the RDF graph on first use."""
        if self._lineage is None:
            with self._lineage_lock:
                if self._lineage is None:
                    self._lineage = self._rebuild_lineage()
                    # a large graph is millions of long-lived objects: keep them out of the cyclic
                    # collector's full passes, which otherwise pause requests for up to a second
                    gc.collect()
                    gc.freeze()
        return self._lineage

    def hospital_of(self, data: dict) -> str | None:
        """The member hospital of a lineage node: by the configured namespace rules, else the
        namespace itself when it is a hospital id (derivations harvested from the catalogue)."""
        ns = data.get("namespace") or ""
        for prefix, hospital in self.settings.lineage_namespaces:
            if ns.startswith(prefix):
                return hospital
        return ns if ns in {h["id"] for h in hospitals()} else None

    def _catalogue_ids(self) -> dict:
        """(hospital, identifier or name, lower-case) → the catalogue dataset's id, for matching; read once
        and kept until a harvest commits (an event used to rescan the whole catalogue)."""
        cached = self._catalogue_ids_cache
        if cached is not None:
            return cached
        with self._records_lock:
            epoch = self._records_epoch
        ids = self._read_catalogue_ids()
        with self._records_lock:
            if epoch == self._records_epoch:
                self._catalogue_ids_cache = ids
        return ids

    def _read_catalogue_ids(self) -> dict:
        q = P + """SELECT ?id ?h ?ident WHERE { GRAPH ?g { ?ds hdcat:localId ?id ; hdcat:hospital ?h .
                   OPTIONAL { ?ds dct:identifier ?ident } } }"""
        out = {}
        for row in self.store.query(q):
            h = str(row.h).rsplit("/", 1)[-1]
            out[(h, str(row.id).lower())] = str(row.id)
            out[(h, str(row.id).removeprefix(h + "-").lower())] = str(row.id)
            if row.ident:
                out[(h, str(row.ident).lower())] = str(row.id)
        return out

    def _annotate(self, mapped, ids: dict) -> None:
        """Give lineage datasets their hospital, and their catalogue dataset where one matches."""
        for data in mapped.nodes.values():
            hospital = self.hospital_of(data)
            if hospital:
                data["hospital"] = hospital
                match = ids.get((hospital, str(data.get("name", "")).lower())) or \
                    ids.get((hospital, str(data.get("name", "")).rsplit(".", 1)[-1].lower()))
                if match and data.get("type") == "DATASET":
                    data["catalogId"] = match

    def _events(self, as_of: datetime | None = None):
        q = P + f"""SELECT ?key ?json ?time WHERE {{ GRAPH <{self.lineage_graph_iri}> {{
            ?e hdcat:eventKey ?key ; hdcat:event ?json ; prov:generatedAtTime ?time }} }} ORDER BY ?time"""
        for row in self.store.query(q):
            event = json.loads(str(row.json))
            if as_of is not None:
                when = datetime.fromisoformat(str(event.get("eventTime", "")).replace("Z", "+00:00"))
                if (when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when) > as_of:
                    continue
            yield str(row.key), event

    def lineage_as_of(self, as_of: datetime) -> LineageGraph:
        """The lineage graph as it stood at a moment: only events whose eventTime is not later."""
        return self._rebuild_lineage(as_of)

    def _rebuild_lineage(self, as_of: datetime | None = None) -> LineageGraph:
        graph = LineageGraph()
        ids = self._catalogue_ids()
        keys = set()
        for key, event in self._events(as_of):
            keys.add(key)
            mapped = map_event(event, self.base)
            self._annotate(mapped, ids)
            graph.apply(mapped)
        if as_of is None:
            self._event_keys = keys
        q = P + """SELECT ?d ?did ?s ?sid ?dh ?sh WHERE { GRAPH ?g { ?d prov:wasDerivedFrom ?s ;
                   hdcat:localId ?did ; hdcat:hospital ?dh } GRAPH ?g2 { ?s hdcat:localId ?sid ; hdcat:hospital ?sh } }"""
        for row in self.store.query(q):
            src = node_id("dataset", str(row.sh).rsplit("/", 1)[-1], str(row.sid))
            dst = node_id("dataset", str(row.dh).rsplit("/", 1)[-1], str(row.did))
            graph.add_derivation(src, dst, {"type": "DATASET", "namespace": src.split(":")[1], "name": str(row.sid),
                                            "iri": str(row.s), "catalogId": str(row.sid),
                                            "hospital": src.split(":")[1]},
                                 {"type": "DATASET", "namespace": dst.split(":")[1], "name": str(row.did),
                                  "iri": str(row.d), "catalogId": str(row.did), "hospital": dst.split(":")[1]})
        return graph

    def ingest_lineage(self, event) -> dict:
        """Store one OpenLineage event as PROV-O and update the lineage index; idempotent."""
        lenient = validate_event(event)
        key = event_key(event)
        lineage = self.lineage
        with self._lineage_lock:
            if key in self._event_keys:
                return {"status": "duplicate", "key": key, "lenient": lenient}
            mapped = map_event(event, self.base)
            self._annotate(mapped, self._catalogue_ids())
            node = URIRef(f"{self.base}/id/lineage/event/{key}")
            g = mapped.graph
            g.add((node, RDF.type, HDCAT.LineageEvent))
            g.add((node, HDCAT.eventKey, Literal(key)))
            g.add((node, HDCAT.event, Literal(json.dumps(event, ensure_ascii=False, sort_keys=True),
                                              datatype=RDF_JSON)))
            g.add((node, PROV.generatedAtTime, Literal(datetime.now(timezone.utc).isoformat(), datatype=XSD.dateTime)))
            self.store.add_to_graph(self.lineage_graph_iri, g)
            self._event_keys.add(key)
            lineage.apply(mapped)
        return {"status": "stored", "key": key, "lenient": lenient}

    def lineage_prov(self, node: str, depth: int = 1, direction: str = "both") -> Graph:
        """PROV-O of a lineage neighbourhood: the entities, plans and activities it touches."""
        nodes = self.lineage.neighbourhood(node, depth, direction)
        iris = [URIRef(self.lineage.graph.nodes[n]["iri"]) for n in nodes if self.lineage.graph.nodes[n].get("iri")]
        src = self.store.graph(self.lineage_graph_iri)
        out = bind_prefixes(Graph())
        keep = set(iris)
        for iri in iris:
            for s, p, o in src.triples((iri, None, None)):
                out.add((s, p, o))
            for run in src.subjects(PROV.used, iri):
                keep.add(run)
            for run in src.objects(iri, PROV.wasGeneratedBy):
                keep.add(run)
        for run in keep - set(iris):
            for t in closure(src, run):
                out.add(t)
        return out

    # ---- runs -----------------------------------------------------------------
    def runs(self, source: str | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
        extra = ""
        if source:
            extra = f'FILTER(STR(?source) = "{_sparql_str(source)}")'
        q = (RUNS_QUERY % extra) + f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return list(self._runs_query(q))

    def run(self, run_id: str) -> dict:
        if not all(c.isalnum() for c in run_id):
            raise NotFound(f"no harvest run {run_id!r}")
        q = RUNS_QUERY % f'FILTER(STR(?id) = "{run_id}")'
        rows = list(self._runs_query(q))
        if not rows:
            raise NotFound(f"no harvest run {run_id!r}")
        run = rows[0]
        g = self.store.graph(runs_graph_iri(self.base))
        node = URIRef(run["iri"])
        run["skipped_records"] = sorted(
            ({"record": str(g.value(b, HDCAT.record)), "reason": str(g.value(b, HDCAT.reason))}
             for b in g.objects(node, HDCAT.skipped)), key=lambda r: r["record"])
        run["warnings"] = sorted(str(w) for w in g.objects(node, HDCAT.warning))
        return run

    def _runs_query(self, q):
        for row in self.store.query(q):
            yield {
                "id": str(row.id), "iri": str(row.run), "source": str(row.source), "kind": str(row.kind),
                "location": str(row.location), "hospital": str(row.hospital).rsplit("/", 1)[-1],
                "started": str(row.started), "ended": str(row.ended) if row.ended else None,
                "status": str(row.status) if row.status else None,
                "found": int(row.found or 0), "added": int(row.added or 0), "changed": int(row.changed or 0),
                "removed": int(row.removed or 0), "skipped": int(row.skipped or 0),
                "error": str(row.error) if row.error else None,
            }

    def last_good_run(self, source: str) -> dict | None:
        for run in self.runs(source=source, limit=20):
            if run["status"] in ("changed", "unchanged"):
                return run
        return None

    # ---- whole catalogue --------------------------------------------------------
    def catalog_graph(self, page: int, size: int, catalog_iri: URIRef, members: bool = False) -> tuple[Graph, int]:
        """One page of the whole catalogue as DCAT: the catalog node and each dataset in full."""
        q = P + f"""SELECT ?ds ?g WHERE {{ GRAPH ?g {{ ?ds a dcat:Dataset ; hdcat:localId ?id }} {self._visible(members)} }}
            ORDER BY ?id LIMIT {int(size)} OFFSET {(int(page) - 1) * int(size)}"""
        out = bind_prefixes(Graph())
        out.add((catalog_iri, RDF.type, DCAT.Catalog))
        for row in self.store.query(q):
            out.add((catalog_iri, DCAT.dataset, row.ds))
            for t in describe(self.store.dataset, row.ds, row.g):
                out.add(t)
        return out, self.count_datasets(members=members)


def _sparql_str(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
