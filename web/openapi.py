"""/api/openapi.json: the JSON API described from the same marshmallow schemas that shape it."""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app
from marshmallow import Schema, fields

from hdcat.catalog.schemas import (
    DatasetListArgsSchema, DatasetSchema, DatasetSummarySchema, HarvestJobSchema, HarvestListArgsSchema,
    HarvestRequestSchema, HarvestRunSchema, HospitalCountSchema,
)
from hdcat.catalog.definitions import DefinitionRecordSchema, DefinitionSchema
from hdcat.search.query import FACETS, MAX_SIZE, SORTS

bp = Blueprint("openapi", __name__)


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "machine-readable code"})
    message = fields.String(required=True, metadata={"description": "what is wrong, for people"})
    status = fields.Integer(required=True)
    field = fields.String(metadata={"description": "the parameter or field to fix"})
    detail = fields.Dict(metadata={"description": "more, e.g. `fields`: every field to fix with its message"})


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


class FacetBucketSchema(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True)
    count = fields.Integer(required=True)


class SearchHitSchema(DatasetSummarySchema):
    score = fields.Float(allow_none=True)
    highlight = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    title_highlight = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    partial = fields.Boolean(metadata={"description": "has some of the words, not all (tops up a short first page)"})


class SearchResponseSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    relaxed = fields.Boolean(required=True)
    did_you_mean = fields.String(allow_none=True)
    took_ms = fields.Float()
    hits = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetBucketSchema)), required=True)


class RunPageSchema(Schema):
    page = fields.Integer()
    size = fields.Integer()
    active = fields.List(fields.Nested(HarvestJobSchema), metadata={
        "description": "harvests queued or running in the server now, running first"})
    runs = fields.List(fields.Nested(HarvestRunSchema), metadata={
        "description": "runs without skipped_records and warnings (see /api/v1/harvests/{id})"})


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {"400": _json("Error", "a parameter is wrong; `field` names it"),
          "404": _json("Error", "no such resource")}
WRITE_ERRORS = {"400": _json("Error", "the body is wrong; `detail.fields` names every field to fix"),
                "401": _json("Error", "no valid bearer token"),
                "403": _json("Error", "the token lacks `definitions:write`, or its steward does not act for the "
                                      "definition's hospital"),
                "404": ERRORS["404"],
                "409": _json("Error", "the version exists already, or is published and never changes")}


class DefinitionVersionSchema(Schema):
    id = fields.String(required=True)
    version = fields.String(required=True)
    iri = fields.String(required=True)
    status = fields.String(required=True)
    modified = fields.String(allow_none=True)


class DefinitionListSchema(Schema):
    total = fields.Integer(required=True)
    definitions = fields.List(fields.Nested(DefinitionVersionSchema), required=True)


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


def _definition_paths(spec) -> None:
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 63}}
    path_version = {"name": "version", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 20}}
    body = {"required": True, "content": {"application/json": {"schema": "DefinitionInput"},
                                          "text/turtle": {"schema": {"type": "string"}}}}
    secured = [{"bearer": []}]
    spec.path(path="/api/v1/definitions", operations={
        "get": {"summary": "Every version of every standard dataset definition",
                "parameters": [{"name": "status", "in": "query",
                                "schema": {"type": "string", "enum": ["draft", "published", "deprecated"]}}],
                "responses": {"200": _json("DefinitionList"), "400": ERRORS["400"]}},
        "post": {"summary": "Register a new definition (a draft)", "security": secured, "requestBody": body,
                 "responses": {"201": _json("Definition"), **WRITE_ERRORS}}})
    spec.path(path="/api/v1/definitions/{id}", operations={"get": {
        "summary": "The latest published (else latest) version", "parameters": [path_id],
        "responses": {"200": _json("Definition"), "404": ERRORS["404"]}}})
    spec.path(path="/api/v1/definitions/{id}/{version}", operations={
        "get": {"summary": "One version", "parameters": [path_id, path_version],
                "responses": {"200": _json("Definition"), "404": ERRORS["404"]}},
        "put": {"summary": "Edit a draft (published versions never change: 409)", "security": secured,
                "parameters": [path_id, path_version], "requestBody": body,
                "responses": {"200": _json("Definition"), **WRITE_ERRORS}}})
    spec.path(path="/api/v1/definitions/{id}/{version}/conformance", operations={"get": {
        "summary": "Datasets that declare or resemble this version, with scores and what is missing",
        "parameters": [path_id, path_version], "responses": {"200": _json("Conformance"), "404": ERRORS["404"]}}})
    spec.path(path="/api/v1/definitions/{id}/{version}/{action}", operations={"post": {
        "summary": "publish, deprecate, or revise (body {\"version\": \"1.1.0\"}: a new draft that supersedes it when published)",
        "security": secured,
        "parameters": [path_id, path_version,
                       {"name": "action", "in": "path", "required": True,
                        "schema": {"type": "string", "enum": ["publish", "deprecate", "revise"]}}],
        "responses": {"200": _json("Definition"), "201": _json("Definition"), **WRITE_ERRORS}}})


def _lineage_and_audit_paths(spec) -> None:
    """Lineage (Marquez's shape; members only) and the audit trail (an `audit:read` token)."""
    node = {"name": "nodeId", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 1000},
            "description": "dataset:<namespace>:<name> or job:<namespace>:<name>"}
    depth = {"name": "depth", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 20}}
    direction = {"name": "direction", "in": "query", "schema": {"type": "string",
                                                                 "enum": ["both", "upstream", "downstream"]}}
    as_of = {"name": "asOf", "in": "query", "schema": {"type": "string"},
             "description": "the graph as it stood then (ISO 8601 date or date-time)"}
    obj = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    member = {"401": _json("Error", "sign in or send a token"), "403": _json("Error", "members only"),
              "400": ERRORS["400"], "404": _json("Error", "no such node")}
    read = [{"bearer": []}]
    spec.path(path="/api/v1/lineage", operations={
        "get": {"summary": "Lineage around a node, in Marquez's shape", "security": read,
                "parameters": [node, depth, direction, as_of], "responses": {"200": obj, **member}},
        "post": {"summary": "Receive an OpenLineage run, job or dataset event (2-0-2), as OpenLineage clients send it",
                 "security": [{"bearer": []}],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                 "responses": {"201": obj, "200": _json({"type": "object"}, "a duplicate: already stored"),
                               "400": _json("Error", "not a valid event; `field` names what is wrong"),
                               "401": _json("Error", "no valid bearer token"),
                               "403": _json("Error", "the token lacks `lineage:write` or writes another "
                                                     "hospital's namespace"),
                               "413": _json("Error", "the event is larger than 2 MiB")}}})
    spec.path(path="/api/v1/column-lineage", operations={"get": {
        "summary": "Column-level lineage of a dataset (the columnLineage facet)", "security": read,
        "parameters": [node, depth], "responses": {"200": obj, **member}}})
    spec.path(path="/api/v1/lineage/prov", operations={"get": {
        "summary": "PROV-O of a lineage neighbourhood", "security": read,
        "parameters": [node, depth, direction, {"name": "format", "in": "query", "schema": {
            "type": "string", "enum": ["ttl", "jsonld", "rdf", "nt"]}}],
        "responses": {"200": {"description": "PROV-O", "content": {"text/turtle": {"schema": {"type": "string"}}}},
                      **member}}})
    spec.path(path="/api/v1/lineage/paths", operations={"get": {
        "summary": "Paths between two nodes", "security": read,
        "parameters": [{"name": "from", "in": "query", "required": True, "schema": {"type": "string"}},
                       {"name": "to", "in": "query", "required": True, "schema": {"type": "string"}},
                       {"name": "maxLength", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 50}}],
        "responses": {"200": obj, **member}}})
    spec.path(path="/api/v1/lineage/impact", operations={"get": {
        "summary": "What is downstream of a node: datasets and jobs, by hospital", "security": read,
        "parameters": [node, depth], "responses": {"200": obj, **member}}})
    audit = {"401": _json("Error", "no valid bearer token"), "403": _json("Error", "the token lacks `audit:read`"),
             "400": ERRORS["400"]}
    spec.path(path="/api/v1/audit", operations={"get": {
        "summary": "The audit trail, newest first", "security": [{"bearer": []}],
        "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                       {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": {"200": obj, **audit}}})
    spec.path(path="/api/v1/audit/export.{fmt}", operations={"get": {
        "summary": "The whole trail as CSV or PROV-O (Turtle)", "security": [{"bearer": []}],
        "parameters": [{"name": "fmt", "in": "path", "required": True, "schema": {"type": "string",
                                                                                  "enum": ["csv", "ttl"]}}],
        "responses": {"200": {"description": "the trail", "content": {"text/csv": {"schema": {"type": "string"}}}},
                      **audit, "404": ERRORS["404"]}}})


def build_spec() -> dict:
    spec = APISpec(title="hdcat", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": "Hospital consortium data catalogue: datasets, harvests, search."})
    for name, schema in (("Error", ErrorSchema), ("Dataset", DatasetSchema), ("DatasetSummary", DatasetSummarySchema),
                         ("DatasetPage", DatasetPageSchema), ("HarvestRun", HarvestRunSchema),
                         ("HarvestJob", HarvestJobSchema), ("RunPage", RunPageSchema),
                         ("HarvestRequest", HarvestRequestSchema), ("SearchResponse", SearchResponseSchema),
                         ("HospitalCount", HospitalCountSchema), ("Definition", DefinitionRecordSchema),
                         ("DefinitionInput", DefinitionSchema), ("DefinitionList", DefinitionListSchema),
                         ("Conformance", ConformanceSchema)):
        spec.components.schema(name, schema=schema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    _definition_paths(spec)
    search_params = [
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 500},
         "description": 'Words in Korean or English, "phrases", -exclusions, title:/column:/code:/keyword: prefixes'},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
        {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE}},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS)}},
    ] + [{"name": f, "in": "query", "schema": {"type": "array", "items": {"type": "string", "maxLength": 200}},
          "style": "form", "explode": True, "description": f"filter on the {f} facet (repeat for any of several)"}
         for f in FACETS]
    spec.path(path="/api/v1/datasets", operations={"get": {
        "summary": "Datasets, paged", "parameters": [{"in": "query", "schema": DatasetListArgsSchema}],
        "responses": {"200": _json("DatasetPage"), **ERRORS}}})
    spec.path(path="/api/v1/datasets/{id}", operations={"get": {
        "summary": "One dataset in full",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("Dataset"), "404": ERRORS["404"]}}})
    spec.path(path="/api/v1/search", operations={"get": {
        "summary": "Faceted search", "parameters": search_params,
        "responses": {"200": _json("SearchResponse"), "400": ERRORS["400"],
                      "503": _json("Error", "the search engine is unreachable")}}})
    spec.path(path="/api/v1/suggest", operations={"get": {
        "summary": "Autocomplete on titles, keywords and concept names",
        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100}}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"q": {"type": "string"},
                                             "suggestions": {"type": "array", "items": {"type": "string"}}}}}}},
                      "400": ERRORS["400"]}}})
    spec.path(path="/api/v1/harvests", operations={
        "get": {"summary": "Harvest runs, newest first, and the runs queued or running now",
                "parameters": [{"in": "query", "schema": HarvestListArgsSchema}],
                "responses": {"200": _json("RunPage"), **ERRORS}},
        "post": {"summary": 'Start a harvest: {"source": NAME}, or a one-off {"kind", "location" (http(s) URL), '
                            '"hospital"}; "full": true re-reads unchanged pages',
                 "security": [{"bearer": []}],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": "HarvestRequest"}}},
                 "responses": {"202": _json("HarvestJob", "queued; follow `url` (also in Location) for progress"),
                               "400": ERRORS["400"], "401": _json("Error", "no valid bearer token"),
                               "403": _json("Error", "the token lacks `harvest:run`, or its steward does not act "
                                                     "for the source's hospital"),
                               "404": _json("Error", "no configured source has that name"),
                               "503": _json("Error", "the server is stopping")}}})
    spec.path(path="/api/v1/harvests/{id}", operations={"get": {
        "summary": "One harvest: its progress while queued or running, then the stored run with skipped records "
                   "and warnings",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"oneOf": [
            {"$ref": "#/components/schemas/HarvestRun"}, {"$ref": "#/components/schemas/HarvestJob"}]}}}},
            "404": ERRORS["404"]}}})
    _lineage_and_audit_paths(spec)
    spec.path(path="/api/v1/hospitals", operations={"get": {
        "summary": "The member hospitals with dataset counts",
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"hospitals": {"type": "array", "items": {"$ref": "#/components/schemas/HospitalCount"}}}}}}}}}})
    return spec.to_dict()


@bp.get("/api/openapi.json")
def openapi_json():
    spec = current_app.extensions.get("hdcat.openapi")
    if spec is None:
        spec = current_app.extensions["hdcat.openapi"] = build_spec()
    return spec
