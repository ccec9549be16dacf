"""The compare page and /api/v1/compare on the sample consortium: each dataset's values as its own
record has them, shared columns marked, the 2-to-4 rule, visibility, and the pickers that lead there."""

from __future__ import annotations

import html
import re

import pytest


@pytest.fixture(scope="module")
def picked(sample_catalog):
    """Two public datasets sharing some column names (not all), a third with codes and a period, and a
    consortium-only one, from the sample consortium."""
    _, records = sample_catalog.datasets.page(1, 500, members=True)
    public = [r for r in records if r["visibility"] == "public"]
    full = {r["id"]: sample_catalog.datasets.get(r["id"]) for r in public}
    names = {i: {c["name"].casefold() for c in rec["columns"]} for i, rec in full.items()}
    pair = next(
        (a, b) for a in names for b in names if a < b and names[a] & names[b] and names[a] != names[b]
    )
    third = next(i for i, r in full.items() if i not in pair and r["code_values"] and r["temporal_start"])
    hidden = next(r for r in records if r["visibility"] == "consortium")
    return {"ids": [*pair, third], "hidden": hidden["id"]}


def _query(ids):
    return "&".join(f"d={i}" for i in ids)


def _cells(page: str, row: str) -> list[str]:
    """The text of each dataset's cell in the row headed `row`."""
    found = re.search(r'<th scope="row">' + re.escape(row) + r"</th>(.*?)</tr>", page, re.S)
    assert found, f"no row {row!r}"
    return [
        html.unescape(re.sub(r"<[^>]+>", " ", c)).split()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    ]


def test_the_table_shows_each_datasets_values_as_its_own_record_has_them(client, picked):
    ids = picked["ids"]
    page = client.get(f"/compare?{_query(ids)}&lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    own = [client.get(f"/api/v1/datasets/{i}").get_json() for i in ids]
    headers = re.findall(r'<th scope="col"[^>]*><a href="([^"?]+)[^"]*">', text)
    assert headers == [f"/datasets/{i}" for i in ids]
    for row, key in (("Individuals", "number_of_individuals"), ("Records", "number_of_records")):
        shown = [" ".join(c) for c in _cells(text, row)]
        expected = [f"{r[key]:,}" if isinstance(r[key], int) else (r[key] or "—") for r in own]
        assert shown == expected, row
    periods = [" ".join(c) for c in _cells(text, "Period")]
    assert periods == [
        f"{(r['temporal_start'] or '—')[:10]} – {(r['temporal_end'] or '—')[:10]}" for r in own
    ]
    assert any(r["temporal_start"] for r in own)
    for cell, r in zip(_cells(text, "Columns"), own, strict=True):
        assert [x for x in cell if x != "in" and x != "all"] == [c["name"] for c in r["columns"]] or (
            not r["columns"] and cell == ["no", "data", "dictionary"]
        )
    codes = [c for cell in _cells(text, "Codes") for c in cell]
    for r in own:
        for c in r["code_values"]:
            assert c["notation"] in codes
    assert any(r["code_values"] for r in own)
    api = client.get(f"/api/v1/compare?{_query(ids)}").get_json()
    for mine, r in zip(api["datasets"], own, strict=True):
        for key in ("id", "title", "temporal_start", "temporal_end", "number_of_individuals", "columns"):
            assert mine[key] == r[key], key
        assert mine["access_rights"] == r["access_rights"]
        assert mine["access_request_url"].startswith(f"/datasets/{r['id']}/access-request")


def test_a_suppressed_count_is_shown_as_below_the_threshold_never_as_its_number(client, sample_catalog):
    _, records = sample_catalog.datasets.page(1, 500)
    small = [
        r
        for r in records
        if isinstance(r["number_of_individuals"], int) is False and r["number_of_individuals"]
    ]
    if not small:
        pytest.skip("the sample consortium has no suppressed count")
    other = next(r for r in records if r["id"] != small[0]["id"])
    api = client.get(f"/api/v1/compare?d={small[0]['id']}&d={other['id']}").get_json()
    assert api["datasets"][0]["number_of_individuals"].startswith("<")
    assert api["datasets"][0]["number_of_individuals"] == str(small[0]["number_of_individuals"])


def test_columns_every_dataset_has_are_marked_and_listed_once(client, picked):
    a, b, _ = picked["ids"]
    own = [client.get(f"/api/v1/datasets/{i}").get_json() for i in (a, b)]
    names = [{c["name"].casefold() for c in r["columns"]} for r in own]
    expected = [c["name"] for c in own[0]["columns"] if c["name"].casefold() in names[0] & names[1]]
    assert expected and len(expected) < len(own[0]["columns"]) + len(own[1]["columns"])
    api = client.get(f"/api/v1/compare?d={a}&d={b}").get_json()
    assert api["shared_columns"] == expected
    text = client.get(f"/compare?d={a}&d={b}&lang=en").get_data(as_text=True)
    marked = re.findall(r'<li class="shared"><code>([^<]+)</code> <span class="tag">in all</span>', text)
    assert set(marked) == {
        c["name"] for r in own for c in r["columns"] if c["name"].casefold() in names[0] & names[1]
    }
    unmarked = re.findall(r"<li><code>([^<]+)</code></li>", text)
    assert unmarked and not {u.casefold() for u in unmarked} & names[0] & names[1]


@pytest.mark.parametrize("count", [1, 5])
def test_one_or_five_datasets_is_a_400_naming_the_problem_in_both_languages(client, sample_catalog, count):
    _, records = sample_catalog.datasets.page(1, 10)
    ids = [r["id"] for r in records[:count]]
    api = client.get(f"/api/v1/compare?{_query(ids)}")
    assert api.status_code == 400
    assert api.get_json()["field"] == "d" and f"got {count}" in api.get_json()["message"]
    en = client.get(f"/compare?{_query(ids)}&lang=en")
    assert en.status_code == 400
    assert f"compare takes 2 to 4 different datasets (parameter 'd'); got {count}" in html.unescape(
        en.get_data(as_text=True)
    )
    ko = client.get(f"/compare?{_query(ids)}&lang=ko")
    assert ko.status_code == 400
    message = re.search(r'<p class="error" id="error-message"([^>]*)>([^<]*)</p>', ko.get_data(as_text=True))
    assert message and 'lang="en"' not in message.group(1) and str(count) in message.group(2)
    assert "Pick" not in message.group(2)


def test_the_same_id_twice_counts_once(client, picked):
    a = picked["ids"][0]
    assert client.get(f"/compare?d={a}&d={a}").status_code == 400


def test_an_unknown_id_is_a_404_naming_it(client, picked):
    r = client.get(f"/compare?d={picked['ids'][0]}&d=no-such-dataset&lang=en")
    assert r.status_code == 404
    assert "no dataset with id 'no-such-dataset'" in html.unescape(r.get_data(as_text=True))
    ko = client.get(f"/compare?d={picked['ids'][0]}&d=no-such-dataset&lang=ko").get_data(as_text=True)
    assert "no-such-dataset" in ko and "no dataset with id" not in ko
    assert client.get(f"/api/v1/compare?d={picked['ids'][0]}&d=no-such-dataset").status_code == 404


def test_a_consortium_only_dataset_is_404_for_anonymous_readers_and_shown_to_members(client, member, picked):
    ids = [picked["ids"][0], picked["hidden"]]
    assert client.get(f"/compare?{_query(ids)}").status_code == 404
    assert client.get(f"/api/v1/compare?{_query(ids)}").status_code == 404
    seen = member.get(f"/compare?{_query(ids)}&lang=en")
    assert seen.status_code == 200
    assert f'href="/datasets/{picked["hidden"]}' in seen.get_data(as_text=True)
    assert (
        member.get(f"/api/v1/compare?{_query(ids)}").get_json()["datasets"][1]["visibility"] == "consortium"
    )


def _compare_form(text: str) -> str:
    found = re.search(r'<form class="compare-form" method="get" action="/compare".*?</form>', text, re.S)
    assert found, "no GET form to /compare"
    return found.group(0)


def test_search_results_and_the_list_have_compare_checkboxes_in_a_form_to_compare(client):
    for path in ("/search?q=", "/datasets", "/hospitals/hanbit"):
        text = client.get(path).get_data(as_text=True)
        form = _compare_form(text)
        boxes = re.findall(r'<input type="checkbox" name="d" value="([^"]+)">', form)
        hits = re.findall(r'<a class="title" href="/datasets/([^"]+)">', form)
        assert boxes and boxes == hits, path
        assert '<button type="submit">' in form


def test_the_dataset_page_links_to_a_list_with_it_ticked(client, picked):
    a = picked["ids"][0]
    text = client.get(f"/datasets/{a}").get_data(as_text=True)
    link = html.unescape(re.search(r'<a id="compare-with" href="([^"]+)"', text).group(1))
    form = _compare_form(client.get(link).get_data(as_text=True))
    assert f'<input type="checkbox" name="d" value="{a}" checked>' in form


def test_the_compare_table_scrolls_in_its_own_focusable_box_with_headers(client, picked):
    text = client.get(f"/compare?{_query(picked['ids'])}").get_data(as_text=True)
    box = re.search(r'<div class="table-scroll" tabindex="0"[^>]*>\s*<table class="data compare"', text)
    assert box
    assert text.count('<th scope="col"') == 3 and text.count('<th scope="row">') >= 8


def test_the_json_answer_is_described_in_the_openapi_document(client, picked):
    from openapi_schema_validator import OAS30Validator

    spec = client.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/v1/compare"]["get"]
    d = next(p for p in op["parameters"] if p["name"] == "d")
    assert d["in"] == "query" and d["schema"]["type"] == "array"
    assert {"200", "400", "404"} <= set(op["responses"])
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    body = client.get(f"/api/v1/compare?{_query(picked['ids'])}").get_json()
    OAS30Validator({"$ref": ref, "components": spec["components"]}).validate(body)
    declared = {k for k in spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]}
    assert declared == set(body)


def test_the_dataset_ticked_from_its_page_stays_ticked_across_the_lists_pages_and_filters(client, picked):
    a = picked["ids"][0]
    first = client.get(f"/datasets?compare={a}&lang=en").get_data(as_text=True)
    following = html.unescape(re.search(r'<a rel="next" href="([^"]+)"', first).group(1))
    assert f"compare={a}" in following
    assert f'<input type="checkbox" name="d" value="{a}" checked>' in _compare_form(
        client.get(following).get_data(as_text=True)
    )
    assert f'<input type="hidden" name="compare" value="{a}">' in first


def test_the_page_is_in_korean_for_a_korean_reader(client, picked):
    text = client.get(f"/compare?{_query(picked['ids'])}&lang=ko").get_data(as_text=True)
    assert '<html lang="ko">' in text and "<h1>데이터셋 비교" in text
    assert '<th scope="row">Columns</th>' not in text and '<th scope="row">Access</th>' not in text
