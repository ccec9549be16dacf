"""marshmallow schemas of the read model, shared by the JSON API and the search index.

Input schemas (query parameters) are separate from output schemas, so what a
client may send never silently widens what the API returns.
"""

from __future__ import annotations

from hdcat.catalog.errors import Invalid
from hdcat.catalog.readmodel import Suppressed
from marshmallow import Schema, fields, validate


def whole_number(value, name: str, low: int, high: int) -> int:
    """A query parameter that must be a whole number within bounds; otherwise a 400 naming it."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"parameter {name!r}: not a whole number", field=name) from None
    if not low <= number <= high:
        raise Invalid(f"parameter {name!r}: must be between {low} and {high}", field=name)
    return number


class CountField(fields.Field):
    """An aggregate count: a number, or the string '<N' when it is below the threshold."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, Suppressed):
            return str(value)
        return int(value)


class ConceptSchema(Schema):
    iri = fields.String()
    label = fields.String(allow_none=True)
    label_ko = fields.String(allow_none=True)
    notation = fields.String(allow_none=True)


class HospitalSchema(Schema):
    id = fields.String()
    iri = fields.String()
    name_en = fields.String()
    name_ko = fields.String()
    type = fields.String()
    city = fields.String(allow_none=True)
    lead = fields.Boolean()


class HospitalCountSchema(HospitalSchema):
    """A member hospital with how many datasets the catalogue holds from it."""

    datasets = fields.Integer()


class AgentSchema(Schema):
    iri = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    name_ko = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ColumnSchema(Schema):
    name = fields.String()
    title = fields.String(allow_none=True)
    title_ko = fields.String(allow_none=True)
    datatype = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    coding_system = fields.Nested(ConceptSchema, allow_none=True)
    unit = fields.String(allow_none=True)


class ServiceSchema(Schema):
    """A dcat:DataService that gives access to the dataset."""

    iri = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    titles = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.String(allow_none=True)
    endpoint_urls = fields.List(fields.String())
    endpoint_descriptions = fields.List(fields.String())
    conforms_to = fields.List(fields.String())
    serves_datasets = fields.List(fields.String())


class DistributionSchema(Schema):
    iri = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    access_url = fields.String(allow_none=True)
    download_url = fields.String(allow_none=True)
    format = fields.String(allow_none=True)
    media_type = fields.String(allow_none=True)
    license = fields.String(allow_none=True)
    columns = fields.List(fields.Nested(ColumnSchema))
    access_services = fields.List(fields.Nested(ServiceSchema))


class CodeValueSchema(Schema):
    notation = fields.String()
    label = fields.String(allow_none=True)
    label_ko = fields.String(allow_none=True)
    scheme = fields.String(allow_none=True)


class HarvestSummarySchema(Schema):
    run = fields.String()
    run_id = fields.String()
    source = fields.String()
    first_seen = fields.String(allow_none=True)
    last_changed = fields.String(allow_none=True)


class DatasetSourceSchema(HarvestSummarySchema):
    """One source that publishes the dataset; a dataset several sources publish has one record and a
    source entry each (README: "Datasets published by several sources")."""

    graph = fields.String()
    visibility = fields.String()
    hospital = fields.String(allow_none=True)
    local_id = fields.String(allow_none=True)
    run = fields.String(allow_none=True)
    run_id = fields.String(allow_none=True)


class DatasetSummarySchema(Schema):
    """One hit in a list: enough to show and filter, cheap to index."""

    id = fields.String()
    iri = fields.String()
    title = fields.String()
    titles = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.String(allow_none=True)
    keywords = fields.List(fields.String())
    hospital = fields.Nested(HospitalSchema, allow_none=True)
    disease_areas = fields.List(fields.Nested(ConceptSchema))
    data_types = fields.List(fields.Nested(ConceptSchema))
    access_rights = fields.Nested(ConceptSchema, allow_none=True)
    coding_systems = fields.List(fields.Nested(ConceptSchema))
    modified = fields.String(allow_none=True)
    number_of_individuals = CountField(allow_none=True)
    conforms_to = fields.List(fields.String())
    visibility = fields.String(
        metadata={"description": "public, or consortium: shown to signed-in members only"}
    )


class DatasetSchema(DatasetSummarySchema):
    """A dataset in full: the dataset page and /api/v1/datasets/<id>."""

    identifier = fields.String(allow_none=True)
    descriptions = fields.Dict(keys=fields.String(), values=fields.String())
    publisher = fields.Nested(AgentSchema, allow_none=True)
    contact_point = fields.Nested(AgentSchema, allow_none=True)
    themes = fields.List(fields.Nested(ConceptSchema))
    code_values = fields.List(fields.Nested(CodeValueSchema))
    issued = fields.String(allow_none=True)
    temporal_start = fields.String(allow_none=True)
    temporal_end = fields.String(allow_none=True)
    number_of_records = CountField(allow_none=True)
    min_typical_age = fields.Integer(allow_none=True)
    max_typical_age = fields.Integer(allow_none=True)
    population_coverage = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    distributions = fields.List(fields.Nested(DistributionSchema))
    services = fields.List(fields.Nested(ServiceSchema))
    columns = fields.List(fields.Nested(ColumnSchema))
    derived_from = fields.List(fields.String())
    harvest = fields.Nested(HarvestSummarySchema, allow_none=True)
    sources = fields.List(fields.Nested(DatasetSourceSchema))
    properties = fields.List(fields.Dict())


class SkippedSchema(Schema):
    record = fields.String()
    reason = fields.String()


class _RunSchema(Schema):
    """What every view of a harvest run says, stored or still running."""

    id = fields.String()
    source = fields.String()
    hospital = fields.String()
    kind = fields.String()
    location = fields.String()
    started = fields.String(allow_none=True)
    ended = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    found = fields.Integer()
    added = fields.Integer()
    changed = fields.Integer()
    removed = fields.Integer()
    skipped = fields.Integer()
    error = fields.String(allow_none=True)


class HarvestRunSchema(_RunSchema):
    """A finished run as stored (a prov:Activity)."""

    iri = fields.String()
    skipped_records = fields.List(fields.Nested(SkippedSchema))
    warnings = fields.List(fields.String())
    #: skipped records and warnings withheld from a reader who is not signed in (they name datasets)
    details_hidden = fields.Integer()


#: JSON bodies nested deeper than this are refused: nothing hdcat reads nests beyond a dozen levels, and
#: deep nesting is how a small body exhausts a recursive parser or validator
MAX_JSON_DEPTH = 64


def json_depth(value) -> int:
    """Nesting depth of parsed JSON, iteratively (a recursive walk is what the limit protects against)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def bounded_json(parse):
    """Run a JSON parse; JSON nested too deep becomes a 400 naming the limit, never a RecursionError."""
    too_deep = Invalid(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels", field="(body)")
    try:
        value = parse()
    except RecursionError:
        raise too_deep from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise too_deep
    return value


MAX_PAGE_SIZE = 200


class HarvestRequestSchema(Schema):
    """POST /api/v1/harvests: a configured source by name, or a one-off kind + location + hospital."""

    class Meta:
        unknown = "raise"

    source = fields.String(validate=validate.Length(min=1, max=63))
    kind = fields.String(validate=validate.Length(min=1, max=32))
    location = fields.String(validate=validate.Length(min=1, max=2000))
    hospital = fields.String(validate=validate.Length(min=1, max=63))
    full = fields.Boolean(load_default=False)
    #: a one-off source's options, named as in hdcat.toml (e.g. {"rows": 50} for ckan)
    options = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)), load_default=dict)


class HarvestJobSchema(_RunSchema):
    """A harvest queued or running in the server, with its progress so far."""

    url = fields.String()
    state = fields.String()
    requested_by = fields.String(allow_none=True)
    queued = fields.String()
    pages = fields.Integer()
    warnings = fields.Integer()


class PageArgsSchema(Schema):
    """Query parameters of every paged list. Unknown parameters are an error, not ignored."""

    class Meta:
        unknown = "raise"

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def _hospital_ids() -> list[str]:
    from hdcat.ontology import hospitals

    return [h["id"] for h in hospitals()]


class DatasetListArgsSchema(PageArgsSchema):
    hospital = fields.String(validate=validate.OneOf(_hospital_ids(), error="unknown hospital {input!r}"))
    disease_area = fields.String(validate=validate.Regexp(r"^[a-z0-9_-]{1,63}$"))
    source = fields.String(validate=validate.Regexp(r"^[a-z0-9_-]{1,63}$"))


class HarvestListArgsSchema(PageArgsSchema):
    source = fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,62}$"))
