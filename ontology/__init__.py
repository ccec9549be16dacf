"""Vocabularies, code lists, shapes and JSON-LD contexts: the data hdcat speaks.

Every IRI the code uses lives here, so a vocabulary that moves (HealthDCAT-AP's
namespace is still provisional) is changed in one place.
"""

from hdcat.ontology import writers  # noqa: F401 - replaces rdflib's Turtle and JSON-LD writers
from hdcat.ontology.lexical import CHECKS, literal_problem, plain, shacl_validate  # noqa: F401
from hdcat.ontology.loaders import (  # noqa: F401
    UnknownContext,
    codelists_graph,
    conditions_graph,
    hospital_iri,
    hospitals,
    hospitals_graph,
    jsonld_context,
    known_context,
    label_of,
    resolve_contexts,
    shapes_graph,
    starter_definitions,
    vocabulary_digest,
    vocabulary_graph,
)
from hdcat.ontology.namespaces import (  # noqa: F401
    ADMS,
    CODING_SYSTEM,
    CSVW,
    DATA_TYPE,
    DCAT,
    DCATAP,
    DCT,
    DISEASE_AREA,
    DPV,
    DQV,
    EU_ACCESS,
    EU_THEME,
    FHIR_SPEC,
    FOAF,
    HDCAT,
    HDCODE,
    HEALTH,
    HOSPITAL,
    HYDRA,
    IANA_MEDIA_TYPES,
    LOCN,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    VCARD,
    XSD,
    bind_prefixes,
    scratch_graph,
    sparql_prefixes,
)
