"""Resource exhaustion attacks: entity expansion, huge values, compression bombs, deep JSON. Each must end
in a clear error or a dropped value with a warning, never a crash, a 500 or a value stored whole."""

from __future__ import annotations

import gzip
import time

import pytest
from hdcat.catalog.runs import Outcome
from hdcat.harvesters.errors import FetchError
from hdcat.harvesters.fetch import Fetcher
from hdcat.harvesters.policy import FetchPolicy
from hdcat.harvesters.runner import harvest_source

from tests.conftest import source
from tests.test_fetch_policy import sites  # noqa: F401  (a fixture: small HTTP servers on 127.0.0.1)

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "hahahahahahahahahaha">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"
         xmlns:dct="http://purl.org/dc/terms/">
  <dcat:Dataset rdf:about="http://h.example/ds"><dct:title>&d;</dct:title></dcat:Dataset>
</rdf:RDF>
"""


def test_rdf_xml_declaring_entities_is_refused(catalog, tmp_path):
    (tmp_path / "c.rdf").write_text(LAUGHS)
    started = time.monotonic()
    run = harvest_source(catalog, source(tmp_path / "c.rdf"))
    assert run.outcome is Outcome.FAILED and "declares entities" in run.error
    assert time.monotonic() - started < 5 and catalog.datasets.count() == 0


def test_a_huge_value_is_dropped_with_a_warning_and_the_rest_kept(catalog, tmp_path):
    huge = "x" * 150_000
    (
        tmp_path / "c.ttl"
    ).write_text(f'''@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<http://h.example/a> a dcat:Dataset ; dct:title "Echo registry"@en ; dct:description "{huge}"@en .
<http://h.example/b> a dcat:Dataset ; dct:title "{huge}"@en .
''')
    run = harvest_source(catalog, source(tmp_path / "c.ttl"))
    assert run.outcome is Outcome.CHANGED and run.found == 1
    assert any("http://h.example/a" in w and "150,000 characters was dropped" in w for w in run.warnings)
    assert [s.record for s in run.skipped] == ["http://h.example/b"]  # no title left: skipped as untitled
    assert huge not in catalog.store.dataset.serialize(format="nquads")


def test_a_compression_bomb_stops_at_the_size_limit(sites, tmp_path):  # noqa: F811
    bomb = gzip.compress(b'<http://x/s> <http://x/p> "' + b"0" * 20_000_000 + b'" .')
    assert len(bomb) < 100_000
    site = sites(
        {"/c.nt": (200, {"Content-Type": "application/n-triples", "Content-Encoding": "gzip"}, bomb)}
    )
    fetcher = Fetcher(max_bytes=1_000_000, retries=0)
    try:
        with pytest.raises(FetchError, match="larger than 1,000,000 bytes"):
            fetcher.get(site.url + "/c.nt", policy=FetchPolicy.for_source(site.url + "/c.nt"))
    finally:
        fetcher.close()


def test_stacked_encodings_and_error_bodies_are_bounded_too(sites):  # noqa: F811
    """gzip inside gzip (a few hundred bytes that inflate to gigabytes) is refused before decoding; the body
    of an error answer, read for the server's explanation, stops at its own small limit."""
    inner = gzip.compress(b"0" * 50_000_000)
    stacked = gzip.compress(inner)
    assert len(stacked) < 100_000
    bomb = gzip.compress(b"{" + b" " * 30_000_000 + b"}")
    site = sites(
        {
            "/c.nt": (200, {"Content-Encoding": "gzip, gzip"}, stacked),
            "/err": (400, {"Content-Encoding": "gzip", "Content-Type": "application/json"}, bomb),
        }
    )
    fetcher = Fetcher(max_bytes=1_000_000, retries=0)
    try:
        with pytest.raises(FetchError, match="stacked content encodings"):
            fetcher.get(site.url + "/c.nt", policy=FetchPolicy.for_source(site.url + "/c.nt"))
        assert fetcher.error_body(site.url + "/err", "application/json") is None  # past 256 KiB: given up
    finally:
        fetcher.close()


@pytest.mark.parametrize("path", ["/api/v1/lineage", "/api/v1/definitions", "/api/v1/harvests"])
@pytest.mark.parametrize(
    "body", ["[" * 1000 + "]" * 1000, '{"a":' * 5000 + "1" + "}" * 5000, '{"a":' * 100 + "1" + "}" * 100]
)
def test_deeply_nested_json_is_a_400_naming_the_limit(tmp_path, path, body):
    from hdcat.catalog.accounts import Accounts
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog
    from hdcat.web.app import create_app

    settings = Settings(store_url="memory:", data_dir=tmp_path)
    cat, acc = Catalog(settings), Accounts.for_settings(settings)
    acc.add_user("root", "admin", [])
    _, token = acc.issue_token("root", ["lineage:write", "definitions:write", "harvest:run"])
    r = (
        create_app(catalog=cat, accounts=acc)
        .test_client()
        .post(path, data=body, content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    )
    assert r.status_code == 400 and "nested deeper than 64 levels" in r.get_json()["message"], r.get_data()[
        :300
    ]
    cat.close()
    acc.close()
