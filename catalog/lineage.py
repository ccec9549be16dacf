"""The lineage graph: networkx, kept in step with the PROV-O in the RDF graph.

The RDF graph is the source of truth; this is a derived, in-memory index for traversal. It is
rebuilt from PROV-O at start (`from_store`) and updated on every event (`apply`). Nodes are
Marquez-style ids (dataset:<ns>:<name>, job:<ns>:<name>); edges run from inputs to jobs to
outputs, and straight from dataset to dataset for derivations harvested from DCAT
(prov:wasDerivedFrom without a job).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from hdcat.catalog.errors import Invalid, NotFound
from hdcat.catalog.openlineage import Mapped

if TYPE_CHECKING:
    import networkx as nx

MAX_DEPTH = 20
DIRECTIONS = ("upstream", "downstream", "both")


class LineageGraph:
    def __init__(self):
        import networkx as nx  # here, not at the top: every command imports this module, few build the index

        self.graph = nx.DiGraph()
        self.columns = nx.DiGraph()
        self.by_catalog: dict[str, str] = {}  # catalogue dataset id → lineage node id
        # what only harvested derivations put here, so a harvest can take them out again
        # (`reannotate`) without rebuilding the events' part of the graph
        self.derived_nodes: set[str] = set()
        self.derived_edges: set[tuple[str, str]] = set()
        self.marked_edges: set[tuple[str, str]] = set()  # event edges a derivation gave kind=derivation
        self._lock = threading.RLock()

    def apply(self, mapped: Mapped) -> None:
        with self._lock:
            for nid, data in mapped.nodes.items():
                if nid in self.derived_nodes:  # an event now describes it: the event's data, as a rebuild has
                    self.derived_nodes.discard(nid)
                    attrs = self.graph.nodes[nid]
                    attrs.clear()
                    attrs.update({k: v for k, v in data.items() if v is not None})
                elif nid in self.graph:
                    self.graph.nodes[nid].update({k: v for k, v in data.items() if v is not None})
                else:
                    self.graph.add_node(nid, **data)
                if data.get("catalogId"):
                    self.by_catalog.setdefault(data["catalogId"], nid)
            for a, b, attrs in mapped.edges:
                if (a, b) in self.derived_edges:
                    self.derived_edges.discard((a, b))
                    self.marked_edges.add((a, b))
                self.graph.add_edge(a, b, **attrs)
            for a, b, attrs in mapped.column_edges:
                self.columns.add_edge(a, b, **attrs)
            for nid, data in mapped.column_nodes.items():
                known = self.columns.nodes[nid].get("data") if nid in self.columns else None
                if known is None or data.get("inputFields") or not known.get("inputFields"):
                    self.columns.add_node(nid, data=data)

    def add_derivation(self, source: str, derived: str, source_data: dict, derived_data: dict) -> None:
        with self._lock:
            for nid, data in ((source, source_data), (derived, derived_data)):
                if nid not in self.graph:
                    self.graph.add_node(nid, **data)
                    self.derived_nodes.add(nid)
                if data.get("catalogId"):
                    self.by_catalog.setdefault(data["catalogId"], nid)
            if not self.graph.has_edge(source, derived):
                self.derived_edges.add((source, derived))
            elif (source, derived) not in self.derived_edges:
                self.marked_edges.add((source, derived))
            self.graph.add_edge(source, derived, kind="derivation")

    def reannotate(self, annotate) -> None:
        """Take out what harvested derivations added and every node's catalogue annotations, then
        annotate each node again (`annotate(data)` sets hospital and catalogId from the catalogue as
        it is now); the caller adds the current derivations after. What events made stays: this is
        what a harvest costs the index instead of a rebuild from every stored event."""
        with self._lock:
            g = self.graph
            for a, b in self.marked_edges:
                if g.has_edge(a, b):
                    g.edges[a, b].pop("kind", None)
            g.remove_edges_from(self.derived_edges)
            g.remove_nodes_from(self.derived_nodes)
            self.derived_nodes, self.derived_edges, self.marked_edges = set(), set(), set()
            self.by_catalog = {}
            for nid, data in g.nodes(data=True):
                data.pop("hospital", None)
                data.pop("catalogId", None)
                annotate(data)
                if data.get("catalogId"):
                    self.by_catalog.setdefault(data["catalogId"], nid)

    def same_as(self, other: LineageGraph) -> bool:
        """The same nodes with the same data, edges with the same attributes, columns and catalogue
        matches: what a restart from the snapshot must give, compared with a rebuild from the RDF."""
        return (
            dict(self.graph.nodes(data=True)) == dict(other.graph.nodes(data=True))
            and {(a, b): d for a, b, d in self.graph.edges(data=True)}
            == {(a, b): d for a, b, d in other.graph.edges(data=True)}
            and dict(self.columns.nodes(data=True)) == dict(other.columns.nodes(data=True))
            and {(a, b): d for a, b, d in self.columns.edges(data=True)}
            == {(a, b): d for a, b, d in other.columns.edges(data=True)}
            and self.by_catalog == other.by_catalog
        )

    def __contains__(self, node: str) -> bool:
        return node in self.graph

    # ---- queries ----------------------------------------------------------------------------
    def neighbourhood(self, node: str, depth: int = 1, direction: str = "both") -> set[str]:
        if direction not in DIRECTIONS:
            raise Invalid(f"parameter 'direction': use one of {', '.join(DIRECTIONS)}", field="direction")
        if not 0 <= depth <= MAX_DEPTH:
            raise Invalid(f"parameter 'depth': must be between 0 and {MAX_DEPTH}", field="depth")
        if node not in self.graph:
            raise NotFound(f"no lineage node {node!r}")
        with self._lock:
            seen = {node}
            for step in (
                (self.graph.predecessors,)
                if direction == "upstream"
                else (self.graph.successors,)
                if direction == "downstream"
                else (self.graph.predecessors, self.graph.successors)
            ):
                frontier = {node}
                for _ in range(depth):
                    nxt = set()
                    for n in frontier:
                        nxt.update(m for m in step(n) if m not in seen)
                    seen |= nxt
                    frontier = nxt
                    if not frontier:
                        break
            return seen

    def marquez(self, node: str, depth: int = 20, direction: str = "both") -> dict:
        """GET /api/v1/lineage's answer, in Marquez's shape: {"graph": [{id, type, data, inEdges,
        outEdges}]}."""
        nodes = self.neighbourhood(node, depth, direction)
        with self._lock:
            out = []
            pred, succ, attrs = (
                self.graph._pred,
                self.graph._succ,
                self.graph._node,
            )  # adjacency dicts, read-only
            for nid in sorted(nodes):
                data = attrs[nid]
                out.append(
                    {
                        "id": nid,
                        "type": data.get("type", "DATASET"),
                        "data": {
                            "id": {"namespace": data.get("namespace"), "name": data.get("name")},
                            **{k: v for k, v in data.items() if k != "type"},
                        },
                        "inEdges": [
                            {"origin": a, "destination": nid}
                            for a in sorted(a for a in pred[nid] if a in nodes)
                        ],
                        "outEdges": [
                            {"origin": nid, "destination": b}
                            for b in sorted(b for b in succ[nid] if b in nodes)
                        ],
                    }
                )
            return {"graph": out}

    def column_lineage(self, node: str, depth: int = 20, downstream: bool = False) -> dict:
        """Column-level lineage of a datasetField:<ns>:<name>:<field> or of every field of a dataset,
        upstream (and downstream with `downstream`), in Marquez's shape: each node with its `data`
        (namespace, dataset, field, fieldType, transformation, inputFields), inEdges and outEdges."""
        if depth < 0:
            raise Invalid("parameter 'depth': must be 0 or more", field="depth")
        depth = min(depth, MAX_DEPTH)
        with self._lock:
            if node.startswith("dataset:"):
                starts = [
                    n for n in self.columns if n.startswith("datasetField:" + node[len("dataset:") :] + ":")
                ]
            else:
                starts = [node] if node in self.columns else []
            if not starts:
                raise NotFound(f"no column lineage for {node!r}")
            seen = set(starts)
            steps = [self.columns.predecessors] + ([self.columns.successors] if downstream else [])
            for step in steps:
                frontier = set(starts)
                for _ in range(depth):
                    frontier = {p for n in frontier for p in step(n)} - seen
                    seen |= frontier
            return {
                "graph": [
                    {
                        "id": n,
                        "type": "DATASET_FIELD",
                        "data": self.columns.nodes[n].get("data") or {},
                        "inEdges": [
                            {"origin": a, "destination": n, **self.columns.edges[a, n]}
                            for a in sorted(self.columns.predecessors(n))
                            if a in seen
                        ],
                        "outEdges": [
                            {"origin": n, "destination": b, **self.columns.edges[n, b]}
                            for b in sorted(self.columns.successors(n))
                            if b in seen
                        ],
                    }
                    for n in sorted(seen)
                ]
            }

    def paths(self, source: str, target: str, cutoff: int = 10, limit: int = 20) -> list[list[str]]:
        for node in (source, target):
            if node not in self.graph:
                raise NotFound(f"no lineage node {node!r}")
        with self._lock:
            return path_ids(self.graph, source, target, cutoff, limit)

    def impact(self, node: str, hospital_of) -> dict:
        """Everything downstream of a node, grouped by hospital and by owner."""
        downstream = self.neighbourhood(node, MAX_DEPTH, "downstream") - {node}
        by_hospital: dict[str, list[str]] = {}
        by_owner: dict[str, list[str]] = {}
        with self._lock:
            for nid in sorted(downstream):
                data = self.graph.nodes[nid]
                if data.get("type") != "DATASET":
                    continue
                by_hospital.setdefault(hospital_of(data) or "unknown", []).append(nid)
                for owner in data.get("owners") or ["unknown"]:
                    by_owner.setdefault(owner, []).append(nid)
            jobs = sorted(n for n in downstream if self.graph.nodes[n].get("type") == "JOB")
        return {
            "node": node,
            "datasets": sum(len(v) for v in by_hospital.values()),
            "jobs": jobs,
            "byHospital": by_hospital,
            "byOwner": by_owner,
        }

    def stats(self) -> dict:
        return {
            "nodes": self.graph.number_of_nodes(),
            "edges": self.graph.number_of_edges(),
            "column_edges": self.columns.number_of_edges(),
        }


def path_ids(
    graph: nx.DiGraph, source: str, target: str, cutoff: int = 10, limit: int = 20
) -> list[list[str]]:
    """Directed paths from source to target (either direction tried), shortest first."""
    import networkx as nx

    for a, b in ((source, target), (target, source)):
        if a in graph and b in graph and nx.has_path(graph, a, b):
            paths = []
            for p in nx.shortest_simple_paths(graph, a, b):
                if len(p) - 1 > cutoff or len(paths) >= limit:
                    break
                paths.append(p)
            return paths
    return []
