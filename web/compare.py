"""Compare two to four datasets side by side: /compare (a page) and /api/v1/compare (the same as JSON).

A researcher choosing between hospitals' datasets wants the few things that decide it in one table:
period, counts, columns, codes, access and declared definitions. Both views read the very records the
dataset page and /api/v1/datasets/<id> read (catalog.datasets.get), so visibility, the small-count
threshold and the reader's audit entry are the same as there; nothing new is asked of the store.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, redirect, render_template, request, url_for
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


#: the parameter a list page (/search, /datasets, a hospital's page) carries the ids ticked for comparison
#: in, so they stay ticked across its pages, sorts, filters and new queries (every link and form of the
#: page passes it on)
KEEP = "compare"
#: a compare form's own page buttons name where to go (a query string of the same page) in this parameter;
#: the ticked boxes come along as `d` and become ?compare= (see carry_ticks): no script needed
GO = "go"
#: the pages whose compare form keeps ticks this way
KEEPING = ("search.page", "pages.datasets", "pages.hospital")
#: how many ticked ids a page carries at most: more than MOST, so a fifth tick is kept and shown with a
#: note to untick one (the reader chooses which), yet a hand-made URL cannot make the page list hundreds
CARRIED = 12


def _ids(values: list[str]) -> list[str]:
    """Blanks and repeats dropped, the order kept."""
    return list(dict.fromkeys(x.strip() for x in values if x.strip()))


def kept_ids() -> list[str]:
    """The ids ticked for comparison that this list page carries (?compare=), in the order ticked."""
    return _ids(request.args.getlist(KEEP))[:CARRIED]


@bp.before_app_request
def carry_ticks():
    """A list page's compare form sent by one of its page buttons (`go`): answer with the page the button
    names, its ticked boxes carried as ?compare=. A checkbox is only sent with a form, so this is how a tick
    survives turning the page without script; the redirect leaves a plain URL that links and bookmarks keep.
    Only the query string comes from the request: the path stays the page's own."""
    if request.endpoint not in KEEPING or GO not in request.args:
        return None
    pairs = [
        (k, v) for k, v in parse_qsl(request.args[GO], keep_blank_values=True) if k not in (KEEP, GO, "d")
    ]
    pairs += [(KEEP, i) for i in _ids(request.args.getlist("d"))[:CARRIED]]
    return redirect(f"{request.path}?{urlencode(pairs)}" if pairs else request.path, code=303)


@bp.app_context_processor
def compare_globals() -> dict:
    return {"compare_kept": kept_ids, "compare_most": MOST, "compare_keep": KEEP}


def compared_ids() -> list[str]:
    """The `d` parameters, in the order given, blanks and repeats dropped; a 400 naming the problem when
    there are not two to four."""
    ids = _ids(request.args.getlist("d"))
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
