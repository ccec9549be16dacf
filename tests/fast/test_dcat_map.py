"""DCAT import stage fed Turtle written here and the bundled Hanbit catalogue pages (no web server)."""

from __future__ import annotations

import pytest
from hdcat.harvesters.dcat import DcatHarvester
from hdcat.ontology import DCT, HDCAT, HEALTH
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from tests.fast.support import SAMPLES, AnswersFromMemory, harvester, new_run

CATALOG = "https://data.example/catalog.ttl"
TURTLE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix healthdcatap: <http://healthdataportal.eu/ns/health#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://data.example/catalog> a dcat:Catalog ; dct:title "Example catalogue"@en ;
    dcat:dataset <https://data.example/ds/rare>, <https://data.example/ds/untitled> .
<https://data.example/ds/rare> a dcat:Dataset ; dct:title "Rare disease registry"@en ;
    dct:description "Contact 010-1234-5678 for access."@en ;
    healthdcatap:numberOfUniqueIndividuals "15"^^xsd:nonNegativeInteger ;
    healthdcatap:numberOfRecords "250"^^xsd:nonNegativeInteger .
<https://data.example/ds/untitled> a dcat:Dataset ; dct:description "no title here" .
"""
RARE = URIRef("https://data.example/ds/rare")


def harvested(threshold: int):
    h = harvester(
        DcatHarvester,
        CATALOG,
        threshold=threshold,
        fetcher=AnswersFromMemory({CATALOG: TURTLE.encode()}, media_type="text/turtle"),
    )
    run = new_run("dcat", CATALOG)
    return h.harvest(run), run


@pytest.mark.parametrize("threshold, published", [(10, True), (20, False)])
def test_a_count_of_15_is_kept_at_threshold_10_and_suppressed_at_20(threshold, published):
    g, run = harvested(threshold)
    assert g.value(RARE, HEALTH.numberOfRecords) == Literal(250, datatype=XSD.nonNegativeInteger)
    if published:
        assert g.value(RARE, HEALTH.numberOfUniqueIndividuals) == Literal(15, datatype=XSD.nonNegativeInteger)
    else:
        assert g.value(RARE, HEALTH.numberOfUniqueIndividuals) is None
        assert (RARE, HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals) in g
        assert any("below 20 suppressed" in w for w in run.warnings)


def test_titled_datasets_are_kept_and_untitled_ones_skipped():
    g, run = harvested(10)
    assert g.value(RARE, DCT.title) == Literal("Rare disease registry", lang="en")
    assert g.value(RARE, HDCAT.localId) == Literal("hanbit-rare")
    assert [s.record for s in run.skipped] == ["https://data.example/ds/untitled"]


def test_a_phone_number_in_a_description_is_redacted():
    g, run = harvested(10)
    assert not any("010-1234-5678" in str(o) for _, _, o in g)
    assert g.value(RARE, HDCAT.redacted) == Literal(True)


def test_the_hanbit_sample_pages_are_followed_by_hydra_next():
    pages = {
        f"https://hanbit.example/catalog-page-{i}.ttl": SAMPLES.joinpath("hanbit", f"catalog-page-{i}.ttl")
        for i in (1, 2, 3)
    }
    answers = {url: path.read_bytes() for url, path in pages.items()}
    h = harvester(
        DcatHarvester,
        "https://hanbit.example/catalog-page-1.ttl",
        fetcher=AnswersFromMemory(answers, media_type="text/turtle"),
    )
    run = new_run("dcat")
    g = h.harvest(run)
    assert [p for p, _ in run.pages] == list(pages)  # page 1 names page 2, which names page 3
    assert len(set(g.subjects(HDCAT.localId, None))) >= 3
