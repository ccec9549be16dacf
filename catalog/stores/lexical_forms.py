"""The lexical forms Oxigraph rewrites, kept beside the graph and given back on every read.

Oxigraph stores numbers, booleans and dates in a native encoding and gives back canonical forms:
`"1.50"^^xsd:decimal` comes back `"1.5"`, `"2024-01-02T03:04:05.500-00:00"` as `"…05.5Z"`, and every
integer type (`xsd:nonNegativeInteger`, `xsd:int`…) as `xsd:integer` (oxigraph/oxigraph#526, no option
to turn it off). hdcat publishes literals as its sources wrote them, so when a graph is written, the
literals Oxigraph would rewrite are found (by storing them in a scratch in-memory Oxigraph and reading
them back) and their originals recorded in the store's default graph, one JSON value per write:
`<graph> hdcat:lexicalForms "[[subject, predicate, stored value, stored datatype, value, datatype], …]"`.
Reads through the store (its rdflib view, `graph_triples`, dumps) put the originals back. SPARQL still
runs on Oxigraph's values, so comparisons and sorting work as Oxigraph defines them.

A blank-node subject gets a new label when stored, so its originals are keyed by predicate and stored
value alone ("_" for the subject): two blank nodes with the same property, the same stored value and
different originals (`"1.0"` and `"1.00"`) may get each other's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from hdcat.catalog.errors import StoreError
from hdcat.ontology import HDCAT, plain
from rdflib import BNode, Literal, URIRef

PREDICATE = HDCAT.lexicalForms
_SCRATCH_P = ox.NamedNode("urn:hdcat:scratch")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING_NODE = ox.NamedNode(_XSD + "string")


def to_rdflib(node):
    """An Oxigraph term as an rdflib term; a simple literal without its implicit xsd:string."""
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    return plain(Literal(node.value, datatype=URIRef(node.datatype.value)))


def to_ox_literal(term: Literal) -> ox.Literal:
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype) if term.datatype else None)


class ToOx:
    """rdflib terms → Oxigraph terms for one write, each distinct IRI and blank node converted once
    (predicates, types, themes and agents repeat on every dataset). Each blank node gets a fresh Oxigraph
    label for this write, as SPARQL `INSERT DATA` gives it, so two writes never share a blank node by
    accident. Literals are converted each time: most occur once, so keeping each one's Oxigraph term for a
    large first write held another copy of them for little gain."""

    def __init__(self):
        self._terms: dict = {}

    def __call__(self, term):
        if isinstance(term, Literal):
            return self._convert(term)
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = self._convert(term)
        return found

    @staticmethod
    def _convert(term):
        if isinstance(term, BNode):
            return ox.BlankNode()
        try:
            if isinstance(term, URIRef):
                return ox.NamedNode(str(term))
            if isinstance(term, Literal):
                return to_ox_literal(term)
        except ValueError as exc:
            shown = f"<{term}>" if isinstance(term, URIRef) else term.n3()  # rdflib's n3() refuses such IRIs
            raise StoreError(
                f"cannot store {shown}: it does not look like a valid URI or literal to Oxigraph ({exc}); "
                "nothing was written"
            ) from None
        raise StoreError(f"cannot store {term!r}: not an RDF term; nothing was written")

    def quads(self, triples: Iterable, graph_name) -> list:
        return list(self.each_quad(triples, graph_name))

    def each_quad(self, triples: Iterable, graph_name) -> Iterator:
        """The quads one at a time, for a write that reads them as it goes (`Store.extend`)."""
        g = ox.NamedNode(str(graph_name))
        return (ox.Quad(self(s), self(p), self(o), g) for s, p, o in triples)


def stored_forms(literals: Iterable[Literal]) -> dict:
    """literal → the different literal Oxigraph gives back for it, for the literals it rewrites."""
    # only XML Schema datatypes have a native encoding; others (rdf:JSON, a lineage event's whole text)
    # come back as written, so they are not copied through the scratch store
    typed = [
        t
        for t in set(literals)
        if isinstance(t, Literal) and t.datatype is not None and t.datatype.startswith(_XSD)
    ]
    if not typed:
        return {}
    scratch = ox.Store()
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:hdcat:scratch:{i}"), _SCRATCH_P, to_ox_literal(t), ox.DefaultGraph())
        for i, t in enumerate(typed)
    )
    out = {}
    for quad in scratch:
        original = typed[int(quad.subject.value.rsplit(":", 1)[1])]
        back = to_rdflib(quad.object)
        if back != original or str(back) != str(original):
            out[original] = back
    return out


def record(triples: Iterable) -> str | None:
    """The JSON value that lets reads restore `triples`' rewritten literals, or None when none is."""
    triples = list(triples)
    changed = stored_forms(o for _, _, o in triples)
    rows = [
        [
            str(s) if isinstance(s, URIRef) else "_",
            str(p),
            str(changed[o]),
            str(changed[o].datatype),
            str(o),
            str(o.datatype),
        ]
        for s, p, o in triples
        if o in changed
    ]
    return json.dumps(sorted(rows), ensure_ascii=False) if rows else None


_OX_TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal)


def as_rdflib(triples: Iterable) -> list[tuple]:
    """Triples as rdflib terms, whichever kind each term is: a lineage write makes its terms in
    Oxigraph's own (catalog.openlineage), which stores other than Oxigraph take as rdflib's. Each
    distinct term is converted once."""
    terms: dict = {}

    def term(t):
        if not isinstance(t, _OX_TERMS):
            return t
        found = terms.get(t)
        if found is None:
            found = terms[t] = to_rdflib(t)
        return found

    return [(term(s), term(p), term(o)) for s, p, o in triples]


def native_record(triples: list) -> str | None:
    """`record` for triples of Oxigraph terms (or rdflib's, or both), the same JSON value: only the
    literals with an XML Schema datatype can be rewritten, so only their triples are made rdflib
    terms and checked (a lineage batch has two in a hundred)."""
    typed = []
    for triple in triples:
        o = triple[2]
        if type(o) is ox.Literal:
            if o.datatype != _STRING_NODE and o.datatype.value.startswith(_XSD):
                typed.append(triple)
        elif isinstance(o, Literal) and o.datatype is not None and o.datatype.startswith(_XSD):
            typed.append(triple)
    return record(as_rdflib(typed)) if typed else None


def rewritten(values: Iterable[str], subjects: set, triples: Iterable) -> str | None:
    """The record of a graph whose `subjects` (their IRIs as text) were described anew by `triples`, from
    what was recorded (`values`): a partial re-harvest writes the record of the statements it changed,
    not of the whole graph."""
    rows = [row for value in values for row in json.loads(value) if row[0] not in subjects]
    new = record(triples)
    rows += json.loads(new) if new else []
    return json.dumps(rows, ensure_ascii=False) if rows else None


def insert(graph_name: URIRef, value: str) -> str:
    """A SPARQL Update part that records `value` (from `record`) for `graph_name`."""
    return f"INSERT DATA {{ <{graph_name}> <{PREDICATE}> {Literal(value).n3()} }}"


def quad(graph_name, value: str) -> ox.Quad:
    """The quad `insert` writes, for native writes (Store.extend)."""
    return ox.Quad(
        ox.NamedNode(str(graph_name)), ox.NamedNode(str(PREDICATE)), ox.Literal(value), ox.DefaultGraph()
    )


def forget(graph_name: URIRef) -> str:
    """A SPARQL Update part that drops what was recorded for `graph_name`."""
    return f"DELETE WHERE {{ <{graph_name}> <{PREDICATE}> ?forms }}"


#: datatypes whose canonical form in Oxigraph rdflib reads unchanged (a date with a time zone, a dateTime, a
#: float or a double it reads in a form of its own)
_AS_STORED = frozenset(_XSD + t for t in ("integer", "decimal", "boolean", "string", "duration"))


class Restorer:
    """The recorded originals of one graph: `restore(s, p, o)` is the literal the source wrote."""

    def __init__(self, values: Iterable[str]):
        # plain text, not rdflib terms: a graph's record is read again after every write, and only the few
        # literals a read meets need their originals made
        self._originals: dict = defaultdict(list)
        for value in values:
            for s, p, stored, stored_type, lexical, datatype in json.loads(value):
                if stored_type not in _AS_STORED:  # rdflib reads it in a form of its own: key by that form
                    stored = str(Literal(stored, datatype=URIRef(stored_type)))
                found = self._originals[(s, p, stored, stored_type)]
                if (lexical, datatype) not in found:
                    found.append((lexical, datatype))

    def __bool__(self) -> bool:
        return bool(self._originals)

    def restore(self, s, p, o) -> list:
        """Every original `o` stood for (usually one; several when Oxigraph merged equal values)."""
        if not self._originals or not isinstance(o, Literal) or o.datatype is None:
            return [o]
        named = isinstance(s, URIRef)
        found = self._originals.get((str(s) if named else "_", str(p), str(o), str(o.datatype)))
        if not found:
            return [o]
        originals = [Literal(lexical, datatype=URIRef(datatype)) for lexical, datatype in found]
        return originals if named else originals[:1]  # see the module's note on blank nodes


def load(native: ox.Store, graph_name) -> Restorer:
    values = native.quads_for_pattern(
        ox.NamedNode(str(graph_name)), ox.NamedNode(str(PREDICATE)), None, ox.DefaultGraph()
    )
    return Restorer(q.object.value for q in values)
