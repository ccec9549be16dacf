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


def _checked(form: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="d" value="([^"]+)" checked>', form)


def _press(client, text: str, button: str, tick=()):
    """What a browser without script sends when the reader ticks `tick` in the page's compare form and
    presses the button whose text is `button` (a page button or "Keep the ticks…"): the form's ticked
    boxes as `d` and the button's own name and value, to its formaction. Returns the page it ends on."""
    form = _compare_form(text)
    for i in tick:
        assert f'<input type="checkbox" name="d" value="{i}">' in form, f"no unticked box for {i}"
    found = re.search(r"<button ([^>]*)>" + re.escape(button), text)
    assert found, f"no button {button!r}"
    attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', found.group(1)))
    assert attrs.get("form", "compare-form") == "compare-form" and 'id="compare-form"' in form
    params = [("d", i) for i in _checked(form) + list(tick)] + [
        (attrs["name"], html.unescape(attrs["value"]))
    ]
    sent = client.get(html.unescape(attrs["formaction"]), query_string=params)
    assert sent.status_code == 303, sent.status_code
    return client.get(sent.headers["Location"])


def test_the_dataset_ticked_from_its_page_stays_ticked_across_the_lists_pages_and_filters(client, picked):
    a = picked["ids"][0]
    first = client.get(f"/datasets?compare={a}&lang=en").get_data(as_text=True)
    assert f'<input type="hidden" name="compare" value="{a}">' in first  # the filter form passes it on
    following = _press(client, first, "next →")
    assert f"compare={a}" in following.request.url and "page=2" in following.request.url
    second = following.get_data(as_text=True)
    assert _checked(_compare_form(second)) == [a]
    b = re.findall(r'<input type="checkbox" name="d" value="([^"]+)">', _compare_form(second))[0]
    back = _press(client, second, "← previous", tick=[b])
    assert set(_checked(_compare_form(back.get_data(as_text=True)))) == {a, b}


def _hits(form: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="d" value="([^"]+)">', form)


def test_a_dataset_ticked_in_search_results_stays_ticked_across_pages_filters_sorts_and_queries(client):
    """Without script: tick on page 1, turn the page (the page buttons send the ticks), follow a facet
    link, tick another there, and the compare form sends both; a sort or a new query keeps them too."""
    first = client.get("/search?q=&lang=en").get_data(as_text=True)
    a = _hits(_compare_form(first))[0]
    second = _press(client, first, "next →", tick=[a])
    assert "page=2" in second.request.url and f"compare={a}" in second.request.url
    text = second.get_data(as_text=True)
    # a is not among page 2's results: it is ticked at the top of the form, where unticking drops it
    assert (
        f'<p class="compare-with"><label class="compare"><input type="checkbox" name="d" value="{a}" checked>'
        in text
    )
    assert _checked(_compare_form(text)) == [a]
    facet = html.unescape(
        re.search(r'<section class="facet"><h2>[^<]*</h2>\s*<ul>\s*<li><a href="([^"]+)"', text).group(1)
    )
    assert f"compare={a}" in facet
    narrowed = client.get(facet).get_data(as_text=True)
    assert "page=" not in facet and _checked(_compare_form(narrowed)) == [a]
    b = next(i for i in _hits(_compare_form(narrowed)) if i != a)
    # ticking b and pressing "Compare the ticked datasets" sends both
    compare = _compare_form(narrowed)
    sent = _checked(compare) + [b]
    page = client.get("/compare", query_string=[("d", i) for i in sent] + [("lang", "en")])
    assert page.status_code == 200
    shown = re.findall(r'<th scope="col"[^>]*><a href="/datasets/([^"?]+)', page.get_data(as_text=True))
    assert shown == [a, b]
    # "Keep the ticks while I search" keeps b too, and then a sort and a new query (the search bar's form)
    # carry both
    kept = _press(client, narrowed, "Keep the ticks while I search", tick=[b])
    assert sorted(_checked(_compare_form(kept.get_data(as_text=True)))) == sorted([a, b])
    bar = re.search(r'<form class="searchbar".*?</form>', kept.get_data(as_text=True), re.S).group(0)
    carried = re.findall(r'<input type="hidden" name="compare" value="([^"]+)">', bar)
    assert carried == [a, b]
    again = client.get(
        "/search",
        query_string=[("q", "cancer"), ("sort", "title"), ("lang", "en")] + [("compare", i) for i in carried],
    )
    assert again.status_code == 200
    assert sorted(_checked(_compare_form(again.get_data(as_text=True)))) == sorted([a, b])


def test_a_fifth_tick_is_kept_and_the_form_says_to_untick_one_in_both_languages(client):
    first = client.get("/search?q=&lang=en").get_data(as_text=True)
    five = _hits(_compare_form(first))[:5]
    kept = _press(client, first, "Keep the ticks while I search", tick=five)
    text = kept.get_data(as_text=True)
    assert _checked(_compare_form(text)) == five
    status = re.search(r'<p class="compare-status" id="compare-status" role="status"[^>]*>([^<]*)</p>', text)
    assert status.group(1) == "5 datasets are ticked; a comparison takes 2 to 4. Untick 1 before comparing."
    ko = client.get(kept.request.url.replace("lang=en", "lang=ko")).get_data(as_text=True)
    status = re.search(r'<p class="compare-status" id="compare-status" role="status"[^>]*>([^<]*)</p>', ko)
    assert "5개" in status.group(1) and "1개" in status.group(1) and "Untick" not in status.group(1)
    # four is quiet
    four = client.get("/search", query_string=[("lang", "en")] + [("compare", i) for i in five[:4]])
    assert re.search(r'role="status"[^>]*></p>', four.get_data(as_text=True))


def test_the_page_buttons_go_only_to_the_page_they_are_on(client):
    """`go` is a query string, not an address: the redirect keeps the list page's own path."""
    r = client.get("/search", query_string={"go": "//evil.example/x?q=1", "d": "a"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/search?")
    r = client.get("/hospitals/hanbit", query_string={"go": "page=2", "d": ["x", "x", " "]})
    assert r.headers["Location"] == "/hospitals/hanbit?page=2&compare=x"


def test_the_page_is_in_korean_for_a_korean_reader(client, picked):
    text = client.get(f"/compare?{_query(picked['ids'])}&lang=ko").get_data(as_text=True)
    assert '<html lang="ko">' in text and "<h1>데이터셋 비교" in text
    assert '<th scope="row">Columns</th>' not in text and '<th scope="row">Access</th>' not in text


def _click_through(b, css: str) -> None:
    """Click with the mouse where the element is drawn and wait for the next page. (The facets are in a
    <details> the stylesheet opens on wide screens; WebDriver's own click calls them hidden when no script
    has set `open`, though they are drawn and a person clicks them.)"""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    b.driver.execute_script("window.__hdcatOldPage = true")
    ActionChains(b.driver).move_to_element(b.find(css)).click().perform()
    WebDriverWait(b.driver, 20).until(
        lambda d: d.execute_script("return !window.__hdcatOldPage && document.readyState === 'complete'")
    )


@pytest.mark.browser
@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_ticks_in_search_results_survive_pages_and_filters_in_a_real_browser(live_server, script):
    """Headless Chromium, with and without JavaScript, clicking as a reader does: tick a result on page 1,
    press "next →", follow a facet, tick another there, press "Compare the ticked datasets": the compare
    page has both. With script a tick is carried at once (a facet clicked right after keeps it) and a
    fifth tick says to untick one before the page is left."""
    from tests.browser import Browser, chromium_path
    from tests.conftest import require_service

    require_service(chromium_path() is not None, "Chromium (scripts/services start browser)")
    url = live_server.url
    with Browser(1366, 900, script=script) as b:
        b.open(f"{url}/search?q=&lang=en")
        a = b.find("ol.hits input[name=d]").get_attribute("value")
        b.find(f"ol.hits input[name=d][value='{a}']").click()
        b.submit("nav.pager button[data-rel=next]")
        assert "page=2" in b.url and f"compare={a}" in b.url
        assert b.find(f".compare-with input[value='{a}']").is_selected()
        _click_through(b, ".facet li a")
        assert f"compare={a}" in b.url
        assert b.find(f"#compare-form input[name=d][value='{a}']").is_selected()
        boxes = b.find_all("ol.hits input[name=d]")
        other = next(x for x in boxes if x.get_attribute("value") != a)
        bid = other.get_attribute("value")
        other.click()
        if script:  # carried at once: the address, the chips' links and the search bar's form have both
            assert f"compare={bid}" in b.url
            bar = [i.get_attribute("value") for i in b.find_all("form.searchbar input[name=compare]")]
            assert bar == [a, bid]
        b.submit("#compare-form p > button[type=submit]:not([name])")
        assert "/compare?" in b.url
        heads = [h.get_attribute("href") for h in b.find_all("th[scope=col] a")]
        assert [h.split("/datasets/")[1].split("?")[0] for h in heads] == [a, bid]
        if script:
            b.open(f"{url}/search?q=&lang=ko")
            for box in b.find_all("ol.hits input[name=d]")[:5]:
                box.click()
            status = b.find("#compare-status").text
            assert "5개" in status and "1개" in status
