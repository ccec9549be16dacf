"""Attacks on the harvester's fetching: a hostile catalogue's links and redirects must not make hdcat read
a local file or call an internal service. Everything here runs on 127.0.0.1 literals only."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hdcat.catalog.runs import Outcome
from hdcat.harvesters.policy import FetchPolicy, FetchRefused
from hdcat.harvesters.runner import harvest_source

from tests.conftest import source

PAGE = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<http://h.example/ds> a dcat:Dataset ; dct:title "Echo cohort"@en ; dct:description "Aggregates."@en .
<{self}> hydra:next <{next}> .
"""


class Site:
    """A small HTTP server on 127.0.0.1 answering from a dict of path -> (status, headers, body); counts
    hits."""

    def __init__(self, routes=None):
        self.routes = routes or {}
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                status, headers, body = outer.routes.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page(self, path, next_url):
        body = PAGE.format(self=self.url + path, next=next_url).encode()
        self.routes[path] = (200, {"Content-Type": "text/turtle"}, body)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sites():
    made = []

    def make(routes=None):
        made.append(Site(routes))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_a_next_link_to_a_local_file_is_refused_and_not_quoted(catalog, sites, tmp_path):
    secret = tmp_path / "secret.ttl"
    secret.write_text('<http://x/s> <http://purl.org/dc/terms/title> "SECRET-CONTENT-42" .')
    hospital = sites()
    hospital.page("/catalog.ttl", secret.as_uri())
    run = harvest_source(catalog, source(hospital.url + "/catalog.ttl"))
    assert run.outcome is Outcome.FAILED
    assert secret.as_uri() in run.error and "never local files" in run.error
    assert "SECRET-CONTENT-42" not in run.error
    assert "SECRET-CONTENT-42" not in catalog.store.dataset.serialize(format="nquads")


def test_a_next_link_to_an_internal_service_is_never_called(catalog, sites):
    internal = sites({"/internal/admin": (200, {"Content-Type": "text/turtle"}, b"")})
    hospital = sites()
    hospital.page("/catalog.ttl", internal.url + "/internal/admin")
    run = harvest_source(catalog, source(hospital.url + "/catalog.ttl"))
    assert run.outcome is Outcome.FAILED and "not the source's own origin" in run.error
    assert internal.hits == []


def test_a_redirect_is_checked_like_a_link(catalog, sites, tmp_path):
    internal = sites({"/metadata": (200, {"Content-Type": "text/turtle"}, b"")})
    hospital = sites()
    hospital.routes["/catalog.ttl"] = (302, {"Location": internal.url + "/metadata"}, b"")
    run = harvest_source(catalog, source(hospital.url + "/catalog.ttl", name="r1"))
    assert (
        run.outcome is Outcome.FAILED and "not the source's own origin" in run.error and internal.hits == []
    )
    hospital.routes["/file.ttl"] = (302, {"Location": (tmp_path / "x.ttl").as_uri()}, b"")
    run = harvest_source(catalog, source(hospital.url + "/file.ttl", name="r2"))
    assert run.outcome is Outcome.FAILED and "never local files" in run.error


def test_a_same_origin_redirect_and_listed_origins_are_followed(catalog, sites):
    mirror = sites()
    mirror.page("/page-2.ttl", mirror.url + "/page-2.ttl")
    hospital = sites()
    hospital.routes["/old.ttl"] = (301, {"Location": "/catalog.ttl"}, b"")
    hospital.page("/catalog.ttl", mirror.url + "/page-2.ttl")
    refused = harvest_source(catalog, source(hospital.url + "/old.ttl", name="a"))
    assert refused.outcome is Outcome.FAILED and mirror.hits == []
    from hdcat.catalog.config import SourceConfig

    allowed = SourceConfig(
        name="b",
        hospital="hanbit",
        kind="dcat",
        location=hospital.url + "/old.ttl",
        allowed_origins=(mirror.url,),
    )
    run = harvest_source(catalog, allowed)
    assert run.outcome is Outcome.CHANGED, run.error
    assert mirror.hits == ["/page-2.ttl"]


def test_a_file_source_reads_its_own_folder_only(catalog, tmp_path):
    (tmp_path / "outside.ttl").write_text("")
    folder = tmp_path / "hospital"
    folder.mkdir()
    (folder / "page-2.ttl").write_text(
        "<http://h.example/ds2> a <http://www.w3.org/ns/dcat#Dataset> ; "
        '<http://purl.org/dc/terms/title> "Two"@en .'
    )
    first = folder / "catalog.ttl"
    first.write_text(PAGE.format(self=first.as_uri(), next=(folder / "page-2.ttl").as_uri()))
    assert harvest_source(catalog, source(first, name="f1")).outcome is Outcome.CHANGED
    first.write_text(PAGE.format(self=first.as_uri(), next=(folder / ".." / "outside.ttl").as_uri()))
    run = harvest_source(catalog, source(first, name="f2"))
    assert run.outcome is Outcome.FAILED and "outside the source's folder" in run.error


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.5/catalog",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://127.0.0.1:9200/_cat/indices",
    ],
)
def test_internal_addresses_are_refused_even_when_listed(target):
    """No traffic: the policy answers before any connection. A public hospital's source that lists an
    internal origin still may not reach it; only the host of the source's own location may be internal."""
    from urllib.parse import urlsplit

    origin = f"{urlsplit(target).scheme}://{urlsplit(target).netloc}"
    policy = FetchPolicy.for_source("https://203.0.113.10/catalog.ttl", allowed_origins=(origin,))
    with pytest.raises(FetchRefused, match="internal address"):
        policy.check(target)
    policy.check("https://203.0.113.10/catalog.ttl?page=2")  # its own origin: allowed
    with pytest.raises(FetchRefused, match="not the source's own origin"):
        policy.check("https://203.0.113.11/catalog.ttl")
    with pytest.raises(FetchRefused, match="unsupported scheme"):
        FetchPolicy.for_source("https://203.0.113.10/", allowed_origins=()).check("gopher://203.0.113.10/")
