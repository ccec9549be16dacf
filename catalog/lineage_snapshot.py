"""The lineage index on disk, so a restart reads it back instead of replaying every stored event.

The RDF lineage graph stays the record; the snapshot is a cache of the networkx index derived from
it (catalog.lineage.LineageGraph) and is only used when it provably describes the stored events: it
names the `hdcat:eventKey` of every event it holds, in stored order, and is used when those are
exactly the first events the store holds now (later events are replayed on top). A file that is
truncated, altered (its SHA-256 is in its header), of another format or base IRI, or that holds an
event the store does not, is set aside and the index rebuilt from the RDF.

The body is a pickle of plain containers (dicts, lists, sets, strings, numbers), read back by an
unpickler that refuses every class, so a snapshot can carry data but never code. Writes go to a
temporary file renamed over the old one: a crash leaves the old snapshot or the new one, not half.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hdcat.catalog.errors import HdcatError
from hdcat.catalog.lineage import LineageGraph

if TYPE_CHECKING:
    import networkx as nx

FORMAT = 1
MAGIC = b"hdcat lineage index snapshot\n"
FILENAME = "lineage-index.snapshot"


class UnusableSnapshot(HdcatError):
    """The snapshot on disk cannot stand for the stored lineage; the index is rebuilt from the RDF."""

    code = "unusable-snapshot"


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
    body = pickle.dumps(state, protocol=5)
    header = json.dumps(
        {
            "format": FORMAT,
            "base": base,
            "events": len(snapshot.stored_keys),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    ).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        out.write(MAGIC + header + b"\n")
        out.write(body)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return len(body)


def read(path: Path, base: str) -> Snapshot:
    """The snapshot at `path`, or UnusableSnapshot saying why not."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UnusableSnapshot(f"no lineage index snapshot at {path}") from None
    except OSError as exc:
        raise UnusableSnapshot(f"cannot read the lineage index snapshot {path}: {exc}") from None
    if not raw.startswith(MAGIC):
        raise UnusableSnapshot(f"{path} is not a lineage index snapshot")
    header_line, sep, body = raw[len(MAGIC) :].partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        raise UnusableSnapshot(f"{path}: its header is not readable") from None
    if not sep or not isinstance(header, dict):
        raise UnusableSnapshot(f"{path}: its header is not readable")
    if header.get("format") != FORMAT:
        raise UnusableSnapshot(f"{path}: format {header.get('format')!r}, this hdcat reads {FORMAT}")
    if header.get("base") != base:
        raise UnusableSnapshot(f"{path} was written for base IRI {header.get('base')!r}, not {base!r}")
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise UnusableSnapshot(f"{path} is damaged (its content does not match its checksum)")
    try:
        state = _PlainUnpickler(io.BytesIO(body)).load()
        index = LineageGraph()
        index.graph = _digraph(state["graph"])
        index.columns = _digraph(state["columns"])
        index.by_catalog = state["by_catalog"]
        index.derived_nodes = state["derived_nodes"]
        index.derived_edges = state["derived_edges"]
        index.marked_edges = state["marked_edges"]
        snapshot = Snapshot(list(state["stored_keys"]), set(state["content_keys"]), index)
    except (pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError, AttributeError) as exc:
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


class _PlainUnpickler(pickle.Unpickler):
    """Reads back containers and scalars only: any class or function in the stream is refused."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"a lineage snapshot holds no objects ({module}.{name} refused)")
