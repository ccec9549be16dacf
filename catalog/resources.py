"""Cut one resource out of the store: its triples and the nodes that belong to it.

A dataset's description spans blank nodes (temporal, contact point), its
distributions, their column lists, the data services that give access to it
(`dcat:accessService`, or a service that names it with `dcat:servesDataset`) and
agents the source describes. `describe` follows every object the same graph
describes, but never walks into another dataset or catalogue, so a page shows one
dataset and no more. A data service is walked into (its endpoint, title and
conformance are part of how the dataset is reached); the datasets it serves are not.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from hdcat.ontology import DCAT, bind_prefixes
from hdcat.ontology.lexical import Converted  # noqa: F401 - catalog's modules and its surface take it here
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF


@dataclass(frozen=True)
class Terms:
    """The few terms `closure` compares, in one library's classes: the same walk runs over rdflib terms (the
    store's reads) and over Oxigraph's (a harvest cutting a freshly parsed page into records, where making
    rdflib terms would cost more than the rest of the cut)."""

    type: object
    access_service: object
    serves_dataset: object
    stop_types: frozenset
    blank: type
    named: type

    def text(self, term) -> str:
        """N-Triples form, blank nodes as `_:` (labels differ between reads of the same data)."""
        if isinstance(term, self.blank):
            return "_:"
        return term.n3() if self is RDFLIB else str(term)


RDFLIB = Terms(
    RDF.type, DCAT.accessService, DCAT.servesDataset, frozenset({DCAT.Dataset, DCAT.Catalog}), BNode, URIRef
)
OXIGRAPH = Terms(
    *(ox.NamedNode(str(t)) for t in (RDF.type, DCAT.accessService, DCAT.servesDataset)),
    frozenset(ox.NamedNode(str(t)) for t in (DCAT.Dataset, DCAT.Catalog)),
    ox.BlankNode,
    ox.NamedNode,
)
_STOP_TYPES = RDFLIB.stop_types


def describe(dataset, iri: URIRef, graph_name=None, max_nodes: int = 5000) -> Graph:
    """The resource's own triples, its blank-node closure, its distributions' closure and the data services
    that serve it, as a Graph. `graph_name`: one named graph, several (a dataset published by several
    sources: their descriptions together), or None for the whole store."""
    out = bind_prefixes(Graph())
    for triple in dataset_closure_in(dataset, iri, graph_name, max_nodes):
        out.add(triple)
    return out


def dataset_closure_in(dataset, iri, graph_names, max_nodes: int = 5000) -> list:
    """`dataset_closure` over one named graph, several in order (the first one's triples first), or the
    whole store (None)."""
    if graph_names is None:
        return dataset_closure(dataset, iri, max_nodes)
    if isinstance(graph_names, (str, URIRef)):
        graph_names = (graph_names,)
    out = []
    for name in graph_names:
        out += dataset_closure(dataset.graph(name), iri, max_nodes)
    return out


def dataset_closure(ctx, iri, max_nodes: int = 5000, terms: Terms = RDFLIB) -> list:
    """`closure` of a dataset and of every data service in the same graph that names it with
    dcat:servesDataset (the link may run only from the service to the dataset)."""
    out = closure(ctx, iri, max_nodes, terms)
    linked = {o for _, p, o in out if p == terms.access_service}
    for service in sorted(set(ctx.subjects(terms.serves_dataset, iri)) - linked, key=str):
        out += closure(ctx, service, max_nodes, terms)
    return out


def closure(ctx, iri, max_nodes: int = 5000, terms: Terms = RDFLIB) -> list:
    """The triples `describe` returns, as a list (cheaper when no Graph is needed). `terms`: the library
    `ctx`'s terms come from."""
    out = []
    todo = [iri]
    seen = {iri}
    kinds = (terms.blank, terms.named)
    read: dict = {}  # node → its triples: one lookup a node answers the three questions asked of it
    while todo and len(seen) < max_nodes:
        node = todo.pop()
        triples = read.pop(node, None)
        for triple in ctx.triples((node, None, None)) if triples is None else triples:
            out.append(triple)  # the graph's own tuple: a copy of each was a large harvest's half gigabyte
            _, p, o = triple
            if not isinstance(o, kinds) or p == terms.type or o in seen:  # a literal asks no more
                continue
            below = read.get(o)
            if below is None:
                below = read[o] = list(ctx.triples((o, None, None)))
            if isinstance(o, terms.named) and not below:  # an IRI the graph does not describe
                continue
            if any(p2 == terms.type and t in terms.stop_types for _, p2, t in below):  # another dataset
                continue
            seen.add(o)
            todo.append(o)
    return out


def subject_tree(ctx, subject) -> list:
    """The statements about `subject` and the blank-node trees below it: what goes when a subject is
    described anew."""
    out, todo = [], [subject]
    while todo:
        for triple in ctx.triples((todo.pop(), None, None)):
            out.append(triple)
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
    return out


def one_object_per_term(quads, terms: dict):
    """(subject, predicate, object) of Oxigraph quads, a parser's or a store's, each distinct term one object
    (`terms`, shared by whatever is read together): both give a new Python object for every occurrence, and
    a source's predicates, types, code-list concepts and agents occur on every record."""
    same = terms.setdefault
    for quad in quads:  # by attribute: unpacked, a quad also makes its graph name's object
        s, p, o = quad.subject, quad.predicate, quad.object
        yield same(s, s), same(p, p), same(o, o)


class RememberingUndescribed:
    """A graph view (a store's read view) that remembers the IRIs it was asked about and holds nothing on:
    a record's closure looks up every IRI it points at (themes, publishers, code-list concepts) to see
    whether the graph describes it, and the same few hundred come back empty on every record of a page.
    `empty` is shared by the views of one graph for as long as that graph is unchanged (the caller drops it
    when the graph is written: catalog.datasets forgets it with its records)."""

    MAX = 50_000

    def __init__(self, view, empty: set):
        self._view, self._empty = view, empty

    def triples(self, pattern):
        s, p, o = pattern
        if p is not None or o is not None or not isinstance(s, URIRef):
            return self._view.triples(pattern)
        if s in self._empty:
            return iter(())
        found = list(self._view.triples(pattern))
        if not found:
            if len(self._empty) >= self.MAX:  # landing pages and the like are each one record's: start again
                self._empty.clear()
            self._empty.add(s)
        return iter(found)

    def __getattr__(self, name):  # subjects, value: asked once a record, not worth remembering
        return getattr(self._view, name)


_same_text = str.__eq__  # predicates are IRIs: the same text is the same predicate


class GraphCopy:
    """One named graph held in memory as plain dicts: the lookups `closure` and a record's catalogue-record
    lookups make, without a store call or an rdflib Memory store per triple. For whole passes over a graph
    (Datasets.records) and a harvest's commit.

    Statements are kept by subject. Lookups by predicate and object are indexed per predicate, when one is
    first asked for: a pass asks for two or three (rdf:type, foaf:primaryTopic, dcat:servesDataset), and an
    index of every predicate and object was a large harvest's biggest structure (a key per distinct pair)."""

    def __init__(self, triples=()):
        self._by_subject: dict = {}
        self._by_p: dict = {}  # predicate → {object → [subjects]}, for the predicates asked for so far
        for triple in triples:
            self.add(triple)

    def add(self, triple) -> None:
        s, p, o = triple
        self._by_subject.setdefault(s, []).append(triple)
        found = self._by_p.get(p)
        if found is not None:
            found.setdefault(o, []).append(s)

    def _objects_of(self, predicate) -> dict:
        found = self._by_p.get(predicate)
        if found is None:
            found = self._by_p[predicate] = {}
            for triples in self._by_subject.values():
                for s, p, o in triples:
                    if p == predicate:
                        found.setdefault(o, []).append(s)
        return found

    def __iter__(self):
        for triples in self._by_subject.values():
            yield from triples

    def triples(self, pattern):
        s, p, o = pattern
        if s is None:
            raise NotImplementedError("GraphCopy answers subject lookups only")
        held = self._by_subject.get(s, ())
        if p is None and o is None:  # a node's statements, as closures read them: the list itself
            return iter(held)
        return self._matching(held, p, o)

    @staticmethod
    def _matching(held, p, o):
        if o is None and isinstance(p, str):  # an rdflib predicate: compared as text, not by rdflib's
            # Python-level __eq__ (a record's values are read by predicate: most of a page's comparisons)
            for triple in held:
                if _same_text(triple[1], p):
                    yield triple
            return
        for triple in held:
            if (p is None or triple[1] == p) and (o is None or triple[2] == o):
                yield triple

    def __contains__(self, pattern) -> bool:
        s, p, o = pattern
        if s is None and p is not None and o is not None:
            return o in self._objects_of(p)
        return next(self.triples(pattern), None) is not None

    def subjects(self, predicate, obj):
        found = self._objects_of(predicate)
        if obj is None:  # every subject with `predicate`, once each
            return iter(dict.fromkeys(s for subjects in found.values() for s in subjects))
        return iter(found.get(obj, ()))

    def value(self, subject, predicate):
        return next((o for _, _, o in self.triples((subject, predicate, None))), None)

    def objects(self, subject=None, predicate=None):
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def subject_objects(self, predicate):
        return ((s, o) for o, found in self._objects_of(predicate).items() for s in found)

    def merge(self, triples) -> None:
        """Add the statements not held yet (a node several records reach comes with each of them); `triples`
        holds each statement once. Only subjects held before are compared (rdflib's Literal equality is
        slow, and most subjects are new)."""
        by_subject: dict = {}
        for triple in triples:
            by_subject.setdefault(triple[0], []).append(triple)
        for s, new in by_subject.items():
            held = self._by_subject.get(s)
            if held:
                held = set(held)
                new = [t for t in new if t not in held]
            for triple in new:
                self.add(triple)

    def __len__(self) -> int:
        return sum(map(len, self._by_subject.values()))

    def set(self, triple) -> None:
        """rdflib's Graph.set: `triple` takes the place of every statement with its subject and predicate
        (a harvest's commit gives a dataset another short id)."""
        s, p, _ = triple
        kept = []
        index = self._by_p.get(p)
        for old in self._by_subject.get(s, ()):
            if old[1] != p:
                kept.append(old)
                continue
            if index is not None:
                found = index[old[2]]
                found.remove(s)
                if not found:
                    del index[old[2]]
        self._by_subject[s] = kept
        self.add(triple)


class RecordView(GraphCopy):
    """One dataset's triples (its closure) with the read API the read model uses (value, objects,
    predicate_objects, items, `in`, namespace_manager), over dicts. Building an rdflib Graph per record
    was most of a whole-catalogue pass (bench/results/pipeline.md); the read model reads the same answers
    from this (tests/test_store.py holds the records equal)."""

    _namespaces = None

    @property
    def namespace_manager(self):
        if RecordView._namespaces is None:
            RecordView._namespaces = bind_prefixes(Graph()).namespace_manager
        return RecordView._namespaces

    def triples(self, pattern):
        if pattern[0] is not None:
            yield from super().triples(pattern)
            return
        _, p, o = pattern
        for triples in self._by_subject.values():
            for triple in triples:
                if (p is None or triple[1] == p) and (o is None or triple[2] == o):
                    yield triple

    def predicate_objects(self, subject=None):
        return ((p, o) for _, p, o in self.triples((subject, None, None)))

    def value(self, subject=None, predicate=RDF.value, obj=None, default=None, any=True):
        if subject is None or predicate is None or obj is not None:
            return None if subject is None or predicate is None else default
        return next(self.objects(subject, predicate), default)

    def items(self, head):
        """rdflib's Graph.items: the members of an RDF list."""
        chain = {head}
        while head:
            item = self.value(head, RDF.first)
            if item is not None:
                yield item
            head = self.value(head, RDF.rest)
            if head in chain:
                raise ValueError("List contains a recursive rdf:rest reference")
            chain.add(head)
