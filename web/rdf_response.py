"""Serialise an rdflib graph as an HTTP response in the negotiated format."""

from __future__ import annotations

from flask import Response
from hdcat.ontology import jsonld_context
from hdcat.web.conneg import RdfFormat
from rdflib import Graph


def rdf_response(graph: Graph, fmt: RdfFormat, status: int = 200) -> Response:
    if fmt.rdflib == "json-ld":
        body = graph.serialize(format="json-ld", context=jsonld_context()["@context"], auto_compact=True)
    else:
        body = graph.serialize(format=fmt.rdflib)
    response = Response(body, status=status, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    response.charset = "utf-8"
    return response
