"""Run harvests: each source on its own, so one failing source never stops the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from hdcat.catalog import (
    Catalog,
    HarvestRun,
    HdcatError,
    Interrupted,
    Outcome,
    PartialHarvest,
    PartialMismatch,
    SourceConfig,
    for_commit,
    give_back_memory,
    my_turn,
    objects_held_still,
)
from hdcat.harvesters.fetch import Fetcher, mask_secrets
from hdcat.harvesters.registry import harvesters

log = logging.getLogger("hdcat.harvest")


def new_run(source: SourceConfig) -> HarvestRun:
    """The run record of one harvest of `source`, before it starts (its id is known while it is queued)."""
    return HarvestRun(
        source=source.name, hospital=source.hospital, kind=source.kind, location=mask_secrets(source.location)
    )


def harvest_source(
    catalog: Catalog,
    source: SourceConfig,
    fetcher: Fetcher | None = None,
    on_page: Callable[[str], None] | None = None,
    incremental: bool = True,
    run: HarvestRun | None = None,
    before_commit: Callable[[], None] | None = None,
) -> HarvestRun:
    """Harvest one source and commit it; the returned run says how it ended and why.

    With `incremental`, a source whose pages read exactly as at its last good harvest is recorded
    as unchanged without parsing or rewriting anything. `on_page` and `before_commit` may raise
    `Interrupted` to stop the harvest: the run is recorded as interrupted and the source keeps its
    last good graph.
    """
    run = run or new_run(source)
    graph = None
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        harvester = harvesters.get(source.kind)(source, catalog.base, fetcher)
        harvester.threshold = catalog.settings.suppression_threshold
        harvester.max_literal_chars = catalog.settings.max_literal_chars
        harvester.validate_config()
        previous = catalog.graphs.last_good_pages(source.name) if incremental else None
        last = catalog.runs.last_good(source.name) if incremental else None
        harvester.state_dir = Path(catalog.settings.data_dir)
        harvester.last_run = last["iri"] if last and previous else ""
        harvester.partial_ok = incremental and getattr(catalog.store, "patches_in_place", False)
        graph = harvester.harvest(run, on_page=on_page, previous_pages=previous)
        if before_commit:
            before_commit()
        if graph is None:
            return _after_commit(catalog, catalog.graphs.commit_unchanged(run))
    except Interrupted as exc:
        run.finish(Outcome.INTERRUPTED, exc.message)
    except HdcatError as exc:
        run.finish(Outcome.FAILED, exc.message)
    except Exception as exc:  # a bug in one harvester must not lose the other sources
        run.finish(Outcome.FAILED, f"unexpected {type(exc).__name__}: {exc}")
    finally:
        if own_fetcher:
            fetcher.close()
    harvester = None  # it may hold the parsed pages
    # the commit reads the harvest as dicts: made here, where the rdflib graph can go before the store write,
    # with the import's garbage (rdflib's graphs sit in reference cycles): at a large first harvest's peak
    # the parsed pages, the imported graph and its copy were all held beside the write
    graph = for_commit(graph)
    whole = not isinstance(graph, PartialHarvest)  # a partial import's few graphs need no full collection
    give_back_memory(collect=whole)
    try:
        # what is held now (the harvest, the process's modules) is not walked by the collector's passes
        # during the commit: two full passes over it were a fifteenth of a 1 %-changed re-harvest
        with objects_held_still():
            run = _commit(catalog, run, graph)
    except PartialMismatch as exc:  # the store moved under the last harvest's record: import it whole
        log.warning("%s; importing %s whole", exc.message, source.name)
        graph = None
        fresh = replace(new_run(source), id=run.id, started=run.started)
        again = None if own_fetcher else fetcher  # one of our own was closed above
        return harvest_source(catalog, source, again, on_page, False, fresh, before_commit)
    # the source's parsed and imported triples go back to the system now, not at the next full collection
    # (rdflib's graphs sit in reference cycles): what follows (the index, the analyser's model) must not
    # pile on them. Here, where the last reference to them goes, not in _commit, whose caller still holds it
    graph = None
    give_back_memory(collect=whole)
    return run


#: a partial re-harvest that imported fewer statements leaves its write in the store's buffers (see _commit)
FLUSH_FROM_STATEMENTS = 20_000


def _commit(catalog: Catalog, run: HarvestRun, graph) -> HarvestRun:
    """Commit, and if the store cannot be written (a full disk, a broken store) say so on the run instead of
    raising: the other sources go on, and the last good data of this one stays (nothing half-written)."""
    try:
        run = _after_commit(catalog, catalog.commit_harvest(run, graph))
    except PartialMismatch:  # harvest_source imports the source whole instead
        raise
    except Exception as exc:  # OSError, StoreError, pyoxigraph's own
        run.after_commit = None  # nothing to keep: the next harvest reads what the store still holds
        run.finish(
            Outcome.FAILED,
            f"could not save the harvest of {run.source} in the store: "
            f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}; the source keeps "
            "its last good data",
        )
        log.error("commit of %s failed: %s", run.source, exc)
        try:
            catalog.runs.record(run)
        except Exception:  # the store refuses every write: the run is still returned and shown
            log.error("the failed run of %s could not be recorded either", run.source)
        return run
    # outside the commit's error handling, which would call a saved harvest unsaved: what the commit wrote
    # leaves the store's write buffers (about 1 KB a quad: a first harvest's held as much memory as the
    # harvest). A partial import of a few records wrote a few thousand quads, which stay there until the next
    # flush or the store's close: a flush is 15-20 ms of disk, a fiftieth of a command that re-harvests 1 % of
    # 1,000 datasets and then closes the store, which flushes anyway
    if not (isinstance(graph, PartialHarvest) and len(graph.graph) < FLUSH_FROM_STATEMENTS):
        catalog.store.flush()
    return run


def _after_commit(catalog: Catalog, run: HarvestRun) -> HarvestRun:
    """What the harvester keeps for its next harvest once the commit stands (dcat_records' record state);
    dropped from the run afterwards, since it holds the whole parsed source."""
    keep, run.after_commit = run.after_commit, None
    if keep is not None and run.outcome in (Outcome.CHANGED, Outcome.UNCHANGED):
        try:
            keep(str(run.iri(catalog.base)))
        except OSError as exc:  # the next harvest imports the source whole
            log.warning("could not keep the record state of %s: %s", run.source, exc)
    return run


def harvest_all(
    catalog: Catalog,
    sources: Iterable[SourceConfig],
    on_start: Callable[[SourceConfig], None] | None = None,
    on_done: Callable[[HarvestRun], None] | None = None,
    on_page: Callable[[str], None] | None = None,
    workers: int = 4,
    incremental: bool = True,
) -> list[HarvestRun]:
    """Harvest sources concurrently (at most `workers` at a time); runs come back in source order."""
    sources = list(sources)
    fetcher = Fetcher()

    def one(source):
        with my_turn():  # the sources' Python runs one at a time; their downloads overlap (catalog/turns.py)
            if on_start:
                on_start(source)
            run = harvest_source(catalog, source, fetcher, on_page, incremental)
            if on_done:
                on_done(run)
            return run

    try:
        if workers <= 1 or len(sources) <= 1:
            return [one(s) for s in sources]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harvest") as pool:
            return list(pool.map(one, sources))
    finally:
        fetcher.close()
