"""Run harvests: each source on its own, so one failing source never stops the others."""
from __future__ import annotations

from typing import Callable, Iterable

from catalog.config import SourceConfig
from catalog.errors import HdcatError
from catalog.runs import HarvestRun, Outcome
from catalog.service import Catalog
from harvesters.fetch import Fetcher
from harvesters.registry import harvesters


def harvest_source(catalog: Catalog, source: SourceConfig, fetcher: Fetcher | None = None,
                   on_page: Callable[[str], None] | None = None) -> HarvestRun:
    """Harvest one source and commit it; the returned run says how it ended and why."""
    run = HarvestRun(source=source.name, hospital=source.hospital, kind=source.kind, location=source.location)
    graph = None
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        harvester = harvesters.get(source.kind)(source, catalog.base, fetcher)
        harvester.validate_config()
        graph = harvester.harvest(run, on_page=on_page)
    except HdcatError as exc:
        run.finish(Outcome.FAILED, exc.message)
    except Exception as exc:  # a bug in one harvester must not lose the other sources
        run.finish(Outcome.FAILED, f"unexpected {type(exc).__name__}: {exc}")
    finally:
        if own_fetcher:
            fetcher.close()
    return catalog.commit_harvest(run, graph)


def harvest_all(catalog: Catalog, sources: Iterable[SourceConfig],
                on_start: Callable[[SourceConfig], None] | None = None,
                on_done: Callable[[HarvestRun], None] | None = None,
                on_page: Callable[[str], None] | None = None) -> list[HarvestRun]:
    fetcher = Fetcher()
    runs = []
    try:
        for source in sources:
            if on_start:
                on_start(source)
            run = harvest_source(catalog, source, fetcher, on_page)
            runs.append(run)
            if on_done:
                on_done(run)
    finally:
        fetcher.close()
    return runs
