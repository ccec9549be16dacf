"""Oxigraph on disk through oxrdflib: the default store (`oxigraph:PATH`).

Chosen by measurement (bench/results/store.md): it loads about ten times faster
than rdflib's own stores and answers SPARQL in its Rust engine. Writes that
must be atomic go through one SPARQL Update, which Oxigraph runs in a single
transaction, so a crash mid-write leaves the previous graph whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from hdcat.catalog.errors import StoreError
from hdcat.catalog.stores.base import Capabilities, CatalogStore
from hdcat.ontology import bind_prefixes
from oxrdflib import OxigraphStore as OxrdflibStore
from rdflib import BNode, Dataset, Graph, Literal, URIRef


class OxigraphStore(CatalogStore):
    scheme = "oxigraph"
    capabilities = Capabilities(persistent=True, native_sparql=True, transactions=True)

    def __init__(self, location: str, read_only: bool = False):
        self.location = location
        self.read_only = read_only
        path = Path(location or "var/store")
        if read_only:  # beside a process that holds the store (a running server): reads only, no lock
            try:
                native = ox.Store.read_only(str(path))
            except OSError as exc:
                raise StoreError(f"cannot read the Oxigraph store at {path}: {exc}") from None
            self.dataset = bind_prefixes(Dataset(store=OxrdflibStore(store=native), default_union=True))
            self._write_lock = threading.RLock()
            return
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {path}: {exc.strerror}") from None
        try:
            native = ox.Store(str(path))
        except OSError as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the Oxigraph store at {path}: {exc}") from None
            raise StoreError(
                f"cannot open the Oxigraph store at {path}: "
                f"another hdcat process holds it ({exc}). A running "
                "`hdcat serve` takes harvests itself: run `hdcat "
                "harvest` as the server's OS user (it reads the "
                "server's address from the data folder) or POST /api/v1/harvests with a harvest:run token. "
                "A running `hdcat harvest` or `hdcat demo` lets go when it ends."
            ) from None
        self.dataset = bind_prefixes(Dataset(store=OxrdflibStore(store=native), default_union=True))
        self._write_lock = threading.RLock()

    @property
    def native(self) -> ox.Store:
        return self.dataset.store._inner

    def query(self, sparql: str, **kwargs):
        """SPARQL through rdflib, with SELECT answers read to the end here. pyoxigraph's result iterators may
        only be dropped by the thread that made them; a half-read one left to the garbage collector was
        dropped on whichever thread collected it ("PyQuerySolutions is unsendable" under load)."""
        result = self.dataset.query(sparql, **kwargs)
        if result.type == "SELECT":
            result.bindings  # noqa: B018 - materialises the rows and releases the native iterator now
        return result

    def replace_graph(self, name: URIRef, graph: Graph) -> None:
        self.replace_graphs({name: graph})

    def replace_graphs(self, graphs: dict, add: dict | None = None) -> None:
        """One SPARQL Update, so one transaction: readers see all the old graphs or all the new, and the
        triples in `add` (a harvest's run record) are written in the same transaction or not at all."""
        parts = []
        for name, graph in graphs.items():
            parts.append(f"DROP SILENT GRAPH <{name}>")
            if len(graph):
                parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{graph.serialize(format='nt')}\n}} }}")
        for name, graph in (add or {}).items():
            if len(graph):
                parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{graph.serialize(format='nt')}\n}} }}")
        with self._write_lock:
            self.native.update(" ;\n".join(parts))

    def graph_triples(self, name: URIRef) -> Iterable[tuple]:
        """Straight from Oxigraph with each distinct term converted once (predicates, types, themes and
        agents repeat on every dataset): a third of the cost of reading the graph through rdflib."""
        terms: dict = {}

        def term(node):
            found = terms.get(node)
            if found is None:
                found = terms[node] = _to_rdflib(node)
            return found

        for quad in self.native.quads_for_pattern(None, None, None, ox.NamedNode(str(name))):
            yield term(quad.subject), term(quad.predicate), term(quad.object)

    def add_to_graph(self, name: URIRef, triples: Iterable) -> None:
        g = Graph()
        for t in triples:
            g.add(t)
        body = g.serialize(format="nt")
        with self._write_lock:
            self.native.update(f"INSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")

    def drop_graph(self, name: URIRef) -> None:
        with self._write_lock:
            self.native.update(f"DROP SILENT GRAPH <{name}>")

    def graph_names(self) -> list[URIRef]:
        return sorted(
            (URIRef(g.value) for g in self.native.named_graphs() if isinstance(g, ox.NamedNode)), key=str
        )

    def __len__(self) -> int:
        return len(self.native)

    def dump(self, out: IO[bytes], fmt: str) -> None:
        if fmt == "nquads":
            self.native.dump(out, ox.RdfFormat.N_QUADS)
            return
        super().dump(out, fmt)

    def close(self) -> None:
        native = self.native
        if not self.read_only:
            try:
                native.flush()
            except OSError as exc:  # a full disk: what was committed is in the write-ahead log already
                logging.getLogger("hdcat.store").error(
                    "could not flush the store at %s: %s", self.location, exc
                )
        self.dataset.close()
        del native


def _to_rdflib(node):
    """An Oxigraph term as the rdflib term oxrdflib would give for it."""
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    return Literal(node.value, datatype=URIRef(node.datatype.value))
