"""What follows a change to the graph, in one place: the CLI, the API, the scheduler and tests call these.

A harvest is not done when the source's graph is committed: the audit trail must say who ran it
and the search index must catch up. Keeping that sequence here means the command line and the
running server cannot drift apart.
"""
from __future__ import annotations

import threading
from typing import Callable, Iterable

from hdcat.catalog.runs import HarvestRun, Outcome

#: one index rebuild at a time per process: two harvests finishing together must not race
_SYNC_LOCK = threading.Lock()


def audit_harvests(accounts, runs: Iterable[HarvestRun], actor: str, origin: str = "local") -> None:
    """Every harvest run on the tamper-evident trail, with what it did."""
    for r in runs:
        accounts.audit(actor, "harvest.run", r.source,
                       {"run": r.id, "status": r.outcome.value if r.outcome else None, "found": r.found,
                        "added": r.added, "changed": r.changed, "removed": r.removed, "skipped": len(r.skipped)},
                       origin=origin)


def reconcile_harvest_audit(catalog, accounts, limit: int = 5000) -> int:
    """Runs committed to the store without their audit entry (the process was killed between the two
    writes, which live in different files) get it now, marked as recorded late. Returns how many."""
    audited = accounts.audited_runs()
    missing = [r for r in catalog.runs(limit=limit) if r["id"] not in audited]
    for r in reversed(missing):  # oldest first, as they happened
        accounts.audit("hdcat", "harvest.run", r["source"],
                       {"run": r["id"], "status": r["status"], "found": r["found"], "added": r["added"],
                        "changed": r["changed"], "removed": r["removed"], "skipped": r["skipped"],
                        "recorded_late": True})
    return len(missing)


def changed(runs: Iterable[HarvestRun]) -> bool:
    return any(r.outcome is Outcome.CHANGED for r in runs)


def sync_search(search, runs: Iterable[HarvestRun], reindex: Callable | None = None) -> bool:
    """Bring the search index in step with the graph after `runs`; True when it was rebuilt.

    `reindex` lets the CLI show a progress bar; the server rebuilds quietly. An unreachable engine
    raises SearchUnavailable and marks the index stale, so the next sync repairs it."""
    from hdcat.search.backends import SearchUnavailable
    from hdcat.search.service import mark_stale
    with _SYNC_LOCK:
        try:
            if not search.needs_sync(list(runs)):
                return False
            reindex(search) if reindex else search.reindex()
            return True
        except SearchUnavailable as exc:
            mark_stale(search.catalog.settings, exc.message)
            raise


def checkpoint_audit(catalog, accounts):
    """Anchor the audit trail's head in the RDF store and the log (catalog.audit_anchor). Best effort: a
    store that cannot be written (a full disk) is logged, and the next checkpoint covers these entries."""
    import logging
    from hdcat.catalog.audit_anchor import write_checkpoint
    try:
        return write_checkpoint(catalog.store, catalog.base, accounts)
    except Exception as exc:
        logging.getLogger("hdcat.audit").error("could not write an audit checkpoint: %s", exc)
        return None
