"""Bytes → rdflib Graph, whatever RDF syntax a source chose, with errors people can act on.

The syntax comes from the media type, else the file extension, else a sniff of
the first bytes. Remote JSON-LD contexts that the standards publish resolve
to hdcat's own copies, because hospital networks often cannot reach them.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from contextlib import contextmanager
from urllib.parse import urlsplit

from hdcat.harvesters.errors import ParseError
from hdcat.ontology import UnknownContext, plain, resolve_contexts
from rdflib import Graph

_BY_MEDIA = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/n-triples": "nt",
    "text/plain": None,
    "application/n-quads": "nquads",
    "application/trig": "trig",
}
_BY_EXT = {
    ".ttl": "turtle",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".xml": "xml",
    ".owl": "xml",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".n3": "n3",
}
#: Oxigraph's Rust parsers (through oxrdflib) read Turtle and RDF/XML about twice as fast as rdflib's.
_FAST = {"turtle": "ox-turtle", "xml": "ox-xml", "trig": "ox-trig"}
FORMAT_NAMES = {
    "turtle": "Turtle",
    "json-ld": "JSON-LD",
    "xml": "RDF/XML",
    "nt": "N-Triples",
    "nquads": "N-Quads",
    "trig": "TriG",
    "n3": "N3",
}


def guess_format(location: str, media_type: str | None, content: bytes) -> str:
    if media_type and _BY_MEDIA.get(media_type):
        return _BY_MEDIA[media_type]
    path = urlsplit(location).path.lower()
    for ext, fmt in _BY_EXT.items():
        if path.endswith(ext):
            return fmt
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise ParseError(
            f"{location}: got an HTML page where an RDF catalogue was expected; "
            "check the URL points at the catalogue's Turtle, JSON-LD or RDF/XML"
        )
    if head.startswith((b"{", b"[")):
        return "json-ld"
    if head.startswith(b"<?xml") or head.startswith(b"<rdf:rdf"):
        return "xml"
    return "turtle"


# rdflib logs a traceback for every literal that is not valid for its datatype; the
# harvester reports those values itself (dcat_import.drop_malformed), so the log is noise.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

_DECLARES_ENTITIES = re.compile(rb"<!ENTITY", re.IGNORECASE)


def parse_rdf(
    content: bytes, location: str, media_type: str | None = None, into: Graph | None = None
) -> Graph:
    """Parse one document (into `into` if given); ParseError says which document, which syntax and where it
    broke.

    A document that fails to parse adds nothing to `into`. Literals keep their lexical forms
    (hdcat.ontology.lexical); simple literals come out datatype-less.
    """
    fmt = guess_format(location, media_type, content)
    graph = Graph()
    try:
        if fmt == "json-ld":
            try:
                doc = json.loads(content)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ParseError(
                    f"{location}: not valid JSON ({exc}); a truncated download looks like this"
                ) from None
            try:
                doc = resolve_contexts(doc)
            except UnknownContext as exc:
                raise ParseError(f"{location}: {exc}") from None
            with _quiet_literals():
                graph.parse(data=json.dumps(doc), format="json-ld", publicID=location)
        else:
            if fmt == "xml" and _DECLARES_ENTITIES.search(content[:1_000_000]):
                raise ParseError(
                    f"{location}: RDF/XML that declares entities (<!ENTITY …>) is refused: entity "
                    "expansion can blow a small file up to gigabytes; serve it without a DTD"
                )
            with _quiet_literals():
                graph.parse(data=content, format=_FAST.get(fmt, fmt), publicID=location)
    except ParseError:
        raise
    except Exception as exc:  # rdflib raises many kinds; all mean "this is not valid <fmt>"
        message = " ".join(str(exc).split())[:300] or type(exc).__name__
        message = message.replace(" of <>:", ":")
        raise ParseError(f"{location}: not valid {FORMAT_NAMES.get(fmt, fmt)}: {message}") from None
    # "x"^^xsd:string (what oxrdflib's parsers give for "x") is the simple literal "x" (RDF 1.1)
    if into is None:
        into = Graph()
    for prefix, namespace in graph.namespaces():
        into.bind(prefix, namespace, override=False)
    into.addN((s, p, plain(o), into) for s, p, o in graph)
    return into


@contextmanager
def _quiet_literals():
    """rdflib warns (UserWarning) on some values that are not valid for their datatype ("yes" as a
    boolean); the import stage drops those values and reports them itself (dcat_import.drop_malformed)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="rdflib.term")
        yield
