"""CKAN map and import stages fed package dicts written here and the bundled Gaon sample (no portal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hdcat.harvesters.ckan import CkanHarvester, CkanRun
from hdcat.ontology import DCAT, DCT, FOAF, HDCAT, VCARD
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from tests.fast.support import SAMPLES, AnswersFromMemory, fetched_json, harvester, new_run

DATA = Path(__file__).resolve().parents[1] / "data" / "ckan"
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = Namespace("http://www.iana.org/assignments/media-types/")

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
    assert g.value(dist, DCT.format) == FILE_TYPE.CSV  # the EU file-type list names CSV
    assert g.value(dist, DCAT.mediaType) is None  # "CSV" is no media type
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


# ---- translations and formats ------------------------------------------------------------------
def by_lang(g: Graph, s, p) -> dict:
    return {o.language: str(o) for o in g.objects(s, p)}


def test_ckanext_fluent_translations_become_language_tagged_literals():
    package = json.loads((DATA / "ckan_dataset_multilingual.json").read_text("utf-8"))  # ckanext-dcat's
    g, run = mapped(package)
    ds = URIRef(f"{PORTAL}/dataset/test-dataset-multilingual")
    assert by_lang(g, ds, DCT.title) == {
        "en": "Test DCAT dataset",
        "ca": "Conjunt de dades de prova DCAT",
        "es": "Conjunto de datos de prueba DCAT",
    }  # the plain title repeats the English one: not written a fourth time, untagged
    assert by_lang(g, ds, DCT.description)["ca"] == "Una descripció qualsevol"
    assert len(list(g.objects(ds, DCT.description))) == 3
    keywords = {(str(k), k.language) for k in g.objects(ds, DCAT.keyword)}
    assert keywords == {
        ("Oaks", "en"),
        ("Pines", "en"),
        ("Roures", "ca"),
        ("Pins", "ca"),
        ("Robles", "es"),
        ("Pinos", "es"),
    }
    dist = g.value(ds, DCAT.distribution)
    assert by_lang(g, dist, DCT.title) == {"en": "Resource 1", "ca": "Recurs 1", "es": "Recurso 1"}
    assert by_lang(g, dist, DCT.description)["es"] == "Una descripción cualquiera"
    assert g.value(dist, DCT.format) == FILE_TYPE.CSV
    assert run.warnings == [] and run.skipped == []


def test_language_dicts_in_the_plain_fields_and_fluent_tags():
    package = {
        "name": "luftqualitaet",
        "title": {"de": "Luftqualität", "fr": "Qualité de l'air", "it": "", "en": ""},  # opendata.swiss style
        "notes": '{"de": "Stündliche Messwerte", "fr": "Valeurs horaires"}',  # the dict kept as a JSON string
        "keywords": {"de": ["Luft", "Umwelt"], "fr": ["air"]},  # ckanext-fluent's fluent_tags preset
        "tags": [{"name": "air"}, {"name": "ozone"}],
        "resources": [{"id": "r", "url": "https://portal.example/a.csv", "format": "text/csv"}],
    }
    g, run = mapped(package)
    ds = URIRef(f"{PORTAL}/dataset/luftqualitaet")
    assert by_lang(g, ds, DCT.title) == {
        "de": "Luftqualität",
        "fr": "Qualité de l'air",
    }  # empty ones left out
    assert by_lang(g, ds, DCT.description) == {"de": "Stündliche Messwerte", "fr": "Valeurs horaires"}
    keywords = {(str(k), k.language) for k in g.objects(ds, DCAT.keyword)}
    # "air" is the French keyword already: the untagged tag is not repeated; "ozone" has no language
    assert keywords == {("Luft", "de"), ("Umwelt", "de"), ("air", "fr"), ("ozone", None)}
    dist = g.value(ds, DCAT.distribution)
    assert g.value(dist, DCT.format) == FILE_TYPE.CSV and g.value(dist, DCAT.mediaType) == IANA["text/csv"]
    assert run.warnings == []


def test_a_key_that_is_no_language_tag_keeps_its_text_untagged_with_a_warning():
    g, run = mapped(
        {**PACKAGE, "title": "Stroke", "title_translated": {"en": "Stroke", "english!": "Stroke!"}}
    )
    ds = URIRef(f"{PORTAL}/dataset/stroke-registry")
    assert {(str(t), t.language) for t in g.objects(ds, DCT.title)} == {("Stroke", "en"), ("Stroke!", None)}
    assert any("'english!' is not a language tag" in w and "title_translated" in w for w in run.warnings)


def test_a_package_whose_only_title_is_translated_is_kept_and_one_with_empty_translations_skipped():
    g, run = mapped({**PACKAGE, "title": None, "title_translated": {"ko": "뇌졸중 레지스트리"}})
    assert by_lang(g, URIRef(f"{PORTAL}/dataset/stroke-registry"), DCT.title) == {"ko": "뇌졸중 레지스트리"}
    g, run = mapped({**PACKAGE, "title": {"en": " ", "ko": ""}})
    assert len(g) == 0 and "no title" in run.skipped[0].reason


@pytest.mark.parametrize(
    "fmt, mimetype, expected_format, expected_media",
    [
        ("CSV", None, FILE_TYPE.CSV, None),
        ("xlsx", None, FILE_TYPE.XLSX, None),
        (".zip", None, FILE_TYPE.ZIP, None),
        ("GeoJSON", None, FILE_TYPE.GEOJSON, None),
        ("RDF Turtle", None, FILE_TYPE.RDF_TURTLE, None),
        ("application/json", None, FILE_TYPE.JSON, IANA["application/json"]),
        ("text/html", None, FILE_TYPE.HTML, IANA["text/html"]),
        ("PDF", "application/pdf", FILE_TYPE.PDF, IANA["application/pdf"]),
        ("Zipped CSV", None, Literal("Zipped CSV"), None),  # not in the list: the portal's words stay
        ("API", "application/x-made-up", Literal("API"), None),  # an unknown media type is not invented
    ],
)
def test_formats_become_eu_file_type_iris_and_media_types_iana_iris(
    fmt, mimetype, expected_format, expected_media
):
    res = {"id": "r1", "url": "https://portal.example/x", "format": fmt}
    if mimetype:
        res["mimetype"] = mimetype
    g, _ = mapped({**PACKAGE, "resources": [res]})
    dist = g.value(URIRef(f"{PORTAL}/dataset/stroke-registry"), DCAT.distribution)
    assert g.value(dist, DCT.format) == expected_format
    assert g.value(dist, DCAT.mediaType) == expected_media


def test_every_file_type_iri_written_is_one_of_the_shipped_list():
    from hdcat.harvesters.file_types import file_type

    shipped = Graph().parse(Path(__file__).resolve().parents[2] / "ontology" / "file-types.ttl")
    concepts = set(shipped.subjects(None, URIRef("http://www.w3.org/2004/02/skos/core#Concept")))
    assert len(concepts) > 150  # the whole table, not a hand-picked few
    for word in ("CSV", "json", "XLSX", "ZIP", "PDF", "HTML", "XML", "TXT", "DOCX", "ODS", "SHP", "TSV"):
        assert file_type(word) in concepts, word
    assert file_type(str(FILE_TYPE.NOT_A_CODE)) is None


def test_translations_survive_the_import_stage():
    package = json.loads((DATA / "ckan_dataset_multilingual.json").read_text("utf-8"))
    h = harvester(CkanHarvester, PORTAL, rows=100)
    ctx, raw = h.new_context(new_run("ckan")), Graph()
    ctx.job = h.page_url(0)
    h.parse(fetched_json(ctx.job, {"success": True, "result": {"count": 1, "results": [package]}}), ctx, raw)
    out = h.import_(raw, ctx)
    [ds] = set(out.subjects(HDCAT.localId, None))
    assert {t.language for t in out.objects(ds, DCT.title)} == {"en", "ca", "es"}
    dist = out.value(ds, DCAT.distribution)
    assert out.value(dist, DCT.format) == FILE_TYPE.CSV
