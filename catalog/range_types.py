"""The types DCAT-AP 3's range shapes check, stated on export, so validators without inference accept it.

Why: DCAT-AP 3's range shapes (sh:class) ask that the value of dct:publisher be a foaf:Agent, of
dct:license a dct:LicenseDocument, of dcat:theme a skos:Concept, and so on. A source that types its
publisher foaf:Organization, or names a licence by its EU authority IRI alone, says nothing wrong: those
types follow from the properties' rdfs:range in DCTERMS, DCAT and FOAF. A SHACL validator run without
RDFS inference (the usual way, and pyshacl's default) does not see them, so hdcat states them in what it
publishes. Nothing else about the value changes.

A type is stated only where the value then also has what its class's own shape requires (a skos:Concept
a skos:prefLabel, a foaf:Agent a foaf:name, a vcard:Kind an e-mail or URL for HealthDCAT-AP): labels of
hdcat's own code lists are copied in from the reference graph; otherwise the value stays untyped, so
stating a type never swaps a source's range violation for a new one. tests/test_shapes_validity.py holds
both.
"""

from __future__ import annotations

from hdcat.ontology import ADMS, DCAT, DCATAP, DCT, PROV, SKOS, VCARD
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS

ELI = "http://data.europa.eu/eli/ontology#"

#: property -> the class its value must have, as DCAT-AP 3.0.0's range shapes say
#: (tests/data/shapes/dcat-ap-3/dcat-ap-SHACL.ttl, sh:class); only single-class ranges are listed.
RANGES: dict[URIRef, URIRef] = {
    DCT.accessRights: DCT.RightsStatement,
    DCT.accrualPeriodicity: DCT.Frequency,
    DCT.conformsTo: DCT.Standard,
    DCT.creator: FOAF.Agent,
    DCT.format: DCT.MediaTypeOrExtent,
    DCT.isReferencedBy: RDFS.Resource,
    DCT.language: DCT.LinguisticSystem,
    DCT.license: DCT.LicenseDocument,
    DCT.provenance: DCT.ProvenanceStatement,
    DCT.publisher: FOAF.Agent,
    DCT.relation: RDFS.Resource,
    DCT.rights: DCT.RightsStatement,
    DCT.spatial: DCT.Location,
    DCT.temporal: DCT.PeriodOfTime,
    DCT.type: SKOS.Concept,
    DCAT.accessURL: RDFS.Resource,
    DCAT.compressFormat: DCT.MediaType,
    DCAT.contactPoint: VCARD.Kind,
    DCAT.downloadURL: RDFS.Resource,
    DCAT.endpointDescription: RDFS.Resource,
    DCAT.endpointURL: RDFS.Resource,
    DCAT.landingPage: FOAF.Document,
    DCAT.mediaType: DCT.MediaType,
    DCAT.packageFormat: DCT.MediaType,
    DCAT.theme: SKOS.Concept,
    FOAF.homepage: FOAF.Document,
    FOAF.page: FOAF.Document,
    FOAF.primaryTopic: DCAT.Resource,
    ADMS.status: SKOS.Concept,
    DCATAP.applicableLegislation: URIRef(ELI + "LegalResource"),
    PROV.wasGeneratedBy: PROV.Activity,
}

#: class -> properties of which the value needs at least one before it may carry the class (the class's own
#: mandatory properties: DCAT-AP 3 for skos:Concept and foaf:Agent, HealthDCAT-AP for vcard:Kind)
REQUIRES: dict[URIRef, tuple[URIRef, ...]] = {
    SKOS.Concept: (SKOS.prefLabel,),
    FOAF.Agent: (FOAF.name,),
    VCARD.Kind: (VCARD.hasEmail, VCARD.hasURL),
}


def state_range_types(graph: Graph, labels: Graph | None = None) -> Graph:
    """Add to `graph` (in place, and return it) the range type of each value of a RANGES property.

    `labels` (hdcat's reference graph) lends skos:prefLabel to concepts of hdcat's code lists that the
    graph names without a label."""
    wanted: dict = {}
    for prop, cls in RANGES.items():
        for value in graph.objects(None, prop):
            if not isinstance(value, Literal):
                wanted.setdefault(value, set()).add(cls)
    for value, classes in wanted.items():
        for cls in classes:
            if (value, RDF.type, cls) in graph:
                continue
            needs = REQUIRES.get(cls)
            lacking = needs and not any((value, p, None) in graph for p in needs)
            if lacking and not (cls == SKOS.Concept and _lend_labels(graph, value, labels)):
                continue
            graph.add((value, RDF.type, cls))
    return graph


def _lend_labels(graph: Graph, concept, labels: Graph | None) -> bool:
    if labels is None or (concept, RDF.type, SKOS.Concept) not in labels:
        return False
    found = False
    for label in labels.objects(concept, SKOS.prefLabel):
        graph.add((concept, SKOS.prefLabel, label))
        found = True
    return found
