"""The DCAT harvester against the real external files and against bad input."""

from __future__ import annotations

import socket

import pytest
from hdcat.catalog.runs import Outcome
from hdcat.harvesters.runner import harvest_source
from rdflib import Graph, Literal, URIRef

from tests.conftest import EXTERNAL, copy_external, source

DCAT_FILES = sorted(
    str(p.relative_to(EXTERNAL))
    for p in EXTERNAL.rglob("*")
    if p.suffix in (".ttl", ".rdf", ".jsonld")
    and "SHACL" not in p.name
    and "shapes" not in p.name
    and p.name != "context.jsonld"
)
#: The real files that are not valid RDF (docs/standards.md, docs/external-files.md): they must fail, clearly.
BROKEN = {
    "ckan/ckanext-dcat-examples/dcat_dataset.ttl": "prefix healthdcatap: has not been declared",
    "dcat-ap-3.0.1/example-bee-population-dataset-series-api.ttl": "line 20 column 31",
}

#: the harvest tests that take the `catalog` fixture run on every store kind (tests/conftest.py)
pytestmark = pytest.mark.stores


@pytest.mark.conformance
def test_every_external_dcat_file_is_found():
    assert len(DCAT_FILES) >= 15
    assert set(BROKEN) <= set(DCAT_FILES)


@pytest.mark.conformance
@pytest.mark.parametrize("rel", DCAT_FILES)
def test_harvests_every_external_dcat_catalogue(catalog, rel):
    run = harvest_source(catalog, source(EXTERNAL / rel))
    if rel in BROKEN:
        assert run.outcome is Outcome.FAILED
        assert BROKEN[rel] in run.error and rel.rsplit("/", 1)[-1] in run.error
        assert catalog.datasets.count() == 0
        return
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found >= 1
    assert catalog.datasets.count() == run.found
    total, hits = catalog.datasets.page(1, 50)
    assert all(h["title"] and h["id"].startswith("hanbit-") for h in hits)


@pytest.mark.conformance
def test_healthdcat_properties_survive_harvest(catalog):
    run = harvest_source(catalog, source(EXTERNAL / "healthdcat-ap/ckanext-dcat_dataset_health.ttl"))
    assert run.outcome is Outcome.CHANGED
    d = catalog.datasets.get(catalog.datasets.locate_iri("http://example.healthdata.nl/set/dataset")[0])
    assert d["title"] == "HealthDCAT-AP test dataset"
    assert d["number_of_individuals"] == 7654321
    assert d["number_of_records"] == 123456789
    assert (d["min_typical_age"], d["max_typical_age"]) == (0, 110)
    assert d["temporal_start"] == "2020-03-01" and d["temporal_end"] == "2024-12-31"
    assert {c["iri"] for c in d["coding_systems"]} == {
        "http://www.wikidata.org/entity/P1690",
        "http://www.wikidata.org/entity/P4229",
    }
    assert d["access_rights"]["iri"].endswith("NON_PUBLIC")
    assert {"Test 1", "Test 2", "Test 3"} <= set(d["keywords"])
    assert d["publisher"]["name"] == "Contact Point"
    assert d["contact_point"]["email"] == "contact@example.com"
    assert len(d["distributions"]) == 1 and d["distributions"][0]["format"] == "CSV"
    # every triple about the dataset in the source is in the store (nothing we model is lost)
    src = Graph().parse(EXTERNAL / "healthdcat-ap/ckanext-dcat_dataset_health.ttl")
    ds = URIRef("http://example.healthdata.nl/set/dataset")
    stored = catalog.datasets.resource_graph(d["id"])
    for p, o in src.predicate_objects(ds):
        if isinstance(o, (URIRef, Literal)):
            assert (ds, p, o) in stored or any(str(x) == str(o) for x in stored.objects(ds, p)), (p, o)


@pytest.mark.conformance
def test_jsonld_with_remote_context_reads_like_the_turtle(catalog):
    ttl = Graph().parse(EXTERNAL / "dcat-ap-3.0.1/example-bee-population.ttl")
    run = harvest_source(catalog, source(EXTERNAL / "dcat-ap-3.0.1/example-bee-population.jsonld"))
    assert run.outcome is Outcome.CHANGED, run.error
    stored = catalog.datasets.resource_graph(
        catalog.datasets.locate_iri("https://data.gov.gr/id/dataset/BeePopulation")[0]
    )
    for s, p, o in ttl:
        assert any(str(x) == str(o) for x in stored.objects(s, p)), (s, p, o)


def test_missing_title_is_skipped_with_reason_and_malformed_value_dropped(catalog, tmp_path):
    (tmp_path / "c.ttl").write_text("""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://h.example/a> a dcat:Dataset ; dct:title "Good"@en ; dct:description "fine"@en .
<http://h.example/b> a dcat:Dataset ; dct:description "no title here"@en .
<http://h.example/c> a dcat:Dataset ; dct:title "Bad date"@en ; dct:issued "2021-13-45"^^xsd:date .
<http://h.example/d> a dcat:Dataset ; dct:title "No description"@en .
""")
    run = harvest_source(catalog, source(tmp_path / "c.ttl"))
    assert run.outcome is Outcome.CHANGED
    reasons = {s.record: s.reason for s in run.skipped}
    assert reasons["http://h.example/b"].startswith("no dct:title")
    # a value not valid for its datatype is dropped with a warning; its dataset is kept
    assert set(reasons) == {"http://h.example/b"}
    assert (
        "http://h.example/c: dct:issued value '2021-13-45' is not a valid xsd:date; the value was dropped"
        in run.warnings
    )
    assert run.found == 3
    kept = catalog.datasets.resource_graph(catalog.datasets.locate_iri("http://h.example/c")[0])
    assert (URIRef("http://h.example/c"), URIRef("http://purl.org/dc/terms/issued"), None) not in kept
    assert any("http://h.example/d" in w and "dct:description is mandatory" in w for w in run.warnings)
    stored = catalog.runs.get(run.id)
    assert stored["skipped"] == 1 and {r["record"] for r in stored["skipped_records"]} == set(reasons)


def test_broken_turtle_fails_and_names_file_and_line(catalog, tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix dct: <http://purl.org/dc/terms/> .\n<http://x/a> dct:title "open string .\n')
    run = harvest_source(catalog, source(bad))
    assert run.outcome is Outcome.FAILED
    assert "broken.ttl" in run.error and "not valid Turtle" in run.error and "line" in run.error


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_url_fails_with_clear_message(catalog):
    url = f"http://127.0.0.1:{_closed_port()}/catalog.ttl"
    from hdcat.harvesters.fetch import Fetcher

    run = harvest_source(catalog, source(url), fetcher=Fetcher(timeout=2, retries=1, backoff=0.01))
    assert run.outcome is Outcome.FAILED
    assert url in run.error and "cannot connect" in run.error


def test_html_instead_of_rdf_and_http_404(catalog, static_server):
    folder, base = static_server
    (folder / "page").write_text("<!DOCTYPE html><html><body>Login</body></html>")
    run = harvest_source(catalog, source(f"{base}/page"))
    assert run.outcome is Outcome.FAILED and "HTML page" in run.error
    run = harvest_source(catalog, source(f"{base}/missing.ttl"))
    assert run.outcome is Outcome.FAILED and "HTTP 404" in run.error


@pytest.mark.conformance
def test_truncated_jsonld_fails_clearly(catalog, tmp_path):
    full = (EXTERNAL / "ckan/ckanext-dcat-examples/dcat_catalog_pod.jsonld").read_bytes()
    (tmp_path / "cut.jsonld").write_bytes(full[: len(full) // 2])
    run = harvest_source(catalog, source(tmp_path / "cut.jsonld"))
    assert run.outcome is Outcome.FAILED and "not valid JSON" in run.error


@pytest.mark.conformance
def test_over_http_with_hydra_paging(catalog, static_server):
    folder, base = static_server
    copy_external("dcat-ap-3.0.1/example-bee-population.ttl", folder)
    (folder / "page1.ttl").write_text("""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<http://h.example/cat> a dcat:Catalog ; dct:title "C" ; dcat:dataset <http://h.example/p1> ;
  hydra:next <page2.ttl> .
<http://h.example/p1> a dcat:Dataset ; dct:title "First page"@en ; dct:description "d"@en .
""")
    (folder / "page2.ttl").write_text("""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<http://h.example/cat> a dcat:Catalog ; dcat:dataset <http://h.example/p2> ;
  hydra:next <example-bee-population.ttl> .
<http://h.example/p2> a dcat:Dataset ; dct:title "Second page"@en ; dct:description "d"@en .
""")
    run = harvest_source(catalog, source(f"{base}/page1.ttl"))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 3
    ids = {
        catalog.datasets.locate_iri(i)[0]
        for i in (
            "http://h.example/p1",
            "http://h.example/p2",
            "https://data.gov.gr/id/dataset/BeePopulation",
        )
    }
    assert len(ids) == 3


def test_blank_node_datasets_get_stable_minted_iris(catalog, tmp_path):
    text = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
[] a dcat:Dataset ; dct:identifier "HN-RES-0001" ; dct:title "Asthma EMR"@en ; dct:description "x"@en .
"""
    (tmp_path / "b.ttl").write_text(text)
    first = harvest_source(catalog, source(tmp_path / "b.ttl", hospital="haneul"))
    _, hits = catalog.datasets.page(1, 10)
    assert hits[0]["iri"] == "https://hdcat.example.org/id/haneul/dataset/hn-res-0001"
    assert hits[0]["id"] == "haneul-hn-res-0001"
    again = harvest_source(catalog, source(tmp_path / "b.ttl", hospital="haneul"))
    assert first.outcome is Outcome.CHANGED and again.outcome is Outcome.UNCHANGED
    assert catalog.datasets.page(1, 10)[1][0]["iri"] == hits[0]["iri"]


@pytest.mark.conformance
def test_unknown_kind_and_bad_options_fail_the_source_only(catalog, tmp_path):
    good = copy_external("dcat-ap-3.0.1/example-bee-population.ttl", tmp_path)
    from hdcat.harvesters.runner import harvest_all

    runs = harvest_all(
        catalog,
        [
            source(good, name="bad-kind", kind="nosuch"),
            source(good, name="bad-opt", max_pages=0),
            source(good, name="good"),
        ],
    )
    assert [r.outcome for r in runs] == [Outcome.FAILED, Outcome.FAILED, Outcome.CHANGED]
    assert "no hdcat.harvesters plugin named 'nosuch'" in runs[0].error
    assert "option max_pages" in runs[1].error
