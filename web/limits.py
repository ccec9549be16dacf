"""Rate limits on the doors people and scripts try to force: sign-in and token issue.

Flask-Limiter counts per client address, in memory (one process; behind several workers,
point RATELIMIT_STORAGE_URI at Redis). Over the limit answers 429 with Retry-After.
"""

from __future__ import annotations

import uuid

from flask import current_app
from flask.json.provider import DefaultJSONProvider
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from hdcat.catalog import bounded_json

#: endpoint → limit on its POSTs
LIMITS = {
    "account.signin": "10 per minute; 50 per hour",
    "account.issue_token": "10 per hour",
}


def init_app(app) -> Limiter:
    """One limiter per app, so every app (and every test's app) counts on its own."""
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
    """The client's address, within this app: memory storage is shared by the whole process."""
    return f"{current_app.extensions['hdcat.limit_scope']}|{get_remote_address()}"


class BoundedJSONProvider(DefaultJSONProvider):
    """Request bodies: a 400 naming the problem for JSON nested too deep, never a RecursionError's 500."""

    def loads(self, s, **kwargs):
        return bounded_json(lambda: super(BoundedJSONProvider, self).loads(s, **kwargs))
