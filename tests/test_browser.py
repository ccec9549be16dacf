"""Pages in a real headless Chromium: what a researcher sees, Korean included."""

from __future__ import annotations

import struct

import pytest

from tests.browser import chromium_path, dump_dom, screenshot
from tests.conftest import require_service


@pytest.fixture(scope="module")
def browser():
    require_service(chromium_path() is not None, "Chromium (scripts/services start browser)")


def _png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_home_page_shows_every_hospital(browser, live_server, sample_catalog, tmp_path):
    dom = dump_dom(live_server.url + "/")
    for name in (
        "한빛대학교병원",
        "새봄의료원",
        "가온상급종합병원",
        "미래종합병원",
        "하늘종합병원",
        "푸른종합병원",
        "다솜심장병원",
        "밝은눈안과병원",
    ):
        assert name in dom
    assert f"{sample_catalog.datasets.count():,}" in dom
    shot = screenshot(live_server.url + "/", tmp_path / "home.png")
    assert _png_size(shot) == (1280, 1600) and shot.stat().st_size > 30_000


def test_dataset_page_renders_columns_and_provenance(browser, live_server, client, tmp_path):
    hit = client.get("/api/v1/datasets?hospital=dasom&size=1").get_json()["hits"][0]
    dom = dump_dom(f"{live_server.url}/datasets/{hit['id']}")
    assert hit["titles"]["ko"] in dom and hit["titles"]["en"] in dom
    assert "Columns" in dom and "<code>" in dom
    assert "harvest run" in dom and "dasom-dcat" in dom
    shot = screenshot(f"{live_server.url}/datasets/{hit['id']}", tmp_path / "dataset.png")
    assert shot.stat().st_size > 30_000


def test_dataset_list_filters_and_pages(browser, live_server):
    dom = dump_dom(live_server.url + "/datasets?hospital=balgeun&size=10&lang=ko")
    assert dom.count('class="hit"') == 10 and "다음 →" in dom and "lang=ko" in dom  # pager keeps lang
    assert "밝은눈안과병원" in dom
    english = dump_dom(live_server.url + "/datasets?hospital=balgeun&size=10&lang=en")
    assert "next →" in english and "Balgeun Eye Hospital" in english


def test_search_page_facets_narrow_as_you_click(browser, live_server, tmp_path):
    import html as html_lib
    import re

    dom = dump_dom(live_server.url + "/search?lang=ko&q=" + "심부전")
    total = int(re.search(r"데이터셋 <strong>([\d,]+)</strong>개", dom).group(1).replace(",", ""))
    assert total > 0 and "<mark>" in dom
    link = re.search(r'<a href="([^"]+)" class="">☐ 다솜심장병원', dom)
    assert link, "the hospital facet lists 다솜심장병원"
    narrowed = dump_dom(live_server.url + html_lib.unescape(link.group(1)))
    count = int(re.search(r"데이터셋 <strong>([\d,]+)</strong>개", narrowed).group(1).replace(",", ""))
    assert 0 < count < total
    assert "병원: 다솜심장병원" in narrowed and 'lang="ko"' in narrowed  # the chip that removes it, in Korean
    shot = screenshot(live_server.url + "/search?q=" + "폐암", tmp_path / "search.png")
    assert shot.stat().st_size > 30_000


def test_hostile_harvested_text_runs_nothing(browser, tmp_path):
    """A title and description with markup are shown as text: no script runs, no element is injected."""
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog
    from hdcat.harvesters.runner import harvest_source
    from hdcat.web.app import create_app

    from tests.conftest import LiveServer, source

    (tmp_path / "c.ttl").write_text("""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<http://evil.example/ds> a dcat:Dataset ;
  dct:title "<script>document.title='pwned'</script><img src=x onerror=\\\"document.body.dataset.x='pwned'\\\">"@en ;
  dct:description "<b id=injected>bold</b> and javascript:alert(1)"@en ;
  dcat:landingPage <javascript:alert(1)> .
""")  # noqa: E501 (the dct:title payload is one Turtle literal)
    cat = Catalog(Settings(store_url="memory:", data_dir=tmp_path))
    harvest_source(cat, source(tmp_path / "c.ttl"))
    server = LiveServer(create_app(catalog=cat))
    try:
        local_id = cat.datasets.page(1, 1)[1][0]["id"]
        dom = dump_dom(f"{server.url}/datasets/{local_id}")
        title = dom.split("<title>")[1].split("</title>")[0]
        assert title.startswith("&lt;script&gt;")  # shown as text; the script would have set it to 'pwned'
        assert 'data-x="pwned"' not in dom and 'id="injected"' not in dom
        assert "&lt;script&gt;" in dom and 'href="javascript:' not in dom
    finally:
        server.stop()
        cat.close()


HOSTILE = (
    '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/phish">'
    '<form id="phish" action="http://127.0.0.1:9/steal"><input name="password"></form>'
    '<script>document.title="pwned"</script><img src=x onerror="document.body.dataset.x=1">'
)


@pytest.mark.parametrize("tag", ["@ko", "@en", "@de", "@zh-Hant", ""])
def test_hostile_harvested_values_in_any_language_are_text_on_every_page(browser, tmp_path, tag):
    """Titles, descriptions, keywords, column names and landing pages carrying markup, in every language
    tag and none: every page that shows them (search with and without a matching word, the dataset page,
    the list, the hospital page) shows them as text. Nothing is injected, no script runs, no refresh."""
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog
    from hdcat.harvesters.runner import harvest_source
    from hdcat.search.service import Search
    from hdcat.web.app import create_app

    from tests.conftest import LiveServer, source

    lit = HOSTILE.replace("\\", "\\\\").replace('"', '\\"')
    (tmp_path / "c.ttl").write_text(
        f'''
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix csvw: <http://www.w3.org/ns/csvw#> .
<http://evil.example/ds> a dcat:Dataset ;
  dct:title "hostile zebrafish {lit}"{tag} ;
  dct:description "zebrafish notes {lit}"{tag} ;
  dcat:keyword "{lit}"{tag} ;
  dcat:landingPage <javascript:alert(1)> ;
  dcat:distribution [ a dcat:Distribution ; dcat:accessURL <http://evil.example/file> ;
    csvw:tableSchema [ csvw:column [ csvw:name "{lit}" ; csvw:titles "{lit}" ] ] ] .
''',
        "utf-8",
    )
    cat = Catalog(Settings(store_url="memory:", data_dir=tmp_path))
    run = harvest_source(cat, source(tmp_path / "c.ttl", hospital="hanbit"))
    assert run.found == 1, run.error
    search = Search(cat)
    search.reindex()
    server = LiveServer(create_app(catalog=cat, search=search))
    try:
        local_id = cat.datasets.page(1, 1)[1][0]["id"]
        for path in (
            "/search?q=zebrafish",
            "/search?q=",
            "/search?q=hostile+-nothing",
            f"/datasets/{local_id}",
            "/datasets",
            "/hospitals/hanbit",
        ):
            dom = dump_dom(server.url + path)
            assert "<title>pwned" not in dom, path
            # as elements they would serialise as tags; as text they come out with &lt;
            for element in (
                '<form id="phish"',
                '<meta http-equiv="refresh"',
                '<img src="x"',
                "<script>document",
            ):
                assert element not in dom, (path, element)
            assert 'data-x="1"' not in dom, path
            assert 'href="javascript:' not in dom, path
            if path.startswith("/search?q=zebrafish"):
                assert '&lt;form id="phish"' in dom, path
                assert "<mark>zebrafish</mark>" in dom, path
    finally:
        server.stop()
        search.close()
        cat.close()


def test_no_template_marks_a_value_safe():
    """Only search highlights (escaped word by word in search.backends.base) become Markup, in web/filters."""
    from tests.conftest import ROOT

    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "web" / "templates").rglob("*.html")
        if "|safe " in p.read_text("utf-8").replace("|safe_url", "") + " "
        or "|safe}" in p.read_text("utf-8")
        or "|safe)" in p.read_text("utf-8")
    ]
    assert not offenders, offenders
