"""Facets read from a record (search/facets.py): the value rules, without an engine."""

from hdcat.search.facets import BY_NAME, facet_values


def _record(**extra) -> dict:
    return {
        "hospital": None,
        "disease_areas": [],
        "data_types": [],
        "coding_systems": [],
        "access_rights": None,
        "conformance": [],
        "conforms_to": [],
        **extra,
    }


def test_years_covered_lists_every_year_the_period_touches():
    years = facet_values(_record(temporal_start="2019-03-01", temporal_end="2021-06-30"))["years_covered"]
    assert years == ["2019", "2020", "2021"]


def test_years_covered_open_reversed_missing_and_absurd_periods():
    covered = BY_NAME["years_covered"].values
    assert covered(_record(temporal_start="2020-01-01", temporal_end=None), False) == ["2020"]
    assert covered(_record(temporal_start="2020-01-01", temporal_end="2011-01-01"), False) == ["2020"]
    assert covered(_record(), False) == ["unknown"]
    assert len(covered(_record(temporal_start="1900-01-01", temporal_end="9999-12-31"), False)) == 101


def test_every_facet_has_titles_in_both_languages():
    for facet in BY_NAME.values():
        assert facet.title_en and facet.title_ko and facet.title_en != facet.title_ko
