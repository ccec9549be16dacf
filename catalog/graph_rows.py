"""Rows read from every graph of the catalogue, kept on disk, so a restart reads again only the graphs
committed since they were written.

Some reads cover every dataset: the map of every dataset, its graphs and its short id (catalog.datasets), the
keys lineage events are matched by, and every harvested derivation (catalog.lineage_service). At 1,000,000
datasets each took a minute or more after a start with a cold page cache (the map 167 s): a query that
decodes a million IRIs and short ids at random places in a store larger than the page cache. What the store
tells cheaply is each graph's *mark*:
- how many short ids the graph holds (one grouped count over one index: 1.2 s cold at 1,000,000 datasets,
  as it decodes only the graph names), and
- the harvest runs that changed the graph's source (a digest of their ids; the run log is small).

A harvest writes a source's graphs and its run in one transaction (catalog.source_graphs), and a run that
changed nothing writes no graph, so a graph whose mark is what a snapshot holds holds what the snapshot says.
Each kind of rows (`GraphRows`) is kept in its own file, each graph's rows under that graph's mark; a reader
takes the rows of the graphs whose marks still match and reads only the others from the store. A graph
written other than by a harvest (the benches' copies, which record no run) is still caught when its count
changes.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from hdcat.catalog import snapshot_file
from hdcat.catalog.iris import consortium_graph_prefix, runs_graph_iri, source_graph_prefix
from hdcat.catalog.snapshot_file import UnusableSnapshot
from hdcat.ontology import sparql_prefixes

log = logging.getLogger(__name__)

FORMAT = 1
#: the share of the catalogue's datasets in graphs to read again above which every graph is read (one query)
READ_WHOLE_ABOVE = 0.5

P = sparql_prefixes("dct", "hdcat", "prov")
#: how many short ids each graph holds (a dataset's short id is written only with the dataset: see
#: catalog.datasets.COUNT_DATASETS)
SHORT_IDS_PER_GRAPH = (
    P + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?ds hdcat:localId ?id } } GROUP BY ?g"
)
#: every run that changed its source's graphs
CHANGING_RUNS = (
    P
    + """SELECT ?source ?id WHERE {{ GRAPH <{runs}> {{
    ?run hdcat:source ?source ; hdcat:status "changed" ; dct:identifier ?id }} }}"""
)


def graph_marks(store, base: str) -> dict[str, tuple[int, str]]:
    """graph name → its mark (how many short ids it holds, a digest of the ids of the runs that changed its
    source), for every graph that holds a dataset: what a snapshot's rows are checked by. Every commit that
    changes a source adds one run of a new id, so the digest moves with it whatever the runs' start times
    say (a worker whose clock is behind, or a long harvest overtaken by a short one, commits a run that
    started before the newest). Read it before the rows it will stand for: rows newer than their mark are
    only read again needlessly, rows older would be taken as current."""
    runs: dict[str, list[str]] = defaultdict(list)
    for source, run_id in store.select_text(CHANGING_RUNS.format(runs=runs_graph_iri(base))):
        runs[source].append(run_id)
    digests = {s: hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:24] for s, ids in runs.items()}
    hidden, public = consortium_graph_prefix(base), source_graph_prefix(base)
    marks = {}
    for graph, count in store.select_text(SHORT_IDS_PER_GRAPH):
        # a run names its source's public graph
        source = public + graph[len(hidden) :] if graph.startswith(hidden) else graph
        marks[graph] = (int(count), digests.get(source, ""))
    return marks


class GraphRows:
    """One kind of rows (tuples of `width` texts) kept per graph in `{data_dir}/{filename}`."""

    def __init__(self, what: str, filename: str, width: int):
        self.what, self.filename, self.width = what, filename, width
        self.magic = f"hdcat {what} snapshot\n".encode()

    def path(self, store, data_dir) -> Path | None:
        return snapshot_file.path_beside(store, data_dir, self.filename)

    def read(self, path: Path, base: str, marks: dict[str, tuple]) -> dict[str, list[tuple]]:
        """graph → its rows, for the graphs of the snapshot whose mark is the one given; nothing when there is
        no usable snapshot (logged when there was one)."""
        try:
            header, state = snapshot_file.read(path, self.magic, f"{self.what} snapshot", FORMAT, base)
            w = self.width
            if header.get("width") != w:
                raise UnusableSnapshot(f"{path} holds rows of {header.get('width')!r} values, not {w}")
            return {
                g: list(zip(*(flat[i::w] for i in range(w)), strict=True))
                for g, (mark, flat) in state.items()
                if marks.get(g) == tuple(mark)
            }
        except UnusableSnapshot as exc:
            if path.exists():
                log.warning("%s; the %s is read from the store", exc.message, self.what)
            return {}
        except Exception as exc:  # noqa: BLE001 - a body of another shape is a cache to make again, not a crash
            log.warning("%s cannot be read back (%s); the %s is read from the store", path, exc, self.what)
            return {}

    def write(self, path: Path, base: str, marks: dict[str, tuple], rows: dict[str, list[tuple]]) -> None:
        """Keep each graph's rows under the mark read before them, flat (a tuple a row costs more to pickle
        and read back than the row). A snapshot that cannot be written is logged, not raised: a cache."""
        state = {
            g: (marks[g], [text for row in found for text in row]) for g, found in rows.items() if g in marks
        }
        header = {"format": FORMAT, "base": base, "graphs": len(state), "width": self.width}
        try:
            snapshot_file.write(path, self.magic, header, state)
        except OSError as exc:
            log.warning("could not write the %s snapshot %s: %s", self.what, path, exc)

    def kept(
        self,
        store,
        base: str,
        data_dir,
        read: Callable[[list[str] | None], Iterable[tuple]],
        whole_above: float = READ_WHOLE_ABOVE,
        holds: Callable[[tuple, set], bool] | None = None,
    ) -> dict[str, list[tuple]]:
        """graph → its rows, of every graph holding a dataset: from the snapshot for the graphs whose mark
        is unchanged, from `read(graphs)` for the others (`read(None)`: every graph's, when those hold more
        than `whole_above` of the catalogue's datasets). `read` gives rows whose first text is the graph's
        name; the snapshot is written again when any graph was read. A store that does not outlive the
        process keeps none: everything is read.

        Rows that also depend on other graphs (a derivation names its source's graph) say so with
        `holds(row, unchanged graphs)`: a kept row that does not hold is dropped, and `read(graphs)` then
        gives, beside the rows of those graphs, the rows of unchanged graphs that depend on them, which are
        added to what those graphs kept."""
        path = self.path(store, data_dir)
        marks = graph_marks(store, base) if path else {}
        rows = self.read(path, base, marks) if path else {}
        todo = [g for g in marks if g not in rows]
        if holds is not None and todo:
            unchanged = set(rows)
            rows = {g: [row for row in found if holds(row, unchanged)] for g, found in rows.items()}
        if path and not todo:
            return rows
        whole = not path or sum(marks[g][0] for g in todo) > whole_above * sum(n for n, _ in marks.values())
        fresh: dict = {g: [] for g in (marks if whole else todo)}  # a graph with no rows is known too
        for row in read(None if whole else todo):
            (fresh if row[0] in fresh else rows).setdefault(row[0], []).append(row[1:])
        rows.update(fresh)
        if path:
            self.write(path, base, marks, rows)
        return rows


#: the map of every dataset: (dataset, short id) of each graph
DATASET_MAP = GraphRows("dataset map", "dataset-map.snapshot", 2)
#: each dataset's hospital and disease areas, for the home page's figures: (dataset, hospital, theme or None)
DATASET_AREAS_KEPT = GraphRows("dataset areas", "dataset-areas.snapshot", 3)
#: the keys lineage events are matched by: (short id, hospital, identifier or None) of each graph
CATALOGUE_KEYS = GraphRows("catalogue keys", "catalogue-keys.snapshot", 3)
#: every harvested derivation, by the graph that states it: (derived dataset, its short id, source, its short
#: id, derived's hospital, source's hospital, the source's graph), as lineage_service.DERIVATIONS gives them
DERIVATIONS_KEPT = GraphRows("harvested derivations", "derivations.snapshot", 7)
