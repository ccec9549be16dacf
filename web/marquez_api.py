"""Marquez's read API, so that tools written for Marquez read hdcat's lineage.

The paths, parameters and field names are those of Marquez's OpenAPI spec (copied into
tests/data/marquez/openapi.yml; the tests validate every answer against it). One path differs:
Marquez's `GET /search` would clash with hdcat's dataset search at `/api/v1/search`, so it is
`GET /api/v1/lineage/search` here. Namespaces and dataset names are path segments that often hold
`/` and `:` (`postgres://hanbit-db:5432`): clients send them percent-encoded, as Marquez's do, and
the routes keep doubled slashes as they are. Like the other lineage endpoints, these are for
members (the `read:lineage` permission): anonymous callers get 401.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, request
from hdcat.catalog import Invalid, whole_number
from hdcat.web.apidoc import OBJECT, documented
from hdcat.web.auth import require_permission
from hdcat.web.context import catalog
from marshmallow import Schema, fields, validate

bp = Blueprint("marquez_api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 1000
SPEC = "Marquez's {} (spec/openapi.yml of MarquezProject/marquez)"
MEMBERS = {404: "no such namespace, dataset, job, version or run"}


class Paging(Schema):
    limit = fields.Integer(validate=validate.Range(min=0, max=MAX_LIMIT))
    offset = fields.Integer(validate=validate.Range(min=0))


class FacetArgs(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["run", "job"]))


class SearchArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=500))
    filter = fields.String(validate=validate.OneOf(["dataset", "job", "DATASET", "JOB"]))
    sort = fields.String(validate=validate.OneOf(["name", "updated_at", "NAME", "UPDATE_AT"]))
    limit = fields.Integer(validate=validate.Range(min=0, max=MAX_LIMIT))
    namespace = fields.String(validate=validate.Length(max=1024))
    before = fields.String(metadata={"description": "YYYY-MM-DD"})
    after = fields.String(metadata={"description": "YYYY-MM-DD"})


class EventArgs(Paging):
    sortDirection = fields.String(validate=validate.OneOf(["asc", "desc"]))
    before = fields.String(metadata={"description": "an ISO 8601 date-time"})
    after = fields.String(metadata={"description": "an ISO 8601 date-time"})


def _route(rule: str):
    """A GET route that keeps `//` inside a namespace (werkzeug would merge it and redirect)."""
    return bp.route(rule, methods=["GET"], merge_slashes=False)


def _page(items: list) -> list:
    limit = whole_number(request.args.get("limit", 100), "limit", 0, MAX_LIMIT)
    offset = whole_number(request.args.get("offset", 0), "offset", 0, 10**9)
    return items[offset : offset + limit]


def _view():
    return catalog().lineage.marquez


def _day(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"parameter {name!r}: a date YYYY-MM-DD", field=name) from None


def _moment(name: str) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"parameter {name!r}: an ISO 8601 date-time", field=name) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@_route("/namespaces")
@documented(SPEC.format("NamespaceList"), query=Paging, responses={200: OBJECT}, tags=["marquez"])
@require_permission("read:lineage")
def namespaces():
    return {"namespaces": _page(_view().namespace_list())}


@_route("/namespaces/<path:namespace>")
@documented(SPEC.format("Namespace"), responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def namespace(namespace: str):
    return _view().namespace(namespace)


@_route("/namespaces/<path:namespace>/datasets")
@documented(SPEC.format("DatasetList"), query=Paging, responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def datasets(namespace: str):
    found = _view().datasets_in(namespace)
    return {"datasets": _page(found), "totalCount": len(found)}


@_route("/namespaces/<path:namespace>/datasets/<path:dataset>")
@documented(SPEC.format("Dataset"), responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def dataset(namespace: str, dataset: str):
    return _view().dataset(namespace, dataset)


@_route("/namespaces/<path:namespace>/datasets/<path:dataset>/versions")
@documented(
    SPEC.format("DatasetVersionList"), query=Paging, responses={200: OBJECT, **MEMBERS}, tags=["marquez"]
)
@require_permission("read:lineage")
def dataset_versions(namespace: str, dataset: str):
    found = _view().dataset_versions(namespace, dataset)
    return {"versions": _page(found), "totalCount": len(found)}


@_route("/namespaces/<path:namespace>/datasets/<path:dataset>/versions/<version>")
@documented(SPEC.format("DatasetVersion"), responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def dataset_version(namespace: str, dataset: str, version: str):
    return _view().dataset_version(namespace, dataset, version)


@_route("/namespaces/<path:namespace>/jobs")
@documented(SPEC.format("JobList"), query=Paging, responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def jobs(namespace: str):
    found = _view().jobs_in(namespace)
    return {"jobs": _page(found), "totalCount": len(found)}


@_route("/namespaces/<path:namespace>/jobs/<path:job>")
@documented(SPEC.format("Job"), responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def job(namespace: str, job: str):
    return _view().job(namespace, job)


@_route("/namespaces/<path:namespace>/jobs/<path:job>/versions")
@documented(SPEC.format("JobVersionList"), query=Paging, responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def job_versions(namespace: str, job: str):
    found = _view().job_versions(namespace, job)
    return {"versions": _page(found), "totalCount": len(found)}


@_route("/namespaces/<path:namespace>/jobs/<path:job>/versions/<version>")
@documented(SPEC.format("JobVersion"), responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def job_version(namespace: str, job: str, version: str):
    return _view().job_version(namespace, job, version)


@_route("/namespaces/<path:namespace>/jobs/<path:job>/runs")
@documented(SPEC.format("RunList"), query=Paging, responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def job_runs(namespace: str, job: str):
    found = _view().job_runs(namespace, job)
    return {"runs": _page(found), "totalCount": len(found)}


@_route("/jobs/runs/<run_id>")
@documented(SPEC.format("Run"), responses={200: OBJECT, **MEMBERS}, tags=["marquez"])
@require_permission("read:lineage")
def run(run_id: str):
    return _view().run(run_id)


@_route("/jobs/runs/<run_id>/facets")
@documented(
    SPEC.format("FacetsResult"), query=FacetArgs, responses={200: OBJECT, **MEMBERS}, tags=["marquez"]
)
@require_permission("read:lineage")
def run_facets(run_id: str):
    return _view().run_facets(run_id, request.args.get("type", ""))


@_route("/lineage/search")
@documented(
    SPEC.format("SearchResultList") + "; Marquez serves it at /search, which is hdcat's dataset search",
    query=SearchArgs,
    responses={200: OBJECT},
    tags=["marquez"],
)
@require_permission("read:lineage")
def search():
    q = request.args.get("q", "")
    if not q or len(q) > 500:
        raise Invalid("parameter 'q': a pattern of 1 to 500 characters (% any, _ one)", field="q")
    limit = whole_number(request.args.get("limit", 10), "limit", 0, MAX_LIMIT)
    hits = _view().search(
        q,
        request.args.get("filter"),
        request.args.get("sort", "name"),
        request.args.get("namespace"),
        _day("before"),
        _day("after"),
    )
    return {"totalCount": len(hits), "results": hits[:limit]}


@_route("/events/lineage")
@documented(SPEC.format("LineageEventList"), query=EventArgs, responses={200: OBJECT}, tags=["marquez"])
@require_permission("read:lineage")
def lineage_events():
    direction = request.args.get("sortDirection", "desc")
    if direction not in ("asc", "desc"):
        raise Invalid("parameter 'sortDirection': asc or desc", field="sortDirection")
    found = _view().lineage_events(direction == "desc", _moment("before"), _moment("after"))
    return {"events": _page(found), "totalCount": len(found)}
