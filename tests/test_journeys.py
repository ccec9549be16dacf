"""The site's journeys walked in headless Chromium, on a desktop and a phone width, as people use them:
a researcher searches, narrows by period, opens a dataset, cites it and asks for access; the hospital's
steward approves from the inbox; an auditor reads the lineage and finds the decision on the trail. The
desktop walk is in English and the phone walk in Korean, so both languages go through every step.

Screenshots go to a temporary folder; with HDCAT_SCREENSHOTS=1 they replace docs/screenshots/, which
the README shows (regenerate them with `HDCAT_SCREENSHOTS=1 scripts/test tests/test_journeys.py`).
"""

from __future__ import annotations

import os
import re

import pytest

from tests.conftest import PASSWORD, ROOT, require_service

#: device → (window width, interface language)
DEVICES = {"desktop": (1366, "en"), "phone": (390, "ko")}
#: the hospital's name in a citation, per language
HANBIT = {"en": "Hanbit", "ko": "한빛"}


@pytest.fixture
def shots(tmp_path):
    folder = ROOT / "docs" / "screenshots" if os.environ.get("HDCAT_SCREENSHOTS") == "1" else tmp_path
    return folder


def _browser(width: int, url: str, lang: str):
    """A browser whose interface language is chosen once (?lang= sets the cookie the site keeps)."""
    from tests.browser import Browser, chromium_path

    require_service(chromium_path() is not None, "Chromium (scripts/services start browser)")
    browser = Browser(width, 900)
    browser.open(f"{url}/?lang={lang}")
    return browser


def _in_language(b, lang: str) -> None:
    assert b.find("html").get_attribute("lang") == lang, b.url


@pytest.mark.parametrize("device", DEVICES)
def test_researcher_steward_and_auditor_journeys(app, people, live_server, shots, device):
    width, lang = DEVICES[device]
    url = live_server.url
    app.extensions["hdcat.limiter"].reset()
    with _browser(width, url, lang) as b:
        b.sign_in(url, "ana", PASSWORD)
        b.open(f"{url}/search?q=heart+failure&hospital=hanbit")
        _in_language(b, lang)
        everything = int(b.find(".summary strong").text.replace(",", ""))
        assert everything > 0
        b.shot(shots / f"{device}-1-search.png")
        if device == "phone":  # the facets are folded under "Filters" until tapped
            b.find("#facets-panel > summary").click()
        b.fill({"period": "2019-2023"}).submit("form.period button")
        assert "2019–2023" in b.find(".chips").text
        narrowed = int(b.find(".summary strong").text.replace(",", ""))
        assert 0 < narrowed <= everything
        b.shot(shots / f"{device}-2-period.png")
        title = b.find("ol.hits a.title")
        title.click()
        assert "/datasets/" in b.url
        citation = b.find("#citation").text
        assert "[Data set]" in citation and HANBIT[lang] in citation
        _in_language(b, lang)
        b.shot(shots / f"{device}-3-dataset.png")
        b.find("#request-access").click()
        b.fill(
            {
                "purpose": "Heart failure outcomes after echo-guided therapy",
                "project": "HF-2027",
                "irb": "HB-2026-0142",
                "period": "2019-2023",
            }
        ).submit("#submit-request")
        assert "submitted" in b.find("#status").get_attribute("class").split()
        request_id = b.url.rsplit("/", 1)[-1]
        b.shot(shots / f"{device}-4-access-request.png")

    app.extensions["hdcat.limiter"].reset()
    with _browser(width, url, lang) as b:
        b.sign_in(url, "sam", PASSWORD)
        b.open(f"{url}/access-requests")
        b.find(f"#inbox a[href$='{request_id}']").click()
        b.find("#body-approve").send_keys("The IRB approval covers the period and the purpose.")
        b.submit("#step-approve button")
        assert "approved" in b.find("#status").get_attribute("class").split()
        _in_language(b, lang)
        b.shot(shots / f"{device}-5-steward-approves.png")

    app.extensions["hdcat.limiter"].reset()
    with _browser(width, url, lang) as b:
        b.sign_in(url, "aud", PASSWORD)
        b.open(f"{url}/search?has_lineage=yes")
        b.find("ol.hits a.title").click()
        b.find(".lineage-panel a[href*='/lineage']").click()
        assert b.find_all("svg"), "the lineage graph is drawn"
        b.shot(shots / f"{device}-6-lineage.png")
        b.open(f"{url}/audit")
        b.fill({"actor": "sam", "action": "access.approve"}).submit("#audit-filter button")
        rows = b.find("#audit-entries").text
        assert request_id in rows and re.search(r"UTC", rows)
        _in_language(b, lang)
        b.shot(shots / f"{device}-7-audit.png")
