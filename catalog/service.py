"""The catalogue service: one store, and the parts that each own one job on it.

Web views, harvests and the CLI reach the graph only through a `Catalog`; they never touch the
store directly. The parts:

- `graphs` (catalog.source_graphs): commit a harvest as whole-graph replacements per source;
- `runs` (catalog.run_log): the harvest run log;
- `datasets` (catalog.datasets): the read model — counts, pages, records, RDF, figures;
- `lineage` (catalog.lineage_service): lineage events and their index;
- `conformance` (catalog.conformance_service): scores against definitions;
- `definitions` (catalog.definitions): the standard definitions themselves.

`Catalog` itself keeps what spans parts: after a commit that changed a source, the caches that
describe the old graph are dropped and conformance is recomputed for that source; after a
definition's published versions change, conformance is recomputed for that definition. Reads
never recompute anything.
"""

from __future__ import annotations

import logging
import threading

from hdcat.catalog.config import Settings
from hdcat.catalog.conformance_service import Conformance
from hdcat.catalog.datasets import Datasets
from hdcat.catalog.definitions import Definitions
from hdcat.catalog.iris import consortium_graph_prefix, reference_graph_iri
from hdcat.catalog.lineage_service import Lineage
from hdcat.catalog.run_log import RunLog
from hdcat.catalog.runs import HarvestRun, Outcome
from hdcat.catalog.source_graphs import SourceGraphs
from hdcat.catalog.stores import CatalogStore, open_store
from hdcat.ontology import HDCAT, vocabulary_digest, vocabulary_graph
from rdflib import Graph, Literal, URIRef

log = logging.getLogger("hdcat.catalog")


class Catalog:
    def __init__(self, settings: Settings, store: CatalogStore | None = None):
        self.settings = settings
        self.base = settings.base_iri
        self.store = store if store is not None else open_store(settings.store_url)
        self._ensure_reference()
        writes = threading.RLock()  # one commit at a time, and no run recorded in the middle of one
        self._writes = writes
        self.runs = RunLog(self.store, self.base, writes)
        self.graphs = SourceGraphs(self.store, settings, self.runs, writes)
        self.datasets = Datasets(
            self.store,
            settings,
            conformance_of=lambda iri: self.conformance.of(dataset=iri),
            conformance_of_many=lambda iris: self.conformance.of_datasets(iris),
        )
        self.lineage = Lineage(
            self.store,
            settings,
            catalogue_ids=self.datasets.catalogue_ids,
            catalogue_ids_of=self.datasets.catalogue_ids_of,
        )
        self.definitions = Definitions(self.store, self.base, on_change=self._definition_changed)
        self.conformance = Conformance(self.store, self.base, self.definitions, self.datasets)

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        """New settings (a source's visibility, lineage namespaces) reach every part that reads them."""
        self._settings = settings
        for part in ("graphs", "datasets", "lineage"):
            if hasattr(self, part):
                getattr(self, part).settings = settings

    def close(self) -> None:
        self.lineage.save_snapshot()  # events since the last snapshot, so the next start need not replay them
        self.store.close()

    def _ensure_reference(self) -> None:
        """Load code lists and hospitals into their own graph when missing or outdated."""
        digest = vocabulary_digest()
        name = reference_graph_iri(self.base)
        if self.store.read_view(name).value(name, HDCAT.contentHash) == Literal(digest):
            return
        g = Graph()
        for t in vocabulary_graph():
            g.add(t)
        g.add((name, HDCAT.contentHash, Literal(digest)))
        self.store.replace_graph(name, g)

    # ---- writes that other parts must follow ----
    def commit_harvest(self, run: HarvestRun, graph: Graph | None) -> HarvestRun:
        """Commit a harvest (see SourceGraphs.commit_harvest); when it changed the source, what was derived
        from the old graph goes, and the source's conformance is scored again."""
        with self._writes:
            run = self.graphs.commit_harvest(run, graph)
            if run.outcome is Outcome.CHANGED:
                self.datasets.forget(graphs=self.graphs.graphs_of(run.source), touched=run.touched)
                # derivations and matches may have changed: redone on next use, for the touched datasets
                self.lineage.forget(touched=run.touched)
        if run.outcome is Outcome.CHANGED:
            try:
                self.conformance.source_changed(run.source, run.touched)
            except Exception:  # the commit stands; the source stays pending for recompute_pending
                log.exception("conformance of %s could not be recomputed; it stays pending", run.source)
        return run

    def follow_other_writers(self) -> bool:
        """Drop what this process keeps from the graph when another process wrote to it since the last look
        (a store shared through a SPARQL server moves a generation number on every write; the embedded
        stores have no `changed_elsewhere`, one writer, and nothing to do). True when something was
        dropped."""
        changed = getattr(self.store, "changed_elsewhere", None)
        if changed is None or not changed():
            return False
        with self._writes:
            self.datasets.forget()
            self.lineage.forget()
            self.runs.forget()
            self.definitions.forget()
        return True

    def _definition_changed(self, def_id: str) -> None:
        try:
            self.conformance.definition_changed(def_id)
        except Exception:  # the definition is saved; it stays pending for recompute_pending
            log.exception("conformance to %s could not be recomputed; it stays pending", def_id)

    def public_graphs(self) -> list[URIRef]:
        """What anonymous SPARQL may read: every graph but consortium-only ones and lineage (members only)."""
        hidden = consortium_graph_prefix(self.base)
        return [
            g
            for g in self.store.graph_names()
            if not str(g).startswith(hidden) and g != self.lineage.graph_iri
        ]
