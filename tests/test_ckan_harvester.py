"""The CKAN harvester against the real recorded CKAN answers, served by a server that answers like CKAN."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs

import pytest
from hdcat.catalog.runs import Outcome
from hdcat.harvesters.ckan import CkanHarvester, split_location
from hdcat.harvesters.runner import harvest_all, harvest_source
from rdflib import URIRef
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.conftest import EXTERNAL, HAVE_EXTERNAL, source

pytestmark = pytest.mark.conformance  # every test here reads files from ../shared/external
DCT_FORMAT = URIRef("http://purl.org/dc/terms/format")

ENVIDAT = (
    json.loads((EXTERNAL / "ckan/envidat-api/package_search.json").read_text("utf-8"))
    if HAVE_EXTERNAL
    else None
)
CKAN_DATASET = (
    json.loads((EXTERNAL / "ckan/ckanext-dcat-examples/ckan_ckan_dataset.json").read_text("utf-8"))
    if HAVE_EXTERNAL
    else None
)
HEALTH_DATASETS = (
    json.loads((EXTERNAL / "ckan/ckanext-dcat-examples/ckan_health_dcat_ap.json").read_text("utf-8"))
    if HAVE_EXTERNAL
    else None
)


def _package_search(packages: list, request: Request) -> dict:
    """What CKAN's package_search answers: `rows` packages from `start`, with the total `count`."""
    args = parse_qs(request.query_string.decode())
    rows = int(args.get("rows", ["10"])[0])
    start = int(args.get("start", ["0"])[0])
    return {
        "help": "package_search",
        "success": True,
        "result": {
            "count": len(packages),
            "sort": "score desc, metadata_modified desc",
            "facets": {},
            "search_facets": {},
            "results": packages[start : start + rows],
        },
    }


class CkanServer:
    """Several portals under one host: /{portal}/api/3/action/package_search, each answering its own way."""

    def __init__(self):
        self.requests: list[str] = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ, start_response):
        request = Request(environ)
        self.requests.append(request.full_path)
        portal, _, rest = request.path.strip("/").partition("/")
        if rest not in ("api/3/action/package_search", "api/action/package_search"):
            return Response(
                "<!DOCTYPE html><html><body>Not found</body></html>", 404, content_type="text/html"
            )(environ, start_response)
        body, status = self.answer(portal, request)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        ctype = "text/html" if body.lstrip().startswith("<") else "application/json"
        return Response(body, status, content_type=ctype)(environ, start_response)

    def answer(self, portal: str, request: Request):
        if portal == "envidat":
            return _package_search(ENVIDAT["result"]["results"], request), 200
        if (
            portal == "envidat-as-recorded"
        ):  # the file exactly as recorded: count 858, the same 2 packages always
            return ENVIDAT, 200
        if portal == "ckanext-dcat":
            return _package_search([CKAN_DATASET, *HEALTH_DATASETS], request), 200
        if portal == "html":
            return "<!DOCTYPE html>\n<html><head><title>Portal</title></head><body>Welcome</body></html>", 200
        if portal == "fail":
            return {
                "help": "package_search",
                "success": False,
                "error": {"__type": "Search Query Error", "message": "Search Query is invalid: bad fq"},
            }, 200
        if portal == "fail409":
            return {
                "help": "package_search",
                "success": False,
                "error": {"__type": "Validation Error", "rows": ["Must be less than or equal to 1000"]},
            }, 409
        if portal == "cut":
            full = json.dumps(_package_search(ENVIDAT["result"]["results"], request))
            return full[: len(full) // 2], 200
        if portal == "noresult":
            return {"help": "package_search", "success": True}, 200
        if portal == "odd":
            packages = [
                *ENVIDAT["result"]["results"],
                "not a package",
                {"name": "untitled", "title": " "},
                {"title": "No name or id"},
            ]
            return _package_search(packages, request), 200
        return "<html>unknown portal</html>", 404

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ckan():
    server = CkanServer()
    yield server
    server.stop()


def ckan_source(location, name="portal", **options):
    return source(location, name=name, kind="ckan", **options)


def test_locations_with_and_without_api_path():
    assert split_location("https://portal.example/") == (
        "https://portal.example",
        "https://portal.example/api/3/action",
    )
    assert split_location("https://p.example/ckan/api/3/action/") == (
        "https://p.example/ckan",
        "https://p.example/ckan/api/3/action",
    )
    assert split_location("https://www.envidat.ch/api/action") == (
        "https://www.envidat.ch",
        "https://www.envidat.ch/api/action",
    )


def test_envidat_packages_are_mapped_and_pages_followed(catalog, ckan):
    run = harvest_source(catalog, ckan_source(f"{ckan.url}/envidat/", rows=1))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 2 and not run.skipped
    pages = [r for r in ckan.requests if "package_search" in r]
    assert (
        len(pages) == 2
        and "start=0" in pages[0]
        and "start=1" in pages[1]
        and all("rows=1" in p for p in pages)
    )

    first = ENVIDAT["result"]["results"][0]
    iri = f"{ckan.url}/envidat/dataset/{first['name']}"
    d = catalog.datasets.get(catalog.datasets.locate_iri(iri)[0])
    assert d["title"] == first["title"]
    assert d["description"].startswith("This dataset contains idealized sensitivity simulations")
    assert {"ATMOSPHERIC HEATWAVES", "CLIMATE CHANGE"} <= set(d["keywords"])
    assert len(d["keywords"]) == first["num_tags"]
    assert d["identifier"] == first["name"]
    assert d["issued"].startswith("2026-07-27T14:09:10") and d["modified"].startswith("2026-08-04T07:19:14")
    assert (
        d["publisher"]["name"] == "CRYOS"
        and d["publisher"]["iri"] == f"{ckan.url}/envidat/organization/cryos"
    )
    # EnviDat keeps the maintainer as JSON text inside the field
    assert d["contact_point"]["name"] == "Elizaveta Sharaborova"
    assert d["contact_point"]["email"] == "elizaveta.sharaborova@epfl.ch"
    assert len(d["distributions"]) == first["num_resources"] == 1
    dist = d["distributions"][0]
    assert dist["format"] == "ZIP" and dist["access_url"] == first["resources"][0]["url"]
    assert dist["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert d["id"] == f"hanbit-{first['name'][:60].strip('-')}"

    second = ENVIDAT["result"]["results"][1]
    d2 = catalog.datasets.get(catalog.datasets.locate_iri(f"{ckan.url}/envidat/dataset/{second['name']}")[0])
    assert d2["publisher"]["name"] == "Functional Plant Ecology"
    assert len(d2["distributions"]) == second["num_resources"] == 4
    sizes = {
        str(o)
        for o in catalog.datasets.resource_graph(d2["id"]).objects(
            None, URIRef("http://www.w3.org/ns/dcat#byteSize")
        )
    }
    assert "18360566" in sizes


def test_a_portal_that_ignores_start_does_not_loop(catalog, ckan):
    """The recorded file says count 858 but holds 2 packages; a server sending it for every page must not
    loop."""
    run = harvest_source(catalog, ckan_source(f"{ckan.url}/envidat-as-recorded", rows=2))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 2
    assert len([r for r in ckan.requests if "package_search" in r]) == 2
    assert any("repeated datasets already read" in w for w in run.warnings)


def test_location_may_name_the_api(catalog, ckan):
    run = harvest_source(catalog, ckan_source(f"{ckan.url}/envidat/api/action", rows=100))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 2
    assert all("/envidat/api/action/package_search" in r for r in ckan.requests)
    # dataset IRIs still hang off the portal, not the API
    assert catalog.datasets.locate_iri(
        f"{ckan.url}/envidat/dataset/{ENVIDAT['result']['results'][0]['name']}"
    )


def test_ckanext_dcat_example_packages_keep_their_titles(catalog, ckan):
    run = harvest_source(catalog, ckan_source(f"{ckan.url}/ckanext-dcat", rows=1))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 2
    # no name in this one: identified by its id
    plain = catalog.datasets.get(
        catalog.datasets.locate_iri(f"{ckan.url}/ckanext-dcat/dataset/{CKAN_DATASET['id']}")[0]
    )
    assert plain["title"] == "Zimbabwe Regional Geochemical Survey."
    assert "geochemistry" in plain["keywords"]
    assert plain["publisher"]["name"] == "Geological Society"
    assert plain["issued"] == "2012-05-10" and plain["modified"].startswith("2012-05-10T21:04")
    assert plain["distributions"][0]["access_url"] == "http://www.bgs.ac.uk/gbase/geochemcd/home.html"
    # a package with its own uri keeps it as the dataset IRI
    health = catalog.datasets.get(catalog.datasets.locate_iri("http://example.healthdata.nl/set/dataset")[0])
    assert health["title"] == "HealthDCAT-AP test dataset"
    assert {"Test 1", "Test 2", "Test 3"} <= set(health["keywords"])
    assert health["publisher"]["name"] == "Contact Point"
    assert health["contact_point"]["email"] == "covacsurv@sciensano.be"
    assert health["identifier"] == "http://example.com/dataset/1234567890"


def test_formats_of_real_portals_become_eu_file_type_and_iana_iris(catalog, ckan):
    """EnviDat writes ZIP and CSV, ckanext-dcat's example a media type (text/html): each becomes the IRI
    DCAT-AP asks for, and the dataset page still shows the short name."""
    file_type = "http://publications.europa.eu/resource/authority/file-type/"
    for portal, found in (("envidat", 2), ("ckanext-dcat", 2)):
        run = harvest_source(catalog, ckan_source(f"{ckan.url}/{portal}", name=portal, rows=100))
        assert run.outcome is Outcome.CHANGED and run.found == found, run.error
    written = {
        res["format"].strip()
        for pkg in [*ENVIDAT["result"]["results"], CKAN_DATASET, *HEALTH_DATASETS]
        for res in pkg.get("resources") or []
        if isinstance(res.get("format"), str) and res["format"].strip()
    }
    assert written == {"ZIP", "CSV", "text/html"}  # what the real files hold
    stored = catalog.store.dataset.serialize(format="nquads")
    formats = {
        str(o)
        for d in catalog.datasets.page(1, 100)[1]
        for o in catalog.datasets.resource_graph(d["id"]).objects(None, DCT_FORMAT)
    }
    assert formats == {file_type + "ZIP", file_type + "CSV", file_type + "HTML"}
    assert "<http://www.iana.org/assignments/media-types/text/html>" in stored
    second = ENVIDAT["result"]["results"][1]
    d = catalog.datasets.get(catalog.datasets.locate_iri(f"{ckan.url}/envidat/dataset/{second['name']}")[0])
    assert {dist["format"] for dist in d["distributions"]} == {"CSV"}


def test_unusable_packages_are_skipped_with_reasons(catalog, ckan):
    run = harvest_source(catalog, ckan_source(f"{ckan.url}/odd"))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 2
    reasons = sorted(s.reason for s in run.skipped)
    assert len(reasons) == 3
    assert any(r.startswith("not a CKAN package") for r in reasons)
    assert any(r.startswith("no title") for r in reasons)
    assert any(r.startswith("no name or id") for r in reasons)
    assert any(s.record.endswith("/odd/dataset/untitled") for s in run.skipped)


@pytest.mark.parametrize(
    "portal, expected",
    [
        ("html", "got an HTML page where the CKAN API's JSON was expected"),
        ("fail", "CKAN answered success: false (Search Query Error: Search Query is invalid: bad fq)"),
        ("fail409", "HTTP 409"),
        ("cut", "not valid JSON"),
        ("noresult", "the answer has no 'result'"),
        ("nosuch", "HTTP 404"),
    ],
)
def test_bad_answers_fail_the_source_clearly_and_others_still_harvest(catalog, ckan, portal, expected):
    runs = harvest_all(
        catalog,
        [ckan_source(f"{ckan.url}/{portal}", name="bad"), ckan_source(f"{ckan.url}/envidat", name="good")],
    )
    bad, good = runs
    assert bad.outcome is Outcome.FAILED
    assert expected in bad.error and f"{ckan.url}/{portal}/api/3/action/package_search" in bad.error
    assert good.outcome is Outcome.CHANGED and good.found == 2
    if portal == "fail409":  # CKAN's reason is kept although the answer was an HTTP error
        assert "CKAN said: Validation Error: rows: Must be less than or equal to 1000" in bad.error


def test_bad_options_and_location(catalog, ckan):
    runs = harvest_all(
        catalog,
        [
            ckan_source(f"{ckan.url}/envidat", name="rows", rows=0),
            ckan_source("/srv/ckan/export.json", name="file"),
            ckan_source(f"{ckan.url}/envidat", name="good", fq="organization:cryos"),
        ],
    )
    assert [r.outcome for r in runs] == [Outcome.FAILED, Outcome.FAILED, Outcome.CHANGED]
    assert "option rows" in runs[0].error
    assert "not an http(s) URL" in runs[1].error
    assert any("fq=organization%3Acryos" in r for r in ckan.requests)


def test_registered():
    from hdcat.harvesters.registry import harvesters

    assert harvesters.get("ckan") is CkanHarvester
