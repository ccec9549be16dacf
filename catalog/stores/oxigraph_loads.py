"""A source's first write in parts, out of readers' sight until it is whole.

An Oxigraph transaction holds everything it writes in memory until it commits: about 2 KB a quad, so
a first harvest of 20,000 datasets (1.5 million quads) held 1.3 GiB more for its write alone, and
100,000 datasets would need some 14 GB. So a first write goes in parts of `LOAD_BATCH` quads, and the
graphs it fills are *hidden* until the last part is in: marked in the store's default graph (`<graph>
hdcat:loading true`) and in the process, every read that is not by graph name leaves them out
(`Hidden.query_args`), and they appear in one small transaction that removes the mark with the run
record. Readers see no source, then the whole source. A load that fails is removed in parts; one cut short
by a crash is found by its mark when the store opens again and removed then (`recover`).

Since the graphs are out of sight until shown, a part needs no transaction of its own: each is written by
Oxigraph's bulk loader (`Store.bulk_extend`, files written beside the store and added to it), 2.8 times
faster than a transaction in bench/bulk_write_bench.py, with no slower lookups afterwards (README, "A first
write in parts, out of sight"; on 2026-12-03 they had measured 35-50 % slower, which no longer holds). The
bulk loader is not atomic and its results "might get weird" if data is deleted while it runs: every write
to the store holds the store's write lock, which the first write holds from its mark to its showing, and
only one process opens an embedded store for writing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from itertools import islice

import pyoxigraph as ox
from hdcat.catalog.stores import lexical_forms
from hdcat.ontology import HDCAT

LOADING = ox.NamedNode(str(HDCAT.loading))
_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
#: quads handed to the bulk loader at once in a first write (it holds a part in memory while it sorts it into
#: files), and removed a transaction when a hidden graph goes (a transaction holds what it deletes in
#: memory until it commits)
LOAD_BATCH = DROP_BATCH = 50_000

log = logging.getLogger("hdcat.store")


def write_in_parts(native: ox.Store, quads: Iterator) -> None:
    """`quads` in parts of LOAD_BATCH, each by the bulk loader (the caller holds the store's write lock and
    keeps the graphs hidden until they are whole)."""
    while part := list(islice(quads, LOAD_BATCH)):
        native.bulk_extend(part)


def mark(name) -> ox.Quad:
    return ox.Quad(ox.NamedNode(str(name)), LOADING, _TRUE, ox.DefaultGraph())


def unmark(name) -> str:
    """A SPARQL Update part that takes the mark away (in the transaction that shows the graph)."""
    return f"DELETE DATA {{ <{name}> <{LOADING.value}> {_TRUE} }}"


class Hidden:
    """The graphs of one store that are being loaded, and what a read passes Oxigraph to leave them out."""

    def __init__(self):  # holds no store: closing the store must let go of its lock
        self._names: set[str] = set()
        self._lock = threading.Lock()

    def __contains__(self, name) -> bool:
        if not self._names:
            return False
        return (name.value if isinstance(name, ox.NamedNode) else str(name)) in self._names

    def __bool__(self) -> bool:
        return bool(self._names)

    def add(self, names) -> None:
        with self._lock:
            self._names |= {str(n) for n in names}

    def discard(self, names) -> None:
        with self._lock:
            self._names -= {str(n) for n in names}

    def query_args(self, native: ox.Store, union: bool) -> dict:
        """Arguments of `Store.query` that leave the hidden graphs out: none at all while nothing is loading
        (the usual case costs nothing); else the visible named graphs, and with `union` the union of them
        and the default graph as the query's default graph, which is what `use_default_graph_as_union`
        reads."""
        if not self._names:
            return {"use_default_graph_as_union": True} if union else {}
        visible = [g for g in native.named_graphs() if g not in self]
        args: dict = {"named_graphs": visible}
        if union:
            args["default_graph"] = [ox.DefaultGraph(), *visible]
        return args


def drop_in_parts(native: ox.Store, name) -> None:
    """Remove a graph a batch of quads at a time: it is hidden, so no reader minds that it goes in parts,
    and one transaction for all of it would hold it all in memory again."""
    graph = ox.NamedNode(str(name))
    _delete_in_parts(native, f"GRAPH <{graph.value}> {{ ?s ?p ?o }}", (None, None, None, graph))
    native.update(f"DROP SILENT GRAPH <{graph.value}>")  # empty now; Oxigraph would still list its name


def _delete_in_parts(native: ox.Store, pattern: str, quads: tuple) -> None:
    """Delete what the SPARQL `pattern` matches, DROP_BATCH statements a transaction, while the store still
    holds `quads` (the same pattern for `quads_for_pattern`). A DELETE bound by its WHERE: DELETE DATA may not
    name blank nodes."""
    remove = f"DELETE {{ {pattern} }} WHERE {{ {{ SELECT * WHERE {{ {pattern} }} LIMIT {DROP_BATCH} }} }}"
    while next(iter(native.quads_for_pattern(*quads)), None) is not None:
        native.update(remove)


def remove_loaded(native: ox.Store, name) -> None:
    """A hidden graph, its lexical forms (loaded with it) and its mark gone: what a failed or cut-short
    first write left."""
    drop_in_parts(native, name)
    forms = lexical_forms.predicate(name)
    _delete_in_parts(native, f"?s <{forms.value}> ?f", (None, forms, None, ox.DefaultGraph()))
    native.update(unmark(name))


def recover(native: ox.Store, remove: bool = True) -> list[str]:
    """The graphs still marked as loading. A writer opening the store removes them: a load cut short by a
    crash left them, and they were never shown. A reader beside a running writer only leaves them out."""
    left = [q.subject.value for q in native.quads_for_pattern(None, LOADING, None, ox.DefaultGraph())]
    if not remove:
        return left
    for name in left:
        log.warning("removing %s: its first write was cut short (a crash or a kill) and never shown", name)
        remove_loaded(native, name)
    return left
