"""Vocabularies, code lists, shapes and JSON-LD contexts: the data hdcat speaks.

Every IRI the code uses lives here, so a vocabulary that moves (HealthDCAT-AP's
namespace is still provisional) is changed in one place.
"""
from hdcat.ontology.namespaces import (  # noqa: F401
    ADMS, CSVW, DCAT, DCATAP, DCT, DPV, DQV, FOAF, HDCAT, HDCODE, HEALTH, HYDRA,
    LOCN, OWL, PROV, RDF, RDFS, SH, SKOS, VCARD, XSD, EU_ACCESS, EU_THEME,
    IANA_MEDIA_TYPES, FHIR_SPEC, PREFIXES, bind_prefixes, sparql_prefixes, DISEASE_AREA, DATA_TYPE, CODING_SYSTEM, HOSPITAL,
)
from hdcat.ontology.loaders import (  # noqa: F401
    codelists_graph, conditions_graph, hospitals, hospitals_graph, jsonld_context, shapes_graph,
    vocabulary_graph, label_of, known_context, hospital_iri, starter_definitions, resolve_contexts,
    UnknownContext,
)
