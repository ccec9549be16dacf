"""The working state of one FHIR harvest.

The server's own dataset can only be described once every count was read, so a run has to carry
what the pages said until `import_`; it lives here, made new for each harvest, never on the harvester.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdcat.harvesters.base import RunContext
from rdflib import URIRef


@dataclass
class FhirRun(RunContext):
    #: url → (what it is: metadata, count or search; its resource type), as the page that named it said
    jobs: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: count url → why it could not be read (a failed count is a warning, not a failed harvest)
    failed: dict[str, str] = field(default_factory=dict)
    #: resource type → Bundle.total, as the server answered
    counts: dict[str, int] = field(default_factory=dict)
    #: the resource types counted: the `resources` option, else all the server lists
    types: list[str] = field(default_factory=list)
    #: Group and ResearchStudy IRIs already mapped (a server may repeat a resource on two pages)
    seen: set[URIRef] = field(default_factory=set)
    #: the server's CapabilityStatement, once read
    capability: dict | None = None
    #: people's names met on any page (fhir/names.py): never written, and free text naming one is left out
    names: set[str] = field(default_factory=set)
    #: cohort IRI → its title made from its id, used when its own title names someone
    fallback_titles: dict[URIRef, str] = field(default_factory=dict)

    def add_job(self, url: str, what: str, rtype: str = "") -> str:
        """Remember what `url` is for when its answer comes back; returns the url, to be queued."""
        self.jobs[url] = (what, rtype)
        return url
