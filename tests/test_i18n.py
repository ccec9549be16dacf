"""The site in Korean and in English: the message catalogue is complete and compiled, each page is in one
language (no "Search · 검색" labels), its <html lang> says which, metadata follows the chosen language with
the other as fallback, and the choice is kept in links and a cookie."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from tests.conftest import csrf_token

WEB = Path(__file__).resolve().parents[1] / "web"
PO = WEB / "translations/ko/LC_MESSAGES/messages.po"
MO = WEB / "translations/ko/LC_MESSAGES/messages.mo"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: a label written twice, English then Korean or Korean then English, around a middle dot
BILINGUAL = re.compile(r"[A-Za-z)]\s·\s[\uac00-\ud7a3]|[\uac00-\ud7a3)]\s·\s[A-Za-z]")
MAIN_PAGES = [
    "/",
    "/search?q=폐암",
    "/datasets",
    "/hospitals/hanbit",
    "/harvests",
    "/definitions",
    "/definitions/cardiovascular-core/1.0.0",
    "/conformance",
    "/signin",
]


def _po():
    with PO.open("rb") as f:
        return read_po(f)


def _extracted() -> set[str]:
    """Every msgid in the templates and the web package, read by Babel's extractors, as pybabel does."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(WEB), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_of_the_templates_and_the_code_has_a_korean_translation():
    catalogue = _po()
    translated = {m.id: m.string for m in catalogue if m.id}
    extracted = _extracted()
    assert len(extracted) > 300  # the site's pages, forms and labels, not a handful
    untranslated = sorted(m for m in extracted if not translated.get(m))
    assert not untranslated, (
        f"add these to {PO.relative_to(WEB.parent)} (see its README): {untranslated[:20]}"
    )
    assert not any(m.fuzzy for m in catalogue if m.id), "a fuzzy translation is not shown: review it"


def test_the_korean_catalogue_keeps_every_placeholder_of_its_message():
    for m in _po():
        if m.id:
            names = sorted(re.findall(r"%\((\w+)\)s", m.id))
            assert sorted(re.findall(r"%\((\w+)\)s", m.string)) == names, m.id
            assert HANGUL.search(m.string) or not HANGUL.search(m.id) or m.id == m.string, m.id


def test_the_compiled_catalogue_is_the_po_file():
    """The wheel ships the .mo (setuptools compiles nothing): it must hold what the .po says."""
    po = {m.id: m.string for m in _po() if m.id}
    mo = {m.id: m.string for m in read_mo(io.BytesIO(MO.read_bytes())) if m.id}
    assert mo == po, "run `pybabel compile -d web/translations` (web/translations/README.md)"


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("path", MAIN_PAGES)
def test_a_page_is_in_one_language_and_says_which(client, path, lang):
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}lang={lang}")
    assert r.status_code == 200
    page = BeautifulSoup(r.get_data(as_text=True), "html.parser")
    assert page.html["lang"] == lang and r.headers["Content-Language"] == lang
    for strip in page.select("[lang]:not(html)"):  # text marked as the other language (and the switch)
        strip.decompose()
    interface = (
        page.find("header").get_text(" ", strip=True)
        + " "
        + (page.find("h1") or page.select_one("main button")).get_text(" ", strip=True)
    )
    text = page.body.get_text(" ", strip=True)
    assert not BILINGUAL.search(text), BILINGUAL.search(text).group(0)
    if lang == "ko":
        assert HANGUL.search(interface), interface
    else:
        assert not HANGUL.search(interface), interface


def test_the_language_comes_from_the_browser_then_sticks_in_a_cookie_and_the_links(client):
    assert 'lang="ko"' in client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}).text
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en"' in client.get("/").text  # a client that says nothing: the msgid language
    r = client.get("/datasets?lang=ko", headers={"Accept-Language": "en"})
    assert "hdcat_lang=ko" in r.headers["Set-Cookie"]
    page = BeautifulSoup(r.text, "html.parser")
    nav = {a["href"] for a in page.select("header nav a")}
    assert "/search?lang=ko" in nav and "/datasets?lang=ko" in nav
    assert not any("lang=" in a["href"] for a in page.select('header nav a[href^="/api"]'))
    assert page.select_one('#lang-switch a[hreflang="en"]')["href"] == "/datasets?lang=en"
    # the cookie now wins over the browser's language
    assert '<html lang="ko"' in client.get("/datasets", headers={"Accept-Language": "en"}).text
    assert '<html lang="en"' in client.get("/datasets?lang=en").text
    assert '<html lang="en"' in client.get("/datasets").text
    assert '<html lang="en"' in client.get("/datasets?lang=fr").text  # an unknown language is ignored


def test_metadata_follows_the_language_and_text_in_the_other_one_is_marked(client):
    ko = BeautifulSoup(client.get("/search?q=폐암&lang=ko").text, "html.parser")
    en = BeautifulSoup(client.get("/search?q=폐암&lang=en").text, "html.parser")
    hit_ko, hit_en = ko.select_one("li.hit"), en.select_one("li.hit")
    assert HANGUL.search(hit_ko.select_one("a.title").get_text())
    assert not HANGUL.search(hit_en.select_one("a.title").get_text())
    # the other language's title is the subtitle, marked with its language
    assert hit_ko.select_one(".subtitle [lang=en]") and hit_en.select_one(".subtitle [lang=ko]")
    # tags (concept labels) and the hospital follow the interface language; facets too
    assert HANGUL.search(hit_ko.select_one(".meta").get_text()) and not HANGUL.search(
        hit_en.select_one(".meta").get_text()
    )
    facets_en = en.select_one("aside.facets").get_text(" ")
    assert "Hanbit University Hospital" in facets_en and "Cancer" in facets_en and "병원" not in facets_en
    facets_ko = ko.select_one("aside.facets").get_text(" ")
    assert "한빛대학교병원" in facets_ko and "질환 영역" in facets_ko and "Disease area" not in facets_ko


def test_a_dataset_page_shows_the_description_in_the_interface_language(client, sample_catalog):
    record = next(
        d
        for d in sample_catalog.datasets.page(1, 200)[1]
        if {"ko", "en"} <= set(d["descriptions"]) and {"ko", "en"} <= set(d["titles"])
    )
    for lang, other in (("ko", "en"), ("en", "ko")):
        page = BeautifulSoup(client.get(f"/datasets/{record['id']}?lang={lang}").text, "html.parser")
        assert page.select_one("h1").get_text(strip=True) == record["titles"][lang]
        described = page.select("p.description")
        assert [p["lang"] for p in described] == [lang]
        assert described[0].get_text() == record["descriptions"][lang]
        assert page.select_one(f".subtitle[lang={other}], .subtitle [lang={other}]")


def test_korean_text_does_not_break_inside_words(client):
    r = client.get("/static/style.css")
    css = r.get_data(as_text=True)
    r.close()
    assert re.search(r":lang\(ko\)[^{]*\{[^}]*word-break:\s*keep-all", css)


def test_error_pages_and_form_errors_are_in_the_chosen_language(app, people):
    """A 404 (an unknown page, an unknown dataset) and a form error read in Korean in the Korean interface;
    the English interface keeps the catalogue's own English message."""
    from tests.conftest import csrf_token, sign_in

    c = app.test_client()
    for path in ("/no-such-page", "/datasets/no-such-dataset"):
        r = c.get(f"{path}?lang=ko")
        assert r.status_code == 404
        page = BeautifulSoup(r.text, "html.parser")
        assert page.html["lang"] == "ko" and page.h1.get_text(" ", strip=True).startswith("찾을 수 없음")
        message = page.select_one("#error-message")
        assert HANGUL.search(message.get_text()) and not message.get("lang"), message
    assert "no-such-dataset" in c.get("/datasets/no-such-dataset?lang=ko").text  # the translation names it
    english = BeautifulSoup(c.get("/datasets/no-such-dataset?lang=en").text, "html.parser")
    assert english.h1.get_text(" ", strip=True).startswith("Not found")
    assert "no dataset with id 'no-such-dataset'" in english.select_one("#error-message").get_text()
    # a 403 and a missing CSRF token (400) too
    aud = sign_in(app, "aud")
    forbidden = BeautifulSoup(aud.get("/definitions/new?lang=ko").text, "html.parser")
    assert forbidden.h1.get_text(" ", strip=True).startswith("허용되지 않음")
    assert "auditor" in forbidden.select_one("#error-message").get_text()  # the role, named
    expired = aud.post("/signout?lang=ko", data={})  # no CSRF token
    assert expired.status_code == 400
    assert "만료" in BeautifulSoup(expired.text, "html.parser").select_one("#error-message").get_text()
    # a form error: the access request form without its IRB number, in Korean, beside the field
    local_id = app.extensions["hdcat"].datasets.page(1, 5, hospital="hanbit", members=True)[1][0]["id"]
    ana = sign_in(app, "ana")
    form = ana.get(f"/datasets/{local_id}/access-request?lang=ko").text
    r = ana.post(
        f"/datasets/{local_id}/access-request?lang=ko",
        data={"csrf_token": csrf_token(form), "purpose": "연구", "project": "HF-2027", "irb": ""},
    )
    assert r.status_code == 400
    error = BeautifulSoup(r.text, "html.parser").select_one("#irb-error")
    assert error is not None and "필수" in error.get_text() and "required" not in error.get_text()
    too_long = ana.post(
        f"/datasets/{local_id}/access-request?lang=ko",
        data={"csrf_token": csrf_token(form), "purpose": "x" * 4001, "project": "p", "irb": "i"},
    )
    assert too_long.status_code == 400
    assert HANGUL.search(BeautifulSoup(too_long.text, "html.parser").select_one("#purpose-error").get_text())


def test_the_api_keeps_its_codes_and_answers_messages_and_facet_labels_in_the_asked_language(client):
    """Machines read `error`, which never changes; people read `message` and facet labels, in the language
    asked for (?lang= or Accept-Language; English when none is said)."""
    en = client.get("/api/v1/datasets/no-such-dataset")
    ko = client.get("/api/v1/datasets/no-such-dataset", headers={"Accept-Language": "ko"})
    assert en.status_code == ko.status_code == 404
    assert en.get_json()["error"] == ko.get_json()["error"] == "not_found"
    assert not HANGUL.search(en.get_json()["message"]) and HANGUL.search(ko.get_json()["message"])
    assert HANGUL.search(client.get("/api/v1/datasets/no-such-dataset?lang=ko").get_json()["message"])
    facets = {
        lang: client.get(f"/api/v1/search?q=폐암&lang={lang}").get_json()["facets"] for lang in ("ko", "en")
    }
    hanbit = {
        lang: next(b for b in f["hospital"] if b["value"] == "hanbit")["label"] for lang, f in facets.items()
    }
    assert hanbit == {"ko": "한빛대학교병원", "en": "Hanbit University Hospital"}
    for lang, found in facets.items():
        for buckets in found.values():
            for b in buckets:
                assert not BILINGUAL.search(b["label"]), b
                if lang == "en":
                    assert not HANGUL.search(b["label"]), b
    default = client.get("/api/v1/search?q=폐암").get_json()["facets"]
    assert (
        next(b for b in default["hospital"] if b["value"] == "hanbit")["label"]
        == "Hanbit University Hospital"
    )


def test_the_limit_and_state_messages_are_said_in_korean(app, client):
    """A sign-in refused by the rate limit, and a state database that cannot be reached, in the Korean
    interface: translated, with what the English names (the limit, the database) kept."""
    from hdcat.catalog import StateUnavailable
    from hdcat.web.error_messages import for_people

    app.extensions["hdcat.limiter"].reset()
    try:
        token = csrf_token(client.get("/signin?lang=ko").get_data(as_text=True))
        form = {"name": "nobody", "password": "wrong", "csrf_token": token}
        codes = [client.post("/signin?lang=ko", data=form).status_code for _ in range(11)]
        assert codes[-1] == 429 and 429 not in codes[:10], codes
        page = client.post("/signin?lang=ko", data=form)
        assert page.status_code == 429
        text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text(" ")
        assert "시도가 너무 많습니다(10 per minute" in text, text[:2000]
    finally:
        app.extensions["hdcat.limiter"].reset()
    error = StateUnavailable(
        "the state database at postgresql://hdcat:***@db:5432/hdcat cannot be used (connection refused); "
        "start PostgreSQL there or correct [service] state / HDCAT_STATE_URL"
    )
    with app.test_request_context("/?lang=ko"):
        said, in_korean = for_people(str(error), 503)
    assert in_korean, said
    assert said.startswith("계정과 감사 기록 데이터베이스(postgresql://hdcat:***@db:5432/hdcat)"), said
