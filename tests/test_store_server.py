"""Two `hdcat serve` processes on one catalogue kept by a SPARQL server (Fuseki): a harvest through one
is visible through the other at once, though each keeps records and listings between requests."""

from __future__ import annotations

import shutil

import httpx
import pytest

from tests.conftest import fresh_store_url
from tests.test_service import SAMPLES, Server, _env, hdcat, source_toml, write_config

pytestmark = pytest.mark.timeout(420)


def test_a_harvest_through_one_server_is_seen_through_the_other(tmp_path):
    store = fresh_store_url("fuseki", tmp_path)
    folders = []
    for name in ("site-a", "site-b"):  # each process its own data folder (accounts, search index, logs)
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(SAMPLES / "balgeun" / "catalog.ttl", folder / "balgeun.ttl")
        write_config(folder, source_toml("balgeun-dcat", "balgeun.ttl"))
        folders.append(folder)
    servers = [Server(f, env=_env(f, HDCAT_STORE=store)) for f in folders]
    a, b = servers
    for s in servers:  # a first listing on a loaded machine reads every record over HTTP: allow it time
        s.get = lambda path, _s=s, **kw: httpx.get(_s.url + path, timeout=180, **kw)
    try:
        before = b.get("/api/v1/datasets", params={"size": 50}).json()
        assert before["total"] == 0  # kept by b until a commit it hears of
        r = hdcat(folders[0], "harvest", "balgeun-dcat", env=_env(folders[0], HDCAT_STORE=store))
        assert r.returncode == 0, r.stderr + a.output()
        seen_a = a.get("/api/v1/datasets", params={"size": 50}).json()
        seen_b = b.get("/api/v1/datasets", params={"size": 50}).json()
        assert seen_a["total"] > 0 and seen_b["total"] == seen_a["total"], (seen_a, seen_b)
        assert [h["id"] for h in seen_b["hits"]] == [h["id"] for h in seen_a["hits"]]
        one = seen_a["hits"][0]["id"]
        assert (
            b.get(f"/api/v1/datasets/{one}").json()["title"]
            == a.get(f"/api/v1/datasets/{one}").json()["title"]
        )
        runs = b.get("/api/v1/harvests").json()["runs"]
        assert runs and runs[0]["status"] == "changed" and runs[0]["source"] == "balgeun-dcat"
    finally:
        for s in servers:
            assert s.stop() == 0, s.output()


def test_a_process_drops_what_it_keeps_when_another_writes_to_the_server(tmp_path):
    """The mechanism under the test above: the store's generation number, read once per request."""
    from hdcat.catalog.config import Settings, SourceConfig
    from hdcat.catalog.service import Catalog
    from hdcat.harvesters.runner import harvest_all

    store = fresh_store_url("fuseki", tmp_path)
    reader = Catalog(Settings(store_url=store, data_dir=tmp_path / "r"))
    writer = Catalog(Settings(store_url=store, data_dir=tmp_path / "w"))
    try:
        assert reader.follow_other_writers() is False  # the first look only notes the generation
        assert reader.datasets.page_rows(1, 50, members=True)[0] == 0  # kept until a commit
        assert reader.runs.list() == []  # run lists are kept too
        source = SourceConfig(
            name="balgeun-dcat",
            hospital="balgeun",
            kind="dcat",
            location=str(SAMPLES / "balgeun/catalog.ttl"),
        )
        harvest_all(writer, [source])
        assert reader.datasets.page_rows(1, 50, members=True)[0] == 0  # still the kept listing
        assert reader.follow_other_writers() is True
        total = reader.datasets.page_rows(1, 50, members=True)[0]
        assert total == writer.datasets.count(members=True) > 0
        assert [r["source"] for r in reader.runs.list()] == ["balgeun-dcat"]
        assert reader.follow_other_writers() is False  # nothing new since
    finally:
        reader.close()
        writer.close()
