"""Rate limits on the doors people and scripts try to force: sign-in and token issue.

Flask-Limiter counts per client address. One process alone counts in memory; processes sharing a state
in PostgreSQL ([service] state) count in it (catalog.RateCounters, through `StateStorage`, a storage
registered with the `limits` library), so N processes behind one address allow the same attempts as one.
RATELIMIT_STORAGE_URI in the Flask config (e.g. Redis) overrides both. Over the limit answers 429 with
Retry-After.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask.json.provider import DefaultJSONProvider
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from hdcat.catalog import RateCounters, StateUnavailable, bounded_json
from hdcat.web.context import state_part
from limits.storage import Storage

#: endpoint → limit on its POSTs
LIMITS = {
    "account.signin": "10 per minute; 50 per hour",
    "account.issue_token": "10 per hour",
}


def init_app(app) -> Limiter:
    """One limiter per app, so every app (and every test's app) counts on its own; with a shared state,
    every process counts together."""
    if "RATELIMIT_STORAGE_URI" not in app.config and app.extensions["hdcat"].settings.service.state:
        app.config["RATELIMIT_STORAGE_URI"] = f"{StateStorage.STORAGE_SCHEME[0]}://"
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "counters": lambda: state_part("hdcat.rate_counters", RateCounters.for_settings, app)
        }
        app.extensions["hdcat.limit_scope"] = "shared"
    else:
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
        app.extensions["hdcat.limit_scope"] = uuid.uuid4().hex
    limiter = Limiter(_client_key, app=app, headers_enabled=True)
    for endpoint, rule in LIMITS.items():
        app.view_functions[endpoint] = limiter.limit(
            rule, methods=["POST"], error_message=f"too many attempts ({rule}); wait and try again"
        )(app.view_functions[endpoint])
    app.extensions["hdcat.limiter"] = limiter
    return limiter


def _client_key() -> str:
    """The client's address, within this app (memory storage is shared by the whole process), or within
    the shared state."""
    return f"{current_app.extensions['hdcat.limit_scope']}|{get_remote_address()}"


class StateStorage(Storage):
    """The `limits` library's storage interface over catalog.RateCounters (fixed windows only, which is
    Flask-Limiter's default strategy). `counters` opens them: at the first attempt, not at start, so a
    state database that is down fails a sign-in with the state's own 503, not the site's start."""

    STORAGE_SCHEME = ["hdcat-state"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, counters=None, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._open = counters

    @property
    def base_exceptions(self):
        return StateUnavailable

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._open().hit(key, expiry, amount)

    def get(self, key: str) -> int:
        return self._open().count(key)

    def get_expiry(self, key: str) -> float:
        return self._open().ends(key)

    def check(self) -> bool:
        try:
            self._open().ping()
        except StateUnavailable:
            return False
        return True

    def reset(self) -> int | None:
        return self._open().forget()

    def clear(self, key: str) -> None:
        self._open().forget(key)


class BoundedJSONProvider(DefaultJSONProvider):
    """Request bodies: a 400 naming the problem for JSON nested too deep, never a RecursionError's 500."""

    def loads(self, s, **kwargs):
        return bounded_json(lambda: super(BoundedJSONProvider, self).loads(s, **kwargs))
