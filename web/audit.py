"""The audit trail for auditors: a page and downloads on the site (signed in), the same over the API
(a bearer token with `audit:read`). Looking at the trail is itself recorded."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from hdcat.catalog import AuditFilter, Invalid
from hdcat.web.apidoc import TEXT, Media, documented
from hdcat.web.auth import accounts, origin, principal, require_permission, require_scope
from marshmallow import Schema, fields, validate

bp = Blueprint("audit", __name__)
api_bp = Blueprint("audit_api", __name__, url_prefix="/api/v1/audit")
FORMATS = {"csv": ("csv", "text/csv"), "ttl": ("prov", "text/turtle")}
MAX_SIZE = 1000


class AuditArgsSchema(Schema):
    """The page of the trail to read (out-of-range numbers are brought within range, not refused)."""

    page = fields.Integer(validate=validate.Range(min=1))
    size = fields.Integer(validate=validate.Range(min=1, max=MAX_SIZE))
    offset = fields.Integer(validate=validate.Range(min=0), metadata={"description": "instead of page"})
    actor = fields.String(metadata={"description": "only this person's (or process's) entries"})
    action = fields.String(metadata={"description": "only this action, e.g. harvest.run, token.issue"})
    since = fields.Date(metadata={"description": "from this day on (UTC), YYYY-MM-DD"})
    until = fields.Date(metadata={"description": "up to and including this day (UTC), YYYY-MM-DD"})


class AuditPageSchema(Schema):
    intact = fields.Boolean(required=True, metadata={"description": "the hash chain verifies"})
    checked = fields.Integer(required=True, metadata={"description": "entries verified"})
    problem = fields.String(allow_none=True, metadata={"description": "where the chain breaks"})
    entries = fields.List(fields.Dict(), required=True)


def _page_args(default_size: int) -> tuple[int, int]:
    try:
        size = min(max(int(request.args.get("size", default_size)), 1), MAX_SIZE)
        page = min(max(int(request.args.get("page", 1)), 1), 1_000_000)
        offset = min(int(request.args.get("offset", (page - 1) * size)), 1_000_000_000)
    except ValueError:
        raise Invalid("parameters 'page', 'size' and 'offset' are whole numbers", field="size") from None
    return size, max(offset, 0)


def _day(name: str) -> dt.date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"parameter {name!r}: {value[:20]!r} is not a day (YYYY-MM-DD)", field=name) from None


def _filter() -> AuditFilter:
    where = AuditFilter(
        actor=(request.args.get("actor") or "").strip()[:200] or None,
        action=(request.args.get("action") or "").strip()[:200] or None,
        since=_day("since"),
        until=_day("until"),
    )
    if where.since and where.until and where.since > where.until:
        raise Invalid("parameter 'until': the last day comes before 'since'", field="until")
    return where


def _entries(size: int, offset: int) -> dict:
    acc = accounts()
    where = _filter()
    asked = {"size": size, "offset": offset, **{k: str(v) for k, v in vars(where).items() if v}}
    acc.audit(principal().label, "audit.read", "audit", asked, origin=origin())
    intact, checked, problem = acc.verify_audit()
    return {
        "intact": intact,
        "checked": checked,
        "problem": problem,
        "entries": acc.audit_entries(size, offset, where),
    }


def _download(fmt: str) -> Response:
    kind = FORMATS.get(fmt)
    if kind is None:
        raise Invalid("export format: csv or ttl (PROV-O)", field="format")
    acc = accounts()
    text = acc.export_audit(kind[0])
    acc.audit(principal().label, "audit.export", fmt, {}, origin=origin())
    return Response(
        text, mimetype=kind[1], headers={"Content-Disposition": f"attachment; filename=hdcat-audit.{fmt}"}
    )


@bp.get("/audit")
@require_permission("read:audit")
def page():
    size, offset = _page_args(100)
    filters = {k: request.args[k] for k in ("actor", "action", "since", "until") if request.args.get(k)}
    return render_template(
        "audit.html",
        page=offset // size + 1,
        size=size,
        filters=filters,
        choices=accounts().audit_choices(),
        **_entries(size, offset),
    )


@bp.get("/audit/export.<fmt>")
@require_permission("read:audit")
def export(fmt: str):
    return _download(fmt)


@api_bp.get("")
@documented(
    "The audit trail, newest first, and whether its hash chain is intact",
    query=AuditArgsSchema,
    responses={200: AuditPageSchema},
)
@require_scope("audit:read")
def entries():
    return _entries(*_page_args(100))


@api_bp.get("/export.<fmt>")
@documented(
    "The whole trail as CSV or PROV-O (Turtle)",
    path={"fmt": fields.String(validate=validate.OneOf(FORMATS))},
    responses={200: Media({media: TEXT for _, media in FORMATS.values()}, "the trail")},
)
@require_scope("audit:read")
def api_export(fmt: str):
    return _download(fmt)
