"""/api/v1/access-requests: the site's access requests for programs (a researcher's tool, a hospital's
ticket system), with the same rules, the same store and the same audit trail entries as the pages.

Reads (my requests, a steward's inbox, one request) take a signed-in session or any token of a member;
writes (ask, answer, question, approve, reject, withdraw) need a bearer token with `access:write`, and
catalog.access_requests decides who may take which step from which status, exactly as on the site.
"""

from __future__ import annotations

from flask import Blueprint, g, request, url_for
from hdcat.catalog import (
    ACCESS_LIMITS,
    ACCESS_STATUSES,
    ACCESS_STEPS,
    Application,
    Invalid,
    NotFound,
    next_access_steps,
)
from hdcat.web.access_requests import audit_step, requests_store
from hdcat.web.apidoc import documented
from hdcat.web.auth import audit_restricted_read, principal, require_permission, require_scope
from hdcat.web.context import catalog, query_args
from marshmallow import Schema, ValidationError, fields, validate

bp = Blueprint("access_api", __name__, url_prefix="/api/v1/access-requests")
BOXES = ("mine", "inbox")


class AccessListArgsSchema(Schema):
    box = fields.String(
        load_default="mine",
        validate=validate.OneOf(BOXES),
        metadata={"description": "mine: the caller's own requests; inbox: those the caller decides on"},
    )
    status = fields.String(validate=validate.OneOf(ACCESS_STATUSES))


class AccessApplicationSchema(Schema):
    """What a researcher asks with: the site's form, as JSON."""

    dataset = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the dataset's id, as in /api/v1/datasets/{local_id}"},
    )
    purpose = fields.String(required=True, validate=validate.Length(max=ACCESS_LIMITS["purpose"]))
    project = fields.String(required=True, validate=validate.Length(max=ACCESS_LIMITS["project"]))
    irb = fields.String(
        required=True,
        validate=validate.Length(max=ACCESS_LIMITS["irb"]),
        metadata={"description": "the IRB approval number"},
    )
    columns = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=ACCESS_LIMITS["columns"]),
        metadata={"description": "the columns wanted; empty: all"},
    )
    period = fields.String(
        load_default="",
        validate=validate.Length(max=ACCESS_LIMITS["period"]),
        metadata={"description": "the period wanted, e.g. 2019-2023"},
    )


class AccessStepBodySchema(Schema):
    body = fields.String(
        load_default="",
        validate=validate.Length(max=ACCESS_LIMITS["body"]),
        metadata={"description": "the question, answer or the decision's reason (optional for withdraw)"},
    )


class AccessMessageSchema(Schema):
    author = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(tuple(ACCESS_STEPS)))
    body = fields.String(required=True)
    at = fields.String(required=True)


class AccessRequestSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    dataset = fields.String(required=True)
    dataset_title = fields.String(required=True)
    hospital = fields.String(required=True)
    requester = fields.String(required=True)
    purpose = fields.String(required=True)
    project = fields.String(required=True)
    irb = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    period = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ACCESS_STATUSES))
    reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    created = fields.String(required=True)
    updated = fields.String(required=True)
    messages = fields.List(
        fields.Nested(AccessMessageSchema), metadata={"description": "the conversation (one request only)"}
    )
    steps = fields.List(
        fields.String(validate=validate.OneOf(tuple(ACCESS_STEPS))),
        metadata={"description": "the steps the caller may take now (one request only)"},
    )


class AccessRequestListSchema(Schema):
    box = fields.String(required=True, validate=validate.OneOf(BOXES))
    total = fields.Integer(required=True)
    requests = fields.List(fields.Nested(AccessRequestSchema), required=True)


ID = {"request_id": fields.String(validate=validate.Length(max=40))}


def _load(schema: Schema) -> dict:
    """The JSON body through `schema`; the first bad field becomes a 400 naming it."""
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        body = {}
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object", field="(body)")
    try:
        return schema.load(body)
    except ValidationError as exc:
        field, messages = next(iter(exc.messages.items()))
        if isinstance(messages, dict):  # a list item: columns.3
            index, messages = next(iter(messages.items()))
            field = f"{field}.{index}"
        message = messages[0] if isinstance(messages, list) else str(messages)
        raise Invalid(f"field {field!r}: {message}", field=field) from None


def _out(record: dict, full: bool = False) -> dict:
    out = dict(record, url=url_for("access_api.one", request_id=record["id"], _external=False))
    if full:
        out["steps"] = next_access_steps(principal(), record)
    else:
        out.pop("messages", None)
    return out


@bp.get("")
@documented(
    "The caller's access requests (box=mine), or those they decide on (box=inbox, stewards and admins)",
    query=AccessListArgsSchema,
    responses={200: AccessRequestListSchema},
)
@require_permission("read:consortium")
def list_requests():
    args = query_args(AccessListArgsSchema())
    who, store = principal(), requests_store()
    if args["box"] == "inbox":
        rows = store.inbox(who, args.get("status"))
    else:
        rows = [r for r in store.mine(who) if args.get("status") in (None, r["status"])]
    return {"box": args["box"], "total": len(rows), "requests": [_out(r) for r in rows]}


@bp.post("")
@documented(
    "Ask for access to a dataset (its hospital's stewards decide)",
    body=AccessApplicationSchema,
    responses={
        201: (AccessRequestSchema, "asked; follow `url` (also in Location)"),
        403: "the token lacks `access:write`, or its user is an auditor (auditors inspect, they do not ask)",
        404: "no dataset with that id (that the caller may see)",
    },
)
@require_scope("access:write")
def create():
    body = _load(AccessApplicationSchema())
    dataset = catalog().datasets.get(body["dataset"], members=True)
    audit_restricted_read(dataset)
    application = Application(
        purpose=body["purpose"],
        project=body["project"],
        irb=body["irb"],
        columns=tuple(c.strip() for c in body["columns"] if c.strip()),
        period=body["period"],
    )
    record = requests_store().submit(g.principal, dataset, application)
    audit_step("submit", record)
    answer = _out(record, full=True)
    return answer, 201, {"Location": answer["url"]}


@bp.get("/<request_id>")
@documented(
    "One access request with its conversation, for its author and the stewards who decide on it",
    path=ID,
    responses={200: AccessRequestSchema},
)
@require_permission("read:consortium")
def one(request_id: str):
    return _out(requests_store().get(request_id, principal()), full=True)


@bp.post("/<request_id>/<step>")
@documented(
    "Take a step: question, approve or reject (stewards of the dataset's hospital), answer or withdraw "
    "(the requester)",
    path={**ID, "step": fields.String(validate=validate.OneOf(tuple(ACCESS_STEPS)))},
    body=AccessStepBodySchema,
    responses={
        200: AccessRequestSchema,
        403: "the token lacks `access:write`, or its user does not take this step on this request",
        409: "the request's status does not allow the step (e.g. approving a withdrawn request)",
    },
)
@require_scope("access:write")
def take_step(request_id: str, step: str):
    if step not in ACCESS_STEPS:
        raise NotFound(f"no step {step!r}: use one of {', '.join(ACCESS_STEPS)}")
    body = _load(AccessStepBodySchema())
    record = requests_store().step(request_id, g.principal, step, body["body"])
    audit_step(step, record)
    return _out(record, full=True)
