"""/sparql: the SPARQL 1.1 protocol, read-only, answered by the store's own engine.

Updates are refused whatever form they come in. Each query runs under a time limit and a row cap
(catalog.sparql); anonymous callers see only the public graphs.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request
from hdcat.catalog import TIME_LIMIT, Invalid, evaluate, run_limited
from hdcat.web.auth import audit_restricted_query, is_member
from hdcat.web.context import catalog

bp = Blueprint("sparql", __name__)
MAX_QUERY = 20_000
_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b\s", re.I)
#: one token at a time, left to right, so a quote inside an IRI or a '#' inside a string is read for what it
#: is
_TOKENS = re.compile(
    r'(?P<string>"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>\s"{}|^`\\]*>)|(?P<comment>#[^\n]*)'
)
_FORM = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I
)


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
    stripped = _TOKENS.sub(lambda m: "" if m.group("comment") else m.group(0), query)  # comments out
    with_iris = _TOKENS.sub(lambda m: '""' if m.group("string") else m.group(0), stripped)  # strings emptied
    code = _TOKENS.sub(lambda m: "<>" if m.group("iri") else m.group(0), with_iris)  # and IRIs
    form = _FORM.match(stripped)
    if not form or _UPDATE.search(code):
        raise Invalid(
            "only SELECT, ASK, CONSTRUCT and DESCRIBE queries are allowed: /sparql is read-only",
            field="query",
        )
    if re.search(r"\bSERVICE\b", code, re.I):
        raise Invalid("SERVICE is not allowed: /sparql answers from this catalogue only", field="query")
    kind = form.group(1).upper()
    best = request.accept_mimetypes.best_match(
        ["text/turtle", "application/ld+json", "application/n-triples"]
    )
    rdf_format = {"application/ld+json": "json-ld", "application/n-triples": "nt"}.get(best, "turtle")
    cat = catalog()
    graphs = None if is_member() else [str(g) for g in cat.public_graphs()]
    allowed = set(graphs) if graphs is not None else {str(g) for g in cat.store.graph_names()}
    for iri in re.findall(r"\bFROM\s+(?:NAMED\s+)?<([^>]*)>", with_iris, re.I):
        if iri not in allowed:  # never fetched from the web; an unknown or restricted graph is refused
            raise Invalid(f"FROM <{iri}>: not a graph of this catalogue you may read", field="query")
    audit_restricted_query(query)
    limit = current_app.config.get("SPARQL_TIME_LIMIT", TIME_LIMIT)
    media, body = run_limited(lambda: evaluate(cat.store, query, kind, graphs, rdf_format), limit)
    return Response(body, mimetype=media)
