"""Lineage over HTTP: OpenLineage events in (the path OpenLineage clients and Marquez use), the
graph out in Marquez's shape, column-level lineage, and PROV-O of any neighbourhood."""
from __future__ import annotations

from datetime import datetime, timezone

import orjson
from flask import Blueprint, Response, current_app, g, request

from hdcat.catalog.errors import Forbidden, Invalid
from hdcat.catalog.lineage import MAX_DEPTH
from hdcat.catalog.schemas import whole_number
from hdcat.web.auth import accounts, require_permission, require_scope
from hdcat.web.context import catalog
from hdcat.web.conneg import negotiate
from hdcat.web.rdf_response import rdf_response

bp = Blueprint("lineage_api", __name__, url_prefix="/api/v1")
MAX_EVENT_BYTES = 2 * 1024 * 1024


MAX_PATH_LENGTH = 50


def _int_arg(name: str, default: int, high: int = MAX_DEPTH) -> int:
    return whole_number(request.args.get(name, default), name, 0, high)


def _node_arg() -> str:
    node = request.args.get("nodeId", "")
    if not node or ":" not in node or len(node) > 1000:
        raise Invalid("parameter 'nodeId': give dataset:<namespace>:<name> or job:<namespace>:<name>", field="nodeId")
    return node


def _written_namespaces(event) -> set[str]:
    """The namespaces an event writes into: its job's, its outputs', a dataset event's dataset.
    Inputs are read, not written: a hanbit job may read a gaon dataset (and show as its consumer)."""
    if not isinstance(event, dict):
        return set()
    written = [event.get("job"), event.get("dataset")]
    outputs = event.get("outputs")
    written += outputs if isinstance(outputs, list) else []
    return {w["namespace"] for w in written if isinstance(w, dict) and isinstance(w.get("namespace"), str)}


def _check_tenancy(event, who):
    """A token writes lineage only into its own hospitals' namespaces (the [lineage] namespaces map, or a
    namespace that is a hospital id, decides whose a namespace is); admins write anywhere. An input from
    another hospital is kept as a reference, without the facets (description, schema, owners) that would
    rewrite that hospital's dataset. Returns the event to store."""
    if who.role == "admin" or not isinstance(event, dict):
        return event
    foreign = {}
    for namespace in _written_namespaces(event):
        hospital = catalog().lineage.hospital_of({"namespace": namespace})
        if hospital is not None and hospital not in who.hospitals:
            foreign[namespace] = hospital
    if foreign:
        namespace, hospital = sorted(foreign.items())[0]
        raise Forbidden(f"{who.label} acts for {', '.join(sorted(who.hospitals)) or 'no hospital'}; namespace "
                        f"{namespace!r} is {hospital}'s, so this token may not write lineage into it")
    inputs = event.get("inputs")
    if not isinstance(inputs, list):
        return event
    kept = []
    for item in inputs:
        if isinstance(item, dict) and isinstance(item.get("namespace"), str):
            owner = catalog().lineage.hospital_of({"namespace": item["namespace"]})
            if owner is not None and owner not in who.hospitals:
                item = {k: v for k, v in item.items() if k not in ("facets", "inputFacets")}
        kept.append(item)
    return {**event, "inputs": kept}


@bp.post("/lineage")
@require_scope("lineage:write")
def post_event():
    if request.content_length and request.content_length > MAX_EVENT_BYTES:
        raise Invalid(f"an OpenLineage event may be at most {MAX_EVENT_BYTES} bytes", field="(body)")
    event = request.get_json(silent=True)
    if event is None:
        raise Invalid("the body must be an OpenLineage event as JSON (Content-Type: application/json)",
                      field="(body)")
    event = _check_tenancy(event, g.principal)
    counter = current_app.extensions["hdcat.metrics"].lineage_events
    try:
        result = catalog().lineage.ingest(event)
    except Invalid:
        counter.labels("invalid").inc()
        raise
    counter.labels(result["status"]).inc()
    if result["status"] == "stored":
        job = event.get("job") or event.get("dataset") or {}
        accounts().audit(g.principal.label, "lineage.event", f"{job.get('namespace')}:{job.get('name')}",
                         {"key": result["key"], "eventType": event.get("eventType")}, origin=request.remote_addr or "")
    return result, (201 if result["status"] == "stored" else 200)


def _graph():
    """The live lineage graph, or the graph as it stood at ?asOf=<ISO date or date-time>."""
    as_of = request.args.get("asOf")
    if not as_of:
        return catalog().lineage.index
    try:
        when = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("parameter 'asOf': an ISO 8601 date or date-time, e.g. 2024-06-30", field="asOf") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return catalog().lineage.as_of(when)


def _fast_json(body) -> Response:
    """Lineage answers run to megabytes: orjson encodes them several times faster than json."""
    return Response(orjson.dumps(body), mimetype="application/json")


@bp.get("/lineage")
@require_permission("read:lineage")
def get_lineage():
    node = _node_arg()
    return _fast_json(_graph().marquez(node, _int_arg("depth", 20), request.args.get("direction", "both")))


@bp.get("/column-lineage")
@require_permission("read:lineage")
def get_column_lineage():
    return catalog().lineage.index.column_lineage(_node_arg(), _int_arg("depth", 20))


@bp.get("/lineage/prov")
@require_permission("read:lineage")
def get_prov():
    fmt = negotiate(default="ttl")
    if fmt.rdflib is None:
        raise Invalid("parameter 'format': PROV-O comes as ttl, jsonld, rdf or nt", field="format")
    graph = catalog().lineage.prov(_node_arg(), _int_arg("depth", 1), request.args.get("direction", "both"))
    return rdf_response(graph, fmt)


@bp.get("/lineage/paths")
@require_permission("read:lineage")
def get_paths():
    source, target = request.args.get("from", ""), request.args.get("to", "")
    for name, value in (("from", source), ("to", target)):
        if ":" not in value:
            raise Invalid(f"parameter {name!r}: give a node id such as dataset:<namespace>:<name>", field=name)
    paths = catalog().lineage.index.paths(source, target, cutoff=_int_arg("maxLength", 10, MAX_PATH_LENGTH))
    return {"from": source, "to": target, "paths": paths}


@bp.get("/lineage/impact")
@require_permission("read:lineage")
def get_impact():
    cat = catalog()
    return cat.lineage.index.impact(_node_arg(), cat.lineage.hospital_of)
