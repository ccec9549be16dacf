"""Column-level lineage as a person reads it: columns named by field, grouped under their dataset's title.

The index answers in Marquez's shape, with `datasetField:<namespace>:<dataset>:<field>` ids; a namespace
holds colons of its own ("postgres://db:5432"), so the parts are taken from each node's `data`, not
from splitting the id. Source columns are named "field · dataset title", the dataset linked to its own
lineage page.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Source:
    field: str
    dataset: str  # lineage node id of the dataset
    title: str
    transformations: list[str]


@dataclass
class Column:
    id: str
    field: str
    type: str | None
    sources: list[Source]


@dataclass
class DatasetColumns:
    dataset: str  # lineage node id
    title: str
    hospital: str | None
    columns: list[Column] = field(default_factory=list)


def _parts(node_id: str, data: dict) -> tuple[str, str]:
    """(dataset node id, field name) of a datasetField id."""
    if data.get("namespace") is not None and data.get("dataset") and data.get("field"):
        return f"dataset:{data['namespace']}:{data['dataset']}", str(data["field"])
    rest, _, name = node_id.removeprefix("datasetField:").rpartition(":")
    return f"dataset:{rest}", name


def _transformations(edge: dict) -> list[str]:
    out = []
    for t in edge.get("transformations") or []:
        if isinstance(t, dict) and t.get("type"):
            out.append(t["type"] + (f"/{t['subtype']}" if t.get("subtype") else ""))
    return out


def group(nodes: list[dict], focus: str, describe) -> list[DatasetColumns]:
    """Marquez column-lineage nodes → datasets with their columns; the focus dataset first, then by title.
    `describe(dataset node id)` → (title, hospital id or None)."""
    data = {n["id"]: n.get("data") or {} for n in nodes}
    groups: dict[str, DatasetColumns] = {}
    for n in nodes:
        dataset, name = _parts(n["id"], data[n["id"]])
        if dataset not in groups:
            title, hospital = describe(dataset)
            groups[dataset] = DatasetColumns(dataset, title, hospital)
        sources = []
        for edge in n.get("inEdges") or []:
            src_dataset, src_field = _parts(edge["origin"], data.get(edge["origin"], {}))
            sources.append(Source(src_field, src_dataset, describe(src_dataset)[0], _transformations(edge)))
        groups[dataset].columns.append(Column(n["id"], name, data[n["id"]].get("fieldType"), sources))
    for g in groups.values():
        g.columns.sort(key=lambda c: c.field)
    return sorted(groups.values(), key=lambda g: (g.dataset != focus, g.title.lower(), g.dataset))
