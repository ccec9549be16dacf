"""Remote JSON-LD contexts are never fetched: only hdcat's bundled copies resolve, in harvests and in
definition uploads alike. A context server that never answers must not hold anything up."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from hdcat.catalog.runs import Outcome
from hdcat.harvesters.runner import harvest_source

from tests.conftest import source


@pytest.fixture
def black_hole():
    """A loopback port that accepts connections and never answers; counts who came."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    came = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                came.append(conn)
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/context.jsonld", came
    stop.set()
    for c in came:
        c.close()
    server.close()


def _doc(context):
    return {
        "@context": context,
        "@id": "http://h.example/ds",
        "@type": "http://www.w3.org/ns/dcat#Dataset",
        "http://purl.org/dc/terms/title": "Hanbit echo cohort",
    }


@pytest.mark.parametrize("shape", ["string", "list", "scoped", "import"])
def test_a_harvest_never_fetches_a_context(catalog, tmp_path, black_hole, shape):
    url, came = black_hole
    context = {
        "string": url,
        "list": [{"dct": "http://purl.org/dc/terms/"}, url],
        "scoped": {"dct": "http://purl.org/dc/terms/", "x": {"@id": "http://x.example/x", "@context": url}},
        "import": {"@import": url},
    }[shape]
    (tmp_path / "c.jsonld").write_text(json.dumps(_doc(context)))
    started = time.monotonic()
    run = harvest_source(catalog, source(tmp_path / "c.jsonld"))
    assert run.outcome is Outcome.FAILED and url in run.error and "bundled contexts" in run.error
    assert time.monotonic() - started < 5 and came == []


def test_the_bundled_contexts_still_resolve(catalog, tmp_path):
    doc = _doc("https://w3id.org/hdcat/context.jsonld")
    (tmp_path / "c.jsonld").write_text(json.dumps(doc))
    run = harvest_source(catalog, source(tmp_path / "c.jsonld"))
    assert run.outcome is Outcome.CHANGED and run.found == 1, run.error


def test_a_definition_upload_never_fetches_a_context(tmp_path, black_hole):
    from hdcat.catalog.accounts import Accounts
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog
    from hdcat.web.app import create_app

    url, came = black_hole
    settings = Settings(store_url="memory:", data_dir=tmp_path)
    cat = Catalog(settings)
    acc = Accounts.for_settings(settings)
    acc.add_user("sam", "steward", ["hanbit"])
    _, token = acc.issue_token("sam", ["definitions:write"])
    app = create_app(catalog=cat, accounts=acc)
    body = json.dumps(
        {"@context": url, "@id": "http://h.example/def", "@type": "http://purl.org/dc/terms/Standard"}
    )
    started = time.monotonic()
    r = app.test_client().post(
        "/api/v1/definitions",
        data=body,
        content_type="application/ld+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 400 and url in r.get_json()["message"] and r.get_json()["field"] == "@context"
    assert time.monotonic() - started < 5 and came == []
    cat.close()
    acc.close()
