"""Request helpers shared by blueprints: the catalogue, and query parameters checked by schema."""

from __future__ import annotations

from flask import current_app, request
from hdcat.catalog import Catalog, Invalid
from marshmallow import Schema, ValidationError


def catalog() -> Catalog:
    return current_app.extensions["hdcat"]


def state_part(name: str, open_part, app=None):
    """One object per app over the deployment's state file (accounts, access requests, attempt counters),
    opened on first use with `open_part(settings)` and kept in app.extensions[name] (tests hand their own in
    there). `app` for a caller outside a request (the rate limiter's storage); else the current one."""
    app = app or current_app
    part = app.extensions.get(name)
    if part is None:
        part = app.extensions[name] = open_part(app.extensions["hdcat"].settings)
    return part


def harvest_queue():
    """The app's harvest queue (web.harvest_service): the API, the site and the scheduler submit to it."""
    return current_app.extensions["hdcat.harvests"]


def query_args(schema: Schema) -> dict:
    """Parse request.args with a schema; the first bad parameter becomes a 400 naming it. `lang`, the page
    language every page takes (web.i18n), is not the schema's to check."""
    try:
        return schema.load({k: v for k, v in request.args.to_dict().items() if k != "lang"})
    except ValidationError as exc:
        field, messages = next(iter(exc.messages.items()))
        message = messages[0] if isinstance(messages, list) else str(messages)
        if field == "_schema":
            field = None
        raise Invalid(f"parameter {field!r}: {message}" if field else message, field=field) from None
