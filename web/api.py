"""The JSON API under /api/v1: thin views over the catalogue, schemas from catalog.schemas."""

from __future__ import annotations

from flask import Blueprint, g, request, url_for
from hdcat.catalog import (
    ConformanceOverviewSchema,
    DatasetListArgsSchema,
    DatasetSchema,
    DatasetSummarySchema,
    Forbidden,
    HarvestJobSchema,
    HarvestListArgsSchema,
    HarvestRequestSchema,
    HarvestRunSchema,
    HospitalCountSchema,
    Invalid,
    NotFound,
    conformance_overview,
)
from hdcat.ontology import hospitals
from hdcat.web.apidoc import documented
from hdcat.web.auth import (
    accounts,
    audit_restricted_list,
    audit_restricted_read,
    is_local,
    is_member,
    require_scope,
)
from hdcat.web.context import catalog, harvest_queue, query_args
from marshmallow import Schema, ValidationError, fields

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class LinksSchema(Schema):
    self_ = fields.String(data_key="self")
    next = fields.String()
    prev = fields.String()


class DatasetPageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    hits = fields.List(fields.Nested(DatasetSummarySchema), required=True)
    links = fields.Nested(LinksSchema)


class RunPageSchema(Schema):
    page = fields.Integer()
    size = fields.Integer()
    active = fields.List(
        fields.Nested(HarvestJobSchema),
        metadata={"description": "harvests queued or running in the server now, running first"},
    )
    runs = fields.List(
        fields.Nested(HarvestRunSchema),
        metadata={"description": "runs without skipped_records and warnings (see /api/v1/harvests/{run_id})"},
    )


class HospitalListSchema(Schema):
    hospitals = fields.List(fields.Nested(HospitalCountSchema), required=True)


def _links(endpoint: str, page: int, size: int, total: int, **filters) -> dict:
    last = max(1, -(-total // size))
    links = {"self": url_for(endpoint, page=page, size=size, **filters)}
    if page < last:
        links["next"] = url_for(endpoint, page=page + 1, size=size, **filters)
    if page > 1:
        links["prev"] = url_for(endpoint, page=page - 1, size=size, **filters)
    return links


@bp.get("/datasets")
@documented("Datasets, paged", query=DatasetListArgsSchema, responses={200: DatasetPageSchema})
def datasets():
    args = query_args(DatasetListArgsSchema())
    page, size = args.pop("page"), args.pop("size")
    total, hits = catalog().datasets.page(page, size, members=is_member(), **args)
    audit_restricted_list(hits)
    return {
        "total": total,
        "page": page,
        "size": size,
        "hits": DatasetSummarySchema(many=True).dump(hits),
        "links": _links("api.datasets", page, size, total, **args),
    }


@bp.get("/datasets/<local_id>")
@documented("One dataset in full", responses={200: DatasetSchema})
def dataset(local_id: str):
    record = catalog().datasets.get(local_id, members=is_member())
    audit_restricted_read(record)
    return DatasetSchema().dump(record)


def job_dict(job) -> dict:
    """A queued or running harvest; who asked for it (a user or token) is for members' eyes."""
    shown = {**job.as_dict(), "url": url_for("api.harvest", run_id=job.id)}
    if not is_member():
        shown["requested_by"] = None
    return HarvestJobSchema().dump(shown)


@bp.get("/harvests")
@documented(
    "Harvest runs, newest first, and the runs queued or running now",
    query=HarvestListArgsSchema,
    responses={200: RunPageSchema},
)
def harvests():
    args = query_args(HarvestListArgsSchema())
    page, size = args["page"], args["size"]
    runs = [
        run_for_reader(r)
        for r in catalog().runs.list(source=args.get("source"), limit=size, offset=(page - 1) * size)
    ]
    active = [
        j for j in harvest_queue().active() if not args.get("source") or j.source.name == args["source"]
    ]
    return {
        "page": page,
        "size": size,
        "active": [job_dict(j) for j in active],
        "runs": HarvestRunSchema(many=True, exclude=("skipped_records", "warnings")).dump(runs),
    }


@bp.get("/harvests/<run_id>")
@documented(
    "One harvest: its progress while queued or running, then the stored run with skipped records "
    "and warnings",
    responses={200: {"oneOf": [HarvestRunSchema, HarvestJobSchema]}},
)
def harvest(run_id: str):
    """A queued or running harvest shows its progress; a finished one its stored record."""
    job = harvest_queue().job(run_id)
    if job is not None and job.state != "done":
        return job_dict(job)
    return HarvestRunSchema().dump(run_for_reader(catalog().runs.get(run_id)))


def run_for_reader(run: dict) -> dict:
    """Skipped records and warnings name datasets, consortium-only ones among them: members read them,
    anonymous readers get the counts (the run's `skipped`) and a note."""
    if is_member():
        return run
    hidden = (
        len(run.get("skipped_records") or [])
        + len(run.get("warnings") or [])
        + (1 if run.get("error") else 0)
    )
    # a failure message may quote what a source sent: members read it, others learn that it failed
    error = "the harvest failed; sign in to read why" if run.get("error") else None
    return {
        **run,
        "skipped_records": [],
        "warnings": [],
        "error": error,
        **({"details_hidden": hidden} if hidden else {}),
    }


def _requested_source(body: dict, who):
    """The SourceConfig a harvest request names; 400/403/404 naming what is wrong."""
    from hdcat.web.harvest_service import one_off_source

    settings = catalog().settings
    if body.get("source"):
        if any(body.get(k) for k in ("kind", "location", "hospital")):
            raise Invalid(
                "give either 'source' or 'kind', 'location' and 'hospital', not both", field="source"
            )
        if body.get("options"):
            raise Invalid(
                "'options' are for one-off sources; a configured source's options are in hdcat.toml",
                field="options",
            )
        source = settings.source(body["source"])
        if source is None:
            raise NotFound(
                f"no configured source is named {body['source']!r} "
                f"(configured: {', '.join(s.name for s in settings.sources) or 'none'})"
            )
        return source
    missing = [k for k in ("kind", "location", "hospital") if not body.get(k)]
    if missing:
        raise Invalid(
            f"a harvest needs 'source' (a configured source's name) or 'kind', 'location' and "
            f"'hospital'; missing: {', '.join(missing)}",
            field=missing[0],
        )
    local = is_local(who)  # the server's own command line, run by its OS user: a trusted operator
    if body["hospital"] not in {h["id"] for h in hospitals()} and not (
        local and body["hospital"] == "external"
    ):
        raise Invalid(f"hospital {body['hospital']!r} is not a member hospital", field="hospital")
    location = body["location"]
    if not local and not location.lower().startswith(("http://", "https://")):
        raise Invalid(
            "location: harvests started over the API read http(s) URLs only; files and databases on "
            "the server's machine are harvested with `hdcat "
            "harvest` there, or configured in hdcat.toml",
            field="location",
        )
    source = one_off_source(
        body["kind"], location, body["hospital"], trusted=local, options=body.get("options") or {}
    )
    if not local:
        from hdcat.harvesters.policy import FetchPolicy, FetchRefused

        try:  # a caller of the API never makes the server reach an internal address, not even its first page
            FetchPolicy.for_source(location, trusted=False).check(location)
        except FetchRefused as exc:
            raise Invalid(f"location: {exc.message}", field="location") from None
    return source


@bp.post("/harvests")
@documented(
    'Start a harvest: {"source": NAME}, or a one-off {"kind", "location" (http(s) URL), "hospital"} '
    'with optional "options" (as in hdcat.toml); "full": true re-reads unchanged pages',
    body=HarvestRequestSchema,
    responses={
        202: (HarvestJobSchema, "queued; follow `url` (also in Location) for progress"),
        403: "the token lacks `harvest:run`, or its steward does not act for the source's hospital",
        404: "no configured source has that name",
        503: "the server is stopping",
    },
)
@require_scope("harvest:run")
def start_harvest():
    """Queue a harvest; 202 with the run's URL, where its progress shows while it runs."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid('the body must be a JSON object such as {"source": "hanbit-dcat"}', field="(body)")
    try:
        body = HarvestRequestSchema().load(body)
    except ValidationError as exc:
        field, messages = next(iter(exc.messages.items()))
        raise Invalid(
            f"{field}: {messages[0] if isinstance(messages, list) else messages}", field=field
        ) from None
    who = g.principal
    source = _requested_source(body, who)
    if not who.acts_for(source.hospital):
        raise Forbidden(f"{who.label} does not act for {source.hospital}, whose source {source.name} this is")
    job = harvest_queue().submit([source], requested_by=who.label, incremental=not body["full"])[0]
    accounts().audit(
        who.label, "harvest.request", source.name, {"run": job.id}, origin=request.remote_addr or ""
    )
    answer = job_dict(job)
    return answer, 202, {"Location": answer["url"]}


@bp.get("/hospitals")
@documented("The member hospitals with dataset counts", responses={200: HospitalListSchema})
def hospital_list():
    stats = {h["id"]: h["datasets"] for h in catalog().datasets.stats(members=is_member())["hospitals"]}
    return {
        "hospitals": HospitalCountSchema(many=True).dump(
            [{**h, "datasets": stats.get(h["id"], 0)} for h in hospitals()]
        )
    }


@bp.get("/conformance")
@documented(
    "Conformance across hospitals: per hospital, datasets that declare, meet or resemble each definition",
    responses={200: ConformanceOverviewSchema},
    description="Counts only the datasets the caller may see; results are as last computed (after a harvest "
    "or a new definition version), never scored on request.",
)
def conformance():
    return ConformanceOverviewSchema().dump(conformance_overview(catalog(), members=is_member()))


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown(rest: str):
    raise NotFound(f"no API endpoint /api/v1/{rest}")
