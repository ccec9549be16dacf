"""The map of every dataset on disk, so a restart reads again only the graphs committed since it was written.

The listing's order, dataset pages and lineage titles read a map of every dataset, its graphs and its short
id (catalog.datasets). At 1,000,000 datasets reading it took 167 s after a start with a cold page cache and
78 s warm: the query decodes a million IRIs and short ids at random places in the store. What the store
tells cheaply is each graph's *mark*:
- how many short ids the graph holds (one grouped count over one index: 1.2 s cold at 1,000,000 datasets,
  as it decodes only the graph names), and
- the newest harvest run that changed the graph's source (the run log is small).

A harvest writes a source's graphs and its run in one transaction (catalog.source_graphs), and a run that
changed nothing writes no graph, so a graph whose mark is what the snapshot holds holds the datasets and
short ids the snapshot holds. The snapshot keeps each graph's rows under its mark; a reader takes the rows of
the graphs whose marks still match and reads only the others from the store. A graph written other than
by a harvest (the benches' copies, which record no run) is still caught when its count changes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from hdcat.catalog import snapshot_file
from hdcat.catalog.iris import consortium_graph_prefix, runs_graph_iri, source_graph_prefix
from hdcat.catalog.snapshot_file import UnusableSnapshot
from hdcat.ontology import sparql_prefixes

log = logging.getLogger(__name__)

FORMAT = 1
MAGIC = b"hdcat dataset map snapshot\n"
FILENAME = "dataset-map.snapshot"

P = sparql_prefixes("dct", "hdcat", "prov")
#: how many short ids each graph holds (a dataset's short id is written only with the dataset: see
#: catalog.datasets.COUNT_DATASETS)
SHORT_IDS_PER_GRAPH = (
    P + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?ds hdcat:localId ?id } } GROUP BY ?g"
)
#: every run that changed its source's graphs
CHANGING_RUNS = (
    P
    + """SELECT ?source ?id ?started WHERE {{ GRAPH <{runs}> {{
    ?run hdcat:source ?source ; hdcat:status "changed" ; dct:identifier ?id ;
         prov:startedAtTime ?started }} }}"""
)


def graph_marks(store, base: str) -> dict[str, tuple[int, str]]:
    """graph name → its mark (how many short ids it holds, the newest run that changed its source), for every
    graph that holds a dataset: what a snapshot's rows are checked by."""
    newest: dict[str, tuple[str, str]] = {}
    for source, run_id, started in store.select_text(CHANGING_RUNS.format(runs=runs_graph_iri(base))):
        if (started, run_id) > newest.get(source, ("", "")):
            newest[source] = (started, run_id)
    hidden, public = consortium_graph_prefix(base), source_graph_prefix(base)
    marks = {}
    for graph, count in store.select_text(SHORT_IDS_PER_GRAPH):
        # a run names its source's public graph
        source = public + graph[len(hidden) :] if graph.startswith(hidden) else graph
        marks[graph] = (int(count), newest.get(source, ("", ""))[1])
    return marks


def read(path: Path, base: str, marks: dict[str, tuple]) -> dict[str, list[str]]:
    """graph → its rows (dataset, short id, dataset, short id, … as text) for the graphs of the snapshot whose
    mark is the one given; nothing when there is no usable snapshot (logged when there was one)."""
    try:
        _, state = snapshot_file.read(path, MAGIC, "dataset map snapshot", FORMAT, base)
        return {g: rows for g, (mark, rows) in state.items() if marks.get(g) == tuple(mark)}
    except UnusableSnapshot as exc:
        if path.exists():
            log.warning("%s; the map of every dataset is read from the store", exc.message)
        return {}
    except (AttributeError, TypeError, ValueError) as exc:  # not the shape this format has
        log.warning("%s cannot be read back (%s); the map of every dataset is read from the store", path, exc)
        return {}


def write(path: Path, base: str, marks: dict[str, tuple], rows: dict[str, list[str]]) -> None:
    """Keep each graph's rows under the mark it had before they were read (a graph committed after that has
    another mark by the next read, so its rows are read again). A snapshot that cannot be written is logged,
    not raised: it is a cache."""
    state = {g: (marks[g], found) for g, found in rows.items() if g in marks}
    try:
        snapshot_file.write(path, MAGIC, {"format": FORMAT, "base": base, "graphs": len(state)}, state)
    except OSError as exc:
        log.warning("could not write the dataset map snapshot %s: %s", path, exc)
