"""The data-dictionary harvester: CSV files as hospitals write them (Korean, cp949, odd headers, gaps)."""

from __future__ import annotations

import importlib.util
import zipfile

from hdcat.catalog.runs import Outcome
from hdcat.harvesters.csv_dictionary import CsvDictionaryHarvester
from hdcat.harvesters.runner import harvest_all, harvest_source
from hdcat.ontology import CODING_SYSTEM

from tests.conftest import source

DICTIONARY = """table,column,type,description,code_system,unit
patient,patient_id,string,환자 식별번호,,
patient,birth_year,integer,출생 연도,,year
patient,sex,string,성별 (M/F),,
diagnosis,patient_id,string,환자 식별번호,,
diagnosis,dx_code,string,주진단 코드,KCD-7,
diagnosis,dx_icd,string,ICD 진단 코드,icd 10,
diagnosis,dx_date,date,진단일,,
lab,loinc_code,string,검사 코드,LOINC,
lab,value,decimal,검사 결과값,,mg/dL
lab,finding,string,소견,snomed-ct,
"""


def csv_source(path, name="dict", **options):
    return source(path, name=name, kind="csv", **options)


def dataset_by_table(catalog, table):
    _, hits = catalog.datasets.page(1, 50)
    for hit in hits:
        d = catalog.datasets.get(hit["id"])
        if d["identifier"] == table:
            return d
    raise AssertionError(f"no dataset for table {table}: {[h['title'] for h in hits]}")


def test_each_table_becomes_a_dataset_with_its_columns_in_order(catalog, tmp_path):
    (tmp_path / "dictionary.csv").write_text(DICTIONARY, encoding="utf-8")
    run = harvest_source(catalog, csv_source(tmp_path / "dictionary.csv"))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 3 and not run.skipped
    assert not [w for w in run.warnings if "code system" in w]

    diagnosis = dataset_by_table(catalog, "diagnosis")
    assert diagnosis["title"] == "diagnosis"
    assert diagnosis["description"] == "Data dictionary of table diagnosis"
    assert diagnosis["id"] == "hanbit-diagnosis"
    assert [c["name"] for c in diagnosis["columns"]] == ["patient_id", "dx_code", "dx_icd", "dx_date"]
    by_name = {c["name"]: c for c in diagnosis["columns"]}
    assert by_name["dx_code"]["description"] == "주진단 코드"
    assert by_name["dx_code"]["datatype"] == "string" and by_name["dx_date"]["datatype"] == "date"
    assert by_name["dx_code"]["coding_system"]["iri"] == str(CODING_SYSTEM["kcd-7"])
    assert by_name["dx_icd"]["coding_system"]["iri"] == str(CODING_SYSTEM["icd-10"])
    assert by_name["patient_id"]["coding_system"] is None
    # the dataset lists the coding systems its columns use
    assert {c["iri"] for c in diagnosis["coding_systems"]} == {
        str(CODING_SYSTEM["kcd-7"]),
        str(CODING_SYSTEM["icd-10"]),
    }

    lab = dataset_by_table(catalog, "lab")
    assert [c["name"] for c in lab["columns"]] == ["loinc_code", "value", "finding"]
    cols = {c["name"]: c for c in lab["columns"]}
    assert cols["value"]["unit"] == "mg/dL"
    assert cols["loinc_code"]["coding_system"]["iri"] == str(CODING_SYSTEM["loinc"])
    assert cols["finding"]["coding_system"]["iri"] == str(CODING_SYSTEM["snomed-ct"])

    patient = dataset_by_table(catalog, "patient")
    assert [c["name"] for c in patient["columns"]] == ["patient_id", "birth_year", "sex"]
    assert patient["columns"][1]["unit"] == "year"

    again = harvest_source(catalog, csv_source(tmp_path / "dictionary.csv"))
    assert again.outcome is Outcome.UNCHANGED


def test_cp949_file_needs_the_encoding_option(catalog, tmp_path):
    (tmp_path / "korean.csv").write_bytes(
        (
            "테이블명,컬럼명,타입,설명,코드체계,단위\n"
            "외래,진료과,string,진료과 코드,EDI,\n"
            "외래,체온,decimal,체온,,°C\n"
        ).encode("cp949")
    )
    header = {
        "table": "테이블명",
        "column": "컬럼명",
        "type": "타입",
        "description": "설명",
        "code_system": "코드체계",
        "unit": "단위",
    }
    failed = harvest_source(catalog, csv_source(tmp_path / "korean.csv", header=header))
    assert failed.outcome is Outcome.FAILED
    assert "korean.csv: is not utf-8-sig text" in failed.error and "cp949" in failed.error

    run = harvest_source(catalog, csv_source(tmp_path / "korean.csv", header=header, encoding="cp949"))
    assert run.outcome is Outcome.CHANGED, run.error
    d = dataset_by_table(catalog, "외래")
    assert d["title"] == "외래" and d["id"].startswith("hanbit-h")  # Hangul slugs become a hash
    assert [c["name"] for c in d["columns"]] == ["진료과", "체온"]
    assert d["columns"][0]["description"] == "진료과 코드"
    assert d["columns"][0]["coding_system"]["iri"] == str(CODING_SYSTEM["edi"])
    assert d["columns"][1]["unit"] == "°C"


def test_header_without_table_or_column_fails_naming_what_is_missing(catalog, tmp_path):
    (tmp_path / "wrong.csv").write_text("tbl,col_name,type\npatient,id,string\n", encoding="utf-8")
    run = harvest_source(catalog, csv_source(tmp_path / "wrong.csv"))
    assert run.outcome is Outcome.FAILED
    assert "wrong.csv: the header row has no 'table', 'column' column" in run.error
    assert "headers found: 'tbl', 'col_name', 'type'" in run.error and "header option" in run.error
    assert catalog.datasets.count() == 0

    (tmp_path / "semi.csv").write_text("table;column;type\npatient;id;string\n", encoding="utf-8")
    run = harvest_source(catalog, csv_source(tmp_path / "semi.csv"))
    assert run.outcome is Outcome.FAILED and "set the delimiter option" in run.error
    run = harvest_source(catalog, csv_source(tmp_path / "semi.csv", name="semi", delimiter=";"))
    assert run.outcome is Outcome.CHANGED, run.error
    assert [c["name"] for c in dataset_by_table(catalog, "patient")["columns"]] == ["id"]


def test_rows_without_table_or_column_are_skipped_and_empty_lines_ignored(catalog, tmp_path):
    (tmp_path / "gaps.csv").write_text(
        "Table,Column,Type,Description\n"
        "visit,visit_id,string,방문 번호\n"
        ",orphan,string,테이블 없음\n"
        ",,,\n"
        "\n"
        "visit,,string,컬럼 없음\n"
        "visit,visit_date,date,방문일\n"
        "visit,visit_id,string,중복\n",
        encoding="utf-8",
    )
    run = harvest_source(catalog, csv_source(tmp_path / "gaps.csv"))
    assert run.outcome is Outcome.CHANGED, run.error
    reasons = {s.record: s.reason for s in run.skipped}
    assert set(reasons) == {"row 3", "row 6", "row 8"}
    assert reasons["row 3"].startswith("empty table name")
    assert reasons["row 6"].startswith("empty column name")
    assert "already defined in row 2" in reasons["row 8"]
    d = dataset_by_table(catalog, "visit")
    assert [(c["name"], c["description"]) for c in d["columns"]] == [
        ("visit_id", "방문 번호"),
        ("visit_date", "방문일"),
    ]


def test_unknown_code_system_is_kept_as_text_and_warned(catalog, tmp_path):
    (tmp_path / "codes.csv").write_text(
        "table,column,description,code_system\n"
        "drug,drug_code,약품 코드,KD-CODE\n"
        "drug,atc,ATC 코드,atc\n"
        "drug,route,투여 경로,KD-CODE\n",
        encoding="utf-8",
    )
    run = harvest_source(catalog, csv_source(tmp_path / "codes.csv"))
    assert run.outcome is Outcome.CHANGED, run.error
    warning = next(w for w in run.warnings if "code system" in w)
    assert "'KD-CODE' (rows 2, 4) is not one hdcat knows" in warning and "ICD-10" in warning
    cols = {c["name"]: c for c in dataset_by_table(catalog, "drug")["columns"]}
    assert cols["drug_code"]["description"] == "약품 코드 (code system: KD-CODE)"
    assert cols["drug_code"]["coding_system"] is None
    assert cols["atc"]["coding_system"]["iri"] == str(CODING_SYSTEM["atc"])


def test_over_http_and_broken_files_fail_clearly(catalog, static_server):
    folder, base = static_server
    (folder / "dictionary.csv").write_text(DICTIONARY, encoding="utf-8")
    (folder / "page.csv").write_text("<!DOCTYPE html><html><body>Login</body></html>")
    (folder / "quote.csv").write_text('table,column,description\nt,c,"never closed\n', encoding="utf-8")
    with zipfile.ZipFile(folder / "dictionary.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    runs = harvest_all(
        catalog,
        [
            csv_source(f"{base}/page.csv", name="html"),
            csv_source(f"{base}/quote.csv", name="quote"),
            csv_source(f"{base}/old.xls", name="xls"),
            csv_source(f"{base}/dictionary.xlsx", name="xlsx"),
            csv_source(f"{base}/missing.csv", name="missing"),
            csv_source(f"{base}/dictionary.csv", name="good"),
        ],
    )
    outcome = {r.source: r for r in runs}
    assert "got an HTML page where a data dictionary" in outcome["html"].error
    assert "not valid CSV" in outcome["quote"].error and "quote.csv" in outcome["quote"].error
    assert "old Excel .xls workbook" in outcome["xls"].error
    if importlib.util.find_spec("openpyxl") is None:
        assert "needs openpyxl, which is not installed" in outcome["xlsx"].error
    else:
        assert "not a readable XLSX workbook" in outcome["xlsx"].error
    assert "HTTP 404" in outcome["missing"].error
    assert all(outcome[n].outcome is Outcome.FAILED for n in ("html", "quote", "xls", "xlsx", "missing"))
    assert outcome["good"].outcome is Outcome.CHANGED and outcome["good"].found == 3


def test_bad_options_fail_the_source(catalog, tmp_path):
    (tmp_path / "d.csv").write_text(DICTIONARY, encoding="utf-8")
    runs = harvest_all(
        catalog,
        [
            csv_source(tmp_path / "d.csv", name="a", encoding="klingon"),
            csv_source(tmp_path / "d.csv", name="b", header={"tabel": "x"}),
            csv_source(tmp_path / "d.csv", name="c", delimiter=";;"),
        ],
    )
    assert all(r.outcome is Outcome.FAILED for r in runs)
    assert "option encoding: unknown encoding 'klingon'" in runs[0].error
    assert "option header: unknown field 'tabel'" in runs[1].error
    assert "option delimiter" in runs[2].error


def test_registered():
    from hdcat.harvesters.registry import harvesters

    assert harvesters.get("csv") is CsvDictionaryHarvester
