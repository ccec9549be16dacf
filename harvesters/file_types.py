"""A free-text file format ("CSV", "csv", ".xlsx", "text/csv", "GeoJSON") as the IRIs DCAT-AP asks for.

DCAT-AP wants `dct:format` from the EU file-type authority list and `dcat:mediaType` from IANA's
register; portals (CKAN above all) write whatever their users typed. The list is shipped in
ontology/file-types.ttl (the official table, a subset of its triples; its header names the source), so a
format maps the same way on every machine and offline. Only unambiguous matches become IRIs: a word the
table does not know, or one that two of its entries claim, stays the text it was — guessing a format
would publish a wrong one.
"""

from __future__ import annotations

import mimetypes
import re
from functools import cache
from importlib import resources

from hdcat.ontology import IANA_MEDIA_TYPES
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DC, RDF, SKOS

FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
_AT = Namespace("http://publications.europa.eu/ontology/authority/")
#: type/subtype as RFC 6838 writes it (parameters such as `; charset=utf-8` are cut off before)
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\Z")


@cache
def _table() -> tuple[dict[str, URIRef], dict[str, set[URIRef]], set[str]]:
    """(code, label or extension → IRI, when only one entry has it; media type → IRIs; media types named)."""
    graph = Graph()
    text = resources.files("hdcat.ontology").joinpath("file-types.ttl").read_text("utf-8")
    graph.parse(data=text, format="turtle")
    names: dict[str, set[URIRef]] = {}
    media: dict[str, set[URIRef]] = {}
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        iri = URIRef(concept)
        keys = {str(graph.value(concept, DC.identifier))}
        keys |= {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(concept, p)}
        for mapped in graph.objects(concept, _AT["op-mapped-code"]):
            source, code = str(graph.value(mapped, DC.source)), str(graph.value(mapped, _AT["legacy-code"]))
            if source == "file-extension":
                keys.add(code.lstrip("."))
            elif source == "mime-type-cellar":
                media.setdefault(code.split(";")[0].strip().lower(), set()).add(iri)
        for key in keys:
            names.setdefault(_key(key), set()).add(iri)
    codes = {str(graph.value(c, DC.identifier)): URIRef(c) for c in graph.subjects(RDF.type, SKOS.Concept)}
    unique = {k: next(iter(v)) for k, v in names.items() if len(v) == 1}
    # the table's own code always wins ("XML" is the XML entry, even if another entry lists .xml)
    unique.update({_key(code): iri for code, iri in codes.items()})
    return unique, media, set(media)


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lstrip(".")).upper()


def media_type(value) -> URIRef | None:
    """IANA's IRI for a media type it registers (as Python's table and the EU list know them), else None."""
    text = value.split(";")[0].strip().lower() if isinstance(value, str) else ""
    if not _MEDIA_TYPE.match(text):
        return None
    return IANA_MEDIA_TYPES[text] if text in _table()[2] or text in _python_media_types() else None


@cache
def _python_media_types() -> set[str]:
    """The media types Python itself knows — its built-in table only, not the machine's /etc/mime.types,
    so every machine maps alike."""
    table = mimetypes.MimeTypes()
    return {t for strict in (True, False) for t in table.types_map[strict].values()}


def file_type(value) -> URIRef | None:
    """The EU file-type IRI a format names: its code, label or extension, or a media type only one entry
    maps; None when the list has no such format or it is ambiguous."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith(str(FILE_TYPE)):
        code = text.removeprefix(str(FILE_TYPE))
        return URIRef(text) if FILE_TYPE[code] in set(_table()[0].values()) else None
    names, media, _ = _table()
    known = set(names.values())
    if "/" in text:
        found = media.get(text.split(";")[0].strip().lower(), set())
        if len(found) == 1:
            return next(iter(found))
        # a media type the table does not map (application/json) or maps to several entries: the entry
        # whose code, label or extension is the subtype, if there is exactly one
        subtype = _key(text.split(";")[0].split("/")[-1])
        iri = FILE_TYPE[subtype.replace(" ", "_")]
        iri = iri if iri in known else names.get(subtype)
        return iri if iri is not None and (not found or iri in found) else None
    return names.get(_key(text))
