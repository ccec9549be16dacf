"""Atom feeds of a search, a hospital, a dataset and a definition: valid Atom, newest first, and only what
the reader may see."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import sign_in

A = "{http://www.w3.org/2005/Atom}"


def _feed(client, url) -> ET.Element:
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "application/atom+xml", r.get_data(as_text=True)[:300]
    root = ET.fromstring(r.data)
    assert root.tag == f"{A}feed" and root.find(f"{A}id").text and root.find(f"{A}updated").text
    for entry in root.findall(f"{A}entry"):  # what RFC 4287 requires of every entry
        assert entry.find(f"{A}id").text and entry.find(f"{A}title").text and entry.find(f"{A}updated").text
    return root


def _updated(root) -> list[str]:
    return [e.find(f"{A}updated").text for e in root.findall(f"{A}entry")]


def test_a_search_feed_lists_its_newest_matching_datasets_first(client):
    root = _feed(client, "/search/feed.atom?q=heart+failure&hospital=hanbit")
    entries = root.findall(f"{A}entry")
    assert entries and _updated(root) == sorted(_updated(root), reverse=True)
    api = client.get("/api/v1/search?q=heart+failure&hospital=hanbit&size=100").get_json()
    ids = {h["iri"] for h in api["hits"]}
    assert {e.find(f"{A}id").text for e in entries} <= ids
    assert root.find(f"{A}link[@rel='self']").get("href").endswith("hospital=hanbit")


def test_anonymous_feeds_leave_consortium_only_datasets_out(app, client, people):
    consortium = app.extensions["hdcat"].datasets.page(1, 1000, hospital="hanbit", members=True)[1]
    hidden = [r for r in consortium if r["visibility"] == "consortium"]
    assert hidden
    public = _feed(client, "/hospitals/hanbit/feed.atom")
    public_ids = {e.find(f"{A}id").text for e in public.findall(f"{A}entry")}
    assert public_ids and not {r["iri"] for r in hidden} & public_ids
    # one hidden dataset's own feed: a member reads it, an anonymous visitor is told it does not exist
    ana = sign_in(app, "ana")
    assert _feed(ana, f"/datasets/{hidden[0]['id']}/feed.atom").find(f"{A}id").text == hidden[0]["iri"]
    r = client.get(f"/datasets/{hidden[0]['id']}/feed.atom", headers={"Accept": "application/json"})
    assert r.status_code == 404


def test_a_dataset_feed_says_when_it_appeared(client, app):
    _total, rows = app.extensions["hdcat"].datasets.page(1, 1, hospital="hanbit")
    record = rows[0]
    root = _feed(client, f"/datasets/{record['id']}/feed.atom")
    titles = [e.find(f"{A}title").text for e in root.findall(f"{A}entry")]
    assert any(t.startswith("New in the catalogue") for t in titles)
    assert root.find(f"{A}id").text == record["iri"]


def test_a_definition_feed_lists_its_versions_and_unknown_things_are_404(client):
    root = _feed(client, "/definitions/cardiovascular-core/feed.atom")
    assert any("cardiovascular-core 1.0.0" in e.find(f"{A}title").text for e in root.findall(f"{A}entry"))
    for url in ("/definitions/no-such/feed.atom", "/hospitals/nowhere/feed.atom", "/datasets/nope/feed.atom"):
        r = client.get(url, headers={"Accept": "application/json"})
        assert r.status_code == 404 and r.get_json()["error"] == "not_found", url


@pytest.mark.parametrize("bad", ["period=abc", "colour=red", "q=" + "a" * 501])
def test_a_bad_search_feed_is_a_400_naming_the_parameter(client, bad):
    r = client.get(f"/search/feed.atom?{bad}", headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.get_json()["field"]
