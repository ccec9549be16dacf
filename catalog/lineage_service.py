"""Lineage: OpenLineage events stored as PROV-O in one graph, and the index that answers questions about them.

The graph is the record; the index (catalog.lineage.LineageGraph, networkx) is derived from it and
from the derivations harvests bring (`prov:wasDerivedFrom` between catalogue datasets). Lineage
datasets are matched to catalogue datasets by hospital and name, which is how a dataset page shows
its lineage; when a harvest commits (`forget`) only those matches and derivations are redone.

Events come one by one or in batches (`ingest_many`): a batch is validated event by event, and what
is valid is stored in one write (one transaction) and applied to the index and to Marquez's read
model in place. At start the index is read from its snapshot on disk (catalog.lineage_snapshot)
when that holds exactly the first stored events, the later ones replayed on top; otherwise it is
rebuilt from the stored events in one query, without making their PROV-O again, and a snapshot
written for the next start.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache

import orjson
import pyoxigraph as ox
from hdcat.catalog import lineage_snapshot, snapshot_file
from hdcat.catalog.config import Settings
from hdcat.catalog.errors import Invalid
from hdcat.catalog.graph_rows import DERIVATIONS_KEPT, READ_WHOLE_ABOVE
from hdcat.catalog.iris import consortium_graph_prefix, iri_tail, lineage_graph_iri, source_graph_prefix
from hdcat.catalog.lineage import LineageGraph
from hdcat.catalog.marquez import MarquezView
from hdcat.catalog.openlineage import (
    RDF_JSON,
    Described,
    canonical_json,
    date_time,
    entity_prefix,
    event_key,
    map_event,
    node_id,
    validate_event,
)
from hdcat.catalog.patched import Patched
from hdcat.catalog.resources import closure
from hdcat.catalog.values_blocks import in_parts
from hdcat.ontology import HDCAT, PROV, bind_prefixes, hospitals, sparql_prefixes
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

log = logging.getLogger("hdcat.lineage")
_TYPE, _LINEAGE_EVENT = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(HDCAT.LineageEvent))
_EVENT_KEY, _EVENT = ox.NamedNode(str(HDCAT.eventKey)), ox.NamedNode(str(HDCAT.event))
_GENERATED_AT, _JSON = ox.NamedNode(str(PROV.generatedAtTime)), ox.NamedNode(str(RDF_JSON))
P = sparql_prefixes("dcat", "dct", "hdcat", "foaf", "prov")
#: at most this many events in one batch (OpenLineage clients send a few hundred at a time)
MAX_BATCH = 5000

#: the stored events, oldest first (`{graph}`: the lineage graph)
EVENTS = (
    P
    + """SELECT ?key ?json WHERE {{ GRAPH <{graph}> {{
    ?e hdcat:eventKey ?key ; hdcat:event ?json ; prov:generatedAtTime ?time }} }} ORDER BY ?time"""
)
#: the stored events' keys, in the same order (what a snapshot is checked against)
EVENT_KEYS = (
    P
    + """SELECT ?key WHERE {{ GRAPH <{graph}> {{
    ?e hdcat:eventKey ?key ; prov:generatedAtTime ?time }} }} ORDER BY ?time"""
)
#: some stored events by key (`{keys}`: string literals), to replay on top of a snapshot
EVENTS_BY_KEY = (
    P
    + """SELECT ?key ?json WHERE {{ VALUES ?key {{ {keys} }} GRAPH <{graph}> {{
    ?e hdcat:eventKey ?key ; hdcat:event ?json ; prov:generatedAtTime ?time }} }} ORDER BY ?time"""
)
#: derivations between catalogue datasets, as harvests describe them, in the harvested graphs (`{graphs}`:
#: IRIs in angle brackets). The graphs are named first, and Oxigraph joins in the order written: from every
#: prov:wasDerivedFrom it read the lineage graph's, one for every output and input of every event (seconds
#: per 25,000 edges), and from every short id it read the whole catalogue (1.9 s at 100,000 datasets with no
#: derivation among them, on every process's first search update)
DERIVATIONS = (
    P
    + """SELECT ?g ?d ?did ?s ?sid ?dh ?sh ?g2 WHERE {{ VALUES ?g {{ {graphs} }}
    GRAPH ?g {{ ?d prov:wasDerivedFrom ?s ; hdcat:localId ?did ; hdcat:hospital ?dh }}
    GRAPH ?g2 {{ ?s hdcat:localId ?sid ; hdcat:hospital ?sh }} }}"""
)
#: the DERIVATIONS rows of the derivations stated in some graphs (`{side}` g) or from the datasets of some
#: graphs (`{side}` g2), `{graphs}` IRIs in angle brackets, with the patterns and filter of DERIVATIONS_NAMING
DERIVATIONS_IN_GRAPHS = (
    P
    + """SELECT ?g ?d ?did ?s ?sid ?dh ?sh ?g2 WHERE {{ VALUES ?{side} {{ {graphs} }} {patterns}
    {harvested} }}"""
)
#: the DERIVATIONS rows that name some catalogue datasets (`{ids}`: short ids as literals) on one side
#: (`{side}`: did, the derived dataset, or sid, its source), found from their short ids; `{harvested}` keeps
#: ?g to the harvested graphs, as DERIVATIONS names them
DERIVATIONS_NAMING = (
    P + """SELECT ?d ?did ?s ?sid ?dh ?sh WHERE {{ VALUES ?{side} {{ {ids} }} {patterns} {harvested} }}"""
)
_DERIVED_SIDE = """GRAPH ?g { ?d hdcat:localId ?did ; prov:wasDerivedFrom ?s ; hdcat:hospital ?dh }
    GRAPH ?g2 { ?s hdcat:localId ?sid ; hdcat:hospital ?sh }"""
_SOURCE_SIDE = """GRAPH ?g2 { ?s hdcat:localId ?sid ; hdcat:hospital ?sh }
    GRAPH ?g { ?d prov:wasDerivedFrom ?s ; hdcat:localId ?did ; hdcat:hospital ?dh }"""
#: the namespace and name of every dataset the stored events describe (openlineage._entity)
EVENT_DATASETS = (
    sparql_prefixes("hdcat", "rdfs")
    + """SELECT ?ns ?name WHERE {{ GRAPH <{graph}> {{ ?e hdcat:lineageNamespace ?ns ; rdfs:label ?name }}
    FILTER(STRSTARTS(STR(?e), "{datasets}")) }}"""
)


class _OnFirstUse:
    """The catalogue's ids (`Datasets.catalogue_ids`), read when a lineage dataset is first matched against
    them: a catalogue without lineage events never reads them. A new process's first search update read
    them to build an empty index: a third of a 1 %-changed re-harvest's index update at 5,000 datasets."""

    def __init__(self, read: Callable[[], dict]):
        self._read, self._ids = read, None

    def get(self, key, default=None):
        if self._ids is None:
            self._ids = self._read()
        return self._ids.get(key, default)


class Lineage:
    """Stores lineage events and keeps the index. `catalogue_ids()` maps (hospital, lower-case name) to a
    catalogue dataset's id (catalog.datasets.Datasets.catalogue_ids)."""

    def __init__(
        self,
        store,
        settings: Settings,
        catalogue_ids: Callable[[], dict],
        catalogue_ids_of: Callable[[set], dict] | None = None,
    ):
        self.store = store
        self._settings = settings
        self.base = settings.base_iri
        self.graph_iri = lineage_graph_iri(self.base)
        self.catalogue_ids = catalogue_ids
        #: `catalogue_ids` of some datasets alone (Datasets.catalogue_ids_of), for `catalog_ids_among`
        self.catalogue_ids_of = catalogue_ids_of or (lambda ids: catalogue_ids())
        self._index: LineageGraph | None = None
        self._annotations_stale = False
        self._derivations: Patched[set[tuple]] = Patched()  # the harvested derivations, DERIVATIONS rows
        self._marquez: MarquezView | None = None
        self._lock = threading.RLock()
        self._event_keys: set[str] = set()  # content keys of every stored event (duplicates by content)
        self._stored_keys: list[str] = []  # hdcat:eventKey of the events in the index, in stored order
        self._unsaved = 0  # events in the index that the snapshot on disk lacks
        self._last_stamp: datetime | None = None
        #: what this process has written of the triples events repeat: datasets and jobs described,
        #: derivations made (openlineage.Described)
        self._described: set = set()
        #: how the index was last made: "snapshot", "snapshot+N" (N events replayed on top) or "rdf"
        self.loaded_from: str | None = None

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        """New lineage namespaces change which hospital a node belongs to: annotate again."""
        self._settings = settings
        self._annotations_stale = True

    def forget(self, touched: set[str] | None = None) -> None:
        """After a commit: derivations and catalogue matches may have changed, so they are redone on
        next use; what the events made stays (and so does Marquez's model, made from events alone).
        `touched`: the short ids the commit added, changed or removed, when known; only their derivations
        are read again then (the whole catalogue's took 44 s at 1,000,000 datasets)."""
        self._derivations.forget(touched)  # first: an annotation in between must not take the old rows
        self._annotations_stale = True

    @property
    def snapshot_path(self):
        """Where the index is kept between runs, or None for a store that does not outlive the process
        (or one opened read-only beside a server, which owns the snapshot)."""
        return snapshot_file.path_beside(self.store, self.settings.data_dir, lineage_snapshot.FILENAME)

    @property
    def marquez(self) -> MarquezView:
        """Marquez's read model (namespaces, datasets, jobs, runs), replayed from the stored events on
        first use; new events are added to it in place (catalog.marquez.MarquezView.add)."""
        view = self._marquez
        if view is None:
            with self._lock:
                if self._marquez is None:
                    events = [event for _, event in self._events()]
                    self._marquez = MarquezView(events, lambda ns: self.hospital_of({"namespace": ns}))
                view = self._marquez
        return view

    @property
    def index(self) -> LineageGraph:
        """The networkx lineage index: read from its snapshot or rebuilt from the RDF on first use."""
        if self._index is None or self._annotations_stale:
            with self._lock:
                if self._index is None:
                    # the load makes a graph's worth of dicts at once; the cyclic collector would walk
                    # them again and again as they pile up, and none of them is garbage
                    enabled = gc.isenabled()
                    gc.disable()
                    try:
                        self._index = self._load()
                    finally:
                        if enabled:
                            gc.enable()
                    # a large graph is millions of long-lived objects: keep them out of the cyclic
                    # collector's full passes, which otherwise pause requests for up to a second
                    # (no collection first: that pass alone cost a second a 25,000 edges at start)
                    gc.freeze()
                elif self._annotations_stale:
                    self._annotate_index(self._index)
        return self._index

    def save_snapshot(self) -> bool:
        """Write the index to disk when it holds events the snapshot lacks (at close, and after a
        rebuild); True when written."""
        return self._index is not None and self._write_snapshot(self._index)

    def _write_snapshot(self, graph: LineageGraph) -> bool:
        path = self.snapshot_path
        if path is None:
            return False
        with self._lock:
            if not self._unsaved:
                return False
            snapshot = lineage_snapshot.Snapshot(list(self._stored_keys), set(self._event_keys), graph)
            try:
                lineage_snapshot.write(path, snapshot, self.base)
            except OSError as exc:  # the index stays right in memory; the next start rebuilds it
                log.warning("could not write the lineage index snapshot %s: %s", path, exc)
                return False
            self._unsaved = 0
        return True

    def as_of(self, as_of: datetime) -> LineageGraph:
        """The lineage graph as it stood at a moment: only events whose eventTime is not later."""
        return self._rebuild(as_of)

    def hospital_of(self, data: dict) -> str | None:
        """The member hospital of a lineage node: by the configured namespace rules, else the
        namespace itself when it is a hospital id (derivations harvested from the catalogue)."""
        ns = data.get("namespace") or ""
        for prefix, hospital in self.settings.lineage_namespaces:
            if ns.startswith(prefix):
                return hospital
        return ns if ns in _hospital_ids() else None

    def marquez_graph(self, node: str, depth: int, direction: str, as_of: datetime | None = None) -> dict:
        """GET /api/v1/lineage's answer: the index's neighbourhood, each node's `data` the dataset
        or job as Marquez's read API gives it (fields, facets, latestRun with its state, …) beside
        hdcat's own (iri, hospital, catalogId). With `as_of`, both as they stood then."""
        if as_of is None:
            graph, view = self.index, self.marquez
        else:
            graph = self.as_of(as_of)
            view = MarquezView(
                [e for _, e in self._events(as_of)], lambda ns: self.hospital_of({"namespace": ns})
            )
        body = graph.marquez(node, depth, direction)
        for item in body["graph"]:
            data = view.node_data(item["id"])
            if data is not None:
                item["data"] = {**item["data"], **data}
        return body

    # ---- what dataset pages and search show ----
    def catalog_ids(self) -> set[str]:
        """Catalogue datasets that appear in lineage: harvested derivations and matched OpenLineage
        datasets."""
        return set(self.index.by_catalog)

    def catalog_ids_among(self, local_ids) -> set[str]:
        """Which of these catalogue datasets appear in lineage: `catalog_ids()` of a few, for a search update.

        From the index when this process holds it up to date. Otherwise from the store without building it:
        its annotations after a commit read every short id and every harvested derivation (a minute each at
        1,000,000 datasets), and a harvest's index update waited for that to flag a few dozen documents.
        These datasets' derivations are named by their short ids; the events' datasets (namespace, name)
        come from the index as it stands, or from the lineage graph alone, and are matched against these
        datasets' keys as `_annotate_node` matches them against the catalogue's. Where another dataset
        shares a key with one of these (a short id equal to another's identifier), the index gives the
        event's node to the smaller short id (catalog.datasets.MatchKeys), this answer to both."""
        wanted = set(local_ids)
        index = self._index
        if not wanted:
            return set()
        if index is not None and not self._annotations_stale:
            return wanted & index.by_catalog.keys()
        derived = {i for row in self._derivations_naming(wanted) for i in (row[1], row[3]) if i in wanted}
        keys = self.catalogue_ids_of(wanted - derived)
        if not keys:
            return derived
        matched = set()
        for ns, name in self._event_datasets(index):
            hospital = self.hospital_of({"namespace": ns})
            if hospital:
                node = {"type": "DATASET", "namespace": ns, "name": name}
                self._annotate_node(node, keys)
                if node.get("catalogId") in wanted:
                    matched.add(node["catalogId"])
        return derived | matched

    def _event_datasets(self, index: LineageGraph | None):
        """(namespace, name) of the datasets events describe: the index's event nodes, else the stored."""
        if index is None:
            query = EVENT_DATASETS.format(graph=self.graph_iri, datasets=entity_prefix(self.base, "dataset"))
            yield from self.store.select_text(query)
            return
        with index._lock:
            nodes = [
                (data.get("namespace", ""), data.get("name", ""))
                for nid, data in index.graph.nodes(data=True)
                if data.get("type") == "DATASET" and nid not in index.derived_nodes
            ]
        yield from nodes

    def node_for(self, local_id: str) -> str | None:
        return self.index.by_catalog.get(local_id)

    def panel(self, local_id: str) -> dict | None:
        """What a dataset page shows of its lineage: the node and its direct neighbours."""
        node = self.node_for(local_id)
        if node is None:
            return None
        g = self.index.graph

        def describe_nodes(ids):
            return [
                {
                    "id": n,
                    "name": g.nodes[n].get("name", n),
                    "type": g.nodes[n].get("type"),
                    "catalogId": g.nodes[n].get("catalogId"),
                }
                for n in sorted(ids)
            ]

        return {
            "node": node,
            "upstream": describe_nodes(g.predecessors(node)),
            "downstream": describe_nodes(g.successors(node)),
        }

    def prov(self, node: str, depth: int = 1, direction: str = "both") -> Graph:
        """PROV-O of a lineage neighbourhood: the entities, plans and activities it touches."""
        index = self.index
        nodes = index.neighbourhood(node, depth, direction)
        iris = [URIRef(index.graph.nodes[n]["iri"]) for n in nodes if index.graph.nodes[n].get("iri")]
        src = self.store.graph(self.graph_iri)
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

    # ---- writes ----
    def ingest(self, event) -> dict:
        """Store one OpenLineage event as PROV-O and update the lineage index; idempotent. Raises
        Invalid naming the wrong field."""
        result = self.ingest_many([event])[0]
        if result["status"] == "invalid":
            raise Invalid(result["message"], field=result.get("field"), detail=result.get("detail"))
        return {k: v for k, v in result.items() if k != "index"}

    def ingest_many(self, events: list) -> list[dict]:
        """Store a batch of events: each is validated on its own, and the valid ones that are new are
        stored in one write, so a batch costs one transaction rather than one per event. The answer
        has one result per event, in order, each with its `index` in the batch and a `status`:
        stored, duplicate (the same content is stored already, or earlier in this batch) or invalid
        (with `field` and `message`). An invalid event does not keep the others out."""
        if len(events) > MAX_BATCH:
            raise Invalid(
                f"a batch may hold at most {MAX_BATCH} events, this one has {len(events)}", field="(body)"
            )
        results: list[dict] = []
        checked = []
        for i, event in enumerate(events):
            try:
                lenient = validate_event(event)
            except Invalid as exc:
                wrong = {"index": i, "status": "invalid", "field": exc.field, "message": exc.message}
                results.append(wrong | ({"detail": exc.detail} if exc.detail else {}))
                continue
            text = canonical_json(event)
            key = event_key(event, text)
            results.append({"index": i, "status": "stored", "key": key, "lenient": lenient})
            checked.append((i, event, key, text))
        if not checked:
            return results
        index = self.index
        with self._lock:
            ids = _OnFirstUse(self.catalogue_ids)
            known = Described(self._described)
            triples, new, seen = [], [], set()
            for i, event, key, text in checked:
                if key in self._event_keys or key in seen:
                    results[i]["status"] = "duplicate"
                    continue
                seen.add(key)
                mapped = map_event(event, self.base, key=key, known=known)
                self._annotate(mapped, ids)
                triples += mapped.graph
                triples += self._event_record(key, text)
                new.append((key, event, mapped))
            if not new:
                return results
            self.store.add_to_graph(self.graph_iri, triples)  # all or nothing
            self._described |= known.new
            view = self._marquez
            for key, event, mapped in new:
                self._event_keys.add(key)
                self._stored_keys.append(key)
                index.apply(mapped)
                if view is not None and not view.add(event):
                    view = self._marquez = None  # an event earlier than those replayed: replay on next use
            self._unsaved += len(new)
        return results

    def _event_record(self, key: str, text: str) -> list[tuple]:
        """The event itself, verbatim as canonical JSON (`text`), with its key and when hdcat stored it
        (in Oxigraph's terms, as openlineage.map_event makes the rest)."""
        node = ox.NamedNode(f"{self.base}/id/lineage/event/{key}")
        return [
            (node, _TYPE, _LINEAGE_EVENT),
            (node, _EVENT_KEY, ox.Literal(key)),
            (node, _EVENT, ox.Literal(text, datatype=_JSON)),
            (node, _GENERATED_AT, date_time(self._stamp().isoformat())),
        ]

    def _stamp(self) -> datetime:
        """A storage time later than every other this process gave, so the stored order (what a rebuild
        and a snapshot follow) is the order events were applied in, within a batch too."""
        now = datetime.now(UTC)
        if self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return now

    # ---- building the index ----
    def _annotate(self, mapped, ids: dict) -> None:
        """Give lineage datasets their hospital, and their catalogue dataset where one matches."""
        for data in mapped.nodes.values():
            self._annotate_node(data, ids)

    def _annotate_node(self, data: dict, ids: dict) -> None:
        hospital = self.hospital_of(data)
        if hospital:
            data["hospital"] = hospital
            match = ids.get((hospital, str(data.get("name", "")).lower())) or ids.get(
                (hospital, str(data.get("name", "")).rsplit(".", 1)[-1].lower())
            )
            if match and data.get("type") == "DATASET":
                data["catalogId"] = match

    def _annotate_index(self, graph: LineageGraph) -> None:
        """Catalogue matches and harvested derivations as the catalogue is now (after a harvest, or on a
        snapshot read back), without touching what the events made."""
        self._annotations_stale = False
        ids = _OnFirstUse(self.catalogue_ids)
        graph.reannotate(lambda data: self._annotate_node(data, ids))
        self._add_derivations(graph)

    def _add_derivations(self, graph: LineageGraph) -> None:
        for d, did, src, sid, dh, sh in self._harvested_derivations():
            src_node = node_id("dataset", iri_tail(sh), sid)
            dst_node = node_id("dataset", iri_tail(dh), did)
            graph.add_derivation(
                src_node, dst_node, _catalogue_node(src_node, sid, src), _catalogue_node(dst_node, did, d)
            )

    def _harvested_derivations(self) -> set[tuple]:
        """Every DERIVATIONS row: read whole once, then kept; after a commit, the rows naming a dataset it
        touched are read again. A row whose datasets the commit did not touch still holds: the derivation
        is part of the derived dataset's record, and the source's short id and hospital are its own."""

        def read_whole() -> set[tuple]:
            return {row[:6] for rows in self._derivations_by_graph().values() for row in rows}

        def patch(rows: set[tuple], touched: set[str]) -> set[tuple]:
            kept = {row for row in rows if row[1] not in touched and row[3] not in touched}
            return kept | self._derivations_naming(touched)

        return self._derivations.get(read_whole, patch)

    def _derivations_naming(self, local_ids) -> set[tuple]:
        """The DERIVATIONS rows in which any of these short ids is the derived dataset or its source."""
        rows = set()
        for ids in in_parts(Literal(i).n3() for i in sorted(local_ids)):
            for side, patterns in (("did", _DERIVED_SIDE), ("sid", _SOURCE_SIDE)):
                query = DERIVATIONS_NAMING.format(
                    side=side, ids=ids, patterns=patterns, harvested=self._harvested_filter()
                )
                rows |= {tuple(row) for row in self.store.select_text(query)}
        return rows

    def _harvested(self) -> tuple[str, str]:
        """The prefixes of the graphs harvests write (a source's public and consortium-only graphs): the
        derivations lineage shows are the ones harvests describe there."""
        return source_graph_prefix(self.base), consortium_graph_prefix(self.base)

    def _harvested_filter(self) -> str:
        return "FILTER(" + " || ".join(f'STRSTARTS(STR(?g), "{p}")' for p in self._harvested()) + ")"

    #: the share of the catalogue's datasets in changed graphs above which every derivation is read again
    READ_WHOLE_ABOVE = READ_WHOLE_ABOVE

    def _derivations_by_graph(self) -> dict[str, list[tuple]]:
        """Every DERIVATIONS row (with the graph of its source dataset last), by the graph that states it:
        kept on disk per graph (catalog.graph_rows). A row is taken from the snapshot when neither its graph
        nor its source's graph changed since; the derivations stated in the graphs that changed and those
        from datasets in them are read again (every one, when those graphs hold most datasets)."""
        return DERIVATIONS_KEPT.kept(
            self.store,
            self.base,
            self.settings.data_dir,
            self._derivation_rows,
            self.READ_WHOLE_ABOVE,
            holds=lambda row, unchanged: row[6] in unchanged,
        )

    def _derivation_rows(self, graphs: list[str] | None):
        """DERIVATIONS rows of every harvested graph (None), or those stated in the given graphs and those
        from datasets in them."""
        if graphs is None:
            harvested = [f"<{g}>" for g in self.store.graph_names() if str(g).startswith(self._harvested())]
            return self.store.select_text(DERIVATIONS.format(graphs=" ".join(harvested))) if harvested else []
        read = set()
        for part in in_parts(f"<{g}>" for g in graphs):
            for side, patterns in (("g", _DERIVED_SIDE), ("g2", _SOURCE_SIDE)):
                query = DERIVATIONS_IN_GRAPHS.format(
                    side=side, graphs=part, patterns=patterns, harvested=self._harvested_filter()
                )
                read |= {tuple(row) for row in self.store.select_text(query)}
        return read

    def _events(self, as_of: datetime | None = None, query: str | None = None):
        """(stored key, event) of the stored events, oldest first."""
        for key, _, event in self._keyed_events(as_of, query):
            yield key, event

    def _keyed_events(self, as_of: datetime | None = None, query: str | None = None):
        """(stored key, content key, event): the content key is keyed again from the stored content, so
        events stored under an older key rule are still recognised when they are sent again. Text this
        version stored is the canonical JSON its key was made from, so its hash is the key already."""
        for key, text in self.store.select_text(query or EVENTS.format(graph=self.graph_iri)):
            event = orjson.loads(text)
            if as_of is not None:
                when = datetime.fromisoformat(str(event.get("eventTime", "")).replace("Z", "+00:00"))
                if (when.replace(tzinfo=UTC) if when.tzinfo is None else when) > as_of:
                    continue
            quick = hashlib.sha256(text.encode()).hexdigest()[:32]
            yield key, quick if quick == key else event_key(event), event

    def _load(self) -> LineageGraph:
        """The index at start: the snapshot with the events stored after it, else a rebuild."""
        path = self.snapshot_path
        snapshot = None
        if path is not None:
            try:
                snapshot = lineage_snapshot.read(path, self.base)
            except lineage_snapshot.UnusableSnapshot as exc:
                if path.exists():
                    log.warning("%s; rebuilding the lineage index from the stored events", exc.message)
        if snapshot is not None:
            stored = [key for (key,) in self.store.select_text(EVENT_KEYS.format(graph=self.graph_iri))]
            held = len(snapshot.stored_keys)
            if held <= len(stored) and set(stored[:held]) == set(snapshot.stored_keys):
                graph, self._event_keys = snapshot.index, snapshot.content_keys
                self._stored_keys = stored[:held]
                later = stored[held:]
                self._replay(graph, later)
                self._unsaved = len(later)
                self.loaded_from = f"snapshot+{len(later)}" if later else "snapshot"
                self._annotate_index(graph)
                self._write_snapshot(graph)
                return graph
            log.warning(
                "the lineage index snapshot %s holds events the store does not (or not first): rebuilding "
                "from the stored events",
                path,
            )
        graph = self._rebuild()
        self.loaded_from = "rdf"
        self._unsaved = len(self._stored_keys)
        self._write_snapshot(graph)
        return graph

    def _replay(self, graph: LineageGraph, keys: list[str]) -> None:
        """Apply stored events (by key) on top of a snapshot, in stored order."""
        ids = _OnFirstUse(self.catalogue_ids)
        for start in range(0, len(keys), 500):
            chunk = " ".join(Literal(k).n3() for k in keys[start : start + 500])
            query = EVENTS_BY_KEY.format(graph=self.graph_iri, keys=chunk)
            for key, content_key, event in self._keyed_events(query=query):
                self._event_keys.add(content_key)
                self._stored_keys.append(key)
                mapped = map_event(event, self.base, rdf=False)
                self._annotate(mapped, ids)
                graph.apply(mapped)

    def _rebuild(self, as_of: datetime | None = None) -> LineageGraph:
        """The index from the stored events (one query; the index's part of each event only), then the
        harvested derivations."""
        graph = LineageGraph()
        ids = _OnFirstUse(self.catalogue_ids)
        keys, stored = set(), []
        for key, content_key, event in self._keyed_events(as_of):
            keys.add(content_key)
            stored.append(key)
            mapped = map_event(event, self.base, rdf=False)
            self._annotate(mapped, ids)
            graph.apply(mapped)
        if as_of is None:
            self._event_keys, self._stored_keys = keys, stored
            self._annotations_stale = False
        self._add_derivations(graph)
        return graph


@cache
def _hospital_ids() -> frozenset[str]:
    return frozenset(h["id"] for h in hospitals())


def _catalogue_node(node: str, local_id, iri) -> dict:
    """A lineage node for a catalogue dataset: its namespace is its hospital."""
    hospital = node.split(":")[1]
    return {
        "type": "DATASET",
        "namespace": hospital,
        "name": str(local_id),
        "iri": str(iri),
        "catalogId": str(local_id),
        "hospital": hospital,
    }
