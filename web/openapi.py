"""/api/openapi.json: the JSON API's document, generated from the app's routes.

Every route under /api/ whose view carries an `@documented` record (web.apidoc) becomes an
operation: the path and its parameters come from the Flask rule, query parameters, bodies and
answers from the marshmallow schemas the view names (apispec's MarshmallowPlugin turns them into
JSON schemas, registering each named schema once under components), security and 401/403 from
web.auth's decorators. Nothing here names an endpoint, so adding one needs no edit in this file.
"""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app
from hdcat.web.apidoc import Media, Operation
from hdcat.web.errors import ErrorSchema
from marshmallow import fields

bp = Blueprint("openapi", __name__)

INFO = {
    "description": "Hospital consortium data catalogue: datasets, harvests, search, lineage, "
    "standard dataset definitions and the audit trail."
}
#: the blueprints' views that are not operations: this document, and the catch-all 404 for unknown paths
NOT_OPERATIONS = {"openapi.openapi_json", "api.unknown"}
_CONVERTERS = {"int": fields.Integer, "float": fields.Float, "uuid": fields.UUID}
_VARIABLE = re.compile(r"<(?:([a-zA-Z_]+)(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def _json(schema, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _content(value) -> dict:
    """A success answer as web.apidoc.documented takes it: a schema, (schema, description) or Media."""
    if isinstance(value, Media):
        return {
            "description": value.description,
            "content": {media: {"schema": schema} for media, schema in value.types.items()},
        }
    return _json(*value) if isinstance(value, tuple) else _json(value)


def _auth(view) -> tuple[list, dict]:
    """Security and the 401/403 it brings, from what web.auth's decorators recorded on the view."""
    required = getattr(view, "required", None)
    if required is None:
        return [], {}
    kind, name = required
    if kind == "scope":
        return [{"bearer": []}], {"401": "no valid bearer token", "403": f"the token lacks `{name}`"}
    return [{"bearer": []}], {"401": "sign in or send a token", "403": f"the caller's role lacks `{name}`"}


def _path_parameters(rule, op: Operation, converter) -> list[dict]:
    """Every variable of the rule, typed by its converter unless the view narrows it (a length, an enum)."""
    variables = _VARIABLE.findall(rule.rule)
    unknown = set(op.path) - {name for _, name in variables}
    if unknown:
        raise ValueError(
            f"{rule.endpoint}: @documented names path parameters its route lacks: {sorted(unknown)}"
        )
    params = []
    for kind, name in variables:
        narrowed = op.path.get(name) or _CONVERTERS.get(kind, fields.String)()
        params.append(
            {"name": name, "in": "path", "required": True, "schema": converter.field2property(narrowed)}
        )
    return params


def operation(rule, view, op: Operation, plugin: MarshmallowPlugin) -> dict:
    """One operation of the document: the view's record with what the rule and web.auth add."""
    path_params = _path_parameters(rule, op, plugin.converter)
    security, auth_errors = _auth(view)
    errors = {}
    if op.query is not None:
        errors["400"] = "a parameter is wrong; `field` names it"
    if op.body is not None:
        errors["400"] = "the body is wrong; `field` (and `detail.fields`) names what to fix"
    if path_params:
        errors["404"] = "no such resource"
    errors |= auth_errors
    errors |= {str(status): text for status, text in op.responses.items() if int(status) >= 400}
    responses = {str(status): _content(value) for status, value in op.responses.items() if int(status) < 400}
    responses |= {status: _json(ErrorSchema, text) for status, text in sorted(errors.items())}
    doc = {
        "summary": op.summary,
        "tags": list(op.tags) or [_tag(rule.rule)],
        "parameters": path_params + ([{"in": "query", "schema": op.query}] if op.query is not None else []),
        "responses": responses,
    }
    if op.description:
        doc["description"] = op.description
    if op.body is not None:
        body = op.body if isinstance(op.body, Media) else Media({"application/json": op.body})
        doc["requestBody"] = {"required": True, "content": {m: {"schema": s} for m, s in body.types.items()}}
    if security:
        doc["security"] = security
    return doc


def _tag(rule: str) -> str:
    """The resource an operation belongs to, unless the view names one: the first segment after /api/v1/."""
    segments = [s for s in rule.split("/") if s][1:]
    if segments and re.fullmatch(r"v\d+", segments[0]):
        segments = segments[1:]
    return re.split(r"[.<]", segments[0])[0] if segments else "api"


def openapi_path(rule: str) -> str:
    return _VARIABLE.sub(lambda m: "{" + m.group(2) + "}", rule)


def build_spec(app) -> dict:
    plugin = MarshmallowPlugin()
    spec = APISpec(title="hdcat", version="1.0.0", openapi_version="3.0.3", plugins=[plugin], info=INFO)
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/") or rule.endpoint in NOT_OPERATIONS:
            continue
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "openapi", None)
        if op is None:
            continue  # tests/test_openapi.py names every /api route left undocumented
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            doc = operation(rule, view, op, plugin)
            doc["operationId"] = rule.endpoint + (f".{method.lower()}" if len(methods) > 1 else "")
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = doc
    for tag in sorted({tag for ops in paths.values() for doc in ops.values() for tag in doc["tags"]}):
        spec.tag({"name": tag})
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/api/openapi.json")
def openapi_json():
    spec = current_app.extensions.get("hdcat.openapi")
    if spec is None:
        spec = current_app.extensions["hdcat.openapi"] = build_spec(current_app)
    return spec
