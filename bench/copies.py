"""Grow a catalogue by copying one real source graph under new IRIs: the list and page benches need 10,000s of
realistic datasets quickly, and a copy of a real hospital's graph is closer to what hdcat serves than
generated text. Imported by the benches as a sibling module (they run as scripts from bench/)."""

from __future__ import annotations

import pyoxigraph as ox
from hdcat.catalog.stores.oxigraph_loads import write_in_parts
from hdcat.ontology import HDCAT

#: quads a bulk write takes at once: a source of 21 datasets copied 47,000 times (1,000,000 datasets) in one
#: bulk write a copy left Oxigraph tens of thousands of small files to merge
BULK_AT_ONCE = 2_000_000


def copy_source(cat, graph, copies: int, as_harvests_write: bool = False) -> int:
    """Write `copies` renamed copies of `graph` (dataset IRIs, short ids and the graph name get -cK) straight
    into the embedded store; returns how many datasets one copy holds. With `as_harvests_write` they are
    written as a first harvest writes a source (transactions of LOAD_BATCH quads, oxigraph_loads), not by
    Oxigraph's bulk loader: lookups on what the bulk loader wrote are 35-50 % slower (README, "A first write
    in parts, out of sight"), so benches that time reads want the files hdcat itself makes."""
    native = cat.store.native
    quads = list(native.quads_for_pattern(None, None, None, ox.NamedNode(str(graph))))
    local_id = str(HDCAT.localId)
    per_copy = sum(1 for q in quads if q.predicate.value == local_id)
    batch: list = []
    for k in range(copies):
        suffix = f"-c{k}"
        new_graph = ox.NamedNode(f"{graph}{suffix}")

        def renamed(term, suffix=suffix):
            if isinstance(term, ox.NamedNode) and "/dataset/" in term.value:
                return ox.NamedNode(term.value + suffix)
            return term

        for q in quads:
            obj = q.object
            if q.predicate.value == local_id:
                obj = ox.Literal(obj.value + suffix)
            batch.append(ox.Quad(renamed(q.subject), q.predicate, renamed(obj), new_graph))
        if as_harvests_write:
            write_in_parts(native, iter(batch))
            batch = []
        elif len(batch) >= BULK_AT_ONCE:
            native.bulk_extend(batch)
            batch = []
    if batch:
        native.bulk_extend(batch)
    if as_harvests_write:
        native.flush()
    cat.datasets.forget()
    return per_copy
