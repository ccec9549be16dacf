"""The holdings charts of the home and hospital pages, the home table whose rows add up, and the conformance
overview across hospitals, on the sample consortium, for an anonymous reader and a signed-in member.

Every number on these pages is checked against a count made another way. The charts are the search engine's
counts: they are checked against the search API's facets (what a bar's link finds) and against the
catalogue's own listing read through the API and counted here by disease area and data type (the engine's
counting held to the catalogue). The home table is checked against that listing partitioned here, the
conformance overview against the datasets' own claims in the API and the search engine's "conforms to" facet.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from bs4 import BeautifulSoup
from hdcat.ontology import hospitals

from tests.conftest import sign_in

AREAS = ("cancer", "cardiovascular", "respiratory", "ophthalmology", "other")


@pytest.fixture(scope="module")
def readers(app, people) -> dict:
    return {"anonymous": app.test_client(), "member": sign_in(app, "ana")}


def _number(text: str) -> int:
    return int(text.strip().replace(",", ""))


def _chart(html: str, chart_id: str) -> dict[str, int]:
    """The numbers of one chart, read from its table, with the checks that it is an accessible figure."""
    figure = BeautifulSoup(html, "html.parser").find("figure", id=chart_id)
    assert figure is not None, f"no chart {chart_id}"
    caption = figure.find("figcaption")
    svg = figure.find("svg")
    assert svg["role"] == "img" and svg["aria-labelledby"] == caption["id"] and caption.get_text(strip=True)
    assert not svg.find("a"), "no links inside an image: they are in the table"
    rows = figure.select("details table tbody tr")
    assert rows, f"chart {chart_id} has no table of its numbers"
    numbers = {tr["data-key"]: _number(tr.find("td").get_text()) for tr in rows}
    bars = len(svg.find_all("rect", class_="bar"))
    drawn = len(numbers) if chart_id != "chart-years" else sum(1 for n in numbers.values() if n)
    assert bars == drawn, f"{chart_id}: {bars} bars for {drawn} numbers"  # a bar a number (years: not zeros)
    return numbers


def _facets(client, **filters) -> dict[str, dict[str, int]]:
    body = client.get("/api/v1/search", query_string={**filters, "size": 1}).get_json()
    return {name: {b["value"]: b["count"] for b in buckets} for name, buckets in body["facets"].items()}


def _listing(client, **filters) -> list[dict]:
    hits, page = [], 1
    while True:
        body = client.get("/api/v1/datasets", query_string={**filters, "page": page, "size": 200}).get_json()
        hits += body["hits"]
        if len(hits) >= body["total"]:
            return hits
        page += 1


def _notations(concepts: list[dict]) -> set[str]:
    """A listed dataset's concepts as the facets name them: their notation, or their IRI's last segment."""
    return {c["notation"] or c["iri"].rsplit("/", 1)[-1] for c in concepts}


#: (facet, the listing's field, the value of a dataset that has none)
WHAT_A_CHART_COUNTS = (
    ("disease_area", "disease_areas", "unclassified"),
    ("data_type", "data_types", "unknown"),
)


def _listing_counts(client, **filters) -> dict[str, dict[str, int]]:
    """Datasets by disease area and by data type, counted here from the catalogue's own listing (the API's),
    not from the search engine the charts ask: a dataset in each of its areas and types."""
    counted: dict = {"disease_area": Counter(), "data_type": Counter()}
    for d in _listing(client, **filters):
        for name, key, missing in (
            ("disease_area", "disease_areas", "unclassified"),
            ("data_type", "data_types", "unknown"),
        ):
            counted[name].update(_notations(d[key]) or {missing})
    return {name: dict(c) for name, c in counted.items()}


def _check_charts(html: str, facets: dict) -> None:
    assert _chart(html, "chart-disease-areas") == facets["disease_area"]
    assert _chart(html, "chart-data-types") == facets["data_type"]
    years = {k: v for k, v in _chart(html, "chart-years").items() if v}
    assert years == {y: n for y, n in facets["years_covered"].items() if y != "unknown"}
    no_period = facets["years_covered"].get("unknown", 0)
    note = (
        BeautifulSoup(html, "html.parser")
        .find("figure", id="chart-years")
        .find(class_="chart-note")
        .get_text()
    )
    assert bool(re.search(rf"(?<!\d){no_period}(?!\d)", note)) == bool(no_period), note


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_home_charts_count_what_the_search_engine_counts(readers, who):
    client = readers[who]
    html = client.get("/?lang=en").get_data(as_text=True)
    facets = _facets(client)
    _check_charts(html, facets)
    listing = _listing_counts(client)
    assert _chart(html, "chart-disease-areas") == listing["disease_area"]
    assert _chart(html, "chart-data-types") == listing["data_type"]
    by_hospital = _chart(html, "chart-hospitals")
    assert set(by_hospital) == {h["id"] for h in hospitals()}
    assert {h: n for h, n in by_hospital.items() if n} == facets["hospital"]
    assert sum(facets["disease_area"].values()) > sum(by_hospital.values())  # several areas count in each


@pytest.mark.parametrize("who", ["anonymous", "member"])
@pytest.mark.parametrize("hospital", ["hanbit", "balgeun"])
def test_hospital_charts_count_that_hospitals_datasets(readers, who, hospital):
    client = readers[who]
    html = client.get(f"/hospitals/{hospital}?lang=ko").get_data(as_text=True)
    _check_charts(html, _facets(client, hospital=hospital))
    listing = _listing_counts(client, hospital=hospital)
    assert _chart(html, "chart-disease-areas") == listing["disease_area"]
    assert _chart(html, "chart-data-types") == listing["data_type"]
    assert BeautifulSoup(html, "html.parser").find("figure", id="chart-hospitals") is None  # home only


def test_members_see_more_than_anonymous_readers_in_the_charts(readers):
    anonymous = _chart(readers["anonymous"].get("/").get_data(as_text=True), "chart-hospitals")
    member = _chart(readers["member"].get("/").get_data(as_text=True), "chart-hospitals")
    assert all(anonymous[h] <= member[h] for h in member) and sum(anonymous.values()) < sum(member.values())


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_home_tables_rows_add_up(readers, who):
    """Each dataset is in one cell of its row: its one disease area, "several", or "unclassified"."""
    client = readers[who]
    table = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").find("table", id="holdings")
    rows = {tr["data-hospital"]: tr for tr in table.select("tbody tr, tfoot tr")}
    assert set(rows) == {h["id"] for h in hospitals()} | {"all"}
    several_seen = 0
    for hospital, tr in rows.items():
        cells = {
            td["data-area"]: td.get_text(strip=True) for td in tr.find_all("td", attrs={"data-area": True})
        }
        counts = {k: 0 if v == "·" else _number(v) for k, v in cells.items()}
        assert set(counts) == {*AREAS, "several", "unclassified", "total"}
        total = counts.pop("total")
        assert sum(counts.values()) == total, f"{hospital}: {counts} do not add up to {total}"
        # the same partition, made here from the catalogue's listing
        listing = _listing(client, **({} if hospital == "all" else {"hospital": hospital}))
        expected = Counter()
        for d in listing:
            areas = _notations(d["disease_areas"])
            expected[areas.pop() if len(areas) == 1 else "several" if areas else "unclassified"] += 1
        assert total == len(listing)
        assert {k: v for k, v in counts.items() if v} == dict(expected), hospital
        several_seen += counts["several"]
    assert several_seen, "the sample has datasets in two disease areas: the column that keeps rows honest"


def _overview_table(html: str) -> dict:
    """definition IRI → hospital → {declared, conforming, not_conforming, suggested}, from the page."""
    out: dict = {}
    for table in BeautifulSoup(html, "html.parser").select("table.conformance-overview"):
        out[table["data-definition"]] = {
            tr["data-hospital"]: {td["data-count"]: _number(td.get_text()) for td in tr.find_all("td")}
            for tr in table.select("tbody tr, tfoot tr")
        }
    return out


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_conformance_overview_counts_each_hospitals_claims(readers, sample_catalog, who):
    client = readers[who]
    body = client.get("/api/v1/conformance").get_json()
    page = client.get("/conformance?lang=en")
    assert page.status_code == 200
    shown = _overview_table(page.get_data(as_text=True))
    published = {
        v["iri"] for v in sample_catalog.definitions.versions(drafts=False) if v["status"] == "published"
    }
    assert {d["iri"] for d in body["definitions"]} == published == set(shown)
    listing = _listing(client)
    hospital_of = {d["iri"]: d["hospital"]["id"] for d in listing}
    suggested = defaultdict(Counter)
    for m in sample_catalog.conformance.of(members=who == "member"):
        if not m["declared"] and m["dataset"] in hospital_of:
            suggested[m["definition"]][hospital_of[m["dataset"]]] += 1
    for h in body["hospitals"]:
        for r in h["results"]:
            iri = r["definition"]
            declared = sum(1 for d in listing if d["hospital"]["id"] == h["id"] and iri in d["conforms_to"])
            conforming = _facets(client, hospital=h["id"], conforms_to=iri)["hospital"].get(h["id"], 0)
            assert (r["declared"], r["conforming"]) == (declared, conforming), (h["id"], iri)
            assert r["conforming"] + r["not_conforming"] == r["declared"]
            assert r["suggested"] == suggested[iri][h["id"]], (h["id"], iri)
            assert shown[iri][h["id"]] == {
                k: r[k] for k in ("declared", "conforming", "not_conforming", "suggested")
            }
    totals = {t["definition"]: t for t in body["totals"]}
    for iri, t in totals.items():
        assert (
            shown[iri]["all"]["declared"]
            == t["declared"]
            == sum(r["declared"] for h in body["hospitals"] for r in h["results"] if r["definition"] == iri)
        )
    # hanbit/standard-datasets.ttl: one dataset meets cardiovascular-core, one fails respiratory-core
    cardio = next(t for iri, t in totals.items() if "/cardiovascular-core/" in iri)
    respiratory = next(t for iri, t in totals.items() if "/respiratory-core/" in iri)
    assert cardio["conforming"] >= 1 and respiratory["not_conforming"] >= 1


def test_conformance_overview_is_linked_from_the_nav_and_the_definitions(client):
    for path in ("/", "/definitions"):
        assert 'href="/conformance' in client.get(path).get_data(as_text=True), path


def test_the_charts_follow_the_index_after_a_commit_and_count_more_than_a_pages_facet_values(tmp_path):
    """The charts are the search engine's counts: a harvest's index update moves them. A period of a century
    is 101 years, more than the search page's 100 values of a facet, and the chart counts every one."""
    from hdcat.catalog import Catalog, Settings
    from hdcat.harvesters.runner import harvest_source
    from hdcat.search.service import Search
    from hdcat.web.app import create_app

    from tests.conftest import source

    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    search = Search(cat)
    try:
        f = tmp_path / "c.ttl"
        head = (
            "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        )
        a = (
            '<http://h.example/a> a dcat:Dataset ; dct:title "A"@en ; dct:temporal [ a dct:PeriodOfTime ;\n'
            '  dcat:startDate "1900-01-01"^^xsd:date ; dcat:endDate "2099-12-31"^^xsd:date ] .\n'
        )
        f.write_text(head + a)
        harvest_source(cat, source(f))
        search.reindex()
        client = create_app(catalog=cat, search=search).test_client()
        html = client.get("/hospitals/hanbit?lang=en").get_data(as_text=True)
        years = {y: n for y, n in _chart(html, "chart-years").items() if n}
        assert years == {str(y): 1 for y in range(1900, 2001)}  # cut a century after its start
        assert _chart(html, "chart-disease-areas") == {"unclassified": 1}
        f.write_text(head + a + '<http://h.example/b> a dcat:Dataset ; dct:title "B"@en .\n')
        run = harvest_source(cat, source(f))
        behind = BeautifulSoup(client.get("/?lang=en").get_data(as_text=True), "html.parser")
        assert "being brought up to date" in behind.find(class_="charts-note").get_text()  # not updated
        assert _chart(str(behind), "chart-disease-areas") == {"unclassified": 1}
        assert search.update([run]) == 1
        html = client.get("/?lang=en").get_data(as_text=True)
        assert BeautifulSoup(html, "html.parser").find(class_="charts-note") is None
        assert _chart(html, "chart-disease-areas") == {"unclassified": 2}
        assert _chart(html, "chart-hospitals")["hanbit"] == 2
        note = BeautifulSoup(html, "html.parser").find("figure", id="chart-years").find(class_="chart-note")
        assert re.search(r"(?<!\d)1 state none", note.get_text()), note.get_text()
        footer = BeautifulSoup(html, "html.parser").select_one("table#holdings tfoot")
        assert footer.find("td", attrs={"data-area": "unclassified"}).get_text(strip=True) == "2"
    finally:
        search.close()
        cat.close()


def test_a_hospitals_charts_count_what_its_listing_shows_when_two_hospitals_publish_a_dataset(tmp_path):
    """A dataset two hospitals' sources publish is in both hospitals' listings, so in both hospitals' charts
    (the search engine's hospital facet names every source's hospital). A dataset one source publishes for
    everyone and another for members only is shown to the public through the first; the search engine keeps
    its document (which holds both sources' statements) for members, so it is not in the public's charts,
    but the index is not behind for that, and the page does not say it is."""
    from hdcat.catalog import Catalog, Settings
    from hdcat.harvesters.runner import harvest_source
    from hdcat.search.service import Search
    from hdcat.web.app import create_app

    from tests.conftest import source
    from tests.test_patched_reads import HIDDEN
    from tests.test_shared_datasets import OWN, PORTAL, _dataset

    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    search = Search(cat)
    try:
        own, portal = tmp_path / "own.ttl", tmp_path / "portal.ttl"
        own.write_text(OWN)
        hidden = _dataset("shared-1", "Shared one", "2024-05-09", extra=f"; {HIDDEN} ")
        portal.write_text(PORTAL.replace(_dataset("shared-1", "Shared one", "2024-05-09"), hidden))
        harvest_source(cat, source(own, name="own"))
        harvest_source(cat, source(portal, name="portal", hospital="gaon"))
        search.reindex()
        client = create_app(catalog=cat, search=search).test_client()
        for hospital in ("hanbit", "gaon"):
            listed = cat.datasets.count(hospital=hospital, members=True)
            assert listed == 6 and search.holdings(members=True, hospital=hospital)["total"] == listed
            html = client.get(f"/hospitals/{hospital}?lang=en").get_data(as_text=True)
            assert BeautifulSoup(html, "html.parser").find(class_="charts-note") is None
        public = cat.datasets.stats(members=False)["total"]
        assert search.holdings(members=False)["total"] == public - 1  # shared-1, for members in the index
        page = BeautifulSoup(client.get("/?lang=en").get_data(as_text=True), "html.parser")
        assert page.find(class_="charts-note") is None and page.select("figure.chart")
    finally:
        search.close()
        cat.close()


@pytest.mark.parametrize("path", ["/", "/hospitals/hanbit"])
def test_a_page_is_served_when_the_engine_cannot_count_its_charts(client, sample_search, monkeypatch, path):
    """The charts are the search engine's; when it cannot be reached the page says so and keeps what the
    catalogue gives it (the home table, the hospital's listing)."""
    from hdcat.search.backends import SearchUnavailable

    def unreachable(request, any_word=False):
        raise SearchUnavailable("Elasticsearch at http://127.0.0.1:9: connection refused")

    monkeypatch.setattr(sample_search.backend, "search", unreachable)
    response = client.get(path, query_string={"lang": "en"})
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "cannot be reached" in page.find(class_="charts-note").get_text()
    assert not page.select("figure.chart") and "127.0.0.1" not in response.get_data(as_text=True)
    assert page.select("table#holdings tbody tr") if path == "/" else page.select("a[href^='/datasets/']")
