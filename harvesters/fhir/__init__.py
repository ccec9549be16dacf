"""FHIR R4 servers: the CapabilityStatement, counts per resource type, Group cohorts, ResearchStudy records.

Metadata and aggregates only. The harvester reads `Bundle.total` and never a
patient's data; it copies no Group member references, no names and no
identifiers of people. The names it meets (HumanNames, references' display,
also of Patients a server includes unasked) are kept for the run only, so that
free text mentioning one is left out (names.py). Counts below the suppression threshold are not stored:
`hdcat:suppressed` names the property left out and the run says so.

Jobs: `[base]/metadata` first; it adds `[base]/{Type}?_summary=count` per type and
`[base]/Group`, `[base]/ResearchStudy` (paged by `link[relation=next]`). The
server's own dataset gets its counts in `import_`, once every count was read.

One module per stage, so each can be read (and tested) alone: connect.py asks the
server, collect.py reads its answers into the run's facts (state.py), map.py turns
facts into DCAT. This class only wires them to the harvester contract.
"""

from __future__ import annotations

from hdcat.catalog import HarvestRun
from hdcat.harvesters.base import Harvester
from hdcat.harvesters.fetch import Fetched
from hdcat.harvesters.fhir import collect, connect
from hdcat.harvesters.fhir.collect import read_json, server_types
from hdcat.harvesters.fhir.connect import ACCEPT, COHORT_TYPES, FhirOptions
from hdcat.harvesters.fhir.map import FhirMap, server_profiles
from hdcat.harvesters.fhir.names import names_in
from hdcat.harvesters.fhir.state import FhirRun
from hdcat.harvesters.fhir.values import characteristic_text, concept_text, fhir_date, fhir_spec, outcome_text
from rdflib import Graph

__all__ = [
    "ACCEPT",
    "COHORT_TYPES",
    "FhirHarvester",
    "FhirMap",
    "FhirOptions",
    "FhirRun",
    "characteristic_text",
    "concept_text",
    "fhir_date",
    "fhir_spec",
    "outcome_text",
    "read_json",
    "server_profiles",
    "server_types",
]


class FhirHarvester(Harvester):
    kind = "fhir"
    title = "FHIR R4 server (CapabilityStatement, counts per resource type, Group and ResearchStudy)"
    options_schema = FhirOptions

    def validate_config(self) -> None:
        super().validate_config()
        self.max_jobs = self.options["max_pages"]
        self.threshold = max(self.threshold, self.options.get("suppression_threshold") or 0)
        self.server_base = connect.server_base(self.source)
        self.iri_base = (self.options.get("canonical_base") or self.server_base).rstrip("/")

    def new_context(self, run: HarvestRun) -> FhirRun:
        return FhirRun(run=run)

    def harvest(self, run: HarvestRun, on_page=None, previous_pages=None) -> Graph | None:
        if not hasattr(self, "server_base"):
            self.validate_config()
        return super().harvest(run, on_page, previous_pages)

    def mapper(self, ctx: FhirRun) -> FhirMap:
        """The mapper for this server as far as the run has read it (the CapabilityStatement, once known)."""
        return FhirMap(
            server_base=self.server_base,
            iri_base=self.iri_base,
            threshold=self.threshold,
            capability=ctx.capability,
            known_names=frozenset(ctx.names),
            fallback_titles=ctx.fallback_titles,
        )

    # ---- the stages ------------------------------------------------------------------------
    def gather(self, ctx: FhirRun) -> list[str]:
        return [ctx.add_job(connect.metadata_url(self.server_base), "metadata")]

    def fetch(self, job: str, ctx: FhirRun) -> Fetched:
        return connect.fetch(self.fetcher, self.policy, job, ctx, self.server_base)

    def parse(self, fetched: Fetched, ctx: FhirRun, into: Graph) -> list[str]:
        what, rtype = connect.job_kind(ctx.job or fetched.location, self.server_base, ctx.jobs)
        if what == "metadata":
            jobs = collect.read_capability(fetched, ctx, self.server_base, self.options)
            self.mapper(ctx).server(into)
            return jobs
        if what == "count":
            collect.read_count(fetched, ctx, rtype, self.server_base)
            return []
        doc = collect.read_bundle(fetched, rtype, self.server_base)
        ctx.names |= names_in(doc)  # the cohorts' and any included Patient's: read only to be left out
        mapper = self.mapper(ctx)
        for resource, iri in collect.cohort_resources(doc, fetched, ctx, rtype, self.iri_base):
            mapper.cohort(resource, iri, ctx.run, into)
        return collect.next_pages(doc, fetched, ctx, rtype)

    def import_(self, raw: Graph, ctx: FhirRun) -> Graph:
        self.mapper(ctx).scrub(raw, ctx.run, ctx.seen)
        if ctx.capability is not None:
            self.mapper(ctx).counts(raw, ctx.run, ctx.types, ctx.counts)
        return self.import_records(raw, ctx.run)
