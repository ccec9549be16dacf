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


# ---- pages announce their feeds; private addresses; a person's access requests -------------------------


def _announced(page_html: str) -> str | None:
    """The address a page gives in <link rel="alternate" type="application/atom+xml">, unescaped."""
    import html
    import re

    found = re.search(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)"', page_html
    )
    return html.unescape(found.group(1)) if found else None


def test_pages_announce_their_feed_and_the_address_answers(app, client):
    _total, rows = app.extensions["hdcat"].datasets.page(1, 1, hospital="hanbit")
    pages = {
        "/search?q=heart+failure&hospital=hanbit&hospital=gaon&page=2&compare=x": "/search/feed.atom?",
        "/hospitals/hanbit": "/hospitals/hanbit/feed.atom",
        f"/datasets/{rows[0]['id']}": f"/datasets/{rows[0]['id']}/feed.atom",
        "/definitions/cardiovascular-core/1.0.0": "/definitions/cardiovascular-core/feed.atom",
    }
    for page, expected in pages.items():
        html = client.get(page).get_data(as_text=True)
        address = _announced(html)
        assert address and address.startswith(expected), (page, address)
        assert f'href="{address}"'.replace("&", "&amp;") in html.split("<main", 1)[1]  # and a visible link
        _feed(client, address)
    search = _announced(client.get("/search?q=heart+failure&hospital=hanbit&hospital=gaon&page=2").text)
    assert "hospital=hanbit&hospital=gaon" in search and "page=" not in search  # every filter, no page
    assert "compare=" not in _announced(client.get("/search?q=echo&compare=x&compare=y").text)
    # no feed where a page has none, nor on an error page of a page that has one
    assert _announced(client.get("/").get_data(as_text=True)) is None
    assert _announced(client.get("/datasets/no-such-dataset").get_data(as_text=True)) is None


def test_a_signed_in_person_gets_a_private_address_a_feed_reader_can_use(app, client, people):
    from hdcat.catalog.accounts import Accounts

    accounts = Accounts.for_settings(app.extensions["hdcat"].settings)
    if not any(u["name"] == "feedy" for u in accounts.users()):
        accounts.add_user("feedy", "researcher", ["hanbit"], "correct horse battery staple")
    rows = app.extensions["hdcat"].datasets.page(1, 1000, hospital="hanbit", members=True)[1]
    hidden = next(r for r in rows if r["visibility"] == "consortium")
    feedy = sign_in(app, "feedy")
    page = feedy.get(f"/datasets/{hidden['id']}").get_data(as_text=True)
    address = _announced(page)
    assert address and "user=feedy" in address and "key=" in address and "yours alone" in page
    # a feed reader (no session) reads the consortium-only dataset's feed with that address alone
    reader = app.test_client()
    assert _feed(reader, address).find(f"{A}id").text == hidden["iri"]
    plain = address.split("?")[0]
    assert reader.get(plain, headers={"Accept": "application/json"}).status_code == 404
    forged = address[:-4] + ("0000" if not address.endswith("0000") else "1111")
    refused = reader.get(forged, headers={"Accept": "application/json"})
    assert refused.status_code == 403 and "feed address" in refused.get_json()["message"]
    # the address only works on feeds: the dataset page itself stays hidden from the reader
    query = address.split("?", 1)[1]
    assert reader.get(f"/datasets/{hidden['id']}?{query}").status_code == 404
    # a new password retires it
    accounts.set_password("feedy", "another horse battery staple")
    assert reader.get(address, headers={"Accept": "application/json"}).status_code == 403
    accounts.close()


def test_a_persons_access_request_feed_follows_each_step_without_the_messages(app, people):
    from hdcat.catalog.access_requests import AccessRequests, Application
    from hdcat.catalog.accounts import Principal

    store = AccessRequests.for_settings(app.extensions["hdcat"].settings)
    ana = Principal("ana", "researcher", hospitals=frozenset({"hanbit"}))
    sam = Principal("sam", "steward", hospitals=frozenset({"hanbit"}))
    rows = app.extensions["hdcat"].datasets.page(1, 1, hospital="hanbit", members=True)[1]
    application = Application(purpose="Outcomes", project="HF-FEED", irb="HB-2026-0999")
    made = store.submit(ana, rows[0], application)
    store.step(made["id"], sam, "question", "Secret question text about BNP")
    store.close()

    browser = sign_in(app, "ana")
    page = browser.get("/access-requests").get_data(as_text=True)
    address = _announced(page)
    assert address and address.startswith("/access-requests/feed.atom?") and "user=ana" in address
    root = _feed(app.test_client(), address)  # a feed reader, no session
    mine = [e for e in root.findall(f"{A}entry") if made["id"] in e.find(f"{A}link").get("href")]
    titles = [e.find(f"{A}title").text for e in mine]
    assert titles == [f"question by sam: {rows[0]['title']}", f"submit by ana: {rows[0]['title']}"]
    assert "questioned" in mine[0].find(f"{A}summary").text
    assert b"Secret question text" not in ET.tostring(root)  # the conversation stays behind sign-in
    assert _updated(root) == sorted(_updated(root), reverse=True)
    # the steward of the hospital follows it too; a steward of another hospital does not see it
    sam_feed = _feed(sign_in(app, "sam"), "/access-requests/feed.atom")
    assert any(made["id"] in e.find(f"{A}link").get("href") for e in sam_feed.findall(f"{A}entry"))
    sol_feed = _feed(sign_in(app, "sol"), "/access-requests/feed.atom")
    assert not any(made["id"] in e.find(f"{A}link").get("href") for e in sol_feed.findall(f"{A}entry"))
    # in Korean when asked so; nobody's feed without a key or a session
    assert "lang=en" in address  # the language the page was read in
    korean = _feed(app.test_client(), address.replace("lang=en", "lang=ko"))
    assert "접근 신청" in korean.find(f"{A}title").text and "질문" in ET.tostring(korean, encoding="unicode")
    assert {e.find(f"{A}id").text for e in korean.findall(f"{A}entry")} == {
        e.find(f"{A}id").text for e in root.findall(f"{A}entry")
    }  # an entry is the same entry in either language
    r = app.test_client().get("/access-requests/feed.atom", headers={"Accept": "application/json"})
    assert r.status_code == 401 and "private feed address" in r.get_json()["message"]
