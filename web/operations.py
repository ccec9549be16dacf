"""What follows a change to the graph, in one place: the CLI, the API, the scheduler and tests call these.

A harvest is not done when the source's graph is committed: the audit trail must say who ran it
and the search index must catch up. Keeping that sequence here means the command line and the
running server cannot drift apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from hdcat.catalog import HarvestRun, Outcome

#: one index rebuild at a time per process: two harvests finishing together must not race
_SYNC_LOCK = threading.Lock()


def _audit_run(accounts, actor: str, source: str, detail: dict, origin: str = "local") -> None:
    """One `harvest.run` entry; `detail` holds the run id, status and counts (the trail's shape for runs).
    A run the trail records already (another process sharing it wrote the entry) is not recorded again."""
    accounts.audit_run(actor, source, detail, origin=origin)


def audit_harvests(accounts, runs: Iterable[HarvestRun], actor: str, origin: str = "local") -> None:
    """Every harvest run on the tamper-evident trail, with what it did."""
    for r in runs:
        _audit_run(
            accounts,
            actor,
            r.source,
            {
                "run": r.id,
                "status": r.outcome.value if r.outcome else None,
                "found": r.found,
                "added": r.added,
                "changed": r.changed,
                "removed": r.removed,
                "skipped": len(r.skipped),
            },
            origin,
        )


def after_harvest(catalog, accounts, runs: list[HarvestRun], actor: str, reconcile: bool = False) -> None:
    """What every finished harvest is followed by, wherever it ran (CLI or server): its audit entries,
    conformance caught up if a commit could not score its source (commits score what they changed; a
    reader's request never does), and an audit checkpoint.
    `reconcile` (a process that starts with a harvest, as the CLI does) also records runs an earlier,
    killed process committed without their entries; it comes after this batch's own entries, so those are
    never taken for late ones. The search index follows separately (sync_search), so each caller can
    show its own progress."""
    audit_harvests(accounts, runs, actor=actor)
    if reconcile:
        reconcile_harvest_audit(catalog, accounts)
    if changed(runs):
        # the commits scored their sources; this retries any that failed
        catalog.conformance.recompute_pending()
    checkpoint_audit(catalog, accounts)


def reconcile_harvest_audit(
    catalog, accounts, limit: int = 5000, settled: float = 0.0, by_another_process: bool = False
) -> int:
    """Runs committed to the store without their audit entry get it now, marked as recorded late: the
    process was killed between the two writes, which go to different databases (the store, the state), or
    (`by_another_process`) a harvest worker ran it and keeps its own trail. `settled`: only runs that ended
    at least that many seconds ago, since a worker that shares this state writes its own entry just after
    its commit (and if both write, Accounts.audit_run keeps the first). Returns how many runs still lack
    one (younger than `settled`)."""
    audited = accounts.audited_runs()
    # the ids first, the details of only those the trail lacks (most often none), newest first
    missing = catalog.runs.by_ids([i for i in catalog.runs.recent_ids(limit) if i not in audited])
    cutoff = datetime.now(UTC) - timedelta(seconds=settled)
    ready = [r for r in missing if not settled or _ended_before(r, cutoff)]
    for r in reversed(ready):  # oldest first, as they happened
        detail = {k: r[k] for k in ("status", "found", "added", "changed", "removed", "skipped")}
        detail.update(run=r["id"], recorded_late=True)
        if by_another_process:
            detail["harvested_by"] = "another process"
        _audit_run(accounts, "hdcat", r["source"], detail, origin="worker" if by_another_process else "local")
    return len(missing) - len(ready)


def _ended_before(run: dict, cutoff: datetime) -> bool:
    if not run.get("ended"):
        return False  # still running (or its process died): it ends, or is recorded at a later look
    ended = datetime.fromisoformat(run["ended"].replace("Z", "+00:00"))
    return (ended if ended.tzinfo else ended.replace(tzinfo=UTC)) <= cutoff


def changed(runs: Iterable[HarvestRun]) -> bool:
    return any(r.outcome is Outcome.CHANGED for r in runs)


def sync_search(
    search, runs: Iterable[HarvestRun], reindex: Callable | None = None, force: bool = False
) -> bool:
    """Bring the search index in step with the graph after `runs`; True when it changed.

    Only the datasets the runs' commits touched are re-indexed (Search.update); a full rebuild happens
    when that is not possible (the index is stale, a run's changes are unknown, the counts disagree).
    `reindex` lets the CLI show a progress bar for a rebuild; the server rebuilds quietly. `force` rebuilds
    whatever the runs say (other processes harvested, and only the graph knows what). An unreachable
    engine raises SearchUnavailable and marks the index stale, so the next sync repairs it."""
    from hdcat.search.backends import SearchUnavailable
    from hdcat.search.service import mark_stale

    runs = list(runs)
    with _SYNC_LOCK:
        try:
            if force:
                search.reindex()
                return True
            if not search.needs_sync(runs):
                return False
            if search.update(runs) is None:
                reindex(search) if reindex else search.reindex()
            return True
        except SearchUnavailable as exc:
            mark_stale(search.catalog.settings, exc.message)
            raise


#: definition statuses that the search index shows (search documents name the definitions a dataset meets)
_INDEXED_STATUSES = ("published", "deprecated")


def after_definition_change(
    accounts, action: str, record: dict, actor: str, origin: str = "local", search=None, settings=None
) -> None:
    """What every write to a definition is followed by, from the API, the site or the CLI: its audit entry
    and, when the change reaches what search shows (publishing, deprecating), the index catching up.

    A running server (`search` given) rebuilds the index in the background so the writer does not wait;
    the CLI, which has no server to do it, marks the index stale (`settings`) and the next sync, `hdcat
    serve` or `hdcat reindex` rebuilds it. Conformance follows the catalogue itself (Catalog watches its
    definitions), so it cannot be forgotten here."""
    accounts.audit(actor, f"definition.{action}", record["iri"], {"status": record["status"]}, origin=origin)
    if record["status"] not in _INDEXED_STATUSES or action in ("create", "edit", "revise", "delete"):
        return
    if search is not None:
        threading.Thread(
            target=_reindex_quietly, args=(search,), name="hdcat-definition-reindex", daemon=True
        ).start()
    elif settings is not None:
        from hdcat.search.service import mark_stale

        mark_stale(settings, f"definition {record['iri']} was {record['status']} from the command line")


def _reindex_quietly(search) -> None:
    """A background rebuild after a definition change; a failure marks the index stale (inside reindex),
    and the next sync repairs it, so nothing here may raise into a dying thread."""
    import logging

    with _SYNC_LOCK:
        try:
            search.reindex()
        except Exception as exc:
            logging.getLogger("hdcat.search").warning("index not rebuilt after a definition change: %s", exc)


def checkpoint_audit(catalog, accounts):
    """Anchor the audit trail's head in the RDF store and the log (catalog.audit_anchor). Best effort: a
    store that cannot be written (a full disk) is logged, and the next checkpoint covers these entries."""
    import logging

    from hdcat.catalog import write_checkpoint

    try:
        return write_checkpoint(catalog.store, catalog.base, accounts)
    except Exception as exc:
        logging.getLogger("hdcat.audit").error("could not write an audit checkpoint: %s", exc)
        return None
