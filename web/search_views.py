"""Search: the /search page (works without JavaScript), /api/v1/search, autocomplete and exports."""

from __future__ import annotations

import csv
import io
import json
import threading

from flask import Blueprint, Response, current_app, render_template, request, url_for
from hdcat.catalog import DatasetSummarySchema, Invalid
from hdcat.search.period import PERIOD_PATTERN
from hdcat.search.query import FACETS, MAX_FILTER_VALUE, MAX_PAGE, MAX_Q, MAX_SIZE, SORTS
from hdcat.web.apidoc import documented
from hdcat.web.auth import audit_restricted_list, is_member
from hdcat.web.compare import KEEP
from hdcat.web.context import catalog
from hdcat.web.i18n import facet_text
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

bp = Blueprint("search", __name__)

MAX_SUGGEST_Q = 100

#: what /api/v1/search takes, for the OpenAPI document (search.query.build_request checks it, with
#: the same limits)
SearchArgsSchema = Schema.from_dict(
    {
        "q": fields.String(
            validate=validate.Length(max=MAX_Q),
            metadata={
                "description": 'Words in Korean or English, "phrases", -exclusions, '
                "title:/column:/code:/keyword: prefixes"
            },
        ),
        "page": fields.Integer(validate=validate.Range(min=1, max=MAX_PAGE)),
        "size": fields.Integer(validate=validate.Range(min=1, max=MAX_SIZE)),
        "sort": fields.String(validate=validate.OneOf(SORTS)),
        "lang": fields.String(
            validate=validate.Length(max=10),
            metadata={
                "description": "ko or en: the language of facet labels and error messages (default: "
                "Accept-Language, else English; other values are ignored)"
            },
        ),
        "period": fields.String(
            validate=[validate.Length(max=20), validate.Regexp(PERIOD_PATTERN)],
            metadata={
                "description": "years the dataset's coverage (dct:temporal) must overlap: 2019, 2019-2023, "
                "2019- or -2023; years written in q (2019–2023, 2020년) are taken the same way"
            },
        ),
        **{
            facet: fields.List(
                fields.String(validate=validate.Length(max=MAX_FILTER_VALUE)),
                metadata={"description": f"filter on the {facet} facet (repeat for any of several)"},
            )
            for facet in FACETS
        },
    },
    name="SearchArgs",
)


class SuggestArgsSchema(Schema):
    q = fields.String(validate=validate.Length(max=MAX_SUGGEST_Q))


class FacetBucketSchema(Schema):
    value = fields.String(required=True)
    label = fields.String(
        required=True,
        metadata={
            "description": "the value for people, in the request's language: `lang=ko|en`, else the "
            "Accept-Language header, else English"
        },
    )
    count = fields.Integer(required=True)


class SearchHitSchema(DatasetSummarySchema):
    score = fields.Float(allow_none=True)
    highlight = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    title_highlight = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    partial = fields.Boolean(
        metadata={"description": "has some of the words, not all (tops up a short first page)"}
    )


class PeriodSchema(Schema):
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    label = fields.String(required=True)


class SearchResponseSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    relaxed = fields.Boolean(required=True)
    did_you_mean = fields.String(allow_none=True)
    period = fields.Nested(
        PeriodSchema,
        allow_none=True,
        metadata={"description": "the period applied, from `period` or from years in `q`"},
    )
    took_ms = fields.Float()
    hits = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(FacetBucketSchema)), required=True
    )


class SuggestionsSchema(Schema):
    q = fields.String()
    suggestions = fields.List(fields.String())


_opening = threading.Lock()


def search_service():
    """The app's Search, created on first use (the Korean analyser loads once per process); the requests
    that arrive while it opens wait for it rather than each opening one."""
    service = current_app.extensions.get("hdcat.search")
    if service is None:
        with _opening:
            service = current_app.extensions.get("hdcat.search")
            if service is None:
                from hdcat.search.service import Search

                service = current_app.extensions["hdcat.search"] = Search(catalog())
    return service


def _args() -> dict:
    args = {}
    for key in request.args:
        # the page language (web.i18n) and the ids ticked for comparison (web.compare) are the page's, not
        # search parameters
        if key in ("lang", KEEP):
            continue
        values = request.args.getlist(key)
        args[key] = values if key in FACETS else values[-1]
    return args


def _run(size_default: int = 20) -> dict:
    args = _args()
    args.setdefault("size", size_default)
    result = search_service().search(args, members=is_member())
    audit_restricted_list(result["hits"])
    return result


@bp.get("/api/v1/search")
@documented(
    "Faceted search",
    query=SearchArgsSchema,
    responses={
        200: SearchResponseSchema,
        400: "a parameter is wrong (the body names it: a filter, a period that is not years, a size)",
        503: "the search engine is unreachable",
    },
)
def api_search():
    result = _run()
    # the search layer labels values in both languages ("한빛대학교병원 · Hanbit University Hospital"); a
    # client reads one, the request's (web.i18n), as the pages do
    facets = {
        name: [dict(b, label=facet_text(name, b["value"], b["label"])) for b in buckets]
        for name, buckets in result["facets"].items()
    }
    return dict(result, facets=facets)


@bp.get("/api/v1/suggest")
@documented(
    "Autocomplete on titles, keywords and concept names",
    query=SuggestArgsSchema,
    responses={200: SuggestionsSchema},
    tags=["search"],
)
def api_suggest():
    q = request.args.get("q", "")
    if len(q) > MAX_SUGGEST_Q:
        raise Invalid(f"parameter 'q': at most {MAX_SUGGEST_Q} characters", field="q")
    return {"q": q, "suggestions": search_service().complete(q, 10, members=is_member())}


@bp.get("/search")
def page():
    result = _run()
    args = MultiDict(request.args)
    active = [
        (key, value, next((b["label"] for b in result["facets"].get(key, []) if b["value"] == value), value))
        for key in FACETS
        for value in args.getlist(key)
    ]
    period_off = None
    if result.get("period"):  # the chip's link: the same search without the period (and its years)
        from hdcat.search.period import split_period

        off = MultiDict(request.args)
        off.setlist("q", [split_period(off.get("q", ""))[0]])
        period_off = url_for("search.page", **_without(off, "period", "page"))
    return render_template(
        "search.html",
        r=result,
        period_off=period_off,
        q=request.args.get("q", ""),
        sort=request.args.get("sort", "relevance"),
        sorts=SORTS,
        active=active,
        toggle=_toggle_url,
        page_url=_page_url,
        last=max(1, -(-result["total"] // result["size"])),
        export_url=lambda fmt: url_for("search.export", format=fmt, **_without(args, "page", "size", KEEP)),
    )


@bp.get("/search/export.<format>")
def export(format: str):
    if format not in ("csv", "json"):
        raise Invalid(f"export format {format!r}: use csv or json", field="format")
    rows = []
    page = 1
    while True:
        args = _args()
        args.update(page=page, size=MAX_SIZE)
        result = search_service().search(args, members=is_member())
        rows += result["hits"]
        audit_restricted_list(result["hits"])
        if page * MAX_SIZE >= result["total"] or page >= 50:
            break
        page += 1
    if format == "json":
        return Response(
            json.dumps({"total": len(rows), "hits": rows}, ensure_ascii=False),
            mimetype="application/json",
            headers={"Content-Disposition": "attachment; filename=hdcat-search.json"},
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "iri",
            "title_en",
            "title_ko",
            "hospital",
            "disease_areas",
            "data_types",
            "access_rights",
            "coding_systems",
            "modified",
            "number_of_individuals",
        ]
    )
    for h in rows:
        writer.writerow(
            [
                h["id"],
                h["iri"],
                h["titles"].get("en", ""),
                h["titles"].get("ko", ""),
                (h.get("hospital") or {}).get("id", ""),
                ";".join(a["label"] or "" for a in h["disease_areas"]),
                ";".join(t["label"] or "" for t in h["data_types"]),
                (h.get("access_rights") or {}).get("notation") or "",
                ";".join(c["label"] or "" for c in h["coding_systems"]),
                h.get("modified") or "",
                h.get("number_of_individuals") if h.get("number_of_individuals") is not None else "",
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=hdcat-search.csv"},
    )


def _without(args: MultiDict, *keys) -> dict:
    return {k: args.getlist(k) for k in args if k not in keys}


def _toggle_url(key: str, value: str) -> str:
    args = MultiDict(request.args)
    values = args.getlist(key)
    args.setlist(key, [v for v in values if v != value] if value in values else values + [value])
    args.pop("page", None)
    return url_for("search.page", **{k: args.getlist(k) for k in args})


def _page_url(page: int) -> str:
    args = MultiDict(request.args)
    args.setlist("page", [str(page)])
    return url_for("search.page", **{k: args.getlist(k) for k in args})
