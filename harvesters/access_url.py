"""dcat:accessURL for the distributions of what hdcat itself describes: database tables and dictionary tables.

DCAT-AP 3 requires every distribution to have a dcat:accessURL: a page or service that gives access to
the data, or says how to get it. The SQL schema and CSV data-dictionary harvesters describe tables whose
data no one downloads from a URL, so they write one of these, in this order:

1. the source's `access_url` option: the hospital's own data-access page (its IRB or data-request
   portal), when the steward names one: the hospital says where its data is asked for;
2. otherwise the dataset's access-request page on this hdcat (`{base_iri}/datasets/{local id}/access-request`,
   the site is served at base_iri, where its minted IRIs resolve): the consortium's own way to ask, which
   always exists.

The source's location is never used: a database URL is an internal host (with credentials in it,
masked or not) and a dictionary file's URL gives the column list, not the data.
"""

from __future__ import annotations

from hdcat.catalog import web_address
from hdcat.ontology import DCAT, HDCAT
from rdflib import Graph, URIRef
from rdflib.namespace import RDF


def access_url_option():
    """The `access_url` source option: an http(s) URL, or absent."""
    return web_address(
        load_default=None,
        allow_none=True,
        metadata={"description": "the hospital's data-access page, given as every table's dcat:accessURL"},
    )


def access_request_page(base_iri: str, local_id: str) -> URIRef:
    """The dataset's access-request page on the site (web/access_requests.py serves it)."""
    return URIRef(f"{base_iri.rstrip('/')}/datasets/{local_id}/access-request")


def add_access_urls(graph: Graph, base_iri: str, access_url: str | None) -> int:
    """Give every distribution of the imported datasets that has no dcat:accessURL one; returns how many."""
    added = 0
    for dataset, local_id in graph.subject_objects(HDCAT.localId):
        if (dataset, RDF.type, DCAT.Dataset) not in graph:
            continue
        target = URIRef(access_url) if access_url else access_request_page(base_iri, str(local_id))
        for dist in graph.objects(dataset, DCAT.distribution):
            if (dist, DCAT.accessURL, None) not in graph:
                graph.add((dist, DCAT.accessURL, target))
                added += 1
    return added
