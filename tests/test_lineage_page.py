"""The lineage page as people read it: titles not ids, colour and a legend by hospital, the focus node in
the middle of a drawing scaled to the page, pan and zoom as an enhancement, readable column lineage, and
anonymous readers told that lineage exists."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import uuid

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.service import Catalog
from hdcat.ontology import hospitals
from hdcat.web import lineage_palette
from hdcat.web.lineage_titles import shorten, width, wrap

from tests.conftest import PASSWORD, ROOT, LiveServer, require_service

SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
HANBIT, GAON, SAEBOM = "postgres://hanbit-db:5432", "postgres://gaon-db:5432", "s3://saebom-research"
NAMESPACES = (
    ("postgres://hanbit-db", "hanbit"),
    ("hanbit-etl", "hanbit"),
    ("postgres://gaon-db", "gaon"),
    ("gaon-etl", "gaon"),
    ("s3://saebom", "saebom"),
)
FOCUS = f"dataset:{HANBIT}:cdm.condition_occurrence"
LONG = "mart.lung_cancer_cohort_with_smoking_history_and_pathology_2015_2025"


def _event(job_ns, job, inputs, outputs, at, output_facets=None):
    return {
        "eventType": "COMPLETE",
        "eventTime": at,
        "producer": "https://hanbit.example/etl/1.4",
        "schemaURL": SCHEMA_URL,
        "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, job + at))},
        "job": {"namespace": job_ns, "name": job},
        "inputs": [{"namespace": ns, "name": n} for ns, n in inputs],
        "outputs": [{"namespace": ns, "name": n, "facets": output_facets or {}} for ns, n in outputs],
    }


def _column_lineage():
    def field(*sources):
        return {
            "inputFields": [
                {
                    "namespace": ns,
                    "name": name,
                    "field": f,
                    "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}],
                }
                for ns, name, f in sources
            ]
        }

    return {
        "columnLineage": {
            "_producer": "https://hanbit.example/etl/1.4",
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
            "fields": {
                "condition_concept_id": field(
                    (HANBIT, "staging.referrals", "diagnosis_code"), (HANBIT, "emr.diagnoses", "dx_code")
                ),
                "person_id": field((HANBIT, "emr.diagnoses", "patient_key")),
            },
        }
    }


#: gaon's referrals → hanbit's OMOP conditions (the focus) → saebom's research mart → an outside extract:
#: three hospitals and one outsider, three steps each way
PIPELINE = [
    _event(
        "gaon-etl",
        "export_referrals",
        [(GAON, "emr.referrals")],
        [(HANBIT, "staging.referrals")],
        "2026-10-01T01:00:00Z",
    ),
    _event(
        "hanbit-etl",
        "load_conditions",
        [(HANBIT, "staging.referrals"), (HANBIT, "emr.diagnoses")],
        [(HANBIT, "cdm.condition_occurrence")],
        "2026-10-01T02:00:00Z",
        _column_lineage(),
    ),
    _event(
        "hanbit-etl",
        "build_cohorts",
        [(HANBIT, "cdm.condition_occurrence")],
        [(SAEBOM, LONG), (HANBIT, "mart.registry")],
        "2026-10-01T03:00:00Z",
    ),
    _event(
        "research", "extract", [(SAEBOM, LONG)], [("s3://outside", "extract.one")], "2026-10-01T04:00:00Z"
    ),
]


@pytest.fixture
def pipeline(tmp_path):
    """A fresh catalogue holding the pipeline, its hospitals mapped, and a researcher account."""
    from hdcat.catalog.accounts import Accounts

    settings = Settings(store_url="memory:", data_dir=tmp_path, lineage_namespaces=NAMESPACES)
    cat = Catalog(settings)
    for e in PIPELINE:
        assert cat.lineage.ingest(e)["status"] == "stored"
    Accounts.for_settings(settings).add_user("ana", "researcher", ["hanbit"], PASSWORD)
    yield cat
    cat.close()


@pytest.fixture
def signed_in(pipeline):
    from hdcat.web.app import create_app

    from tests.conftest import sign_in

    return sign_in(create_app(catalog=pipeline), "ana")


def _svg(page: str):
    """The lineage drawing of a page, parsed as XML (it is SVG inside HTML)."""
    import xml.etree.ElementTree as ET

    found = re.search(r'<svg class="lineage-graph".*?</svg>', page, re.S)
    assert found, "no lineage drawing on the page"
    return ET.fromstring(found.group(0))


SVG = "{http://www.w3.org/2000/svg}"


def _nodes(svg):
    return [g for g in svg.iter(SVG + "g") if "node" in (g.get("class") or "").split()]


def _visible_text(element) -> str:
    """Text a reader sees: the <text> elements, not the hover <title>s."""
    return " ".join("".join(t.itertext()) for t in element.iter(SVG + "text"))


def _contrast(a: str, b: str) -> float:
    def luminance(colour):
        channels = []
        for i in (1, 3, 5):
            c = int(colour[i : i + 2], 16) / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b_ = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_hospital_has_a_distinct_colour_readable_on_white_and_on_its_box():
    swatches = [lineage_palette.swatch(h["id"]) for h in hospitals()]
    assert len({s.colour for s in swatches}) == len(swatches) == 8
    assert len({s.short for s in swatches}) == 8  # the text label tells them apart without colour
    for s in [*swatches, lineage_palette.swatch(None)]:
        box = lineage_palette.tint(s.colour)
        assert _contrast(s.colour, "#ffffff") >= 4.5, s
        assert _contrast(s.colour, box) >= 4.5, s  # the hospital's name drawn in its colour on its box
        assert _contrast("#1d2733", box) >= 7, s  # the title on the box
    assert lineage_palette.swatch("no-such-hospital").hospital is None


def test_titles_are_cut_at_word_boundaries():
    assert shorten("Heart failure echocardiography cohort 2015-2025", 31) == "Heart failure echocardiography…"
    assert shorten("Heart failure echocardiography cohort 2015-2025", 30) == "Heart failure…"
    assert shorten("mart.lung_cancer_cohort_with_smoking_history", 24) == "mart.lung_cancer_cohort…"
    assert shorten("short", 30) == "short"
    assert shorten("a" * 50, 10) == "a" * 9 + "…"  # one long word: nothing else fits
    korean = shorten("한빛대학교병원 심부전 심초음파 코호트 2015-2025", 24)
    assert korean == "한빛대학교병원 심부전…" and width(korean) <= 24
    lines = wrap("Colorectal cancer colonoscopy registry of Saebom Medical Center 2007-2016", 30)
    assert lines == ["Colorectal cancer colonoscopy", "registry of Saebom Medical…"]
    assert wrap("cdm.person", 30) == ["cdm.person"]
    assert wrap("한빛대학교병원 심부전 심초음파 코호트", 16) == ["한빛대학교병원", "심부전 심초음파…"]


def test_nodes_show_catalogue_titles_in_the_readers_language_with_the_id_on_hover(member, sample_catalog):
    index = sample_catalog.lineage.index
    node, data, record = next(
        (n, d, r)
        for n, d in sorted(index.graph.nodes(data=True))
        if d.get("catalogId")
        and (r := sample_catalog.datasets.get(d["catalogId"], members=True))["titles"].get("en")
        and r["titles"].get("ko")
    )
    for language, title in (("en", record["titles"]["en"]), ("ko", record["titles"]["ko"])):
        page = member.get(f"/lineage?node={node}", headers={"Accept-Language": language}).get_data(
            as_text=True
        )
        root = next(g for g in _nodes(_svg(page)) if g.get("data-id") == node)
        hover = "".join(root.find(f"{SVG}a/{SVG}title").itertext())
        assert hover.startswith(f"{title} — {node}"), hover
        shown = _visible_text(root.find(f"{SVG}a"))
        assert node not in shown and data["name"] not in shown
        assert shown.startswith(title.split()[0]), (shown, title)
        assert html_lib.escape(title) in page  # the heading names it too


def test_the_drawing_is_centred_on_the_focus_node_and_coloured_by_hospital(signed_in):
    for query in ("depth=3", "depth=1", "depth=3&direction=upstream", "depth=2&direction=downstream"):
        page = signed_in.get(f"/lineage?node={FOCUS}&{query}").get_data(as_text=True)
        svg = _svg(page)
        x0, y0, w, h = (float(v) for v in svg.get("viewBox").split())
        assert (x0, y0, float(svg.get("width")), float(svg.get("height"))) == (0, 0, w, h)
        assert svg.get("role") != "img"  # links inside an image role are nested interactive elements
        root = next(g for g in _nodes(svg) if g.get("data-id") == FOCUS)
        box = root.find(f"{SVG}a/{SVG}rect")
        cx = float(box.get("x")) + float(box.get("width")) / 2
        cy = float(box.get("y")) + float(box.get("height")) / 2
        assert w / 3 <= cx - x0 <= 2 * w / 3 and h / 3 <= cy - y0 <= 2 * h / 3, (query, cx, cy, w, h)
        assert (float(svg.get("data-focus-x")), float(svg.get("data-focus-y"))) == (cx, cy)

    page = signed_in.get(f"/lineage?node={FOCUS}&depth=3").get_data(as_text=True)
    nodes = _nodes(_svg(page))
    assert len(nodes) == 9
    for g in nodes:
        links = [a for a in g.iter(SVG + "a")]
        node_links = [a for a in g.findall(SVG + "a") if not a.get("class")]
        assert len(node_links) == 1  # each node is one link...
        assert all(not list(a.iter(SVG + "a"))[1:] for a in links)  # ...and no link holds another
        swatch = lineage_palette.swatch(g.get("data-hospital") or None)
        assert g.get("color") == swatch.colour
        assert swatch.short in _visible_text(node_links[0])  # colour is never the only cue
    in_graph = {g.get("data-hospital") for g in nodes}
    assert {"hanbit", "gaon", "saebom", ""} == in_graph  # the extract belongs to no member hospital
    legend = re.search(r'<ul class="lineage-legend".*?</ul>', page, re.S).group(0)
    assert set(re.findall(r'<li data-hospital="([^"]*)"', legend)) == in_graph
    for hospital in hospitals():  # the page is in English: the legend names hospitals in English only
        assert (hospital["name_en"] in legend) == (hospital["id"] in in_graph)
        assert hospital["name_ko"] not in legend
    long = next(g for g in nodes if g.get("data-id").endswith(LONG))
    lines = ["".join(t.itertext()) for t in long.iter(SVG + "text") if t.get("class") == "label"]
    assert lines == ["mart.lung_cancer_cohort_", "with_smoking_history_and…"]  # cut at the end

    by_hospital = signed_in.get(f"/lineage?node={FOCUS}&depth=3&collapse=hospital").get_data(as_text=True)
    groups = _nodes(_svg(by_hospital))
    assert {g.get("data-hospital") for g in groups} == in_graph
    assert any("Saebom" in _visible_text(g) for g in groups)


def test_the_controls_legend_and_tables_are_in_the_chosen_language_only(signed_in):
    """Depth, direction, collapse, view, zoom, legend and table headers in one language, not
    "Depth · 깊이"."""
    from tests.test_i18n import BILINGUAL, HANGUL

    for view in ("graph", "table"):
        ko = signed_in.get(f"/lineage?node={FOCUS}&depth=3&view={view}&columns=1&lang=ko").get_data(
            as_text=True
        )
        en = signed_in.get(f"/lineage?node={FOCUS}&depth=3&view={view}&columns=1&lang=en").get_data(
            as_text=True
        )
        controls_ko, controls_en = (
            re.sub(r"<[^>]+>", " ", re.search(r'<nav class="lineage-controls".*?</nav>', page, re.S).group(0))
            for page in (ko, en)
        )
        assert "깊이" in controls_ko and "방향" in controls_ko and "상류" in controls_ko
        assert "Depth" not in controls_ko and "upstream" not in controls_ko
        assert "Depth" in controls_en and "upstream" in controls_en and not HANGUL.search(controls_en)
        for page in (ko, en):  # the interface's own words: controls, zoom buttons, legend, table headers
            parts = re.findall(
                r'<nav class="lineage-controls".*?</nav>|<div class="zoom-controls".*?</div>'
                r'|<thead>.*?</thead>|<p class="summary">.*?</p>|aria-label="[^"]*"',
                page,
                re.S,
            )
            words = html_lib.unescape(re.sub(r"<[^>]+>", " ", " ".join(parts)))
            assert len(parts) >= 3 and not BILINGUAL.search(words), BILINGUAL.search(words)
        columns_ko = ko.split('id="columns"', 1)[1]
        assert "원천" in columns_ko and "Derived from" not in columns_ko
    legend_ko = re.search(r'<ul class="lineage-legend".*?</ul>', ko, re.S).group(0)
    assert "한빛" in legend_ko and "Hanbit University" not in legend_ko


def test_column_lineage_names_columns_and_their_datasets(signed_in):
    page = signed_in.get(f"/lineage?node={FOCUS}&columns=1").get_data(as_text=True)
    part = page[page.index('id="columns"') :]
    sections = re.findall(r'<section class="column-group" data-dataset="([^"]+)">(.*?)</section>', part, re.S)
    assert [d for d, _ in sections][0] == FOCUS  # the page's own dataset first
    assert {d for d, _ in sections} == {
        FOCUS,
        f"dataset:{HANBIT}:emr.diagnoses",
        f"dataset:{HANBIT}:staging.referrals",
    }
    focus = html_lib.unescape(re.sub(r"<[^>]+>", " ", sections[0][1]))
    focus = " ".join(focus.split())
    assert "cdm.condition_occurrence" in focus and "Hanbit" in focus
    assert "condition_concept_id" in focus and "person_id" in focus
    assert "dx_code · emr.diagnoses DIRECT/IDENTITY" in focus
    assert "diagnosis_code · staging.referrals" in focus
    assert "datasetField:" not in html_lib.unescape(re.sub(r"<[^>]+>", " ", part))
    empty = signed_in.get(f"/lineage?node=dataset:{HANBIT}:mart.registry&columns=1").get_data(as_text=True)
    assert "No column-level lineage is known" in empty


def test_anonymous_readers_are_told_to_sign_in_not_that_there_is_no_lineage(client, member, sample_catalog):
    with_lineage = next(
        i
        for i in sorted(sample_catalog.lineage.index.by_catalog)
        if sample_catalog.datasets.get(i, members=True)["visibility"] == "public"
    )
    anonymous = client.get(f"/datasets/{with_lineage}").get_data(as_text=True)
    assert "No lineage is recorded" not in anonymous and "Open the lineage graph" not in anonymous
    assert "sign in to see it" in anonymous and f"/signin?next=/datasets/{with_lineage}" in anonymous
    assert "sign in to see it" not in member.get(f"/datasets/{with_lineage}").get_data(as_text=True)
    total, hits = sample_catalog.datasets.page(1, 50, members=False)
    without = next(h["id"] for h in hits if sample_catalog.lineage.node_for(h["id"]) is None)
    plain = client.get(f"/datasets/{without}").get_data(as_text=True)
    assert "No lineage is recorded" in plain and "sign in to see it" not in plain


def test_the_pan_zoom_library_is_the_noted_release_with_its_licence():
    vendor = ROOT / "web" / "static" / "vendor"
    script = vendor / "svg-pan-zoom" / "svg-pan-zoom.min.js"
    assert script.read_text("utf-8").startswith("// svg-pan-zoom v3.6.2")
    note = (vendor / "README.md").read_text("utf-8")
    assert hashlib.sha256(script.read_bytes()).hexdigest() in note and "3.6.2" in note
    assert "BSD" in note and "Redistribution and use" in (vendor / "svg-pan-zoom" / "LICENSE").read_text()


def test_in_chromium_the_graph_fits_opens_on_the_focus_node_and_zooms(pipeline, tmp_path):
    from hdcat.web.app import create_app
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser import Browser, chromium_path

    require_service(chromium_path() is not None, "Chromium (scripts/services start browser)")
    server = LiveServer(create_app(catalog=pipeline))
    url = f"{server.url}/lineage?node={FOCUS}&depth=3"
    try:
        with Browser(1366, 900) as b:
            b.sign_in(server.url, "ana", PASSWORD)
            b.open(url)
            d = b.driver
            scripts = d.execute_script("return [...document.scripts].map(s => s.getAttribute('src'))")
            assert "/static/vendor/svg-pan-zoom/svg-pan-zoom.min.js" in scripts
            assert all(s and s.startswith("/static/") for s in scripts), scripts  # no CDN, no inline script
            assert d.execute_script("return typeof window.svgPanZoom") == "function"
            assert b.find(".zoom-controls").is_displayed()
            assert b.scroll_width() <= d.execute_script("return window.innerWidth")
            canvas = d.execute_script(
                "var c = document.querySelector('.lineage-canvas'); return [c.scrollWidth, c.clientWidth]"
            )
            assert canvas[0] <= canvas[1]
            where = """
              var s = document.querySelector('svg.lineage-graph').getBoundingClientRect();
              var r = document.querySelector('g.node.root rect').getBoundingClientRect();
              return [s.left, s.top, s.width, s.height,
                      r.left + r.width / 2, r.top + r.height / 2, r.width];"""
            left, top, w, h, cx, cy, box = d.execute_script(where)
            assert left + w / 3 <= cx <= left + 2 * w / 3 and top + h / 3 <= cy <= top + 2 * h / 3
            assert box >= 0.75 * 220  # opened at a readable scale, not the whole graph shrunk
            transform = (
                "return document.querySelector('svg.lineage-graph .viewport').getAttribute('transform')"
            )
            before = d.execute_script(transform)
            b.find("button[data-zoom='in']").click()
            wait = WebDriverWait(d, 10)
            wait.until(lambda d: d.execute_script(transform) != before)  # drawn on the next animation frame
            assert before and d.execute_script(where)[6] > box  # the boxes grew
            b.find("button[data-zoom='fit']").click()
            wait.until(lambda d: d.execute_script(where)[6] < box)
            # the whole graph in view: every node inside the frame
            inside = d.execute_script(
                """var s = document.querySelector('svg.lineage-graph').getBoundingClientRect();
                   return [...document.querySelectorAll('g.node rect.box')].every(function (r) {
                     r = r.getBoundingClientRect();
                     return r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1
                       && r.bottom <= s.bottom + 1; })"""
            )
            assert inside
            b.shot(tmp_path / "lineage.png")
            # links still work: a click on a node opens that node's page
            b.find("g.node.dataset:not(.root) > a").click()
            assert "staging.referrals" in b.url or "emr.diagnoses" in b.url or "mart." in b.url
    finally:
        server.stop()
