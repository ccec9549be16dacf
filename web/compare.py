"""Compare two to four datasets side by side: /compare (a page) and /api/v1/compare (the same as JSON).

A researcher choosing between hospitals' datasets wants the few things that decide it in one table:
period, counts, columns, codes, access and declared definitions. Both views read the very records the
dataset page and /api/v1/datasets/<id> read (catalog.datasets.get), so visibility, the small-count
threshold and the reader's audit entry are the same as there; nothing new is asked of the store.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from hdcat.catalog import DatasetSchema, Invalid
from hdcat.web.apidoc import documented
from hdcat.web.auth import audit_restricted_read, is_member
from hdcat.web.context import catalog
from marshmallow import Schema, fields, validate

bp = Blueprint("compare", __name__)

#: the record's own fields a comparison shows, as the dataset page and /api/v1/datasets/<id> have them
SHOWN = (
    "id",
    "iri",
    "title",
    "titles",
    "hospital",
    "visibility",
    "temporal_start",
    "temporal_end",
    "number_of_individuals",
    "number_of_records",
    "columns",
    "coding_systems",
    "code_values",
    "access_rights",
)

#: how many datasets one comparison takes: fewer is no comparison, more no longer fits a screen
FEWEST, MOST = 2, 4


def compared_ids() -> list[str]:
    """The `d` parameters, in the order given, blanks and repeats dropped; a 400 naming the problem when
    there are not two to four."""
    ids = list(dict.fromkeys(x.strip() for x in request.args.getlist("d") if x.strip()))
    if not FEWEST <= len(ids) <= MOST:
        raise Invalid(
            f"compare takes {FEWEST} to {MOST} different datasets (parameter 'd'); got {len(ids)}",
            field="d",
        )
    return ids


def _key(text: str) -> str:
    return text.strip().casefold()


def _shared(lists: list[list[str]]) -> set[str]:
    """The keys (casefolded) found in every list."""
    sets = [{_key(x) for x in names} for names in lists]
    return set.intersection(*sets) if sets else set()


def comparison(records: list[dict]) -> dict:
    """What the compare views show, from full dataset records: each record's deciding facts, its columns
    and codes flagged when every compared dataset has them, and those shared names once."""
    columns = _shared([[c["name"] for c in r["columns"] if c.get("name")] for r in records])
    codes = _shared([[c["notation"] for c in r["code_values"]] for r in records])
    shown = []
    for r in records:
        shown.append(
            {
                **{key: r[key] for key in SHOWN},
                "columns": [{**c, "shared": _key(c.get("name") or "") in columns} for c in r["columns"]],
                "code_values": [{**c, "shared": _key(c["notation"]) in codes} for c in r["code_values"]],
                "access_request_url": url_for("access.new", local_id=r["id"]) if r["hospital"] else None,
                "url": url_for("pages.dataset", local_id=r["id"]),
                "declared_definitions": [
                    {
                        "id": m["definition_id"],
                        "version": m["definition_version"],
                        "score": m["score"],
                        "conforms": bool(m["conforms"]),
                        "missing": list(m.get("missing") or []),
                    }
                    for m in r["conformance"]
                    if m.get("declared")
                ],
            }
        )
    first = shown[0]
    return {
        "datasets": shown,
        # in the first dataset's order and spelling, so the list reads like a real table schema
        "shared_columns": [c["name"] for c in first["columns"] if c["shared"]],
        "shared_codes": [c["notation"] for c in first["code_values"] if c["shared"]],
    }


def compared() -> dict:
    """The comparison the request asks for, as the reader may see it (a hidden dataset is a 404)."""
    datasets, members = catalog().datasets, is_member()
    records = []
    for local_id in compared_ids():
        record = datasets.get(local_id, members=members)
        audit_restricted_read(record)
        records.append(record)
    return comparison(records)


class DeclaredDefinitionSchema(Schema):
    id = fields.String()
    version = fields.String()
    score = fields.Float()
    conforms = fields.Boolean()
    missing = fields.List(fields.String())


class ComparedDatasetSchema(DatasetSchema):
    """The part of a dataset's full record (/api/v1/datasets/<id>, same fields, same values) a comparison
    shows, with where to ask for access and the definitions it declares."""

    access_request_url = fields.String(
        allow_none=True, metadata={"description": "the site's form for asking the hospital for access"}
    )
    url = fields.String(metadata={"description": "the dataset's page"})
    declared_definitions = fields.List(fields.Nested(DeclaredDefinitionSchema))

    class Meta:
        fields = (
            *SHOWN,
            "access_request_url",
            "url",
            "declared_definitions",
        )


class ComparisonSchema(Schema):
    datasets = fields.List(fields.Nested(ComparedDatasetSchema), required=True)
    shared_columns = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "column names every compared dataset has (case aside), as the first has them"
        },
    )
    shared_codes = fields.List(
        fields.String(), required=True, metadata={"description": "code notations every compared dataset has"}
    )


class CompareArgsSchema(Schema):
    # the limits are in the schema too, so the OpenAPI document (and schemathesis) knows what a 400 is for;
    # ASCII classes, not \\w or \\S, because JSON Schema and Python read those differently
    d = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")),
        required=True,
        validate=validate.Length(min=FEWEST, max=MOST),
        metadata={
            "description": f"a dataset id; give {FEWEST} to {MOST} different ones, as d=a&d=b",
            "uniqueItems": True,
        },
    )


@bp.get("/compare")
def page():
    return render_template("compare.html", c=compared())


@bp.get("/api/v1/compare")
@documented(
    f"{FEWEST} to {MOST} datasets side by side",
    query=CompareArgsSchema,
    responses={200: ComparisonSchema, 400: "not 2 to 4 different ids", 404: "an id the reader may not see"},
    tags=("datasets",),
)
def api():
    return ComparisonSchema().dump(compared())
