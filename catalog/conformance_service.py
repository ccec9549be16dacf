"""Conformance results kept in the graph, and when they are recomputed: after writes, never on a read.

Scoring a dataset can run SHACL, which takes long enough that a reader must never wait for it.
So the results (DQV measurements, see catalog.conformance) are recomputed for what a write
changed, right after it:

- a harvest that changed a source: that source's datasets, against every published definition;
- a definition whose published versions changed: that definition, against every dataset.

Reads (`of`, and every dataset record) show the results as last computed, possibly none yet.
A recompute that fails leaves its source or definition pending; `recompute_pending` (called
after every harvest and at server start) catches up.
"""

from __future__ import annotations

import logging
import threading

from hdcat.catalog.conformance import (
    SUGGEST_AT,
    assess,
    check_declared,
    measurement_graph,
    measurements_by_dataset,
    read_measurements,
)
from hdcat.catalog.definitions import Definitions
from hdcat.catalog.graph_diff import diff, write_graphs
from hdcat.catalog.iris import (
    conformance_graph_iri,
    hidden_conformance_graph_iri,
    iri_tail,
    source_graph_iri,
    source_graphs,
)
from hdcat.catalog.resources import GraphCopy, dataset_closure, subject_tree
from hdcat.catalog.values_blocks import in_parts
from hdcat.catalog.visibility import PUBLIC
from hdcat.ontology import DQV, HDCAT, sparql_prefixes
from rdflib import URIRef
from rdflib.namespace import RDF

log = logging.getLogger("hdcat.conformance")

#: the measurements of one result graph computed on the given datasets (`{datasets}`: IRIs in angle brackets)
MEASUREMENTS_ON = sparql_prefixes("dqv") + (
    "SELECT ?m WHERE {{ GRAPH <{graph}> {{ ?m dqv:computedOn ?on ; a dqv:QualityMeasurement }}"
    " VALUES ?on {{ {datasets} }} }}"
)
#: the measurements of a result graph (`{graph}`) that scored a source (`{source}`, its public graph) on a
#: dataset neither of the source's graphs (`{hidden}`: its consortium graph) holds any more
LEFT_BEHIND = sparql_prefixes("dcat", "dqv", "hdcat") + (
    "SELECT ?m WHERE {{ GRAPH <{graph}> {{ ?m hdcat:source <{source}> ; dqv:computedOn ?on ;"
    " a dqv:QualityMeasurement }}"
    " FILTER NOT EXISTS {{ GRAPH <{source}> {{ ?on a dcat:Dataset }} }}"
    " FILTER NOT EXISTS {{ GRAPH <{hidden}> {{ ?on a dcat:Dataset }} }} }}"
)


class Conformance:
    """Scores datasets against definitions and reads the scores. `datasets` is the read model
    (catalog.datasets.Datasets): scoring reads records as a reader would see them."""

    def __init__(self, store, base: str, definitions: Definitions, datasets):
        self.store = store
        self.base = base
        self.definitions = definitions
        self.datasets = datasets
        self.graph_iri = conformance_graph_iri(base)
        self.hidden_graph_iri = hidden_conformance_graph_iri(base)
        self._lock = threading.RLock()
        #: source → the short ids of its datasets to score again, or None for all of them
        self._pending_sources: dict[str, set[str] | None] = {}
        self._pending_definitions: set[str] = set()
        #: (dataset, definition) pairs this process has scored, and SHACL validations run: reads leave them
        #: alone
        self.assessed = 0
        self.validated = 0

    # ---- reads ----
    def of(
        self, dataset: str | None = None, definition: str | None = None, members: bool = True
    ) -> list[dict]:
        """DQV measurements (declared and suggested) as last computed; without `members`, those about
        consortium-only datasets are left out."""
        graphs = [self.graph_iri] + ([self.hidden_graph_iri] if members else [])
        return _shown([m for g in graphs for m in read_measurements(self.store, g, dataset, definition)])

    def of_datasets(self, datasets, members: bool = True) -> dict[str, list[dict]]:
        """`of(dataset=…)` for many datasets at once (dataset IRI → its measurements), for whole passes over
        the catalogue: a few queries, not two lookups a dataset."""
        graphs = [self.graph_iri] + ([self.hidden_graph_iri] if members else [])
        datasets = list(datasets)
        found: dict = {}
        for g in graphs:
            for dataset, measurements in measurements_by_dataset(self.store, g, datasets).items():
                found.setdefault(dataset, []).extend(measurements)
        return {dataset: _shown(measurements) for dataset, measurements in found.items()}

    def computed(self) -> bool:
        """Has this store ever had its conformance computed? (The metric is written with every result set.)"""
        return (HDCAT.conformanceScore, RDF.type, DQV.Metric) in self.store.graph(self.graph_iri)

    @property
    def pending(self) -> set[str]:
        """What waits for a recompute: 'source:NAME' and 'definition:ID'."""
        return {f"source:{s}" for s in self._pending_sources} | {
            f"definition:{d}" for d in self._pending_definitions
        }

    # ---- what writes call ----
    def mark_stale(
        self, source: str | None = None, definition: str | None = None, datasets: set[str] | None = None
    ) -> None:
        """Note that a source's datasets (`datasets`: their short ids; None: all of them), or a definition,
        must be scored again; nothing is scored yet (and no read will: the next recompute_pending does it)."""
        with self._lock:
            if source:
                known = self._pending_sources.get(source, set())
                whole = source in self._pending_sources and known is None
                self._pending_sources[source] = None if whole or datasets is None else known | set(datasets)
            if definition:
                self._pending_definitions.add(definition)

    def source_changed(self, source: str, datasets: set[str] | None = None) -> None:
        """A harvest changed `source`: the datasets it touched (short ids; None: every one) are scored again
        now, so a re-harvest that changed 1% of a source scores 1% of it."""
        self.mark_stale(source=source, datasets=datasets)
        self.recompute_pending()

    def definition_changed(self, def_id: str) -> None:
        """The published versions of `def_id` changed: it is scored again against every dataset now."""
        self.mark_stale(definition=def_id)
        self.recompute_pending()

    def recompute_pending(self) -> int:
        """Score what is pending (see `pending`); returns the number of results written. One that fails
        stays pending and the error is raised."""
        written = 0
        with self._lock:
            for source in sorted(self._pending_sources):
                written += self._recompute_source(source, self._pending_sources[source])
                del self._pending_sources[source]
            for def_id in sorted(self._pending_definitions):
                written += self._recompute_definition(def_id)
                self._pending_definitions.discard(def_id)
        return written

    def ensure_computed(self) -> int:
        """On a store that never had conformance computed (a new or an older store): everything, once.
        Otherwise only what is pending."""
        if not self.computed():
            return self.recompute_all()
        return self.recompute_pending()

    def recompute_all(self) -> int:
        """Every dataset against every published definition; both graphs replaced whole."""
        with self._lock:
            results = self._score(self._published(), self.datasets.all_rows(members=True))
            self._write(results, drop=lambda g, node: True)
            self._pending_sources.clear()
            self._pending_definitions.clear()
            return len(results)

    # ---- scoring ----
    def _recompute_source(self, source: str, only: set[str] | None = None) -> int:
        """Score the source's datasets (those with a short id in `only`, when given); measurements of its
        datasets that are gone, or that were scored again, give way to the new ones."""
        if only is not None and getattr(self.store, "patches_in_place", False):
            return self._rescore_few(source, only)
        if only is None:
            found = self.datasets.rows_with_ids(source=source, members=True)
            present = {ds for ds, _, _ in found}
        else:
            present = set(self.datasets.source_ids(source, members=True))
            found = self._named_rows(source, only)
        rows = [(ds, g) for ds, g, local_id in found if only is None or local_id in only]
        # a fair share of the source (a first harvest touches all of it): one copy of its graph is cheaper
        # than a store read a record
        results = self._score(self._published(), rows, copy_graphs=len(rows) * 4 >= len(present) or None)
        graph = source_graph_iri(self.base, source)
        scored = {ds for ds, _ in rows}

        def drop(g, node) -> bool:  # scored again, or the source's and its dataset is gone
            on = g.value(node, DQV.computedOn)
            return on in scored or ((node, HDCAT.source, graph) in g and on not in present)

        self._write(results, drop=drop)
        return len(results)

    def _named_rows(self, source: str, only: set[str]) -> list[tuple]:
        """`rows_with_ids` of the source's datasets whose short id is in `only`, found by naming the ids (a
        few datasets: their rows alone, not the whole catalogue's)."""
        graphs = set(source_graphs(self.base, source))
        return [row for row in self.datasets.rows_with_local_ids(only, members=True) if graphs & set(row[1])]

    def _rescore_few(self, source: str, only: set[str]) -> int:
        """A re-harvest's changed datasets scored again and patched in, on a store that patches graphs in
        place. Nothing here reads the whole source: the datasets are named by their short ids, their old
        measurements by the datasets, and the measurements of datasets the source no longer has are found
        by the engine (reading the source's short ids to tell took 4.8 s at 100,000 datasets)."""
        rows = [(ds, g) for ds, g, _ in self._named_rows(source, only)]
        size = self.datasets.source_size(source)
        results = self._score(self._published(), rows, copy_graphs=len(rows) * 4 >= size or None)
        self._patch(results, {ds for ds, _ in rows}, source)
        return len(results)

    def _patch(self, results: list[dict], scored: set, source: str) -> None:
        """`_write` for a few rescored datasets: the measurements that give way are found by name and by
        one query, and rewritten alone, not both result graphs read and compared whole (a 1 %-changed
        harvest then costs about 1 % of a full recompute's writing)."""
        fresh = {
            self.graph_iri: [r for r in results if r["visibility"] == PUBLIC],
            self.hidden_graph_iri: [r for r in results if r["visibility"] != PUBLIC],
        }
        source_graph, hidden = source_graphs(self.base, source)
        writes, diffs, forms = {}, {}, {}
        for name, kept in fresh.items():
            gone = {
                URIRef(m)
                for named in in_parts(f"<{ds}>" for ds in scored)
                for (m,) in self.store.select_text(MEASUREMENTS_ON.format(graph=name, datasets=named))
            }
            left_behind = LEFT_BEHIND.format(graph=name, source=source_graph, hidden=hidden)
            gone |= {URIRef(m) for (m,) in self.store.select_text(left_behind)}
            new = list(measurement_graph(self.base, kept))
            view = self.store.read_view(name)
            old = [t for m in gone for t in subject_tree(view, m)]
            d = diff(old, new)
            if d is None or not d:
                continue
            writes[name], diffs[name] = new, d
            subjects = {str(m) for m in gone} | {str(s) for s, _, _ in new}
            forms[name] = self.store.lexical_forms_without(name, subjects, new)
        if writes:
            self.store.patch_graphs(writes, diffs, forms=forms)

    def _recompute_definition(self, def_id: str) -> int:
        defs = [d for d in self._published() if d["id"] == def_id]
        results = self._score(defs, self.datasets.all_rows(members=True))
        prefix = str(self.definitions.iri(def_id, ""))
        self._write(
            results, drop=lambda g, node: str(g.value(node, HDCAT.definition) or "").startswith(prefix)
        )
        return len(results)

    def _published(self) -> list[dict]:
        """Live definition versions; drafts are previewed live on their page, never stored as results."""
        return [
            self.definitions.get(v["id"], v["version"])
            for v in self.definitions.versions()
            if v["status"] == "published"
        ]

    def _score(self, defs: list[dict], rows, copy_graphs: bool | None = None) -> list[dict]:
        """Results worth keeping (declared, or a suggestion) of `rows` (dataset IRI, graph) against `defs`.
        `copy_graphs`: see Datasets.records (True when the rows are whole graphs' datasets)."""
        if not defs:
            return []
        results = []
        rows = sorted(rows, key=lambda row: str(row[1][0]))  # by graph: records() reads each graph once
        # a few datasets (a re-harvest's changes) are read from the store; a whole source, or many (None:
        # Datasets.records decides by their number), from one copy of each graph
        records = self.datasets.records(rows, with_conformance=False, copy_graphs=copy_graphs)
        for (ds, g), record in zip(rows, records, strict=True):
            for d in defs:
                r = assess(d, record)
                self.assessed += 1
                declared = d["iri"] in record["conforms_to"]
                if declared:
                    data = self._description(ds, g)
                    # a declared claim is judged by the definition's SHACL shapes alone (check_declared gives
                    # pyshacl's verdict on them, computed directly: tests/test_conformance_check.py)
                    r["conforms"], messages = check_declared(d, data, ds)
                    self.validated += 1
                    r["missing"] = sorted(m.split(" ")[0] for m in messages if m.endswith("element missing"))
                    r["wrong"] = sorted(m for m in messages if not m.endswith("element missing"))
                if declared or r["score"] >= SUGGEST_AT:
                    source_name = iri_tail(g[0])  # the first of the sources that publish it
                    results.append(
                        dict(
                            r,
                            dataset=record["iri"],
                            definition=d["iri"],
                            declared=declared,
                            visibility=record["visibility"],
                            source=str(source_graph_iri(self.base, source_name)),
                        )
                    )
        return results

    def _description(self, ds, graphs) -> GraphCopy:
        """What `check_declared` reads of a declared dataset: its closure in each of its graphs, through the
        store's read views (Oxigraph's terms converted once; one request a graph on a SPARQL server), held
        as a GraphCopy. An rdflib Graph built through the store's rdflib Dataset cost a first harvest of
        1,000 datasets about 6 % of its main thread."""
        triples = (t for name in graphs for t in dataset_closure(self.store.read_view(name, about=ds), ds))
        return GraphCopy(dict.fromkeys(triples))

    def _write(self, results: list[dict], drop) -> None:
        """Both result graphs in one transaction: the old measurements `drop(graph, node)` selects give way
        to `results`, each in the graph its dataset's visibility puts it in."""
        fresh = {
            self.graph_iri: [r for r in results if r["visibility"] == PUBLIC],
            self.hidden_graph_iri: [r for r in results if r["visibility"] != PUBLIC],
        }
        graphs = {}
        for name, kept in fresh.items():
            old = GraphCopy(self.store.graph_triples(name))
            gone = {m for m in old.subjects(RDF.type, DQV.QualityMeasurement) if drop(old, m)}
            out = list(measurement_graph(self.base, kept))
            out += [t for t in old if t[0] not in gone]
            graphs[name] = out
        # only the measurements that changed are written (a 1 %-changed harvest rescoring 1 % of a source)
        write_graphs(self.store, graphs)


def _shown(measurements: list[dict]) -> list[dict]:
    """Measurements as `of` gives them: best score first, each with its definition's id and version."""
    measurements.sort(key=lambda r: (-r["score"], r["dataset"]))
    for m in measurements:
        m["definition_id"], m["definition_version"] = m["definition"].rsplit("/", 2)[-2:]
    return measurements
