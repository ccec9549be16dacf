"""Content negotiation on dataset IRIs and /catalog; the catalogue re-harvested through Hydra paging."""

from __future__ import annotations

import json

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.runs import Outcome
from hdcat.catalog.service import Catalog
from hdcat.harvesters.runner import harvest_source
from hdcat.ontology import DCAT, DCT, HYDRA
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from tests.conftest import source

FORMATS = [
    ("text/turtle", "turtle"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/n-triples", "nt"),
]


@pytest.fixture(scope="module")
def some_dataset(app):
    with app.test_client() as c:
        return c.get("/api/v1/datasets?hospital=saebom&size=1").get_json()["hits"][0]


@pytest.mark.parametrize("accept, rdflib_format", FORMATS)
def test_dataset_by_content_negotiation(client, some_dataset, accept, rdflib_format):
    r = client.get(f"/datasets/{some_dataset['id']}", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    assert "Accept" in r.headers["Vary"]  # and Cookie: members may see more
    g = Graph().parse(data=r.data, format=rdflib_format)
    ds = URIRef(some_dataset["iri"])
    assert (ds, RDF.type, DCAT.Dataset) in g
    titles = {str(t) for t in g.objects(ds, DCT.title)}
    assert some_dataset["titles"]["ko"] in titles and some_dataset["titles"]["en"] in titles
    assert len(list(g.objects(ds, DCAT.distribution))) >= 1


def test_html_by_default_and_format_parameter(client, some_dataset):
    r = client.get(
        f"/datasets/{some_dataset['id']}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert r.mimetype == "text/html" and some_dataset["titles"]["ko"].encode() in r.data
    r = client.get(f"/datasets/{some_dataset['id']}?format=ttl")
    assert r.mimetype == "text/turtle"
    r = client.get(f"/datasets/{some_dataset['id']}?format=pdf")
    assert r.status_code == 400 and b"parameter &#39;format&#39;: unknown format" in r.data
    r = client.get(f"/datasets/{some_dataset['id']}?format=pdf", headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.get_json()["field"] == "format"
    r = client.get(f"/datasets/{some_dataset['id']}", headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_minted_iri_dereferences(client, sample_catalog):
    hit = client.get("/api/v1/datasets?hospital=haneul&size=1").get_json()["hits"][0]
    assert hit["iri"].startswith("https://hdcat.example.org/id/haneul/dataset/")
    path = hit["iri"].removeprefix("https://hdcat.example.org")
    r = client.get(path)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/datasets/{hit['id']}")
    r = client.get(path, headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.data, format="turtle")
    assert (URIRef(hit["iri"]), RDF.type, DCAT.Dataset) in g
    assert client.get("/id/haneul/dataset/none", headers={"Accept": "text/turtle"}).status_code == 404


def test_catalog_pages_with_hydra(client, sample_catalog):
    total = sample_catalog.datasets.count()
    r = client.get("/catalog?size=100", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.data, format="turtle")
    cat = URIRef("https://hdcat.example.org/catalog")
    assert len(list(g.objects(cat, DCAT.dataset))) == 100
    assert int(g.value(cat, HYDRA.totalItems)) == total
    assert len(list(g.objects(None, HYDRA.next))) == 1
    r = client.get("/catalog?size=0")
    assert r.status_code == 400


def test_catalog_jsonld_is_valid_json_ld(client):
    r = client.get("/catalog?size=5&format=jsonld")
    doc = json.loads(r.data)
    g = Graph().parse(data=r.data, format="json-ld")
    assert "@context" in doc and len(list(g.subjects(RDF.type, DCAT.Dataset))) == 5


def test_hdcat_harvests_its_own_catalog_over_http(live_server, sample_catalog):
    """FAIR round trip: another hdcat harvests this one's /catalog, following hydra:next."""
    other = Catalog(Settings(store_url="memory:", base_iri="https://other.example.org"))
    run = harvest_source(other, source(f"{live_server.url}/catalog?size=60&format=ttl", name="peer"))
    assert run.outcome is Outcome.CHANGED, run.error
    assert other.datasets.count() == sample_catalog.datasets.count()
    assert not run.skipped
    other.close()
