"""CKAN map and import stages fed package dicts written here and the bundled Gaon sample (no portal)."""

from __future__ import annotations

import json

from hdcat.harvesters.ckan import CkanHarvester, CkanRun
from hdcat.ontology import DCAT, DCT, FOAF, HDCAT, VCARD
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from tests.fast.support import SAMPLES, AnswersFromMemory, fetched_json, harvester, new_run

PORTAL = "https://portal.example"
API = f"{PORTAL}/api/3/action/package_search"
PACKAGE = {
    "name": "stroke-registry",
    "title": "Stroke registry",
    "notes": "Acute stroke admissions, 2015–2024.",
    "tags": [{"name": "stroke"}, {"display_name": "뇌졸중"}],
    "metadata_created": "2024-01-02T03:04:05",
    "metadata_modified": "2024-05-06",
    "organization": {"name": "hanbit", "title": "Hanbit University Hospital"},
    "maintainer": "Data office",
    "maintainer_email": "data@hanbit.example",
    "license_id": "cc-by",
    "license_title": "Creative Commons Attribution",
    "resources": [
        {
            "id": "r1",
            "name": "Data dictionary",
            "url": "https://portal.example/files/dd.csv",
            "format": "CSV",
            "size": "2048",
        }
    ],
}


def mapped(package) -> tuple[Graph, object]:
    h = harvester(CkanHarvester, PORTAL)
    run, g = new_run("ckan"), Graph()
    h.map_package(package, g, run, where="test")
    return g, run


def test_a_package_becomes_a_dataset_with_its_title_keywords_dates_and_publisher():
    g, run = mapped(PACKAGE)
    ds = URIRef(f"{PORTAL}/dataset/stroke-registry")
    assert g.value(ds, DCT.title) == Literal("Stroke registry")
    assert {str(k) for k in g.objects(ds, DCAT.keyword)} == {"stroke", "뇌졸중"}
    assert g.value(ds, DCT.issued) == Literal("2024-01-02T03:04:05", datatype=XSD.dateTime)
    assert g.value(ds, DCT.modified) == Literal("2024-05-06", datatype=XSD.date)
    publisher = g.value(ds, DCT.publisher)
    assert publisher == URIRef(f"{PORTAL}/organization/hanbit")
    assert g.value(publisher, FOAF.name) == Literal("Hanbit University Hospital")
    assert g.value(g.value(ds, DCAT.contactPoint), VCARD.hasEmail) == URIRef("mailto:data@hanbit.example")
    dist = g.value(ds, DCAT.distribution)
    assert g.value(dist, DCAT.byteSize) == Literal(2048, datatype=XSD.nonNegativeInteger)
    assert g.value(dist, DCT.format) == Literal("CSV")
    assert run.skipped == [] and run.warnings == []


def test_a_package_without_a_title_is_skipped_with_the_reason():
    g, run = mapped({**PACKAGE, "title": " "})
    assert len(g) == 0
    assert len(run.skipped) == 1 and "no title" in run.skipped[0].reason


def test_a_date_that_is_not_one_is_left_out_with_a_warning():
    g, run = mapped({**PACKAGE, "metadata_modified": "last tuesday"})
    assert g.value(URIRef(f"{PORTAL}/dataset/stroke-registry"), DCT.modified) is None
    assert any("'last tuesday' is not a date" in w for w in run.warnings)


def sample_packages() -> list:
    return json.loads(SAMPLES.joinpath("gaon", "ckan-packages.json").read_text("utf-8"))


def test_the_gaon_sample_page_is_mapped_and_imported():
    packages = sample_packages()
    h = harvester(CkanHarvester, PORTAL, rows=100)
    ctx, raw = h.new_context(new_run("ckan")), Graph()
    ctx.job = h.page_url(0)
    more = h.parse(
        fetched_json(ctx.job, {"success": True, "result": {"count": len(packages), "results": packages}}),
        ctx,
        raw,
    )
    assert more == []  # the count was reached on the first page
    assert ctx.seen == {p["name"] for p in packages}
    out = h.import_(raw, ctx)
    ids = set(out.subjects(HDCAT.localId, None))
    assert len(ids) == len(packages)
    assert {str(t) for t in out.objects(None, DCT.title)} >= {p["title"] for p in packages}


def test_pages_are_followed_until_the_count_and_a_second_harvest_reads_them_all_again():
    packages = sample_packages()
    answers = {}
    h = harvester(CkanHarvester, PORTAL, rows=2)
    for start in range(0, len(packages), 2):
        answers[h.page_url(start)] = {
            "success": True,
            "result": {"count": len(packages), "results": packages[start : start + 2]},
        }
    h.fetcher = AnswersFromMemory(answers)
    first, second = new_run("ckan"), new_run("ckan")
    g1, g2 = h.harvest(first), h.harvest(second)
    assert (
        len(set(g1.subjects(HDCAT.localId, None)))
        == len(packages)
        == len(set(g2.subjects(HDCAT.localId, None)))
    )
    assert [p for p, _ in first.pages] == [p for p, _ in second.pages] and len(first.pages) == len(answers)
    assert not any(
        "repeated datasets" in w for w in second.warnings
    )  # the first run's packages are not "seen"
    assert isinstance(h.new_context(second), CkanRun) and not hasattr(h, "_seen")
