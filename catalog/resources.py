"""Cut one resource out of the store: its triples and the nodes that belong to it.

A dataset's description spans blank nodes (temporal, contact point), its
distributions, their column lists and agents the source describes. `describe`
follows every object the same graph describes, but never walks into another
dataset or catalogue, so a page shows one dataset and no more.
"""

from __future__ import annotations

from hdcat.ontology import DCAT, bind_prefixes
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

_STOP_TYPES = {DCAT.Dataset, DCAT.Catalog, DCAT.DataService}


def describe(dataset, iri: URIRef, graph_name: URIRef | None = None, max_nodes: int = 5000) -> Graph:
    """The resource's own triples, its blank-node closure and its distributions' closure, as a Graph."""
    ctx = dataset.graph(graph_name) if graph_name is not None else dataset
    out = bind_prefixes(Graph())
    for triple in closure(ctx, iri, max_nodes):
        out.add(triple)
    return out


def closure(ctx, iri, max_nodes: int = 5000) -> list:
    """The triples `describe` returns, as a list (cheaper when no Graph is needed)."""
    out = []
    todo = [iri]
    seen = {iri}
    while todo and len(seen) < max_nodes:
        node = todo.pop()
        for s, p, o in ctx.triples((node, None, None)):
            out.append((s, p, o))
            if o in seen or p == RDF.type or not isinstance(o, (BNode, URIRef)):
                continue
            if isinstance(o, URIRef) and (o, None, None) not in ctx:
                continue
            if any((o, RDF.type, t) in ctx for t in _STOP_TYPES):  # another dataset, even a blank one
                continue
            seen.add(o)
            todo.append(o)
    return out
