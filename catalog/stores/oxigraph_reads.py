"""Reads from pyoxigraph made in one call, for threads that share the interpreter.

pyoxigraph lets go of the interpreter lock for every row of a SELECT it yields (and for every triple
`ox.parse` yields). Alone that costs nothing; with another thread busy (harvests side by side, the site
serving while the scheduler harvests) each row waits for the lock to come back, up to the interpreter's
switch interval: a 5,700-row SELECT took 9.6 s instead of 0.012 s beside one busy thread. Answers
serialised by Oxigraph in one call and read here do not wait (bench/results/pipeline.md, "one call").
"""

from __future__ import annotations

import orjson
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def select_values(store: ox.Store, sparql: str, **dataset) -> list[tuple[str | None, ...]]:
    """A SELECT's rows as the plain text of each value (None where unbound), in projection order: what
    `term.value` gives for each solution, read from one SPARQL JSON answer. `dataset`: the graphs the query
    reads, as `Store.query` takes them."""
    answer = _json(store.query(sparql, **dataset))
    names = answer["head"]["vars"]
    return [
        tuple(None if (v := row.get(name)) is None else v["value"] for name in names)
        for row in answer["results"]["bindings"]
    ]


def query_result(answer) -> Result:
    """An rdflib result of a pyoxigraph answer, as oxrdflib makes it, with a SELECT's rows and a
    CONSTRUCT's triples each read in one call; the terms are those oxrdflib's `from_ox` makes (a simple
    literal typed xsd:string, an unbound variable None)."""
    if isinstance(answer, ox.QueryBoolean):
        out = Result("ASK")
        out.askAnswer = bool(answer)
        return out
    if isinstance(answer, ox.QueryTriples):
        out = Result("CONSTRUCT")
        out.graph = Graph()
        out.graph.parse(data=answer.serialize(format=ox.RdfFormat.N_TRIPLES), format="nt")
        return out
    return _select_result(answer)


def _json(solutions: ox.QuerySolutions) -> dict:
    """The SELECT's SPARQL JSON answer, serialised by Oxigraph in one call."""
    return orjson.loads(solutions.serialize(format=ox.QueryResultsFormat.JSON))


def _select_result(solutions: ox.QuerySolutions) -> Result:
    answer = _json(solutions)
    out = Result("SELECT")
    out.vars = [Variable(name) for name in answer["head"]["vars"]]
    out.bindings = [
        {var: _term(row.get(str(var))) for var in out.vars} for row in answer["results"]["bindings"]
    ]
    return out


def _term(value: dict | None):
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind == "literal":
        if "xml:lang" in value:
            return Literal(value["value"], lang=value["xml:lang"])
        return Literal(value["value"], datatype=URIRef(value.get("datatype", _XSD_STRING)))
    raise ValueError(f"unexpected term in a SPARQL answer: {value!r}")
