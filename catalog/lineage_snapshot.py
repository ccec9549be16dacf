"""The lineage index on disk, so a restart reads it back instead of replaying every stored event.

The RDF lineage graph stays the record; the snapshot is a cache of the networkx index derived from
it (catalog.lineage.LineageGraph) and is only used when it provably describes the stored events: it
names the `hdcat:eventKey` of every event it holds, in stored order, and is used when those are
exactly the first events the store holds now (later events are replayed on top). A file that is
truncated, altered, of another format or base IRI, or that holds an event the store does not, is set
aside and the index rebuilt from the RDF. The file itself (plain data, checksummed, written atomically)
is catalog.snapshot_file's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hdcat.catalog import snapshot_file
from hdcat.catalog.lineage import LineageGraph
from hdcat.catalog.snapshot_file import UnusableSnapshot

if TYPE_CHECKING:
    import networkx as nx

FORMAT = 1
MAGIC = b"hdcat lineage index snapshot\n"
FILENAME = "lineage-index.snapshot"


@dataclass
class Snapshot:
    stored_keys: list[str]  # hdcat:eventKey of the events it holds, in stored order
    content_keys: set[str]  # the events' content keys (duplicate detection), as catalog.openlineage.event_key
    index: LineageGraph


def path_in(data_dir: Path) -> Path:
    return Path(data_dir) / FILENAME


def write(path: Path, snapshot: Snapshot, base: str) -> int:
    """Write atomically; returns the bytes written. Call with the index's lock held."""
    g = snapshot.index
    state = {
        "stored_keys": snapshot.stored_keys,
        "content_keys": snapshot.content_keys,
        "graph": _digraph_state(g.graph),
        "columns": _digraph_state(g.columns),
        "by_catalog": g.by_catalog,
        "derived_nodes": g.derived_nodes,
        "derived_edges": g.derived_edges,
        "marked_edges": g.marked_edges,
    }
    header = {"format": FORMAT, "base": base, "events": len(snapshot.stored_keys)}
    return snapshot_file.write(path, MAGIC, header, state)


def read(path: Path, base: str) -> Snapshot:
    """The snapshot at `path`, or UnusableSnapshot saying why not."""
    header, state = snapshot_file.read(path, MAGIC, "lineage index snapshot", FORMAT, base)
    try:
        index = LineageGraph()
        index.graph = _digraph(state["graph"])
        index.columns = _digraph(state["columns"])
        index.by_catalog = state["by_catalog"]
        index.derived_nodes = state["derived_nodes"]
        index.derived_edges = state["derived_edges"]
        index.marked_edges = state["marked_edges"]
        snapshot = Snapshot(list(state["stored_keys"]), set(state["content_keys"]), index)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnusableSnapshot(f"{path} cannot be read back: {exc}") from None
    if len(snapshot.stored_keys) != header.get("events"):
        raise UnusableSnapshot(f"{path}: its header and its content disagree on the number of events")
    return snapshot


def _digraph_state(g: nx.DiGraph) -> dict:
    """A DiGraph as its plain adjacency dicts (node data, successors, predecessors)."""
    return {"graph": g.graph, "node": g._node, "succ": g._succ, "pred": g._pred}


def _digraph(state: dict) -> nx.DiGraph:
    import networkx as nx  # loaded with the index, not with every command

    g = nx.DiGraph()
    g.graph.update(state["graph"])
    g._node = state["node"]
    g._succ = g._adj = state["succ"]
    g._pred = state["pred"]
    return g
