"""Lineage: OpenLineage events stored as PROV-O in one graph, and the index that answers questions about them.

The graph is the record; the index (catalog.lineage.LineageGraph, networkx) is derived from it and
from the derivations harvests bring (`prov:wasDerivedFrom` between catalogue datasets), so it is
dropped whenever a harvest commits (`forget`) and rebuilt on next use. Lineage datasets are matched
to catalogue datasets by hospital and name, which is how a dataset page shows its lineage.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from hdcat.catalog.config import Settings
from hdcat.catalog.iris import lineage_graph_iri
from hdcat.catalog.lineage import LineageGraph
from hdcat.catalog.marquez import MarquezView
from hdcat.catalog.openlineage import RDF_JSON, canonical_json, event_key, map_event, node_id, validate_event
from hdcat.catalog.resources import closure
from hdcat.ontology import HDCAT, PROV, bind_prefixes, hospitals, sparql_prefixes
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

P = sparql_prefixes("dcat", "dct", "hdcat", "foaf", "prov")

#: the stored events, oldest first (`{graph}`: the lineage graph)
EVENTS = (
    P
    + """SELECT ?key ?json ?time WHERE {{ GRAPH <{graph}> {{
    ?e hdcat:eventKey ?key ; hdcat:event ?json ; prov:generatedAtTime ?time }} }} ORDER BY ?time"""
)
#: derivations between catalogue datasets, as harvests describe them
DERIVATIONS = (
    P
    + """SELECT ?d ?did ?s ?sid ?dh ?sh WHERE { GRAPH ?g { ?d prov:wasDerivedFrom ?s ;
    hdcat:localId ?did ; hdcat:hospital ?dh } GRAPH ?g2 { ?s hdcat:localId ?sid ; hdcat:hospital ?sh } }"""
)


class Lineage:
    """Stores lineage events and keeps the index. `catalogue_ids()` maps (hospital, lower-case name) to a
    catalogue dataset's id (catalog.datasets.Datasets.catalogue_ids)."""

    def __init__(self, store, settings: Settings, catalogue_ids: Callable[[], dict]):
        self.store = store
        self.settings = settings
        self.base = settings.base_iri
        self.graph_iri = lineage_graph_iri(self.base)
        self.catalogue_ids = catalogue_ids
        self._index: LineageGraph | None = None
        self._marquez: MarquezView | None = None
        self._lock = threading.RLock()
        self._event_keys: set[str] = set()

    def forget(self) -> None:
        """After a commit: derivations may have changed, so the index is rebuilt on next use."""
        self._index = None
        self._marquez = None

    @property
    def marquez(self) -> MarquezView:
        """Marquez's read model (namespaces, datasets, jobs, runs), replayed from the stored events on
        first use after a change."""
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
        """The networkx lineage index, rebuilt from the RDF graph on first use."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._rebuild()
                    # a large graph is millions of long-lived objects: keep them out of the cyclic
                    # collector's full passes, which otherwise pause requests for up to a second
                    gc.collect()
                    gc.freeze()
        return self._index

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
        return ns if ns in {h["id"] for h in hospitals()} else None

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
        """Store one OpenLineage event as PROV-O and update the lineage index; idempotent."""
        lenient = validate_event(event)
        key = event_key(event)
        index = self.index
        with self._lock:
            if key in self._event_keys:
                return {"status": "duplicate", "key": key, "lenient": lenient}
            mapped = map_event(event, self.base)
            self._annotate(mapped, self.catalogue_ids())
            node = URIRef(f"{self.base}/id/lineage/event/{key}")
            g = mapped.graph
            g.add((node, RDF.type, HDCAT.LineageEvent))
            g.add((node, HDCAT.eventKey, Literal(key)))
            g.add(
                (
                    node,
                    HDCAT.event,
                    Literal(canonical_json(event), datatype=RDF_JSON),
                )
            )
            g.add((node, PROV.generatedAtTime, Literal(datetime.now(UTC).isoformat(), datatype=XSD.dateTime)))
            self.store.add_to_graph(self.graph_iri, g)
            self._event_keys.add(key)
            index.apply(mapped)
            self._marquez = None
        return {"status": "stored", "key": key, "lenient": lenient}

    # ---- building the index ----
    def _annotate(self, mapped, ids: dict) -> None:
        """Give lineage datasets their hospital, and their catalogue dataset where one matches."""
        for data in mapped.nodes.values():
            hospital = self.hospital_of(data)
            if hospital:
                data["hospital"] = hospital
                match = ids.get((hospital, str(data.get("name", "")).lower())) or ids.get(
                    (hospital, str(data.get("name", "")).rsplit(".", 1)[-1].lower())
                )
                if match and data.get("type") == "DATASET":
                    data["catalogId"] = match

    def _events(self, as_of: datetime | None = None):
        for row in self.store.query(EVENTS.format(graph=self.graph_iri)):
            event = json.loads(str(row.json))
            if as_of is not None:
                when = datetime.fromisoformat(str(event.get("eventTime", "")).replace("Z", "+00:00"))
                if (when.replace(tzinfo=UTC) if when.tzinfo is None else when) > as_of:
                    continue
            yield str(row.key), event

    def _rebuild(self, as_of: datetime | None = None) -> LineageGraph:
        graph = LineageGraph()
        ids = self.catalogue_ids()
        keys = set()
        for _, event in self._events(as_of):
            # keyed again from the stored content, so events stored under an older key rule are
            # still recognised when they are sent again
            keys.add(event_key(event))
            mapped = map_event(event, self.base)
            self._annotate(mapped, ids)
            graph.apply(mapped)
        if as_of is None:
            self._event_keys = keys
        for row in self.store.query(DERIVATIONS):
            src = node_id("dataset", str(row.sh).rsplit("/", 1)[-1], str(row.sid))
            dst = node_id("dataset", str(row.dh).rsplit("/", 1)[-1], str(row.did))
            graph.add_derivation(
                src, dst, _catalogue_node(src, row.sid, row.s), _catalogue_node(dst, row.did, row.d)
            )
        return graph


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
