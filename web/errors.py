"""One place renders every error: JSON under /api/ (and for JSON clients), an HTML page elsewhere.

The JSON body keeps a stable machine `error` code; its `message` and the page are in the reader's
language (web.error_messages: English as the catalogue writes it, Korean where a translation is known,
chosen like every page by ?lang=, the cookie or Accept-Language)."""

from __future__ import annotations

from flask import render_template, request
from hdcat.catalog import HdcatError
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException


class ErrorSchema(Schema):
    """Every JSON error answer (error_body and HdcatError.to_dict), as the OpenAPI document names it."""

    error = fields.String(required=True, metadata={"description": "machine-readable code"})
    message = fields.String(required=True, metadata={"description": "what is wrong, for people"})
    status = fields.Integer(required=True)
    field = fields.String(metadata={"description": "the parameter or field to fix"})
    detail = fields.Dict(metadata={"description": "more, e.g. `fields`: every field to fix with its message"})


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/sparql":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_body(status: int, code: str, message: str, field: str | None = None) -> dict:
    body = {"error": code, "message": message, "status": status}
    if field:
        body["field"] = field
    return body


def _render(status: int, body: dict, stock_text: bool = False):
    from hdcat.web import error_messages

    try:
        message, in_language = error_messages.for_people(body["message"], status, stock_text)
    except Exception:  # rendering an error never fails on its translation: the message as written
        message, in_language = str(body["message"]), False
    body = dict(body, message=message)
    if wants_json():
        return body, status
    return render_template(
        "error.html",
        error_page=True,
        status=status,
        heading=error_messages.title(status),
        message=message,
        in_language=in_language,
        fields=(body.get("detail") or {}).get("fields") or {},
    ), status


def init_app(app) -> None:
    @app.errorhandler(HdcatError)
    def _hdcat(exc: HdcatError):
        from hdcat.search.backends import SearchUnavailable

        if isinstance(exc, SearchUnavailable) and "hdcat.metrics" in app.extensions:
            app.extensions["hdcat.metrics"].search_errors.inc()
        return _render(exc.status, exc.to_dict())

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        stock = exc.description == type(exc).description
        return _render(
            exc.code or 500, error_body(exc.code or 500, code, exc.description or exc.name), stock_text=stock
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return _render(
            500,
            error_body(500, "internal", "an unexpected error occurred; it has been logged"),
            stock_text=True,
        )
