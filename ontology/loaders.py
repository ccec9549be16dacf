"""Load the ontology's data files: parsed once per process, then shared read-only."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources

import pyoxigraph as ox
from hdcat.ontology.lexical import Converted, from_oxigraph
from hdcat.ontology.namespaces import DCT, HDCAT, HOSPITAL, bind_prefixes
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, SKOS

_DATA = resources.files("hdcat.ontology")


def _parse(*names: str) -> Graph:
    """The files as one rdflib Graph, read by Oxigraph's parser with the prefixes they declare bound: rdflib's
    own took about twice as long (conditions.ttl 8.2 against 5.2 ms, file-types.ttl 77 against 39 ms), and a
    command that harvests reads four of these files."""
    graph = bind_prefixes(Graph())
    term = Converted(from_oxigraph).__getitem__
    for name in names:
        quads = ox.parse(
            _DATA.joinpath(name).read_bytes(), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True
        )
        graph.addN((term(q.subject), term(q.predicate), term(q.object), graph) for q in quads)
        for prefix, namespace in quads.prefixes.items():  # as rdflib's parser binds them
            graph.bind(prefix, namespace)
    return graph


def starter_definitions() -> list:
    """The consortium's starter dataset definitions (JSON files shipped as package data)."""
    folder = _DATA.joinpath("definitions")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


@cache
def codelists_graph() -> Graph:
    """SKOS code lists: disease areas, data types, coding systems, access rights."""
    return _parse("codelists.ttl")


@cache
def conditions_graph() -> Graph:
    """Common conditions with ICD-10 / KCD codes and Korean and English names (search synonyms)."""
    return _parse("conditions.ttl")


@cache
def hospitals_graph() -> Graph:
    """The eight member hospitals as organisations."""
    return _parse("hospitals.ttl")


@cache
def shapes_graph() -> Graph:
    """SHACL shapes a harvested dataset is checked against."""
    return _parse("shapes.ttl")


#: the files of the reference graph: terms, code lists, conditions, hospitals
VOCABULARY_FILES = ("hdcat.ttl", "codelists.ttl", "conditions.ttl", "hospitals.ttl")


@cache
def vocabulary_graph() -> Graph:
    """Everything the catalogue loads as its reference graph: terms, code lists, hospitals."""
    return _parse(*VOCABULARY_FILES)


@cache
def vocabulary_digest() -> str:
    """A digest of the reference graph's files: a process tells that the store's copy is current from it
    without parsing them (rdflib's Turtle parser took a tenth of a second at every start)."""
    digest = hashlib.sha256()
    for name in VOCABULARY_FILES:
        digest.update(_DATA.joinpath(name).read_bytes() + b"\0")
    return digest.hexdigest()[:32]


@cache
def jsonld_context() -> dict:
    """The JSON-LD context hdcat publishes and uses to compact its JSON-LD."""
    return json.loads(_DATA.joinpath("context.jsonld").read_text("utf-8"))


def label_of(graph: Graph, node, lang: str = "en") -> str | None:
    """A node's label in `lang`, else in any language: prefLabel, then foaf:name, then dct:title."""
    for predicate in (SKOS.prefLabel, FOAF.name, DCT.title):
        values = list(graph.objects(node, predicate))
        for value in values:
            if isinstance(value, Literal) and value.language == lang:
                return str(value)
        if values:
            return str(values[0])
    return None


@cache
def hospitals() -> tuple[dict, ...]:
    """The member hospitals as plain records, in the order of hospitals.ttl's lead first."""
    graph = hospitals_graph()
    rows = []
    for iri in graph.subjects(predicate=HDCAT.lead):
        rows.append(
            {
                "id": str(graph.value(iri, DCT.identifier)),
                "iri": str(iri),
                "name_en": label_of(graph, iri, "en"),
                "name_ko": label_of(graph, iri, "ko"),
                "type": str(graph.value(graph.value(iri, HDCAT.hospitalType), SKOS.notation)),
                "city": label_of_literal(graph, iri, HDCAT.city, "en"),
                "city_ko": label_of_literal(graph, iri, HDCAT.city, "ko"),  # for pages in Korean
                "lead": bool(graph.value(iri, HDCAT.lead).toPython()),
            }
        )
    rows.sort(key=lambda r: (not r["lead"], r["type"] != "tertiary", r["type"] != "general", r["id"]))
    return tuple(rows)


def label_of_literal(graph: Graph, node, predicate, lang: str) -> str | None:
    values = list(graph.objects(node, predicate))
    for value in values:
        if getattr(value, "language", None) == lang:
            return str(value)
    return str(values[0]) if values else None


def hospital_iri(hospital_id: str) -> URIRef:
    return HOSPITAL[hospital_id]


#: Remote JSON-LD contexts hdcat resolves from its own copies (ontology/contexts/).
KNOWN_CONTEXTS = {
    "https://semiceu.github.io/uri.semic.eu-generated/DCAT-AP/releases/3.0.0/html/examples/context.jsonld": (  # noqa: E501 (URL)
        "contexts/dcat-ap-3-examples.jsonld"
    ),
    "https://semiceu.github.io/DCAT-AP/releases/3.0.1/html/examples/context.jsonld": (
        "contexts/dcat-ap-3-examples.jsonld"
    ),
    "https://w3id.org/hdcat/context.jsonld": "context.jsonld",
}


def known_context(url: str) -> dict | None:
    """The local copy of a published JSON-LD context, or None when hdcat has none."""
    name = KNOWN_CONTEXTS.get(url)
    if name is None:
        return None
    return json.loads(_DATA.joinpath(name).read_text("utf-8"))


class UnknownContext(ValueError):
    """A JSON-LD document names a context hdcat does not bundle; remote contexts are never fetched."""

    def __init__(self, url: str):
        self.url = url
        super().__init__(
            f"JSON-LD context {url} is not one of hdcat's bundled contexts; remote contexts are "
            "never fetched (a server that does not answer would hold the request, and a fetch is a "
            "request to wherever the document points). Inline the context in the document."
        )


_MAX_CONTEXT_DEPTH = 64


def resolve_contexts(doc):
    """Replace every context reference (`@context`, `@import`, scoped contexts, at any depth) with the bundled
    copy, so the JSON-LD processor never goes to the network. Raises UnknownContext for any other URL."""

    def resolve(ctx, depth):
        if depth > _MAX_CONTEXT_DEPTH:
            raise UnknownContext("(contexts nested too deep)")
        if isinstance(ctx, str):
            local = known_context(ctx)
            if local is None:
                raise UnknownContext(ctx)
            return walk(local.get("@context", local), depth + 1)
        if isinstance(ctx, list):
            return [resolve(c, depth + 1) for c in ctx]
        return walk(ctx, depth + 1)

    def walk(node, depth=0):
        if depth > _MAX_CONTEXT_DEPTH:
            raise UnknownContext("(contexts nested too deep)")
        if isinstance(node, dict):
            for key, value in list(node.items()):
                if key in ("@context", "@import") and value is not None:
                    node[key] = resolve(value, depth + 1)
                    if key == "@import":  # an imported context's terms, merged as the processor would
                        imported = node.pop("@import")
                        node.update({k: v for k, v in imported.items() if k not in node})
                else:
                    walk(value, depth + 1)
        elif isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        return node

    return walk(doc)
