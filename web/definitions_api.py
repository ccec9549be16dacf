"""/api/v1/definitions: stewards' dataset definitions over JSON (or Turtle/JSON-LD uploads).

Writes need a bearer token with the `definitions:write` scope, from a steward acting for the
definition's hospital (or an admin). Published versions never change: editing one is 409.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from hdcat.catalog import (
    DefinitionRecordSchema,
    DefinitionSchema,
    Forbidden,
    Invalid,
    load_definition,
    parse_upload,
)
from hdcat.web import operations
from hdcat.web.apidoc import TEXT, Media, documented
from hdcat.web.auth import accounts, is_member, origin, require_scope
from hdcat.web.context import catalog
from marshmallow import Schema, fields, validate

bp = Blueprint("definitions_api", __name__, url_prefix="/api/v1/definitions")
MAX_BODY = 2 * 1024 * 1024
STATUSES = ("draft", "published", "deprecated")
ACTIONS = ("publish", "deprecate", "revise")


class DefinitionVersionSchema(Schema):
    id = fields.String(required=True)
    version = fields.String(required=True)
    iri = fields.String(required=True)
    status = fields.String(required=True)
    modified = fields.String(allow_none=True)
    replaced_by = fields.String(
        allow_none=True, metadata={"description": "the version that superseded this one (dct:isReplacedBy)"}
    )


class DefinitionListSchema(Schema):
    total = fields.Integer(required=True)
    definitions = fields.List(fields.Nested(DefinitionVersionSchema), required=True)


class DefinitionListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))


class MeasurementSchema(Schema):
    dataset = fields.String(required=True)
    definition = fields.String(required=True)
    definition_id = fields.String()
    definition_version = fields.String()
    score = fields.Float(required=True)
    declared = fields.Boolean(required=True)
    conforms = fields.Boolean(required=True)
    missing = fields.List(fields.String())
    wrong = fields.List(fields.String())


class ConformanceSchema(Schema):
    definition = fields.String(required=True)
    results = fields.List(fields.Nested(MeasurementSchema), required=True)


#: what the OpenAPI document says of the views below: their path parameters, body and write errors
ID = {"def_id": fields.String(validate=validate.Length(max=63))}
ID_VERSION = {**ID, "version": fields.String(validate=validate.Length(max=20))}
UPLOAD = Media({"application/json": DefinitionSchema, "text/turtle": TEXT})
WRITE_ERRORS = {
    403: "the token lacks `definitions:write`, or its steward does not act for the definition's hospital",
    409: "the version exists already, or is published and never changes",
}


def definitions():
    return catalog().definitions


def _body() -> dict:
    if request.content_length and request.content_length > MAX_BODY:
        raise Invalid(f"a definition may be at most {MAX_BODY} bytes", field="(body)")
    defaults = {
        k: request.args[k] for k in ("id", "version", "disease_area", "hospital") if request.args.get(k)
    }
    data = parse_upload(request.get_data(as_text=True), request.mimetype or "application/json", defaults)
    if not isinstance(data, dict):
        raise Invalid("a definition is a JSON object", field="(body)")
    return data


def check_hospital(who, hospital: str | None) -> str | None:
    """Stewards write for their own hospitals only; with one hospital it is the default."""
    if hospital is not None and not isinstance(hospital, str):
        raise Invalid("field 'hospital': a hospital id such as hanbit", field="hospital")
    if who.role == "admin":
        return hospital
    if hospital is None and len(who.hospitals) == 1:
        return next(iter(who.hospitals))
    if hospital is None:
        raise Invalid(
            f"field 'hospital': say which of your hospitals ({', '.join(sorted(who.hospitals))}) "
            "owns this definition",
            field="hospital",
        )
    if not who.acts_for(hospital):
        raise Forbidden(
            f"{who.user} is a steward for {', '.join(sorted(who.hospitals)) or 'no hospital'}, "
            f"not for {hospital}"
        )
    return hospital


def check_owner(who, record: dict) -> None:
    """The one rule for changing a definition: admins may change any; a steward only those their
    hospitals own; consortium-wide ones (no owning hospital) are the admins'."""
    if who is not None and who.role == "admin":
        return
    if who is None or not who.can("write:definitions"):
        raise Forbidden(f"changing {record['id']} needs a steward or an admin")
    owner = record.get("hospital")
    if owner is None:
        raise Forbidden(f"{record['id']} is a consortium-wide definition: admins manage it")
    if not who.acts_for(owner):
        raise Forbidden(
            f"{record['id']} belongs to {owner}; {who.user} is a steward for "
            f"{', '.join(sorted(who.hospitals)) or 'no hospital'}"
        )


def may_write(who, record: dict) -> bool:
    try:
        check_owner(who, record)
    except Forbidden:
        return False
    return True


def check_new_version(who, data: dict) -> None:
    """A new version of an existing definition belongs to that definition's owner: nobody else may
    publish a 'cancer-core 9.0.0' over the consortium's cancer-core."""
    existing = definitions().all_of(str(data.get("id") or ""))
    if not existing:
        return
    latest = definitions().get(existing[-1]["id"], existing[-1]["version"])
    check_owner(who, latest)
    owner = latest["hospital"]
    if who.role != "admin" and data.get("hospital") not in (None, owner):
        raise Invalid(f"field 'hospital': {data['id']} belongs to {owner}", field="hospital")


def changed(action: str, record: dict, who) -> None:
    """After a write: what every definition change is followed by (web/operations.py)."""
    operations.after_definition_change(
        accounts(),
        action,
        record,
        who.label,
        origin=origin(),
        search=current_app.extensions.get("hdcat.search"),
    )


def _owned(def_id: str, version: str):
    record = definitions().get(def_id, version)
    check_owner(g.principal, record)
    return record


@bp.get("")
@documented(
    "Every version of every standard dataset definition",
    query=DefinitionListArgsSchema,
    responses={200: DefinitionListSchema},
)
def list_definitions():
    status = request.args.get("status")
    if status and status not in STATUSES:
        raise Invalid("parameter 'status': draft, published or deprecated", field="status")
    rows = [r for r in definitions().versions(drafts=is_member()) if not status or r["status"] == status]
    return {"total": len(rows), "definitions": rows}


@bp.get("/<def_id>")
@documented("The latest published (else latest) version", path=ID, responses={200: DefinitionRecordSchema})
def latest(def_id: str):
    return definitions().get(def_id, drafts=is_member())


@bp.get("/<def_id>/<version>")
@documented("One version", path=ID_VERSION, responses={200: DefinitionRecordSchema})
def one(def_id: str, version: str):
    return definitions().get(def_id, version, drafts=is_member())


@bp.post("")
@documented(
    "Register a new definition (a draft)",
    body=UPLOAD,
    responses={201: DefinitionRecordSchema, 404: "no such definition", **WRITE_ERRORS},
)
@require_scope("definitions:write")
def create():
    data = load_definition(_body())  # a 400 naming every bad field comes before any question of ownership
    check_new_version(g.principal, data)
    data["hospital"] = check_hospital(g.principal, data.get("hospital"))
    record = definitions().create(data, g.principal.user)
    changed("create", record, g.principal)
    return record, 201


@bp.put("/<def_id>/<version>")
@documented(
    "Edit a draft (published versions never change: 409)",
    path=ID_VERSION,
    body=UPLOAD,
    responses={200: DefinitionRecordSchema, **WRITE_ERRORS},
)
@require_scope("definitions:write")
def update(def_id: str, version: str):
    _owned(def_id, version)
    data = load_definition(dict(_body(), id=def_id, version=version))
    data["hospital"] = check_hospital(g.principal, data.get("hospital"))
    record = definitions().update(def_id, version, data, g.principal.user)
    changed("edit", record, g.principal)
    return record


@bp.post("/<def_id>/<version>/<action>")
@documented(
    'publish, deprecate, or revise (body {"version": "1.1.0"}: a new draft that supersedes it when '
    "published)",
    path={**ID_VERSION, "action": fields.String(validate=validate.OneOf(ACTIONS))},
    responses={
        200: DefinitionRecordSchema,
        201: (DefinitionRecordSchema, "revised: the new draft"),
        400: "a parameter or the body is wrong; `field` names it",
        **WRITE_ERRORS,
    },
)
@require_scope("definitions:write")
def lifecycle(def_id: str, version: str, action: str):
    _owned(def_id, version)
    defs = definitions()
    if action == "publish":
        record = defs.publish(def_id, version, g.principal.user)
    elif action == "deprecate":
        record = defs.deprecate(def_id, version, g.principal.user)
    elif action == "revise":
        body = request.get_json(silent=True) or {}
        new_version = body.get("version") if isinstance(body, dict) else None
        if not new_version:
            raise Invalid("field 'version': the new version's number, e.g. 1.1.0", field="version")
        record = defs.revise(def_id, version, str(new_version), g.principal.user)
    else:
        raise Invalid(f"action {action!r}: publish, deprecate or revise", field="action")
    changed(action, record, g.principal)
    return record, (201 if action == "revise" else 200)


@bp.get("/<def_id>/<version>/conformance")
@documented(
    "Datasets that declare or resemble this version, with scores and what is missing",
    path=ID_VERSION,
    responses={200: ConformanceSchema},
)
def conformance(def_id: str, version: str):
    record = definitions().get(def_id, version, drafts=is_member())
    return {
        "definition": record["iri"],
        "results": catalog().conformance.of(definition=record["iri"], members=is_member()),
    }
