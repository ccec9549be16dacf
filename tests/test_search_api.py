"""The search API and page: shapes, 400s naming the parameter, exports, suggestions, staying in step."""

from __future__ import annotations

import csv
import io

import pytest
from hdcat.catalog.runs import Outcome
from hdcat.harvesters.runner import harvest_source
from hdcat.search.service import Search

from tests.conftest import source


def test_search_api_shape(client):
    body = client.get("/api/v1/search?q=lung+cancer&size=3").get_json()
    assert set(body) >= {"total", "hits", "facets", "page", "size"}
    assert body["total"] >= 3 and len(body["hits"]) == 3
    hit = body["hits"][0]
    assert hit["iri"] and hit["title"] and hit["id"]
    assert set(body["facets"]) == {
        "hospital",
        "disease_area",
        "data_type",
        "coding_system",
        "access_rights",
        "conforms_to",
        "years_covered",
        "modified_year",
        "population",
        "has_lineage",
    }
    assert all({"value", "count", "label"} <= set(b) for b in body["facets"]["hospital"])


@pytest.mark.parametrize(
    "query, field",
    [
        ("size=0", "size"),
        ("size=101", "size"),
        ("page=x", "page"),
        ("sort=best", "sort"),
        ("colour=red", "colour"),
        ("q=" + "a" * 501, "q"),
    ],
)
def test_bad_search_parameters(client, query, field):
    r = client.get(f"/api/v1/search?{query}")
    assert r.status_code == 400 and r.get_json()["field"] == field and field in r.get_json()["message"]


def test_unknown_filter_value_is_an_empty_result_not_an_error(client):
    body = client.get("/api/v1/search?hospital=nowhere").get_json()
    assert body["total"] == 0 and body["hits"] == []


def test_suggest(client):
    body = client.get("/api/v1/suggest?q=heart").get_json()
    assert body["suggestions"] and all("heart" in s.lower() for s in body["suggestions"])
    body = client.get("/api/v1/suggest?q=폐").get_json()
    assert any(s.startswith("폐") for s in body["suggestions"])
    assert client.get("/api/v1/suggest?q=" + "x" * 101).status_code == 400


def test_exports_hold_every_hit(client):
    total = client.get("/api/v1/search?q=폐암").get_json()["total"]
    r = client.get("/search/export.csv?q=폐암")
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert r.mimetype == "text/csv" and len(rows) == total and all(row["iri"] for row in rows)
    r = client.get("/search/export.json?q=폐암&hospital=hanbit")
    body = r.get_json()
    assert body["total"] == len(body["hits"]) and all(h["hospital"]["id"] == "hanbit" for h in body["hits"])
    assert client.get("/search/export.xml").status_code == 400


def test_search_page_without_javascript(client):
    r = client.get("/search?q=폐암&hospital=hanbit&lang=ko")
    html = r.data.decode()
    assert r.status_code == 200 and "<mark>폐암</mark>" in html
    assert "병원: 한빛대학교병원 ✕" in html  # the active filter as a removable chip, in the page's language
    assert "/search?q=%ED%8F%90%EC%95%94&amp;lang=ko" in html  # removing it keeps the query and language
    english = client.get("/search?q=폐암&hospital=hanbit&lang=en").data.decode()
    assert "Hospital: Hanbit University Hospital ✕" in english
    r = client.get("/search?q=zzqqxx")
    assert "Nothing matches" in r.data.decode()


def test_hostile_query_is_escaped(client):
    r = client.get("/search?q=<script>alert(1)</script>")
    assert r.status_code == 200 and b"<script>alert(1)" not in r.data


def test_index_stays_in_step_with_harvests(catalog, tmp_path):
    f = tmp_path / "c.ttl"
    head = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
    f.write_text(
        head + '<http://h.example/a> a dcat:Dataset ; dct:title "Glaucoma OCT scans"@en ; '
        'dct:description "녹내장 환자의 OCT"@ko .\n'
    )
    from dataclasses import replace

    catalog.settings = replace(catalog.settings, data_dir=tmp_path / "data")
    search = Search(catalog)
    runs = [harvest_source(catalog, source(f))]
    assert search.sync(runs) == 1
    assert search.search({"q": "녹내장"})["total"] == 1
    f.write_text(
        head + '<http://h.example/b> a dcat:Dataset ; dct:title "Cataract surgery registry"@en ; '
        'dct:description "백내장 수술"@ko .\n'
    )
    runs = [harvest_source(catalog, source(f))]
    assert runs[0].outcome is Outcome.CHANGED and search.sync(runs) == 1
    assert search.search({"q": "녹내장"})["total"] == 0 and search.search({"q": "백내장"})["total"] == 1
    unchanged = [harvest_source(catalog, source(f))]
    assert search.sync(unchanged) == 0
    search.close()


def test_every_declared_facet_reaches_documents_answers_and_the_page(client):
    """A facet is one entry in search/facets.py: the index, the API's facet counts and labels, and the
    page's headings all follow from it."""
    from hdcat.search.facets import FACET_LIST

    body = client.get("/api/v1/search?q=").get_json()
    assert list(body["facets"]) == [f.name for f in FACET_LIST]
    english = client.get("/search?q=&lang=en").get_data(as_text=True)
    korean = client.get("/search?q=&lang=ko").get_data(as_text=True)
    for facet in FACET_LIST:
        assert body["facets"][facet.name], f"no counts for {facet.name}"
        assert all(b["label"] for b in body["facets"][facet.name])
        assert f"<h2>{facet.title_en}</h2>" in english and f"<h2>{facet.title_ko}</h2>" in korean, facet.name


@pytest.mark.parametrize("period", ["abc", "2019 2023", "1800-1900", "20190-2023"])
def test_a_period_that_is_not_years_is_a_400_naming_it(client, period):
    r = client.get("/api/v1/search", query_string={"period": period})
    assert r.status_code == 400 and r.get_json()["field"] == "period" and "period" in r.get_json()["message"]


def test_the_period_on_the_search_page_is_a_chip_that_removes_it_with_its_years(client):
    page = client.get(
        "/search", query_string={"q": "폐암 2019-2023", "hospital": "hanbit", "lang": "ko"}
    ).get_data(as_text=True)
    assert "수록 기간: 2019–2023" in page
    import html as html_lib
    import re

    chip = next(
        html_lib.unescape(m) for m in re.findall(r'<a class="chip" href="([^"]+)"[^>]*>수록 기간', page)
    )
    assert "2019" not in chip and "hospital=hanbit" in chip and "q=%ED%8F%90%EC%95%94" in chip
    assert "lang=ko" in chip
    assert 'name="period" value="2019-2023"' in page
