"""The JSON API under /api/v1: thin views over the catalogue, schemas from catalog.schemas."""
from __future__ import annotations

from flask import Blueprint, url_for

from hdcat.catalog.errors import NotFound
from hdcat.catalog.schemas import (
    DatasetListArgsSchema, DatasetSchema, DatasetSummarySchema, HarvestListArgsSchema, HarvestRunSchema,
    HospitalCountSchema,
)
from hdcat.ontology import hospitals
from hdcat.web.auth import audit_restricted_read, is_member
from hdcat.web.context import catalog, query_args

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _links(endpoint: str, page: int, size: int, total: int, **filters) -> dict:
    last = max(1, -(-total // size))
    links = {"self": url_for(endpoint, page=page, size=size, **filters)}
    if page < last:
        links["next"] = url_for(endpoint, page=page + 1, size=size, **filters)
    if page > 1:
        links["prev"] = url_for(endpoint, page=page - 1, size=size, **filters)
    return links


@bp.get("/datasets")
def datasets():
    args = query_args(DatasetListArgsSchema())
    page, size = args.pop("page"), args.pop("size")
    total, hits = catalog().dataset_page(page, size, members=is_member(), **args)
    return {"total": total, "page": page, "size": size,
            "hits": DatasetSummarySchema(many=True).dump(hits),
            "links": _links("api.datasets", page, size, total, **args)}


@bp.get("/datasets/<local_id>")
def dataset(local_id: str):
    record = catalog().dataset(local_id, members=is_member())
    audit_restricted_read(record)
    return DatasetSchema().dump(record)


@bp.get("/harvests")
def harvests():
    args = query_args(HarvestListArgsSchema())
    page, size = args["page"], args["size"]
    runs = catalog().runs(source=args.get("source"), limit=size, offset=(page - 1) * size)
    return {"page": page, "size": size, "runs": HarvestRunSchema(many=True, exclude=("skipped_records", "warnings")).dump(runs)}


@bp.get("/harvests/<run_id>")
def harvest(run_id: str):
    return HarvestRunSchema().dump(catalog().run(run_id))


@bp.get("/hospitals")
def hospital_list():
    stats = {h["id"]: h["datasets"] for h in catalog().stats(members=is_member())["hospitals"]}
    return {"hospitals": HospitalCountSchema(many=True).dump([{**h, "datasets": stats.get(h["id"], 0)}
                                                              for h in hospitals()])}


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown(rest: str):
    raise NotFound(f"no API endpoint /api/v1/{rest}")
