"""The read model: plain records of datasets, distributions, columns and publishers.

Built from the graph on demand, shaped once here for the API, the pages and the
search index (schemas.py holds their marshmallow schemas). Counts below the
suppression threshold never leave this module as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hdcat.catalog.iris import last_segment
from hdcat.ontology import (
    CSVW,
    DATA_TYPE,
    DCAT,
    DCT,
    DISEASE_AREA,
    HDCAT,
    HEALTH,
    PROV,
    VCARD,
    codelists_graph,
    hospitals,
    hospitals_graph,
    label_of,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, RDF, SKOS

DISEASE_AREA_NS = str(DISEASE_AREA)
DATA_TYPE_NS = str(DATA_TYPE)


@dataclass(frozen=True)
class Suppressed:
    """A count below the threshold: shown as '<threshold', never as the number."""

    threshold: int

    def __str__(self) -> str:
        return f"<{self.threshold}"


def suppress(value: int | None, threshold: int):
    if value is None:
        return None
    return Suppressed(threshold) if 0 < value < threshold else value


def texts(graph: Graph, node, predicate) -> dict[str, str]:
    """Language → text for a literal property; untagged text is filed under ''."""
    out: dict[str, str] = {}
    for value in graph.objects(node, predicate):
        if isinstance(value, Literal):
            out.setdefault(value.language or "", str(value))
    return out


def pick(langs: dict[str, str], prefer=("en", "ko", "")) -> str | None:
    for lang in prefer:
        if lang in langs:
            return langs[lang]
    return next(iter(langs.values()), None)


def _literal(graph, node, predicate):
    value = graph.value(node, predicate)
    if value is None:
        return None
    if isinstance(value, Literal):
        try:
            py = value.toPython()
        except Exception:
            return str(value)
        return (
            py.isoformat()
            if hasattr(py, "isoformat")
            else (py if isinstance(py, (int, float, bool)) else str(value))
        )
    return str(value)


def _int(graph, node, predicate) -> int | None:
    value = graph.value(node, predicate)
    if isinstance(value, Literal):
        try:
            return int(str(value))
        except ValueError:
            return None
    return None


class Labeller:
    """Labels for concept IRIs: our code lists first, then the data, then the IRI itself."""

    def __init__(self):
        self.vocab = codelists_graph() + hospitals_graph()
        self._known: dict = {}  # (iri, lang) → what the code lists say: every record names the same few

    def concept(self, iri, data: Graph | None = None, lang="en") -> dict:
        known = self._known.get((iri, lang))
        if known is None:
            if len(self._known) > 50_000:  # IRIs the code lists do not know can be many: stay bounded
                self._known.clear()
            notation = self.vocab.value(iri, SKOS.notation)
            known = self._known[(iri, lang)] = (
                label_of(self.vocab, iri, lang),
                label_of(self.vocab, iri, "ko"),
                str(notation) if notation is not None else None,
            )
        label, label_ko, notation = known
        if label is None and data is not None:
            label = label_of(data, iri, lang)
        return {
            "iri": str(iri),
            "label": label or last_segment(str(iri)),
            "label_ko": label_ko,
            "notation": notation,
        }


_labeller: Labeller | None = None


def labeller() -> Labeller:
    global _labeller
    if _labeller is None:
        _labeller = Labeller()
    return _labeller


def hospital_record(iri) -> dict | None:
    for h in hospitals():
        if h["iri"] == str(iri):
            return h
    return None


def _columns(graph: Graph, schema) -> list[dict]:
    nodes = []
    for value in graph.objects(schema, CSVW.column):
        if (value, RDF.first, None) in graph or value == RDF.nil:
            nodes.extend(Collection(graph, value))
        else:
            nodes.append(value)
    cols = []
    lab = labeller()
    for node in nodes:
        titles = texts(graph, node, CSVW.titles)
        coding = graph.value(node, HEALTH.hasCodingSystem)
        datatype = graph.value(node, CSVW.datatype)
        cols.append(
            {
                "name": str(graph.value(node, CSVW.name) or pick(titles) or ""),
                "title": pick(titles),
                "title_ko": titles.get("ko"),
                "datatype": last_segment(str(datatype))
                if isinstance(datatype, URIRef)
                else (str(datatype) if datatype else None),
                "description": pick(
                    texts(graph, node, DCT.description) or texts(graph, node, CSVW.describes)
                ),
                "coding_system": lab.concept(coding, graph) if coding is not None else None,
                "unit": _literal(graph, node, HDCAT.unit),
            }
        )
    return cols


def _iris_or_texts(graph: Graph, node, predicate) -> list[str]:
    return sorted(str(o) for o in graph.objects(node, predicate) if not isinstance(o, BNode))


def _service(graph: Graph, node) -> dict:
    """A dcat:DataService: where and how the data is reached (endpoint, its description, the standards the
    service conforms to) and what it serves."""
    titles = texts(graph, node, DCT.title)
    return {
        "iri": str(node) if isinstance(node, URIRef) else None,
        "title": pick(titles),
        "titles": titles,
        "description": pick(texts(graph, node, DCT.description)),
        "endpoint_urls": _iris_or_texts(graph, node, DCAT.endpointURL),
        "endpoint_descriptions": _iris_or_texts(graph, node, DCAT.endpointDescription),
        "conforms_to": _iris_or_texts(graph, node, DCT.conformsTo),
        "serves_datasets": _iris_or_texts(graph, node, DCAT.servesDataset),
    }


def services_of(graph: Graph, iri) -> list[dict]:
    """The data services of a dataset: its distributions' dcat:accessService targets and the services that
    name it with dcat:servesDataset, each once."""
    nodes = [s for d in graph.objects(iri, DCAT.distribution) for s in graph.objects(d, DCAT.accessService)]
    nodes += list(graph.subjects(DCAT.servesDataset, iri))
    unique = list(dict.fromkeys(nodes))
    return [_service(graph, n) for n in unique]


def _distribution(graph: Graph, node) -> dict:
    titles = texts(graph, node, DCT.title)
    columns = []
    for schema in graph.objects(node, CSVW.tableSchema):
        columns.extend(_columns(graph, schema))
    fmt = graph.value(node, DCT.format)
    return {
        "iri": str(node) if isinstance(node, URIRef) else None,
        "title": pick(titles),
        "access_url": _literal(graph, node, DCAT.accessURL),
        "download_url": _literal(graph, node, DCAT.downloadURL),
        "format": last_segment(str(fmt)) if isinstance(fmt, URIRef) else (str(fmt) if fmt else None),
        "media_type": _literal(graph, node, DCAT.mediaType),
        "license": _literal(graph, node, DCT.license),
        "columns": columns,
        "access_services": [_service(graph, x) for x in graph.objects(node, DCAT.accessService)],
    }


def _agent(graph: Graph, node) -> dict | None:
    if node is None:
        return None
    names = (
        texts(graph, node, FOAF.name)
        or texts(graph, node, VCARD.fn)
        or texts(graph, node, VCARD["organization-name"])
    )
    email = graph.value(node, VCARD.hasEmail) or graph.value(node, FOAF.mbox)
    return {
        "iri": str(node) if isinstance(node, URIRef) else None,
        "name": pick(names) or (last_segment(str(node)) if isinstance(node, URIRef) else None),
        "name_ko": names.get("ko"),
        "email": str(email).removeprefix("mailto:") if email is not None else None,
    }


def _count(graph: Graph, iri, prop, threshold: int):
    """A published count, or Suppressed when it was below the threshold at harvest or is now."""
    if (iri, HDCAT.suppressed, prop) in graph:
        return Suppressed(threshold)
    return suppress(_int(graph, iri, prop), threshold)


def dataset_record(graph: Graph, iri: URIRef, threshold: int) -> dict:
    """Everything a page or API answer shows about one dataset, from its described graph."""
    lab = labeller()
    titles = texts(graph, iri, DCT.title)
    descriptions = texts(graph, iri, DCT.description)
    # sorted, as every list of a record is: the store's triple order differs between stores and reads
    themes = [lab.concept(t, graph) for t in sorted(graph.objects(iri, DCAT.theme), key=str)]
    disease = [t for t in themes if t["iri"].startswith(DISEASE_AREA_NS)]
    types = [lab.concept(t, graph) for t in graph.objects(iri, DCT.type) if isinstance(t, URIRef)]
    access = graph.value(iri, DCT.accessRights)
    temporal = graph.value(iri, DCT.temporal)
    distributions = [_distribution(graph, d) for d in graph.objects(iri, DCAT.distribution)]
    columns = [c for d in distributions for c in d["columns"]]
    for schema in graph.objects(iri, CSVW.tableSchema):
        columns.extend(_columns(graph, schema))
    keywords = sorted({str(k) for k in graph.objects(iri, DCAT.keyword)})
    code_values = []
    for cv in graph.objects(iri, HEALTH.hasCodeValues):
        notation = graph.value(cv, SKOS.notation)
        scheme = graph.value(cv, SKOS.inScheme)
        code_values.append(
            {
                "notation": str(notation) if notation is not None else last_segment(str(cv)),
                "label": label_of(graph, cv, "en"),
                "label_ko": label_of(graph, cv, "ko"),
                "scheme": lab.concept(scheme, graph)["label"] if scheme is not None else None,
            }
        )
    hospital = hospital_record(graph.value(iri, HDCAT.hospital))
    return {
        "id": str(graph.value(iri, HDCAT.localId) or ""),
        "iri": str(iri),
        "identifier": _literal(graph, iri, DCT.identifier),
        "title": pick(titles) or "(untitled)",
        "titles": titles,
        "description": pick(descriptions),
        "descriptions": descriptions,
        "keywords": keywords,
        "hospital": hospital,
        "publisher": _agent(graph, graph.value(iri, DCT.publisher)),
        "contact_point": _agent(graph, graph.value(iri, DCAT.contactPoint)),
        "themes": themes,
        "disease_areas": disease,
        "data_types": [t for t in types if t["iri"].startswith(DATA_TYPE_NS)] or types,
        "access_rights": lab.concept(access, graph) if access is not None else None,
        "coding_systems": [lab.concept(c, graph) for c in graph.objects(iri, HEALTH.hasCodingSystem)],
        "code_values": sorted(code_values, key=lambda c: c["notation"]),
        "issued": _literal(graph, iri, DCT.issued),
        "modified": _literal(graph, iri, DCT.modified),
        "temporal_start": _literal(graph, temporal, DCAT.startDate) if temporal is not None else None,
        "temporal_end": _literal(graph, temporal, DCAT.endDate) if temporal is not None else None,
        "number_of_individuals": _count(graph, iri, HEALTH.numberOfUniqueIndividuals, threshold),
        "number_of_records": _count(graph, iri, HEALTH.numberOfRecords, threshold),
        "redacted": (iri, HDCAT.redacted, None) in graph,
        "min_typical_age": _int(graph, iri, HEALTH.minTypicalAge),
        "max_typical_age": _int(graph, iri, HEALTH.maxTypicalAge),
        "population_coverage": pick(texts(graph, iri, HEALTH.populationCoverage)),
        "languages": sorted(last_segment(str(x)) for x in graph.objects(iri, DCT.language)),
        "distributions": distributions,
        "services": services_of(graph, iri),
        "columns": columns,
        "derived_from": sorted(str(x) for x in graph.objects(iri, PROV.wasDerivedFrom)),
        "conforms_to": sorted(str(x) for x in graph.objects(iri, DCT.conformsTo) if isinstance(x, URIRef)),
        "properties": property_rows(graph, iri),
    }


@lru_cache(maxsize=4096)
def _qname(namespaces, predicate) -> str:
    """rdflib's normalizeUri, once per predicate: every record of a page asks it of the same predicates,
    and it splits the IRI each time."""
    return namespaces.normalizeUri(predicate)


def property_rows(graph: Graph, iri) -> list[dict]:
    """Every property of the dataset as (predicate, value) rows: the page's 'all properties' table."""
    rows = []
    namespaces = graph.namespace_manager
    for p, o in graph.predicate_objects(iri):
        qname = _qname(namespaces, p)
        if isinstance(o, BNode):
            inner = "; ".join(
                sorted(
                    f"{_qname(namespaces, p2)} {o2}"
                    for p2, o2 in graph.predicate_objects(o)
                    if not isinstance(o2, BNode)
                )
            )
            value, kind = inner or "(structured value)", "node"
        else:
            value, kind = str(o), "iri" if isinstance(o, URIRef) else "literal"
        rows.append(
            {
                "predicate": str(p),
                "qname": qname,
                "value": value,
                "kind": kind,
                "lang": getattr(o, "language", None),
            }
        )
    # by what a reader sees (a blank node's label differs between reads, its summary does not)
    return sorted(rows, key=lambda r: (r["predicate"], r["value"], r["kind"], r["lang"] or ""))
