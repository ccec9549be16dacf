"""One suite, every search behaviour, run against every backend: the embedded engine, a real
Elasticsearch and a real OpenSearch 2.x (both started by scripts/test; in CI a missing one fails the run)."""

from __future__ import annotations

import os

import pytest
from hdcat.search.analysis import analyze
from hdcat.search.service import Search

from tests.conftest import require_service

QUERIES = [
    "폐암",
    "lung cancer",
    "C34",
    "heart failure",
    "심부전",
    "copd",
    "pnuemonia",
    "녹내장 OCT",
    "column:hba1c",
    "code:I50",
    '"atrial fibrillation"',
    "copd -spirometry",
    "당뇨망막병증",
    "",
    "echo",
]


#: engine → (the variable scripts/services prints, the service that prints it)
SERVERS = {
    "elasticsearch": ("HDCAT_SEARCH_URL", "elasticsearch"),
    "opensearch": ("HDCAT_TEST_OPENSEARCH_URL", "opensearch"),
}


@pytest.fixture(scope="module", params=["embedded", "elasticsearch", "opensearch"])
def search(request, sample_catalog, sample_search):
    if request.param == "embedded":
        yield sample_search
        return
    variable, service_name = SERVERS[request.param]
    url = os.environ.get(variable)
    require_service(bool(url), f"{request.param} ({variable} from scripts/services start {service_name})")
    from hdcat.search.backends import open_backend

    backend = open_backend(url.rstrip("/") + "/hdcat-test-conformance", sample_catalog.settings.data_dir)
    assert backend.name == request.param
    service = Search(sample_catalog, backend=backend)
    service.reindex()
    yield service
    service.close()


def ids(search, q, **filters):
    out, page = [], 1
    while True:
        r = search.search({"q": q, "page": page, "size": 100, **filters})
        out += [h["id"] for h in r["hits"]]
        if page * 100 >= r["total"]:
            return out
        page += 1


def test_everything_when_no_query(search, sample_catalog):
    r = search.search({"q": ""}, members=True)
    assert r["total"] == sample_catalog.datasets.count(members=True) == search.count()


def test_anonymous_searches_leave_consortium_only_datasets_out_of_hits_and_counts(search, sample_catalog):
    public = search.search({"q": "", "size": 100})
    everything = search.search({"q": "", "size": 100}, members=True)
    assert public["total"] == sample_catalog.datasets.count() < everything["total"]
    assert all(h["visibility"] == "public" for h in public["hits"])
    assert any(h["visibility"] == "consortium" for h in everything["hits"])
    for facet, buckets in public["facets"].items():  # no facet count includes a hidden dataset
        assert sum(b["count"] for b in buckets) <= sum(b["count"] for b in everything["facets"][facet])
    by_access = {b["value"]: b["count"] for b in public["facets"]["access_rights"]}
    assert "RESTRICTED" not in by_access


@pytest.mark.parametrize(
    "form, base",
    [("폐암의", "폐암"), ("폐암환자의", "폐암 환자"), ("심부전으로", "심부전"), ("녹내장을", "녹내장")],
)
def test_korean_particles_and_compounds(search, form, base):
    found = set(ids(search, form))
    assert found and found == set(ids(search, base))


def test_synonyms_from_the_coding_systems(search):
    sets = [set(ids(search, q)) for q in ("폐암", "lung cancer", "lung neoplasm", "C34")]
    assert sets[0] and all(s == sets[0] for s in sets)


def test_misspelling_still_finds(search):
    assert set(ids(search, "pneumonia")) <= set(ids(search, "pnuemonia"))
    assert ids(search, "pnuemonia")


def test_phrase_exclusion_and_field_prefixes(search, sample_catalog):
    for hit_id in ids(search, '"atrial fibrillation"'):
        d = sample_catalog.datasets.get(hit_id)
        text = " ".join(list(d["titles"].values()) + list(d["descriptions"].values()) + d["keywords"]).lower()
        assert "atrial fibrillation" in text or "심방세동" in text or "i48" in str(d["code_values"]).lower()
    excluded = set(ids(search, "spirometry"))
    assert excluded and not (set(ids(search, "copd -spirometry")) & excluded)
    for hit_id in ids(search, "column:hba1c"):
        cols = sample_catalog.datasets.get(hit_id)["columns"]
        assert any(
            "hba1c" in analyze(f"{c['name'].replace('_', ' ')} {c['title'] or ''} {c['description'] or ''}")
            for c in cols
        )
    coded = ids(search, "code:I50")
    assert coded
    for hit_id in coded:
        values = sample_catalog.datasets.get(hit_id)["code_values"]
        assert any(
            cv["notation"].startswith("I50")
            or "heart failure" in (cv["label"] or "").lower()
            or "심부전" in (cv["label_ko"] or "")
            for cv in values
        ), hit_id


def test_prefix_of_a_word(search):
    assert set(ids(search, "echocardiography")) <= set(ids(search, "echo"))


def test_filters_and_facets_narrow(search, sample_catalog):
    everything = search.search({"q": "", "size": 1})
    dasom = search.search({"q": "", "hospital": "dasom", "size": 100})
    assert dasom["total"] == sample_catalog.datasets.count(hospital="dasom")
    assert all(h["hospital"]["id"] == "dasom" for h in dasom["hits"])
    by_hospital = {b["value"]: b["count"] for b in everything["facets"]["hospital"]}
    assert by_hospital["dasom"] == dasom["total"] and sum(by_hospital.values()) == everything["total"]
    assert [b["value"] for b in dasom["facets"]["hospital"]] == ["dasom"]
    two = search.search({"q": "", "hospital": ["dasom", "balgeun"]})
    assert two["total"] == by_hospital["dasom"] + by_hospital["balgeun"]
    both = search.search({"q": "", "hospital": "dasom", "disease_area": "cardiovascular"})
    cardio = {b["value"]: b["count"] for b in dasom["facets"]["disease_area"]}["cardiovascular"]
    assert both["total"] == cardio
    labels = {b["value"]: b["label"] for b in everything["facets"]["hospital"]}
    assert labels["dasom"] == "다솜심장병원 · Dasom Heart Hospital"


def test_facet_counts_match_the_hits(search):
    r = search.search({"q": "심부전", "size": 100})
    counted: dict = {}
    for h in r["hits"]:
        for key in [a["notation"] or a["iri"].rsplit("/", 1)[-1] for a in h["disease_areas"]] or [
            "unclassified"
        ]:
            counted[key] = counted.get(key, 0) + 1
    assert {b["value"]: b["count"] for b in r["facets"]["disease_area"]} == counted


def test_sorting_and_paging(search):
    r = search.search({"q": "", "sort": "modified", "size": 50})
    dates = [h["modified"] for h in r["hits"]]
    assert dates == sorted(dates, reverse=True)
    r = search.search({"q": "", "sort": "title", "size": 50})
    titles = [(h["titles"].get("en") or h["title"]).lower() for h in r["hits"]]
    assert titles == sorted(titles)
    first = [h["id"] for h in search.search({"q": "cancer", "size": 10, "page": 1})["hits"]]
    second = [h["id"] for h in search.search({"q": "cancer", "size": 10, "page": 2})["hits"]]
    assert first and second and not set(first) & set(second)


def test_highlight_marks_the_words(search):
    r = search.search({"q": "heart failure", "size": 5})
    snippets = " ".join(
        (h["highlight"].get("en") or "") + (h["title_highlight"].get("en") or "") for h in r["hits"]
    )
    assert "<mark>" in snippets and "<script" not in snippets


def test_no_dataset_has_every_word_falls_back(search):
    r = search.search({"q": "glaucoma zzqqxx"})
    assert r["relaxed"] is True and r["total"] > 0
    assert search.search({"q": "zzqqxx"})["total"] == 0


def test_did_you_mean(search):
    r = search.search({"q": "glaucomma"})
    assert r["total"] > 0 or r["did_you_mean"] == "glaucoma"


def test_backends_agree(search, sample_search):
    for q in QUERIES:
        assert set(ids(search, q)) == set(ids(sample_search, q)), q


def test_a_short_page_is_topped_up_with_partial_matches(search):
    r = search.search({"q": "lung cancer CT", "size": 10})
    exact = [h for h in r["hits"] if not h.get("partial")]
    partial = [h for h in r["hits"] if h.get("partial")]
    assert len(exact) == r["total"] < 10 and partial
    assert len(r["hits"]) == 10 and not {h["id"] for h in exact} & {h["id"] for h in partial}
    assert search.search({"q": "lung cancer CT", "size": 10, "page": 2})["hits"] == []


def _coverage(search, sample_catalog) -> dict[str, tuple[int, int] | None]:
    """Each dataset's covered years as the read model has them (dct:temporal), computed here on its own."""
    out = {}
    for row in sample_catalog.datasets.all_rows(members=False):
        record = next(sample_catalog.datasets.records([row]))
        start, end = (record.get("temporal_start") or "")[:4], (record.get("temporal_end") or "")[:4]
        out[record["id"]] = (
            (int(start), int(end) if end.isdigit() else int(start)) if start.isdigit() else None
        )
    return out


@pytest.mark.parametrize(
    "q, period", [("heart failure 2019–2021", (2019, 2021)), ("2020년 폐암", (2020, 2020))]
)
def test_years_in_the_query_are_a_period_the_coverage_must_overlap(search, sample_catalog, q, period):
    coverage = _coverage(search, sample_catalog)
    words = q.replace("2019–2021", "").replace("2020년", "").strip()
    by_words = set(ids(search, words))
    body = search.search({"q": q, "size": 1})
    assert body["period"] == {
        "start": period[0],
        "end": period[1],
        "label": "–".join(dict.fromkeys(map(str, period))),
    }
    expected = {
        i for i in by_words if coverage.get(i) and coverage[i][0] <= period[1] and coverage[i][1] >= period[0]
    }
    assert expected and expected < by_words  # the period narrows, and some dataset is left
    assert set(ids(search, q)) == expected
    # the same period as a parameter, and the years are never searched as words
    assert set(ids(search, words, period=f"{period[0]}-{period[1]}")) == expected


def test_an_open_period_and_a_period_beside_a_year_facet(search, sample_catalog):
    coverage = _coverage(search, sample_catalog)
    from_2024 = {i for i, c in coverage.items() if c and c[1] >= 2024}
    assert set(ids(search, "", period="2024-")) == from_2024 and from_2024
    up_to_2012 = {i for i, c in coverage.items() if c and c[0] <= 2012}
    assert set(ids(search, "", period="-2012")) == up_to_2012 and up_to_2012
    # a year facet and a period are both applied (AND), not merged into one list of years
    both = set(ids(search, "", period="2024-", years_covered="2012"))
    assert both == from_2024 & up_to_2012


def test_a_subcategory_code_falls_back_to_its_category(search):
    exact = search.search({"q": "I21", "size": 100})
    assert exact["total"] > 0
    sub = search.search({"q": "I21.0", "size": 100})
    # every dataset coded I21 is found by I21.0 (none is coded I21.0 itself in the sample)
    assert {h["id"] for h in sub["hits"]} >= {h["id"] for h in exact["hits"]}
