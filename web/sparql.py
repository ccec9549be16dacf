"""/sparql: the SPARQL 1.1 protocol, read-only, answered by the store's own engine.

Updates are refused whatever form they come in; answers are capped at MAX_ROWS rows.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, request

from catalog.errors import Invalid
from web.context import catalog

bp = Blueprint("sparql", __name__)
MAX_QUERY = 20_000
MAX_ROWS = 10_000
_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b\s", re.I)
_FORM = re.compile(r"^\s*(?:(?:PREFIX|BASE)[^\n]*\n\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)


def _query_text() -> str:
    if request.method == "POST":
        if request.mimetype == "application/sparql-update" or "update" in request.form:
            raise Invalid("updates are not allowed: /sparql is read-only", field="update")
        if request.mimetype == "application/sparql-query":
            return request.get_data(as_text=True)
        return request.form.get("query", "")
    if "update" in request.args:
        raise Invalid("updates are not allowed: /sparql is read-only", field="update")
    return request.args.get("query", "")


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    query = _query_text()
    if not query:
        raise Invalid("parameter 'query': a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query", field="query")
    if len(query) > MAX_QUERY:
        raise Invalid(f"parameter 'query': at most {MAX_QUERY} characters", field="query")
    stripped = re.sub(r"#[^\n]*", "", query)
    form = _FORM.match(stripped)
    if not form or _UPDATE.search(re.sub(r'"[^"]*"|<[^>]*>', "", stripped)):
        raise Invalid("only SELECT, ASK, CONSTRUCT and DESCRIBE queries are allowed: /sparql is read-only",
                      field="query")
    try:
        result = catalog().store.query(query)
    except Exception as exc:  # the engine's syntax and evaluation errors are the client's to fix
        raise Invalid(f"parameter 'query': {' '.join(str(exc).split())[:300]}", field="query") from None
    kind = form.group(1).upper()
    if kind in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph
        if len(graph) > MAX_ROWS * 10:
            raise Invalid(f"the answer has more than {MAX_ROWS * 10} triples; narrow the query", field="query")
        best = request.accept_mimetypes.best_match(["text/turtle", "application/ld+json", "application/n-triples"])
        fmt = {"application/ld+json": "json-ld", "application/n-triples": "nt"}.get(best, "turtle")
        return Response(graph.serialize(format=fmt), mimetype=best or "text/turtle")
    if kind == "SELECT":
        rows = list(result)
        if len(rows) > MAX_ROWS:
            raise Invalid(f"the answer has more than {MAX_ROWS} rows; add a LIMIT", field="query")
        names = [str(v) for v in result.vars]
        bindings = [{n: _term(row[i]) for i, n in enumerate(names) if row[i] is not None} for row in rows]
        return {"head": {"vars": names}, "results": {"bindings": bindings}}, 200, {
            "Content-Type": "application/sparql-results+json"}
    return {"head": {}, "boolean": bool(result.askAnswer)}, 200, {"Content-Type": "application/sparql-results+json"}


def _term(term) -> dict:
    from rdflib import BNode, Literal, URIRef
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
    return out
