"""The embedded store's rdflib view through oxrdflib, made on first use (`OxigraphStore.dataset`).

oxrdflib imports rdflib's SPARQL engine (its parser's grammar alone is 0.05 s), which the harvest's own reads
and writes, made on pyoxigraph's terms, never use; a re-harvest as a command no longer pays for it.
"""

from __future__ import annotations

import pyoxigraph as ox
from hdcat.catalog.stores import lexical_forms
from hdcat.catalog.stores.oxigraph_loads import Hidden
from hdcat.catalog.stores.oxigraph_reads import query_result
from oxrdflib import OxigraphStore as OxrdflibStore
from oxrdflib._converter import from_ox_graph_name, to_ox, to_ox_quad_pattern
from rdflib import Literal
from rdflib.term import Node


class LexicalStore(OxrdflibStore):
    """oxrdflib's rdflib store over Oxigraph, whose reads give literals back as they were written: the
    recorded originals (lexical_forms) for the ones Oxigraph rewrote, simple literals without xsd:string.
    A pattern that names a literal is looked up by the form Oxigraph stored it in."""

    def __init__(self, native: ox.Store, restorer, hidden: Hidden):
        super().__init__(store=native)
        self._restorer, self._hidden = restorer, hidden

    def query(self, query, initNs, initBindings, queryGraph, **kwargs):  # noqa: N803 - rdflib's names
        """oxrdflib's query, with a SELECT's rows read in one call (oxigraph_reads): its row iterator
        waits for the interpreter lock on every row when another thread is busy."""
        if isinstance(query, str) and not kwargs:
            union = queryGraph == "__UNION__"
            dataset = self._hidden.query_args(self._inner, union)  # graphs being loaded stay out of sight
            if not union and isinstance(queryGraph, Node):
                dataset["default_graph"] = to_ox(queryGraph)
            answer = self._inner.query(
                query,
                prefixes=dict(self._namespace_for_prefix, **initNs),
                substitutions={ox.Variable(k): to_ox(v) for k, v in initBindings.items()},
                **dataset,
            )
            return query_result(answer)
        return super().query(query, initNs, initBindings, queryGraph, **kwargs)

    def triples(self, triple_pattern, context=None):
        s, p, o = triple_pattern
        wanted = o if isinstance(o, Literal) else None
        if wanted is not None:
            o = lexical_forms.stored_forms([wanted]).get(wanted, wanted)
        try:
            quads = self._inner.quads_for_pattern(*to_ox_quad_pattern((s, p, o), context))
        except (TypeError, ValueError):
            return
        restorers: dict = {}  # one a graph for this read (a read-only store makes a new one each time)
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue  # hdcat's bookkeeping (lexical_forms), not data
            if self._hidden and quad.graph_name.value in self._hidden:
                continue  # being loaded: not there yet for readers
            qs, qp, qo = (lexical_forms.to_rdflib(t) for t in (quad.subject, quad.predicate, quad.object))
            graph = from_ox_graph_name(quad.graph_name, self)
            restorer = restorers.get(graph.identifier)
            if restorer is None:
                restorer = restorers[graph.identifier] = self._restorer(graph.identifier)
            for original in restorer.restore(qs, qp, qo):
                if wanted is None or (original == wanted and str(original) == str(wanted)):
                    yield (qs, qp, original), iter((graph,))
