"""Content negotiation for linked data: Accept header or ?format=, one table of formats."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from hdcat.catalog import Invalid, NotAcceptable


@dataclass(frozen=True)
class RdfFormat:
    name: str  # ?format= value
    media_type: str
    rdflib: str | None  # rdflib serializer name; None for HTML


FORMATS = [
    RdfFormat("html", "text/html", None),
    RdfFormat("ttl", "text/turtle", "turtle"),
    RdfFormat("jsonld", "application/ld+json", "json-ld"),
    RdfFormat("rdf", "application/rdf+xml", "xml"),
    RdfFormat("nt", "application/n-triples", "nt"),
]
_BY_NAME = {f.name: f for f in FORMATS} | {"turtle": FORMATS[1], "json-ld": FORMATS[2], "xml": FORMATS[3]}


def negotiate(default: str = "html") -> RdfFormat:
    """The format to answer in: ?format= wins, then the Accept header; 406 when nothing fits."""
    asked = request.args.get("format")
    if asked is not None:
        if asked not in _BY_NAME:
            raise Invalid(
                f"parameter 'format': unknown format {asked!r}; use one of "
                + ", ".join(f.name for f in FORMATS),
                field="format",
            )
        return _BY_NAME[asked]
    accept = request.accept_mimetypes
    if not accept or accept.provided is False or str(accept) in ("", "*/*"):
        return _BY_NAME[default]
    best = accept.best_match([f.media_type for f in FORMATS] + ["application/json"])
    if best is None:
        raise NotAcceptable(
            "none of the requested media types is available; offered: "
            + ", ".join(f.media_type for f in FORMATS)
        )
    if best == "application/json":
        return _BY_NAME["jsonld"]
    return next(f for f in FORMATS if f.media_type == best)
