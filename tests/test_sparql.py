"""/sparql: read-only SPARQL 1.1 protocol over the catalogue, lineage included."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef


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


@pytest.mark.stores
def test_sparql_answers_alike_on_every_store_and_hides_restricted_graphs(tmp_path, store_url):
    """The store-conformance part of /sparql: on memory, the embedded store and a SPARQL server, the same
    questions get the same answers, anonymous callers see only public graphs (the server is handed them
    as the protocol's dataset description), blank nodes and typed literals come back as harvested."""
    from hdcat.catalog.config import Settings, SourceConfig
    from hdcat.catalog.service import Catalog
    from hdcat.harvesters.runner import harvest_all
    from hdcat.web.app import create_app

    from tests.conftest import ROOT
    from tests.test_lineage import writer_token

    consortium = ROOT / "harvesters/samples/consortium"
    sources = [
        SourceConfig(
            name="pub", hospital="balgeun", kind="dcat", location=str(consortium / "balgeun/catalog.ttl")
        ),
        SourceConfig(
            name="hid",
            hospital="hanbit",
            kind="dcat",
            location=str(consortium / "hanbit/standard-datasets.ttl"),
            visibility="consortium",
        ),
    ]
    cat = Catalog(Settings(store_url=store_url, data_dir=tmp_path, sources=tuple(sources)))
    try:
        assert {r.outcome.value for r in harvest_all(cat, sources)} == {"changed"}
        app = create_app(catalog=cat)
        anon = app.test_client()
        member = app.test_client()
        member.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {writer_token(tmp_path)}"
        count = (
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> "
            "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset }"
        )

        def n(c):
            r = c.get("/sparql", query_string={"query": count})
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            return int(r.get_json()["results"]["bindings"][0]["n"]["value"])

        assert n(anon) == cat.datasets.count() and n(member) == cat.datasets.count(members=True) > n(anon)
        hidden = next(g for g in cat.store.graph_names() if "/graph/consortium/" in str(g))
        ask = f"ASK {{ GRAPH <{hidden}> {{ ?s ?p ?o }} }}"
        assert anon.get("/sparql", query_string={"query": ask}).get_json()["boolean"] is False
        assert member.get("/sparql", query_string={"query": ask}).get_json()["boolean"] is True
        # a CONSTRUCT of titles gives what the harvested graphs hold, in every store
        titles = (
            "PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
            "CONSTRUCT { ?d dct:title ?t } WHERE { ?d a dcat:Dataset ; dct:title ?t }"
        )
        r = member.post("/sparql", data={"query": titles}, headers={"Accept": "application/n-triples"})
        got = {
            (str(s), str(o), getattr(o, "language", None))
            for s, _, o in Graph().parse(data=r.data, format="nt")
        }
        expected = set()
        for name in cat.store.graph_names():
            view = cat.store.graph(name)
            for d in view.subjects(predicate=None, object=URIRef("http://www.w3.org/ns/dcat#Dataset")):
                for t in view.objects(d, URIRef("http://purl.org/dc/terms/title")):
                    expected.add((str(d), str(t), t.language))
        assert got == expected and len(got) > 3
    finally:
        cat.close()
