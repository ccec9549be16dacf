"""Errors of our own, each carrying the HTTP status a web caller should answer with.

One base class so the web layer renders every failure the same way and the CLI
prints the message without a traceback.
"""

from __future__ import annotations


class HdcatError(Exception):
    """Base of every error hdcat raises on purpose; `message` is for people."""

    status = 500
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, detail: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.detail = detail or {}

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message, "status": self.status}
        if self.field:
            body["field"] = self.field
        if self.detail:
            body["detail"] = self.detail
        return body


class Invalid(HdcatError):
    """The request or input is wrong; `field` names what to fix."""

    status = 400
    code = "invalid"


class Unauthorized(HdcatError):
    """No valid credentials; the answer carries WWW-Authenticate."""

    status = 401
    code = "unauthorized"


class Forbidden(HdcatError):
    """Valid credentials without the right scope or role."""

    status = 403
    code = "forbidden"


class NotFound(HdcatError):
    status = 404
    code = "not_found"


class NotAcceptable(HdcatError):
    status = 406
    code = "not_acceptable"


class Conflict(HdcatError):
    status = 409
    code = "conflict"


class ConfigError(HdcatError):
    """hdcat.toml or an environment variable is wrong."""

    code = "config"


class StoreError(HdcatError):
    """The RDF store cannot be opened or written."""

    status = 503
    code = "store_unavailable"


class StateUnavailable(HdcatError):
    """The database of accounts, access requests and the audit trail cannot be reached or used; the
    message names it (never its password)."""

    status = 503
    code = "state_unavailable"


class PluginUnavailable(HdcatError):
    """A registered plugin could not be imported; the message says what to install."""

    code = "plugin_unavailable"


class Interrupted(HdcatError):
    """Work was stopped on purpose (the server is shutting down); nothing half-done was committed."""

    status = 503
    code = "interrupted"
