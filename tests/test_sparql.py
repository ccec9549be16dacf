"""/sparql: read-only SPARQL 1.1 protocol over the catalogue, lineage included."""

from __future__ import annotations

import pytest
from rdflib import Graph


def test_select_counts_datasets_per_hospital(client, sample_catalog):
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX hdcat: <https://w3id.org/hdcat/ns#>
    SELECT ?h (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?d a dcat:Dataset ; hdcat:hospital ?h } }
    GROUP BY ?h"""
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
    rows = r.get_json()["results"]["bindings"]
    assert len(rows) == 8 and sum(int(b["n"]["value"]) for b in rows) == sample_catalog.datasets.count()


def test_construct_and_ask(client):
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
    CONSTRUCT { ?d dct:title ?t } WHERE { GRAPH ?g { ?d a dcat:Dataset ; dct:title ?t } } LIMIT 10"""
    r = client.post("/sparql", data={"query": q}, headers={"Accept": "text/turtle"})
    assert len(Graph().parse(data=r.data, format="turtle")) == 10
    r = client.post("/sparql", data="ASK { GRAPH ?g { ?s ?p ?o } }", content_type="application/sparql-query")
    assert r.get_json()["boolean"] is True


@pytest.mark.parametrize(
    "kwargs",
    [
        {"query_string": {"query": "INSERT DATA { <http://x> <http://y> <http://z> }"}},
        {"query_string": {"update": "DROP ALL"}},
        {"data": {"update": "CLEAR ALL"}, "method": "POST"},
        {"data": "DELETE WHERE { ?s ?p ?o }", "content_type": "application/sparql-update", "method": "POST"},
        {"query_string": {"query": "SELECT * WHERE { ?s ?p ?o } ; DROP ALL"}},
        {"query_string": {"query": "SELEC broken"}},
        {"query_string": {"query": "SELECT ?s WHERE { ?s ?p }"}},
        {"query_string": {}},
    ],
)
def test_updates_and_bad_queries_are_refused(client, sample_catalog, kwargs):
    before = len(sample_catalog.store)
    method = kwargs.pop("method", "GET")
    r = client.open("/sparql", method=method, **kwargs)
    assert r.status_code == 400 and r.get_json()["field"] in ("query", "update")
    assert len(sample_catalog.store) == before


def test_row_cap(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert r.status_code == 400 and "LIMIT" in r.get_json()["message"]
