"""Grow a catalogue by copying one real source graph under new IRIs: the list and page benches need 10,000s of
realistic datasets quickly, and a copy of a real hospital's graph is closer to what hdcat serves than
generated text. Imported by the benches as a sibling module (they run as scripts from bench/)."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from hdcat.catalog.stores.oxigraph_loads import write_in_parts
from hdcat.ontology import HDCAT

#: quads a bulk write takes at once: a source of 21 datasets copied 47,000 times (1,000,000 datasets) in one
#: bulk write a copy left Oxigraph tens of thousands of small files to merge
BULK_AT_ONCE = 2_000_000


def source_quads(native, graph) -> tuple[list, int]:
    """The quads of the source graph `graph` and how many datasets it holds."""
    quads = list(native.quads_for_pattern(None, None, None, ox.NamedNode(str(graph))))
    local_id = str(HDCAT.localId)
    return quads, sum(1 for q in quads if q.predicate.value == local_id)


def renamed(quads: list, graph, k: int) -> Iterator[ox.Quad]:
    """Copy `k` of a source graph's `quads`: dataset IRIs, short ids and the graph name get -cK."""
    suffix = f"-c{k}"
    new_graph = ox.NamedNode(f"{graph}{suffix}")
    local_id = str(HDCAT.localId)

    def rename(term):
        if isinstance(term, ox.NamedNode) and "/dataset/" in term.value:
            return ox.NamedNode(term.value + suffix)
        return term

    for q in quads:
        obj = q.object
        if q.predicate.value == local_id:
            obj = ox.Literal(obj.value + suffix)
        yield ox.Quad(rename(q.subject), q.predicate, rename(obj), new_graph)


def copy_source(cat, graph, copies: int, as_harvests_write: bool = False) -> int:
    """Write `copies` renamed copies of `graph` straight into the embedded store; returns how many datasets
    one copy holds. With `as_harvests_write` they are written as a first harvest writes a source
    (oxigraph_loads.write_in_parts), else by Oxigraph's bulk loader in large parts."""
    native = cat.store.native
    quads, per_copy = source_quads(native, graph)
    batch: list = []
    for k in range(copies):
        if as_harvests_write:
            write_in_parts(native, renamed(quads, graph, k))
            continue
        batch.extend(renamed(quads, graph, k))
        if len(batch) >= BULK_AT_ONCE:
            native.bulk_extend(batch)
            batch = []
    if batch:
        native.bulk_extend(batch)
    if as_harvests_write:
        native.flush()
    cat.datasets.forget()
    return per_copy
