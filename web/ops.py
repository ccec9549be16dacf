"""What operators and load balancers ask: is the process alive (/healthz), may it take traffic (/readyz)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app
from hdcat.catalog import HdcatError
from hdcat.web.context import catalog

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Alive: answers as long as the process serves requests; touches nothing else."""
    return {"status": "ok"}


def _store_check() -> dict:
    try:
        catalog().store.query("ASK { ?s ?p ?o }")
        return {"ok": True, "kind": catalog().settings.store_url.split(":", 1)[0]}
    except Exception as exc:  # any failure of the store is "not ready", with the reason
        return {"ok": False, "error": str(exc)[:300]}


def _search_check() -> dict:
    search = current_app.extensions.get("hdcat.search")
    if search is None:
        return {"ok": False, "error": "no search engine is open (see the server log)"}
    try:
        return {"ok": True, "engine": search.backend.name, "documents": search.count(), "stale": search.stale}
    except HdcatError as exc:
        return {"ok": False, "engine": search.backend.name, "error": exc.message}


def _state_check() -> dict:
    """Reported, never a reason to be unready: public pages and the API's reads do without accounts, and a
    shared state database that is down is down for every site process alike."""
    from hdcat.web.auth import accounts

    try:
        return {"ok": True, "kind": accounts().ping()}
    except HdcatError as exc:
        return {"ok": False, "error": exc.message}


def _sources() -> list[dict]:
    """The last run of each configured source, and how old it is."""
    now = datetime.now(UTC)
    latest = catalog().runs.latest(s.name for s in catalog().settings.sources)
    out = []
    harvests = current_app.extensions.get("hdcat.harvests")
    for s in catalog().settings.sources:
        r = latest.get(s.name)
        entry = {
            "source": s.name,
            "hospital": s.hospital,
            "schedule": s.schedule,
            "harvesting": bool(harvests and harvests.is_active(s.name)),
            "last_run": None,
        }
        if r:
            ended = r.get("ended") or r.get("started")
            age = (now - datetime.fromisoformat(ended)).total_seconds() if ended else None
            entry["last_run"] = {
                "id": r["id"],
                "status": r["status"],
                "ended": r.get("ended"),
                "age_seconds": round(age, 1) if age is not None else None,
            }
        out.append(entry)
    return out


@bp.get("/readyz")
def readyz():
    """Ready: the store answers and the search engine is reachable. Harvest ages are reported for
    monitoring but never make the instance unready: stale data is better served than none."""
    store, search = _store_check(), _search_check()
    ready = store["ok"] and search["ok"]
    body = {
        "status": "ready" if ready else "not_ready",
        "store": store,
        "search": search,
        "state": _state_check(),
        "sources": _sources() if store["ok"] else [],
    }
    return body, (200 if ready else 503)
