"""The lexical forms Oxigraph rewrites, kept beside the graph and given back on every read.

Oxigraph stores numbers, booleans and dates in a native encoding and gives back canonical forms:
`"1.50"^^xsd:decimal` comes back `"1.5"`, `"2024-01-02T03:04:05.500-00:00"` as `"…05.5Z"`, and every
integer type (`xsd:nonNegativeInteger`, `xsd:int`…) as `xsd:integer` (oxigraph/oxigraph#526, no option
to turn it off). hdcat publishes literals as its sources wrote them, so when a graph is written, the
literals Oxigraph would rewrite are found (by storing them in a scratch in-memory Oxigraph and reading
them back) and their originals recorded in the store's default graph, one JSON value per subject and graph:
`<subject> <urn:hdcat:lexical-forms:GRAPH> "[[subject, predicate, stored value, stored datatype, value,
datatype], …]"`. Reads through the store (its rdflib view, `graph_triples`, dumps) put the originals back,
reading a subject's record when they first meet one of its literals (`StoredRestorer`). SPARQL still
runs on Oxigraph's values, so comparisons and sorting work as Oxigraph defines them.

Keyed by subject, a re-harvest that rewrites 1 % of a source reads and writes the records of that 1 %.
Stores written before kept one JSON value of every subject per write, `<graph> hdcat:lexicalForms "…"`
(5.9 MB for the 5,000 datasets of one source, read and written whole by every re-harvest): still read,
and moved to the subject layout by the first partial write of their graph (`patch`).

A blank-node subject gets a new label when stored, so its originals are keyed by predicate and stored
value alone ("_" for the subject, all of a graph's under one key, BLANK_KEY): two blank nodes with the
same property, the same stored value and different originals (`"1.0"` and `"1.00"`) may get each other's.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

import pyoxigraph as ox
from hdcat.catalog.errors import StoreError
from hdcat.ontology import HDCAT
from hdcat.ontology.lexical import from_oxigraph as to_rdflib
from rdflib import BNode, Literal, URIRef

#: the layout of stores written before: `<graph> hdcat:lexicalForms "rows of every subject"`, a value a write
PREDICATE = HDCAT.lexicalForms
_LEGACY = ox.NamedNode(str(PREDICATE))
#: the key of a graph's blank-node rows (their subjects' labels change when stored)
BLANK_KEY = "urn:hdcat:lexical-forms:blank-nodes"
_DEFAULT = ox.DefaultGraph()


def predicate(graph_name) -> ox.NamedNode:
    """The predicate that keys a subject's record in `graph_name` (one subject, two graphs: two records)."""
    return ox.NamedNode(f"urn:hdcat:lexical-forms:{graph_name}")


_SCRATCH_P = ox.NamedNode("urn:hdcat:scratch")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING_NODE = ox.NamedNode(_XSD + "string")


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


def records(triples: Iterable) -> dict:
    """Subject key (its IRI, or BLANK_KEY) → the JSON value that lets reads restore that subject's rewritten
    literals among `triples`; empty when none is rewritten."""
    return {key: json.dumps(rows, ensure_ascii=False) for key, rows in _grouped(_rows(triples)).items()}


def _grouped(rows: Iterable) -> defaultdict:
    """Rows by their subject key: the subject's IRI, or BLANK_KEY for every blank node."""
    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[BLANK_KEY if row[0] == "_" else row[0]].append(row)
    return grouped


def _rows(triples: Iterable) -> list:
    triples = list(triples)
    changed = stored_forms(o for _, _, o in triples)
    return sorted(
        [
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
    )


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


def native_records(triples: list) -> dict:
    """`records` for triples of Oxigraph terms (or rdflib's, or both), the same JSON values: only the
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
    return records(as_rdflib(typed)) if typed else {}


def quads(graph_name, values: dict) -> list:
    """The quads that record `values` (from `records`) for `graph_name`, for native writes (Store.extend)."""
    p = predicate(graph_name)
    return [ox.Quad(ox.NamedNode(key), p, ox.Literal(value), _DEFAULT) for key, value in values.items()]


def insert(graph_name, values: dict) -> str | None:
    """A SPARQL Update part that records `values` (from `records`) for `graph_name`; None when empty."""
    if not values:
        return None
    return (
        "INSERT DATA {\n" + " .\n".join(str(ox.Triple(*q.triple)) for q in quads(graph_name, values)) + " }"
    )


def forget(graph_name) -> str:
    """A SPARQL Update part that drops everything recorded for `graph_name`, in either layout."""
    by_subject = f"DELETE WHERE {{ ?subject <{predicate(graph_name).value}> ?forms }}"
    return f"{_forget_legacy(graph_name)} ;\n{by_subject}"


def _forget_legacy(graph_name) -> str:
    """A SPARQL Update part that drops the record of `graph_name` in the earlier layout."""
    return f"DELETE WHERE {{ <{graph_name}> <{PREDICATE}> ?forms }}"


def forget_keys(graph_name, keys) -> str | None:
    """A SPARQL Update part that drops the records of these subject keys in `graph_name`."""
    if not keys:
        return None
    p = f"<{predicate(graph_name).value}>"
    named = " ".join(f"<{key}>" for key in sorted(keys))
    return f"DELETE {{ ?s {p} ?forms }} WHERE {{ VALUES ?s {{ {named} }} ?s {p} ?forms }}"


@dataclass
class Patch:
    """What a partial write of a graph changes in its records: the keys whose records go, the records that
    come, and whether the graph's record in the earlier layout goes (its rows then come back by subject)."""

    forget: set = field(default_factory=set)
    insert: dict = field(default_factory=dict)
    legacy: bool = False

    def parts(self, graph_name) -> list[str]:
        found = [forget_keys(graph_name, self.forget), insert(graph_name, self.insert)]
        if self.legacy:
            found.insert(0, _forget_legacy(graph_name))
        return [part for part in found if part]


def patch(native: ox.Store, graph_name, subjects: set, triples: Iterable) -> Patch:
    """The records' change when `subjects` (their IRIs as text) of `graph_name` are described anew by
    `triples`: only theirs are read and written, and the blank-node key's rows are merged; a record in the
    earlier layout is moved to the subject layout here, once."""
    legacy = [q.object.value for q in native.quads_for_pattern(_node(graph_name), _LEGACY, None, _DEFAULT)]
    kept = (row for value in legacy for row in json.loads(value) if row[0] not in subjects)
    grouped = _grouped(chain(_rows(triples), kept))
    forget = set(subjects)
    if BLANK_KEY in grouped:  # one key for every blank node: the rows stored under it stay, once each
        forget.add(BLANK_KEY)
        grouped[BLANK_KEY] += [
            row for value in _values(native, graph_name, BLANK_KEY) for row in json.loads(value)
        ]
    values = {
        key: json.dumps(sorted(set(map(tuple, rows))), ensure_ascii=False) for key, rows in grouped.items()
    }
    return Patch(forget=forget, insert=values, legacy=bool(legacy))


def _node(graph_name) -> ox.NamedNode:
    return ox.NamedNode(str(graph_name))


def _values(native: ox.Store, graph_name, key: str) -> list[str]:
    return [
        q.object.value
        for q in native.quads_for_pattern(ox.NamedNode(key), predicate(graph_name), None, _DEFAULT)
    ]


def holds(native: ox.Store, graph_name) -> bool:
    """Is anything recorded for `graph_name`, in either layout?"""
    for subject, p in ((_node(graph_name), _LEGACY), (None, predicate(graph_name))):
        if next(iter(native.quads_for_pattern(subject, p, None, _DEFAULT)), None) is not None:
            return True
    return False


#: datatypes whose canonical form in Oxigraph rdflib reads unchanged (a date with a time zone, a dateTime, a
#: float or a double it reads in a form of its own)
_AS_STORED = frozenset(_XSD + t for t in ("integer", "decimal", "boolean", "string", "duration"))


class Restorer:
    """The recorded originals of one graph: `restore(s, p, o)` is the literal the source wrote."""

    def __init__(self, values: Iterable[str] = ()):
        # plain text, not rdflib terms: a graph's record is read again after every write, and only the few
        # literals a read meets need their originals made
        self._originals: dict = defaultdict(list)
        self._add(values)

    def _add(self, values: Iterable[str]) -> None:
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


class StoredRestorer(Restorer):
    """The originals of one graph in an Oxigraph store, each subject's record read when a read first meets
    one of its typed literals (`whole`: every record at once, for a pass over the whole graph). A record
    in the earlier layout is read whole at once, as it is stored."""

    def __init__(self, native: ox.Store, graph_name, whole: bool = False):
        super().__init__(
            q.object.value for q in native.quads_for_pattern(_node(graph_name), _LEGACY, None, _DEFAULT)
        )
        self._native, self._graph, self._predicate = native, graph_name, predicate(graph_name)
        self._read: set = set()
        self._lock = threading.Lock()
        self._whole = False
        self._any = bool(self._originals) or holds(native, graph_name)
        if self._any:
            self._add(_values(native, graph_name, BLANK_KEY))
        if whole:
            self.read_whole()

    def read_whole(self) -> None:
        """Read every subject's record now (one scan), for a pass that will meet most of them."""
        with self._lock:
            if self._whole or not self._any:
                self._whole = True
                return
            found = self._native.quads_for_pattern(None, self._predicate, None, _DEFAULT)
            self._add(
                q.object.value
                for q in found
                if q.subject.value not in self._read and q.subject.value != BLANK_KEY
            )
            self._whole = True

    def __bool__(self) -> bool:
        return self._any

    def restore(self, s, p, o) -> list:
        if not self._any or not isinstance(o, Literal) or o.datatype is None:
            return [o]
        if not self._whole and isinstance(s, URIRef):
            key = str(s)
            if key not in self._read:
                with self._lock:
                    if key not in self._read and not self._whole:
                        self._add(_values(self._native, self._graph, key))
                        self._read.add(key)
        return super().restore(s, p, o)


def load(native: ox.Store, graph_name, whole: bool = False) -> StoredRestorer:
    return StoredRestorer(native, graph_name, whole)
