"""The years a record covers (catalog.holdings) are those its search facet gives, a dataset has one column of
the home table, and the chart geometry (web.charts) draws each number to scale inside its viewBox."""

from __future__ import annotations

from hdcat.catalog.holdings import SEVERAL, UNCLASSIFIED, with_area, years_covered
from hdcat.search.facets import facet_values


def _record(rid, hospital="hanbit", areas=(), types=(), start=None, end=None) -> dict:
    concept = "https://w3id.org/hdcat/code/{}/{}".format
    return {
        "id": rid,
        "hospital": {"id": hospital} if hospital else None,
        "disease_areas": [{"iri": concept("disease-area", a), "notation": a} for a in areas],
        "data_types": [{"iri": concept("data-type", t), "notation": None} for t in types],
        "temporal_start": start,
        "temporal_end": end,
        "coding_systems": [],
        "access_rights": None,
    }


RECORDS = [
    _record("a", areas=["cancer"], types=["ehr"], start="2019-01-01", end="2021-12-31"),
    _record("b", areas=["cancer", "respiratory"], types=["imaging"], start="2020", end=None),
    _record("c", hospital="gaon", start="2022-05-01", end="2018-01-01"),  # an end before its start
    _record("d", hospital=None, areas=["other"], types=["ehr"], start="1900-01-01", end="2099-12-31"),
    _record("e", hospital="gaon", areas=["cancer"], start="", end="2020"),
]


def test_years_covered_reads_periods_as_the_search_facet_does():
    for r in RECORDS:
        expected = [int(y) for y in facet_values(r)["years_covered"] if y != "unknown"]
        assert years_covered(r["temporal_start"], r["temporal_end"]) == expected, r["id"]
    assert years_covered("2019-03-01", "2021") == [2019, 2020, 2021]
    assert years_covered(None, "2021") == [] and len(years_covered("1900", "2099")) == 101


def test_a_dataset_is_in_one_column_of_the_home_table():
    def column(areas):
        found = None
        for area in areas:
            found = with_area(found, area)
        return found or UNCLASSIFIED

    assert column(["cancer"]) == "cancer" and column(["cancer", "cancer"]) == "cancer"
    assert column(["cancer", "respiratory"]) == SEVERAL and column([]) == UNCLASSIFIED
    assert column(["cancer", "respiratory", "cancer"]) == SEVERAL


def test_bars_are_drawn_to_scale_inside_the_chart(tmp_path):
    from flask import Flask
    from hdcat.web.charts import WIDTH, rows_chart, years_chart

    with Flask(__name__).test_request_context():
        chart = rows_chart("c", "t", "k", [("a", "A", 40, None), ("b", "B", 10, None), ("z", "Z", 0, None)])
        widths = [b.width for b in chart.bars]
        assert widths[0] == 4 * widths[1] and widths[2] == 0 and max(widths) < WIDTH
        assert all(b.y + b.height <= chart.height for b in chart.bars)
        years = years_chart("y", "t", "k", {2001: 4, 2003: 2, 2030: 1}, lambda y: f"/y/{y}")
        assert [b.key for b in years.bars] == [str(y) for y in range(2001, 2031)]  # gaps are zeros
        assert years.bars[2].height == years.bars[0].height / 2 and years.bars[1].height == 0
        assert years.bars[1].href is None and years.bars[0].href == "/y/2001"
        assert all(b.x >= 0 and b.x + b.width <= WIDTH + 0.01 for b in years.bars)
        assert 0 < len(years.ticks) <= 8 and years.top_value == 4
