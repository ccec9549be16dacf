"""DCAT / DCAT-AP / HealthDCAT-AP catalogues from a file or URL, in any RDF syntax, paged by Hydra."""

from __future__ import annotations

from hdcat.catalog import HarvestRun, collector_paused
from hdcat.harvesters.base import Harvester, PageQueue, RunContext, _digest
from hdcat.harvesters.dcat_records import RawSource, RecordImport, State, next_pages, parse_page
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

    #: set by the runner: where the per-source record state lives, the store's last good run of the source,
    #: and whether the store can take a partial commit
    state_dir = None
    last_run = ""
    partial_ok = False

    def harvest(self, run: HarvestRun, on_page=None, previous_pages=None):
        """Pages the engine's parser reads (Turtle, N-Triples, RDF/XML) are cut into records in Oxigraph's
        terms and imported record by record when the last harvest allows it (harvesters/dcat_records.py);
        a page it does not read sends the whole source the rdflib way, as before."""
        ctx = self.new_context(run)
        if previous_pages and self.unchanged(previous_pages, ctx):
            if self.state_dir is not None:  # the record state now belongs to this run
                run.after_commit = lambda iri: State.retag(
                    self.state_dir, self.source.name, self.last_run, iri
                )
            return None
        pages: list = []
        # the parsed source is millions of objects and no garbage: the collector's passes over it as it grew
        # were a sixth of a re-harvest (catalog.memory.collector_paused)
        with collector_paused():
            raw = self._read_pages(run, ctx, pages, on_page)
        if raw is None:  # the rdflib way for the whole source, from the pages read so far
            return self._rdflib_way(run, dict(pages), on_page)
        records = RecordImport(self, run, raw, self.state_dir, self.last_run)
        # the import lets go of the parsed pages: nothing else may hold them
        pages = raw = None
        return records.run_import()

    def _read_pages(self, run: HarvestRun, ctx: RunContext, pages: list, on_page) -> RawSource | None:
        """Every page in Oxigraph's terms, cut into records; None at the first page the engine's parser does
        not read (`pages` then holds those fetched so far)."""
        triples, terms = [], {}
        walk = PageQueue(self, ctx, run)
        for job, fetched in walk:
            pages.append((job, fetched))
            parsed = parse_page(fetched.content, fetched.location, fetched.media_type, terms)
            if parsed is None:
                return None
            triples += parsed
            walk.add(next_pages(parsed))
            run.pages.append((job, _digest(fetched.content)))
            if on_page:
                on_page(job)
        run.content_hash = _digest("".join(d for _, d in run.pages).encode())
        return RawSource(triples)

    def _rdflib_way(self, run: HarvestRun, fetched: dict, on_page):
        run.pages = []
        original = self.new_context

        def with_pages(run):
            ctx = original(run)
            ctx.prefetched.update(fetched)
            return ctx

        self.new_context = with_pages
        try:
            return super().harvest(run, on_page=on_page, previous_pages=None)
        finally:
            del self.new_context

    def parse(self, fetched: Fetched, ctx: RunContext, into: Graph) -> list[str]:
        parse_rdf(fetched.content, fetched.location, fetched.media_type, into=into)
        more = set()
        for predicate in (HYDRA.next, HYDRA.nextPage):
            for nxt in into.objects(None, predicate):
                if isinstance(nxt, URIRef):
                    more.add(str(nxt))
        return sorted(more)
