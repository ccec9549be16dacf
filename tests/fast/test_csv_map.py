"""Data-dictionary map and import stages fed CSV written here and the bundled Mirae sample."""

from __future__ import annotations

import pytest
from hdcat.catalog import ConfigError
from hdcat.harvesters.csv_dictionary import CsvDictionaryHarvester
from hdcat.harvesters.errors import ParseError
from hdcat.harvesters.fetch import Fetched
from hdcat.ontology import CODING_SYSTEM, CSVW, DCAT, DCT, HDCAT, HEALTH
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection

from tests.fast.support import BASE, SAMPLES, harvester, new_run

CSV = """table,column,type,description,code_system,unit
lab_result,patient_key,integer,pseudonymised key,,
lab_result,loinc_code,string,test code,LOINC,
lab_result,value,decimal,result,,mg/dL
diagnosis,kcd_code,string,main diagnosis,KCD-8,
diagnosis,local_code,string,,OurOwnCodes,
diagnosis,kcd_code,string,twice,,
,orphan,string,,,
"""


def parsed(text: str, **options) -> tuple[Graph, object]:
    h = harvester(CsvDictionaryHarvester, "dictionary.csv", **options)
    ctx, raw = h.new_context(new_run("csv")), Graph()
    h.parse(Fetched(location="file:///dictionary.csv", content=text.encode()), ctx, raw)
    return raw, ctx


def dataset(g: Graph, table: str):
    return g.value(None, DCT.identifier, Literal(table))


def columns(g: Graph, ds) -> list[str]:
    schema = g.value(g.value(ds, DCAT.distribution), CSVW.tableSchema)
    return [str(g.value(c, CSVW.name)) for c in Collection(g, g.value(schema, CSVW.column))]


def test_each_table_is_a_dataset_with_its_columns_in_file_order():
    g, _ = parsed(CSV)
    assert columns(g, dataset(g, "lab_result")) == ["patient_key", "loinc_code", "value"]
    assert columns(g, dataset(g, "diagnosis")) == ["kcd_code", "local_code"]
    assert g.value(dataset(g, "lab_result"), DCT.title) == Literal("lab_result")
    assert Literal("mg/dL") in set(g.objects(None, HDCAT.unit))


def test_known_coding_systems_are_concepts_and_unknown_ones_stay_text_with_a_warning():
    g, ctx = parsed(CSV)
    assert set(g.objects(dataset(g, "lab_result"), HEALTH.hasCodingSystem)) == {CODING_SYSTEM.loinc}
    assert set(g.objects(dataset(g, "diagnosis"), HEALTH.hasCodingSystem)) == {CODING_SYSTEM["kcd-8"]}
    assert Literal("code system: OurOwnCodes") in set(g.objects(None, DCT.description))
    assert any("'OurOwnCodes'" in w for w in ctx.run.warnings)


def test_rows_without_a_table_and_repeated_columns_are_skipped_with_their_row_number():
    _, ctx = parsed(CSV)
    reasons = {s.record: s.reason for s in ctx.run.skipped}
    assert set(reasons) == {"row 7", "row 8"}
    assert "already defined in row 5" in reasons["row 7"] and "empty table name" in reasons["row 8"]


def test_a_missing_header_names_the_option_that_maps_it():
    with pytest.raises(ParseError, match="header option"):
        parsed("테이블,컬럼\nt,c\n")


def test_the_mirae_sample_with_korean_headers_is_imported():
    h = harvester(
        CsvDictionaryHarvester,
        "data-dictionary.csv",
        header={
            "table": "테이블명",
            "column": "컬럼명",
            "type": "자료형",
            "description": "설명",
            "code_system": "코드체계",
            "unit": "단위",
        },
    )
    content = SAMPLES.joinpath("mirae", "data-dictionary.csv").read_bytes()
    ctx, raw = h.new_context(new_run("csv")), Graph()
    h.parse(Fetched(location="file:///data-dictionary.csv", content=content), ctx, raw)
    out = h.import_(raw, ctx)
    assert Literal("stroke_registry") in set(out.objects(None, DCT.title))
    assert len(set(out.subjects(HDCAT.localId, None))) == len(set(raw.subjects(DCT.identifier, None))) >= 1
    assert ctx.run.skipped == []


def test_each_table_s_distribution_gets_an_access_url():
    """By default the dataset's access-request page on this hdcat; with `access_url`, the hospital's page.
    A dictionary file's own URL is never used: it gives the column list, not the data."""
    g, ctx = parsed(CSV)
    h = harvester(CsvDictionaryHarvester, "dictionary.csv")
    out = h.import_(g, ctx)
    pages = {
        out.value(ds, HDCAT.localId): out.value(out.value(ds, DCAT.distribution), DCAT.accessURL)
        for ds in out.subjects(HDCAT.localId, None)
    }
    assert len(pages) == 2
    assert pages == {i: URIRef(f"{BASE.rstrip('/')}/datasets/{i}/access-request") for i in pages}
    assert not [w for w in ctx.run.warnings if "accessURL" in w]
    page = "https://mirae-hospital.example/irb/data-request"
    g, ctx = parsed(CSV, access_url=page)
    h = harvester(CsvDictionaryHarvester, "dictionary.csv", access_url=page)
    assert set(h.import_(g, ctx).objects(None, DCAT.accessURL)) == {URIRef(page)}
    with pytest.raises(ConfigError, match="access_url"):
        harvester(CsvDictionaryHarvester, "dictionary.csv", access_url="file:///etc/passwd")
