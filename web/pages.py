"""HTML pages: home, dataset list, dataset pages (with content negotiation), hospitals, harvests."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from hdcat.catalog import (
    SEVERAL,
    UNCLASSIFIED,
    DatasetListArgsSchema,
    Forbidden,
    Invalid,
    NotFound,
    PageArgsSchema,
    conformance_overview,
)
from hdcat.ontology import hospitals
from hdcat.web.api import run_for_reader
from hdcat.web.auth import (
    accounts,
    audit_restricted_list,
    audit_restricted_read,
    is_member,
    principal,
    require_permission,
)
from hdcat.web.charts import page_charts
from hdcat.web.citation import EXPORTS
from hdcat.web.conneg import negotiate
from hdcat.web.context import catalog, harvest_queue, query_args
from hdcat.web.definitions_pages import declared_versions
from hdcat.web.rdf_response import rdf_response

bp = Blueprint("pages", __name__)


class DatasetPageArgs(DatasetListArgsSchema):
    class Meta:
        unknown = "exclude"


#: the home table's disease-area columns, in order; SEVERAL and UNCLASSIFIED follow, so a row adds up
HOME_AREAS = ("cancer", "cardiovascular", "respiratory", "ophthalmology", "other")


@bp.get("/")
def home():
    members = is_member()
    stats = catalog().datasets.stats(members=members)
    once = stats["disease_areas_once"]
    # an area of the code list not among the usual ones gets its own column too, or its row would not add up
    more = sorted(set(once) - {*HOME_AREAS, SEVERAL, UNCLASSIFIED})
    charts, charts_note = page_charts(
        members, by_hospital={h["id"]: h["datasets"] for h in stats["hospitals"]}
    )
    return render_template(
        "home.html",
        stats=stats,
        areas=HOME_AREAS + tuple(more),
        charts=charts,
        charts_note=charts_note,
        runs=[run_for_reader(r) for r in catalog().runs.list(limit=8)],
    )


@bp.get("/conformance")
def conformance():
    """Per hospital, how its datasets measure against each published definition (what the reader may see)."""
    return render_template("conformance.html", o=conformance_overview(catalog(), members=is_member()))


@bp.get("/datasets")
def datasets():
    args = query_args(DatasetPageArgs())
    page, size = args.pop("page"), args.pop("size")
    total, hits = catalog().datasets.page(page, size, members=is_member(), **args)
    audit_restricted_list(hits)
    last = max(1, -(-total // size))
    return render_template(
        "datasets.html",
        hits=hits,
        total=total,
        page=page,
        size=size,
        last=last,
        filters=args,
        hospitals=hospitals(),
    )


@bp.get("/datasets/<local_id>")
def dataset(local_id: str):
    fmt = negotiate()
    cat = catalog()
    members = is_member()
    record = cat.datasets.get(local_id, members=members)
    audit_restricted_read(record)
    if fmt.rdflib is not None:
        return rdf_response(cat.datasets.resource_graph(local_id, members=members), fmt)
    # readers who are not signed in learn that lineage exists and how to see it, not that there is none
    lineage = cat.lineage.panel(local_id) if members else None
    lineage_for_members = not members and cat.lineage.node_for(local_id) is not None
    return render_template(
        "dataset.html",
        d=record,
        lineage=lineage,
        lineage_for_members=lineage_for_members,
        retired=declared_versions(record),
    )


@bp.get("/datasets/<local_id>/cite.<fmt>")
def cite(local_id: str, fmt: str):
    """The dataset's citation as a file for a reference manager; hidden from whom the page is hidden."""
    export = EXPORTS.get(fmt)
    if export is None:
        raise NotFound(f"no citation format {fmt!r}; there are: {', '.join(sorted(EXPORTS))}")
    record = catalog().datasets.get(local_id, members=is_member())
    audit_restricted_read(record)
    return Response(
        export.write(record),
        content_type=f"{export.media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{record["id"]}.{export.extension}"'},
    )


@bp.get("/hospitals/<hospital_id>")
def hospital(hospital_id: str):
    record = next((h for h in hospitals() if h["id"] == hospital_id), None)
    if record is None:
        raise NotFound(f"no member hospital {hospital_id!r}")
    args = query_args(DatasetPageArgs())
    total, hits = catalog().datasets.page(
        args["page"], args["size"], hospital=hospital_id, members=is_member()
    )
    audit_restricted_list(hits)
    last = max(1, -(-total // args["size"]))
    runs = [run_for_reader(r) for r in catalog().runs.list(limit=10, hospital=hospital_id)]
    charts, charts_note = page_charts(is_member(), hospital=hospital_id)
    return render_template(
        "hospital.html",
        charts=charts,
        charts_note=charts_note,
        h=record,
        hits=hits,
        total=total,
        page=args["page"],
        size=args["size"],
        last=last,
        runs=runs,
    )


def _startable_sources() -> list:
    """The configured sources the signed-in person may harvest now: a steward's hospitals', or all for
    admins."""
    who = principal()
    if who is None or not who.can("run:harvests"):
        return []
    return [s for s in catalog().settings.sources if who.acts_for(s.hospital)]


@bp.get("/harvests")
def harvests():
    from hdcat.web.account import EmptyForm

    args = query_args(PageArgsSchema())
    runs = [
        run_for_reader(r)
        for r in catalog().runs.list(limit=args["size"], offset=(args["page"] - 1) * args["size"])
    ]
    queue = harvest_queue()
    return render_template(
        "harvests.html",
        runs=runs,
        page=args["page"],
        size=args["size"],
        active=[j.as_dict() for j in queue.active()],
        startable=_startable_sources(),
        form=EmptyForm(),
    )


@bp.post("/harvests")
@require_permission("run:harvests")
def start_harvest():
    """A steward's "harvest now" button: their own hospital's configured sources only."""
    from hdcat.web.account import EmptyForm

    form = EmptyForm()
    if not form.validate_on_submit():
        raise Invalid("the form expired; reload the page and press the button again", field="csrf_token")
    name = request.form.get("source", "")
    source = next((s for s in _startable_sources() if s.name == name), None)
    if source is None:
        raise Forbidden(f"{principal().label} may not harvest {name!r}: not a source of their hospitals")
    job = harvest_queue().submit([source], requested_by=principal().label)[0]
    accounts().audit(
        principal().label, "harvest.request", source.name, {"run": job.id}, origin=request.remote_addr or ""
    )
    return redirect(url_for("pages.harvest", run_id=job.id), 303)


@bp.get("/harvests/<run_id>")
def harvest(run_id: str):
    job = harvest_queue().job(run_id)
    if job is not None and job.state != "done":
        return render_template(
            "harvest.html",
            run={**job.as_dict(), "iri": None, "skipped_records": [], "warnings": []},
            live=True,
        )
    return render_template("harvest.html", run=run_for_reader(catalog().runs.get(run_id)))
