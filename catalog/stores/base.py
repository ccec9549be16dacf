"""The store interface: an rdflib Dataset plus the operations rdflib lacks.

rdflib is the API (`store.dataset`); heavy work — atomic replacement of a
source's graph, whole-store dumps — goes to each store's own engine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from hdcat.catalog.stores import lexical_forms
from hdcat.ontology import bind_prefixes
from rdflib import Dataset, Graph, URIRef


@dataclass(frozen=True)
class Capabilities:
    persistent: bool
    native_sparql: bool  # SPARQL runs in the store's engine, not rdflib's evaluator
    transactions: bool


class CatalogStore:
    """Base class: subclasses open `self.dataset` and may override the heavy operations."""

    capabilities = Capabilities(persistent=False, native_sparql=False, transactions=False)
    #: the HDCAT_STORE scheme that opens this store (its entry-point name in `hdcat.stores`)
    scheme = ""

    def __init__(self, location: str):
        self.location = location
        self.dataset: Dataset = bind_prefixes(Dataset(default_union=True))
        self._write_lock = threading.RLock()

    def graph_triples(self, name: URIRef) -> Iterable[tuple]:
        """Every triple of one named graph, as rdflib terms, for passes that read a whole graph at once."""
        return iter(self.graph(name))

    def graph_copy(self, name: URIRef):
        """One named graph held in memory for a whole pass over its records (Datasets.records): the subject
        and predicate lookups `resources.closure` and a record's catalogue-record make, in rdflib's terms,
        without a store call each. A resources.GraphCopy here; a store may hold it more compactly."""
        from hdcat.catalog.resources import GraphCopy

        return GraphCopy(self.graph_triples(name))

    # -- writes ---------------------------------------------------------------
    def replace_graph(self, name: URIRef, graph: Graph) -> None:
        """Make named graph `name` hold exactly `graph`'s triples, all at once."""
        with self._write_lock:
            target = self.dataset.graph(name)
            self.dataset.remove((None, None, None, target))
            target = self.dataset.graph(name)
            for triple in graph:
                target.add(triple)

    def replace_graphs(self, graphs: dict, add: dict | None = None) -> None:
        """replace_graph for several graphs at once (a source's public and consortium graphs), plus
        triples to add to other graphs (its run record); stores with transactions do it in one."""
        with self._write_lock:
            for name, graph in graphs.items():
                self.replace_graph(name, graph)
            for name, graph in (add or {}).items():
                self.add_to_graph(name, graph)

    def patch_graphs(self, graphs: dict, diffs: dict, add: dict | None = None) -> None:
        """Make each named graph in `graphs` hold `graphs[name]`'s triples, as replace_graphs does, knowing
        that it differs from what the store holds by `diffs[name]` (a catalog.graph_diff.GraphDiff). Stores
        that can write the difference alone, in one transaction, override this (OxigraphStore); this
        default replaces the graphs whole, which gives the same graphs."""
        self.replace_graphs(graphs, add)

    def add_to_graph(self, name: URIRef, triples: Iterable) -> None:
        """Add triples to one graph; their terms may be rdflib's or Oxigraph's (a lineage write's)."""
        with self._write_lock:
            target = self.dataset.graph(name)
            for triple in lexical_forms.as_rdflib(triples):
                target.add(triple)

    def drop_graph(self, name: URIRef) -> None:
        with self._write_lock:
            self.dataset.remove((None, None, None, self.dataset.graph(name)))

    # -- reads ----------------------------------------------------------------
    def query(self, sparql: str, **kwargs):
        return self.dataset.query(sparql, **kwargs)

    def select_text(self, sparql: str) -> list[tuple[str | None, ...]]:
        """A SELECT's rows as the plain text of each value (None where unbound), in projection order: for
        passes over many rows (lineage's stored events) that need no rdflib terms."""
        result = self.query(sparql)
        return [tuple(None if v is None else str(v) for v in row) for row in result]

    def graph_names(self) -> list[URIRef]:
        return sorted(
            {c.identifier for c in self.dataset.graphs() if isinstance(c.identifier, URIRef) and len(c) > 0},
            key=str,
        )

    def read_view(self, name: URIRef, about: URIRef | None = None):
        """Graph `name` for the subject lookups `resources.closure` makes (a record, a measurement): here
        the graph itself, looked up pattern by pattern, cheap in a local store. `about` names the dataset
        the caller reads around, so a store whose every lookup is a request can fetch that neighbourhood
        at once; stores with a faster way than rdflib override it."""
        return self.graph(name)

    def graph(self, name: URIRef) -> Graph:
        """A read view of one named graph (writes must go through replace_graph/add_to_graph).

        Bound to the store by name without `Dataset.graph`, which would create the graph: a reader asking
        for something that does not exist (an unknown definition id) must not leave an empty graph behind."""
        return Graph(
            store=self.dataset.store, identifier=name, namespace_manager=self.dataset.namespace_manager
        )

    def __len__(self) -> int:
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))

    def dump(self, out: IO[bytes], fmt: str) -> None:
        """Write the whole store: 'nquads' streams; 'turtle'/'json-ld' merge named graphs."""
        if fmt == "nquads":
            self.dataset.serialize(destination=out, format="nquads")
            return
        merged = bind_prefixes(Graph())
        for s, p, o, _ in self.dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        merged.serialize(destination=out, format=fmt)

    def flush(self) -> None:
        """Write out what the store buffers in memory. A no-op for stores that buffer nothing."""

    def close(self) -> None:
        self.dataset.close()
