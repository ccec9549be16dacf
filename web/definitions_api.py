"""/api/v1/definitions: stewards' dataset definitions over JSON (or Turtle/JSON-LD uploads).

Writes need a bearer token with the `definitions:write` scope, from a steward acting for the
definition's hospital (or an admin). Published versions never change: editing one is 409.
"""
from __future__ import annotations

import threading

from flask import Blueprint, current_app, g, request

from hdcat.catalog.errors import Forbidden, Invalid
from hdcat.catalog.definitions import load_definition, parse_upload
from hdcat.web.auth import accounts, is_member, origin, require_scope
from hdcat.web.context import catalog

bp = Blueprint("definitions_api", __name__, url_prefix="/api/v1/definitions")
MAX_BODY = 2 * 1024 * 1024


def definitions():
    return catalog().definitions


def _body() -> dict:
    if request.content_length and request.content_length > MAX_BODY:
        raise Invalid(f"a definition may be at most {MAX_BODY} bytes", field="(body)")
    defaults = {k: request.args[k] for k in ("id", "version", "disease_area", "hospital") if request.args.get(k)}
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
        raise Invalid(f"field 'hospital': say which of your hospitals ({', '.join(sorted(who.hospitals))}) "
                      "owns this definition", field="hospital")
    if not who.acts_for(hospital):
        raise Forbidden(f"{who.user} is a steward for {', '.join(sorted(who.hospitals)) or 'no hospital'}, "
                        f"not for {hospital}")
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
        raise Forbidden(f"{record['id']} belongs to {owner}; {who.user} is a steward for "
                        f"{', '.join(sorted(who.hospitals)) or 'no hospital'}")


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
    """After a write: the audit trail, and (after publishing or deprecating) the search index in the background."""
    accounts().audit(who.label, f"definition.{action}", record["iri"], {"status": record["status"]}, origin=origin())
    if action in ("publish", "deprecate"):
        search = current_app.extensions.get("hdcat.search")
        if search is not None:
            threading.Thread(target=_reindex, args=(search,), daemon=True).start()


def _reindex(search) -> None:
    try:
        search.reindex()
    except Exception:  # marked stale inside reindex; the next sync or `hdcat reindex` repairs it
        pass


def _owned(def_id: str, version: str):
    record = definitions().get(def_id, version)
    check_owner(g.principal, record)
    return record


@bp.get("")
def list_definitions():
    status = request.args.get("status")
    if status and status not in ("draft", "published", "deprecated"):
        raise Invalid("parameter 'status': draft, published or deprecated", field="status")
    rows = [r for r in definitions().versions(drafts=is_member()) if not status or r["status"] == status]
    return {"total": len(rows), "definitions": rows}


@bp.get("/<def_id>")
def latest(def_id: str):
    return definitions().get(def_id, drafts=is_member())


@bp.get("/<def_id>/<version>")
def one(def_id: str, version: str):
    return definitions().get(def_id, version, drafts=is_member())


@bp.post("")
@require_scope("definitions:write")
def create():
    data = load_definition(_body())  # a 400 naming every bad field comes before any question of ownership
    check_new_version(g.principal, data)
    data["hospital"] = check_hospital(g.principal, data.get("hospital"))
    record = definitions().create(data, g.principal.user)
    changed("create", record, g.principal)
    return record, 201


@bp.put("/<def_id>/<version>")
@require_scope("definitions:write")
def update(def_id: str, version: str):
    _owned(def_id, version)
    data = load_definition(dict(_body(), id=def_id, version=version))
    data["hospital"] = check_hospital(g.principal, data.get("hospital"))
    record = definitions().update(def_id, version, data, g.principal.user)
    changed("edit", record, g.principal)
    return record


@bp.post("/<def_id>/<version>/<action>")
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
def conformance(def_id: str, version: str):
    record = definitions().get(def_id, version, drafts=is_member())
    return {"definition": record["iri"],
            "results": catalog().conformance.of(definition=record["iri"], members=is_member())}
