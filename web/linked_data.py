"""Linked data: /catalog (the whole catalogue, paged with Hydra) and dataset IRIs by content negotiation.

Together with /datasets/<id> this makes hdcat a FAIR Data Point: every layer
is DCAT, served as Turtle, JSON-LD, RDF/XML, N-Triples or HTML.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from hdcat.catalog import NotFound, PageArgsSchema, visibility_of
from hdcat.ontology import DCT, FOAF, HYDRA, hospitals
from hdcat.web.auth import audit_restricted_read, is_member
from hdcat.web.conneg import negotiate
from hdcat.web.context import catalog, query_args
from hdcat.web.rdf_response import rdf_response
from marshmallow import fields, validate
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

bp = Blueprint("linked_data", __name__)


class CatalogArgs(PageArgsSchema):
    class Meta:
        unknown = "exclude"  # ?format= is read by content negotiation

    size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


@bp.get("/catalog")
def catalog_view():
    fmt = negotiate(default="ttl")
    if fmt.rdflib is None:
        return redirect(url_for("pages.datasets"))
    args = query_args(CatalogArgs())
    page, size = args["page"], args["size"]
    cat = catalog()
    catalog_iri = URIRef(f"{cat.base}/catalog")
    graph, total = cat.datasets.catalog_graph(page, size, catalog_iri, members=is_member())
    audit_restricted_read({"iri": str(catalog_iri), "visibility": "consortium" if is_member() else "public"})
    lead = next(h for h in hospitals() if h["lead"])
    graph.add((catalog_iri, DCT.title, Literal("Hospital consortium data catalogue", lang="en")))
    graph.add((catalog_iri, DCT.title, Literal("병원 컨소시엄 데이터 카탈로그", lang="ko")))
    graph.add(
        (
            catalog_iri,
            DCT.description,
            Literal(
                "Metadata of the datasets held by the consortium's member hospitals, harvested by hdcat.",
                lang="en",
            ),
        )
    )
    graph.add((catalog_iri, DCT.publisher, URIRef(lead["iri"])))
    graph.add((URIRef(lead["iri"]), FOAF.name, Literal(lead["name_en"], lang="en")))
    graph.add((catalog_iri, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
    last = max(1, -(-total // size))
    view = URIRef(_page_url(page, size, fmt.name))
    graph.add((catalog_iri, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, HYDRA.first, URIRef(_page_url(1, size, fmt.name))))
    graph.add((view, HYDRA.last, URIRef(_page_url(last, size, fmt.name))))
    if page < last:
        graph.add((view, HYDRA.next, URIRef(_page_url(page + 1, size, fmt.name))))
    if page > 1:
        graph.add((view, HYDRA.previous, URIRef(_page_url(page - 1, size, fmt.name))))
    return rdf_response(cat.datasets.with_range_types(graph), fmt)


def _page_url(page: int, size: int, fmt: str) -> str:
    return url_for("linked_data.catalog_view", page=page, size=size, format=fmt, _external=True)


@bp.get("/id/<path:rest>")
def resource(rest: str):
    """A dataset IRI minted under the base: redirect people to the page, give machines RDF."""
    cat = catalog()
    iri = f"{cat.base}/id/{rest}"
    local_id, graph_name = cat.datasets.locate_iri(iri, members=is_member())
    audit_restricted_read({"iri": iri, "visibility": visibility_of(cat.base, graph_name)})
    fmt = negotiate()
    if fmt.rdflib is None:
        return redirect(url_for("pages.dataset", local_id=local_id), code=303)
    return rdf_response(cat.datasets.resource_graph(local_id, members=is_member()), fmt)


@bp.get("/resource")
def resource_by_iri():
    """Any catalogued IRI (including sources' own IRIs): /resource?iri=…"""
    iri = request.args.get("iri", "")
    if not iri:
        raise NotFound("give the dataset IRI as ?iri=")
    local_id, _ = catalog().datasets.locate_iri(iri, members=is_member())
    return redirect(
        url_for(
            "pages.dataset",
            local_id=local_id,
            **({"format": request.args["format"]} if "format" in request.args else {}),
        ),
        code=303,
    )
