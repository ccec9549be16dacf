"""Lineage over HTTP: OpenLineage events in (the path OpenLineage clients and Marquez use), the
graph out in Marquez's shape, column-level lineage, and PROV-O of any neighbourhood."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from flask import Blueprint, Response, current_app, g, request
from hdcat.catalog import DIRECTIONS, MAX_DEPTH, Forbidden, Invalid, whole_number
from hdcat.web.apidoc import OBJECT, TEXT, Media, documented
from hdcat.web.auth import accounts, require_permission, require_scope
from hdcat.web.conneg import FORMATS, negotiate
from hdcat.web.context import catalog
from hdcat.web.rdf_response import rdf_response
from marshmallow import Schema, fields, validate

bp = Blueprint("lineage_api", __name__, url_prefix="/api/v1")
MAX_EVENT_BYTES = 2 * 1024 * 1024
#: what one event of a batch came to (`status`), and in words
BATCH_RESULT = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "description": "one per event, in order: index, status (stored, duplicate, invalid, forbidden), "
            "and key and lenient, or field and message",
            "items": {"type": "object"},
        },
        "stored": {"type": "integer"},
        "duplicate": {"type": "integer"},
        "invalid": {"type": "integer"},
        "forbidden": {"type": "integer"},
    },
}


MAX_PATH_LENGTH = 50
MAX_NODE_ID = 1000
RDF_FORMATS = [f for f in FORMATS if f.rdflib is not None]


# What the views below read from the query string, for the OpenAPI document (the views check it
# with the same limits, naming the parameter that is wrong).
class NodeArgs(Schema):
    nodeId = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_NODE_ID),
        metadata={"description": "dataset:<namespace>:<name> or job:<namespace>:<name>"},
    )
    depth = fields.Integer(
        validate=validate.Range(min=0),
        metadata={"description": f"0 or more; above {MAX_DEPTH} it is taken as {MAX_DEPTH}, as Marquez does"},
    )


class ColumnArgs(NodeArgs):
    withDownstream = fields.Boolean(metadata={"description": "also the columns derived from it"})


class NeighbourhoodArgs(NodeArgs):
    direction = fields.String(validate=validate.OneOf(DIRECTIONS))


class GraphArgs(NeighbourhoodArgs):
    asOf = fields.String(metadata={"description": "the graph as it stood then (ISO 8601 date or date-time)"})


class ProvArgs(NeighbourhoodArgs):
    format = fields.String(validate=validate.OneOf([f.name for f in RDF_FORMATS]))


class PathArgs(Schema):
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    maxLength = fields.Integer(validate=validate.Range(min=0, max=MAX_PATH_LENGTH))


MEMBERS_ONLY = {403: "members only", 404: "no such node"}


def _int_arg(name: str, default: int, high: int = MAX_DEPTH) -> int:
    return whole_number(request.args.get(name, default), name, 0, high)


def _depth(default: int) -> int:
    """Lineage depth: a whole number from 0; above the cap it is clamped, not refused, as Marquez
    does (its clients ask for depth=100 and expect the whole graph they can get)."""
    return min(whole_number(request.args.get("depth", default), "depth", 0, 10**9), MAX_DEPTH)


def _node_arg() -> str:
    node = request.args.get("nodeId", "")
    if not node or ":" not in node or len(node) > MAX_NODE_ID:
        raise Invalid(
            "parameter 'nodeId': give dataset:<namespace>:<name> or job:<namespace>:<name>", field="nodeId"
        )
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
        raise Forbidden(
            f"{who.label} acts for {', '.join(sorted(who.hospitals)) or 'no hospital'}; namespace "
            f"{namespace!r} is {hospital}'s, so this token may not write lineage into it"
        )
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
@documented(
    "Receive an OpenLineage run, job or dataset event (2-0-2), as OpenLineage clients send it",
    body=OBJECT,
    responses={
        201: (OBJECT, "stored"),
        200: (OBJECT, "a duplicate: already stored"),
        400: "not a valid event; `field` names what is wrong",
        403: "the token lacks `lineage:write` or writes another hospital's namespace",
        413: "the event is larger than 2 MiB",
    },
)
@require_scope("lineage:write")
def post_event():
    if request.content_length and request.content_length > MAX_EVENT_BYTES:
        raise Invalid(f"an OpenLineage event may be at most {MAX_EVENT_BYTES} bytes", field="(body)")
    event = request.get_json(silent=True)
    if event is None:
        raise Invalid(
            "the body must be an OpenLineage event as JSON (Content-Type: application/json)", field="(body)"
        )
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
        accounts().audit(
            g.principal.label,
            "lineage.event",
            f"{job.get('namespace')}:{job.get('name')}",
            {"key": result["key"], "eventType": event.get("eventType")},
            origin=request.remote_addr or "",
        )
    return result, (201 if result["status"] == "stored" else 200)


@bp.post("/lineage/batch")
@documented(
    "Receive a batch of OpenLineage events (a JSON array), as OpenLineage's HTTP API defines it "
    "(POST /lineage/batch); each event gets its own result",
    body={"type": "array", "items": OBJECT},
    responses={
        200: (BATCH_RESULT, "the batch was read; each event's `status` says what became of it"),
        400: "the body is not a JSON array of events, or holds more than the most a batch may",
        403: "the token lacks `lineage:write`",
        413: "the batch is larger than 16 MiB (the site's limit on a request body)",
    },
    tags=["lineage"],
)
@require_scope("lineage:write")
def post_batch():
    """Valid events are stored in one write; an invalid event, or one into another hospital's
    namespace, is answered in its place and keeps none of the others out."""
    events = request.get_json(silent=True)
    if not isinstance(events, list):
        raise Invalid(
            "the body must be a JSON array of OpenLineage events (Content-Type: application/json)",
            field="(body)",
        )
    results: list[dict | None] = [None] * len(events)
    allowed, where = [], []
    for i, event in enumerate(events):
        try:
            allowed.append(_check_tenancy(event, g.principal))
            where.append(i)
        except Forbidden as exc:
            results[i] = {"index": i, "status": "forbidden", "message": exc.message}
    for i, result in zip(where, catalog().lineage.ingest_many(allowed), strict=True):
        results[i] = {**result, "index": i}
    counts = {status: 0 for status in ("stored", "duplicate", "invalid", "forbidden")}
    counter = current_app.extensions["hdcat.metrics"].lineage_events
    for result in results:
        counts[result["status"]] += 1
    for status, n in counts.items():
        if n:
            counter.labels(status).inc(n)
    stored = [r["index"] for r in results if r["status"] == "stored"]
    if stored:
        accounts().audit(
            g.principal.label,
            "lineage.batch",
            f"{len(stored)} events",
            {
                "keys": [results[i]["key"] for i in stored],
                "jobs": sorted({_event_target(events[i]) for i in stored}),
            },
            origin=request.remote_addr or "",
        )
    return {"results": results, **counts}


def _event_target(event: dict) -> str:
    job = event.get("job") or event.get("dataset") or {}
    return f"{job.get('namespace')}:{job.get('name')}"


def _as_of() -> datetime | None:
    """?asOf=<ISO date or date-time>: the lineage as it stood then."""
    as_of = request.args.get("asOf")
    if not as_of:
        return None
    try:
        when = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            "parameter 'asOf': an ISO 8601 date or date-time, e.g. 2024-06-30", field="asOf"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _fast_json(body) -> Response:
    """Lineage answers run to megabytes: orjson encodes them several times faster than json."""
    return Response(orjson.dumps(body), mimetype="application/json")


@bp.get("/lineage")
@documented(
    "Lineage around a node, in Marquez's shape", query=GraphArgs, responses={200: OBJECT, **MEMBERS_ONLY}
)
@require_permission("read:lineage")
def get_lineage():
    node = _node_arg()
    direction = request.args.get("direction", "both")
    return _fast_json(catalog().lineage.marquez_graph(node, _depth(20), direction, _as_of()))


@bp.get("/column-lineage")
@documented(
    "Column-level lineage of a dataset (the columnLineage facet)",
    query=ColumnArgs,
    responses={200: OBJECT, **MEMBERS_ONLY},
    tags=["lineage"],
)
@require_permission("read:lineage")
def get_column_lineage():
    down = request.args.get("withDownstream", "false").lower()
    if down not in ("true", "false"):
        raise Invalid("parameter 'withDownstream': true or false", field="withDownstream")
    return catalog().lineage.index.column_lineage(_node_arg(), _depth(20), downstream=down == "true")


@bp.get("/lineage/prov")
@documented(
    "PROV-O of a lineage neighbourhood (?format= or the Accept header chooses the syntax)",
    query=ProvArgs,
    responses={
        200: Media({f.media_type: OBJECT if f.name == "jsonld" else TEXT for f in RDF_FORMATS}, "PROV-O"),
        **MEMBERS_ONLY,
        406: "none of the media types in Accept is offered",
    },
)
@require_permission("read:lineage")
def get_prov():
    fmt = negotiate(default="ttl")
    if fmt.rdflib is None:
        raise Invalid("parameter 'format': PROV-O comes as ttl, jsonld, rdf or nt", field="format")
    graph = catalog().lineage.prov(_node_arg(), _depth(1), request.args.get("direction", "both"))
    return rdf_response(graph, fmt)


@bp.get("/lineage/paths")
@documented("Paths between two nodes", query=PathArgs, responses={200: OBJECT, **MEMBERS_ONLY})
@require_permission("read:lineage")
def get_paths():
    source, target = request.args.get("from", ""), request.args.get("to", "")
    for name, value in (("from", source), ("to", target)):
        if ":" not in value:
            raise Invalid(
                f"parameter {name!r}: give a node id such as dataset:<namespace>:<name>", field=name
            )
    paths = catalog().lineage.index.paths(source, target, cutoff=_int_arg("maxLength", 10, MAX_PATH_LENGTH))
    return {"from": source, "to": target, "paths": paths}


@bp.get("/lineage/impact")
@documented(
    "What is downstream of a node: datasets and jobs, by hospital",
    query=NodeArgs,
    responses={200: OBJECT, **MEMBERS_ONLY},
)
@require_permission("read:lineage")
def get_impact():
    cat = catalog()
    return cat.lineage.index.impact(_node_arg(), cat.lineage.hospital_of)
