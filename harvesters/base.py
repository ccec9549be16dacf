"""The harvester interface: gather → fetch → parse → import.

A harvester is a small class per kind of source. The runner (runner.py) drives
the stages; a stage raises only to abort the whole source, and reports
per-record problems on the run instead.

A harvester instance holds configuration only (the source, its checked options,
the fetch policy). What one harvest learns while it runs lives in a `RunContext`
that `harvest()` creates and hands to every stage, so the same instance can be
harvested again — or by two workers at once — without one run seeing the other's
leftovers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from hdcat.catalog import ConfigError, HarvestRun, SourceConfig
from hdcat.harvesters.fetch import Fetched, Fetcher
from hdcat.harvesters.policy import FetchPolicy
from hdcat.ontology import scratch_graph
from marshmallow import Schema, ValidationError
from rdflib import Graph


class NoOptions(Schema):
    """Harvesters without options accept none."""


@dataclass
class RunContext:
    """The working state of one harvest, made fresh by `Harvester.harvest` and passed to every stage.

    Harvesters that remember things between stages (jobs queued, counts read) subclass it with their own
    fields and return it from `Harvester.new_context`; nothing of a run is kept on the harvester itself.
    """

    run: HarvestRun
    #: the job whose answer `parse` is reading (the answer's own location may differ after a redirect)
    job: str = ""
    #: pages downloaded by the unchanged-check, used by the harvest instead of downloading them again
    prefetched: dict[str, Fetched] = field(default_factory=dict)


class Harvester:
    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    options_schema: ClassVar[type[Schema]] = NoOptions
    max_jobs: ClassVar[int] = 10_000

    def __init__(self, source: SourceConfig, base_iri: str, fetcher: Fetcher | None = None):
        self.source = source
        self.base_iri = base_iri
        self.fetcher = fetcher or Fetcher()
        self.options: dict = {}
        self.threshold = 10  # the consortium's suppression threshold; the runner sets it
        self.max_literal_chars = 100_000  # the consortium's literal size limit; the runner sets it
        #: where this source's harvest may read (harvesters/policy.py): every fetch passes it
        self.policy = FetchPolicy.for_source(
            source.location, source.allowed_origins, trusted=source.trusted_location
        )

    def validate_config(self) -> None:
        """Check the source's options against the harvester's schema; ConfigError names the field."""
        try:
            self.options = self.options_schema().load(self.source.options or {})
        except ValidationError as exc:
            field, messages = next(iter(exc.messages.items()))
            raise ConfigError(
                f"source {self.source.name}: option {field}: "
                f"{messages[0] if isinstance(messages, list) else messages}",
                field=field,
            ) from None

    def new_context(self, run: HarvestRun) -> RunContext:
        """A fresh context for one harvest; harvesters with per-run state return their own subclass."""
        return RunContext(run=run)

    # ---- the stages ----------------------------------------------------------
    def gather(self, ctx: RunContext) -> Iterable[str]:
        """The first things to fetch (locations)."""
        return [self.source.location]

    def fetch(self, job: str, ctx: RunContext) -> Fetched:
        return self.fetcher.get(job, policy=self.policy)

    def import_records(self, raw: Graph, run: HarvestRun) -> Graph:
        """The shared import stage with the consortium's rules (small-cell threshold, literal size limit):
        every harvester's `import_` ends here, so none can forget a rule."""
        from hdcat.harvesters.dcat_import import import_dcat

        return import_dcat(
            raw,
            hospital=self.source.hospital,
            base_iri=self.base_iri,
            run=run,
            threshold=self.threshold,
            max_literal=self.max_literal_chars,
            complete=self.complete,
        )

    def complete(self, graph: Graph) -> None:
        """What this harvester adds to its imported records once they have IRIs and local ids, before the
        record shapes are checked (e.g. an access URL that names the dataset's page); nothing by default."""

    def parse(self, fetched: Fetched, ctx: RunContext, into: Graph) -> list[str]:
        """Add the raw RDF of one fetched document to `into`; return further jobs (next pages)."""
        raise NotImplementedError

    def import_(self, raw: Graph, ctx: RunContext) -> Graph:
        """Map the raw graph to what hdcat stores for this source; skip bad records on `ctx.run`."""
        return self.import_records(raw, ctx.run)

    # ---- driving them ---------------------------------------------------------
    def unchanged(self, previous: list[tuple[str, str]], ctx: RunContext) -> bool:
        """True when every page of the last good harvest reads the same as before, in the same order.

        Following the previous run's own chain of pages needs no parsing, so an unchanged source
        costs only its downloads. A difference anywhere means a full harvest.
        """
        run = ctx.run
        first = list(self.gather(ctx))
        if not previous or not first or first[0] != previous[0][0]:
            return False
        for location, digest in previous:
            fetched = self.fetch(location, ctx)
            ctx.prefetched[location] = fetched
            if _digest(fetched.content) != digest:
                return False
        run.pages = list(previous)
        run.content_hash = _digest("".join(d for _, d in previous).encode())
        return True

    def harvest(self, run: HarvestRun, on_page=None, previous_pages=None) -> Graph | None:
        """All stages in order; returns the source's new graph (an rdflib Graph, or what the commit reads:
        a catalog.GraphCopy, a catalog.PartialHarvest), or None when nothing changed.

        Every call starts from a new context, so a second harvest of this instance starts from nothing.
        """
        ctx = self.new_context(run)
        if previous_pages and self.unchanged(previous_pages, ctx):
            return None
        raw = scratch_graph()
        hashes = []
        pages = PageQueue(self, ctx, run)
        for job, fetched in pages:
            hashes.append(_digest(fetched.content))
            run.pages.append((job, hashes[-1]))
            ctx.job = job
            pages.add(self.parse(fetched, ctx, raw))
            if on_page:
                on_page(job)
        run.content_hash = _digest("".join(hashes).encode())
        return self.import_(raw, ctx)


class PageQueue:
    """The pages of one harvest, in order: what `gather` gives, then what each page links to (`add`); each
    page once, fetched unless a check before the harvest already did, and at most `max_jobs` of them (a
    source that pages forever stops with a warning on the run)."""

    def __init__(self, harvester: Harvester, ctx: RunContext, run: HarvestRun):
        self.harvester, self.ctx, self.run = harvester, ctx, run
        self.queue = deque(harvester.gather(ctx))
        self.seen: set[str] = set()

    def __iter__(self):
        limit = self.harvester.max_jobs
        while self.queue:
            job = self.queue.popleft()
            if job in self.seen:
                continue
            if len(self.seen) >= limit:
                self.run.warn(f"stopped after {limit} pages; the rest of the source was not read")
                return
            self.seen.add(job)
            yield job, self.ctx.prefetched.pop(job, None) or self.harvester.fetch(job, self.ctx)

    def add(self, more) -> None:
        self.queue.extend(m for m in more if m not in self.seen)


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:32]
