"""DCAT / DCAT-AP / HealthDCAT-AP catalogues from a file or URL, in any RDF syntax, paged by Hydra."""

from __future__ import annotations

from hdcat.harvesters.base import Harvester, RunContext
from hdcat.harvesters.fetch import Fetched
from hdcat.harvesters.rdf_parse import parse_rdf
from hdcat.ontology import HYDRA
from marshmallow import Schema, fields, validate
from rdflib import Graph, URIRef

ACCEPT = (
    "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, "
    "application/n-triples;q=0.7, */*;q=0.1"
)


class DcatOptions(Schema):
    max_pages = fields.Integer(load_default=10_000, validate=validate.Range(min=1, max=1_000_000))


class DcatHarvester(Harvester):
    kind = "dcat"
    title = "DCAT / DCAT-AP / HealthDCAT-AP catalogue (Turtle, JSON-LD, RDF/XML, N-Triples; Hydra paging)"
    options_schema = DcatOptions

    def validate_config(self) -> None:
        super().validate_config()
        self.max_jobs = self.options["max_pages"]

    def fetch(self, job: str, ctx: RunContext) -> Fetched:
        return self.fetcher.get(job, accept=ACCEPT, policy=self.policy)

    def parse(self, fetched: Fetched, ctx: RunContext, into: Graph) -> list[str]:
        parse_rdf(fetched.content, fetched.location, fetched.media_type, into=into)
        more = set()
        for predicate in (HYDRA.next, HYDRA.nextPage):
            for nxt in into.objects(None, predicate):
                if isinstance(nxt, URIRef):
                    more.add(str(nxt))
        return sorted(more)
