"""Search on a real three-node Elasticsearch cluster (`scripts/services start es-cluster`, started by
scripts/test; in CI a missing cluster fails the run): shards and replicas from the settings, the
alias swap of a reindex under queries running meanwhile, and a bulk write that loses a node half-way.

The cluster's nodes run in one JVM; its control endpoint (HDCAT_TEST_ES_CLUSTER_CONTROL) stops and
starts a node, as a machine failing and coming back would. Everything is on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request

import pytest
from hdcat.catalog.config import load_settings
from hdcat.search.backends import open_backend
from hdcat.search.service import Search

from tests.conftest import require_service

CLUSTER_URL = os.environ.get("HDCAT_TEST_ES_CLUSTER_URL", "")
CONTROL_URL = os.environ.get("HDCAT_TEST_ES_CLUSTER_CONTROL", "")


def control(path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(
        CONTROL_URL + path, method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def wait_green(es, nodes: int, index: str | None = None) -> dict:
    health = es.cluster.health(
        index=index, wait_for_status="green", wait_for_nodes=str(nodes), timeout="90s", request_timeout=100
    )
    assert health["status"] == "green" and health["number_of_nodes"] == nodes, health
    return health


@pytest.fixture(scope="module")
def cluster():
    """The node URLs, with every node running (an earlier, interrupted run may have left one stopped)."""
    require_service(
        bool(CLUSTER_URL and CONTROL_URL),
        "an Elasticsearch cluster (HDCAT_TEST_ES_CLUSTER_URL and HDCAT_TEST_ES_CLUSTER_CONTROL "
        "from scripts/services start es-cluster)",
    )
    from elasticsearch import Elasticsearch

    nodes = CLUSTER_URL.split(",")
    for node in control("/nodes")["nodes"]:
        if not node["running"]:
            control(f"/nodes/{node['id']}/start", "POST")
    es = Elasticsearch(nodes, max_retries=3, retry_on_timeout=True)
    wait_green(es, len(nodes))
    yield nodes, es
    es.close()


def backend_for(nodes, alias: str, tmp_path, shards: int, replicas: int):
    """A backend opened the way `hdcat` opens one: settings from the environment, then open_backend."""
    settings = load_settings(
        None,
        env={
            "HDCAT_SEARCH_URL": ",".join(nodes) + f"/{alias}",
            "HDCAT_SEARCH_SHARDS": str(shards),
            "HDCAT_SEARCH_REPLICAS": str(replicas),
            "HDCAT_DATA_DIR": str(tmp_path),
        },
    )
    return open_backend(settings.search_url, settings.data_dir, settings.search), settings


def drop(es, alias: str) -> None:
    es.indices.delete(index=f"{alias}-*", ignore=[404])
    es.indices.delete_index_template(name=alias, ignore=[404])


def documents(n: int, prefix: str = "d"):
    """Small documents of the index's own (strict) mapping; each id once."""
    for i in range(n):
        yield {
            "id": f"{prefix}{i:06d}",
            "t_title": f"synthetic dataset {i} cohort{i % 97}",
            "t_text": "lung cancer registry " * (1 + i % 5),
            "title_sort": f"synthetic {i:06d}",
            "hospital": ["hanbit", "gaon", "dasom"][i % 3],
            "modified": "2024-01-01",
            "summary": {"id": f"{prefix}{i:06d}"},
        }


def test_shards_and_replicas_from_the_settings_make_a_green_index_on_three_nodes(cluster, tmp_path):
    nodes, es = cluster
    alias = f"hdcat-test-cluster-green-{os.getpid()}"
    backend, _ = backend_for(nodes, alias, tmp_path, shards=3, replicas=1)
    try:
        assert backend.rebuild(documents(300)) == 300
        health = wait_green(es, 3, index=alias)
        assert health["active_primary_shards"] == 3 and health["active_shards"] == 6
        (index,) = es.indices.get_alias(name=alias)
        settings = es.indices.get_settings(index=index)[index]["settings"]["index"]
        assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("3", "1")
        copies = es.cat.shards(index=index, format="json")
        assert {c["state"] for c in copies} == {"STARTED"} and len(copies) == 6
        assert len({c["node"] for c in copies}) == 3  # spread over every node
        for shard in {c["shard"] for c in copies}:  # a replica never sits beside its primary
            assert len({c["node"] for c in copies if c["shard"] == shard}) == 2
        assert backend.count() == 300
    finally:
        drop(es, alias)
        backend.close()


QUERIES = ["폐암", "heart failure", "C34", "copd", "", "column:hba1c"]


def test_the_alias_swap_of_a_reindex_under_concurrent_queries(cluster, sample_catalog, tmp_path):
    """Three threads search in a loop while the catalogue is reindexed three times: no error, and a
    query with hits never sees an empty (or any other) result while the alias moves to the new index."""
    nodes, es = cluster
    alias = f"hdcat-test-cluster-swap-{os.getpid()}"
    backend, _ = backend_for(nodes, alias, tmp_path, shards=2, replicas=1)
    search = Search(sample_catalog, backend=backend)
    try:
        search.reindex()
        expected = {q: search.search({"q": q, "size": 5}, members=True)["total"] for q in QUERIES}
        assert all(expected.values()), expected
        stop, errors, wrong, done = threading.Event(), [], [], [0]

        def query_loop(offset: int):
            i = offset
            while not stop.is_set():
                q = QUERIES[i % len(QUERIES)]
                i += 1
                try:
                    total = search.search({"q": q, "size": 5}, members=True)["total"]
                except Exception as exc:  # noqa: BLE001 - every failure is what this test counts
                    errors.append(f"{q!r}: {exc}")
                    continue
                done[0] += 1
                if total != expected[q]:
                    wrong.append((q, total, expected[q]))

        threads = [threading.Thread(target=query_loop, args=(k,), daemon=True) for k in range(3)]
        for t in threads:
            t.start()
        indexes = [set(es.indices.get_alias(name=alias))]
        started = time.perf_counter()
        try:
            for _ in range(3):
                search.reindex()
                indexes.append(set(es.indices.get_alias(name=alias)))
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        seconds = time.perf_counter() - started
        print(f"\n{done[0]} queries during 3 reindexes in {seconds:.1f} s")
        assert errors == [] and wrong == []
        assert done[0] >= 30  # the queries really overlapped the swaps
        # each reindex built a new index and the alias moved to it, leaving the old one deleted
        assert all(len(i) == 1 for i in indexes) and len(set().union(*indexes)) == 4
        assert set(es.indices.get(index=f"{alias}-*")) == indexes[-1]
    finally:
        drop(es, alias)
        search.close()


def test_a_bulk_write_waits_out_an_index_that_refuses_writes_for_a_while(cluster, tmp_path):
    """The live index refuses writes (429, the block Elasticsearch sets when a disk fills) for 9 s: the
    client's own retries give up after about 7, then the backend's rounds resend every refused item."""
    nodes, es = cluster
    alias = f"hdcat-test-cluster-block-{os.getpid()}"
    backend, _ = backend_for(nodes, alias, tmp_path, shards=1, replicas=1)
    block = "index.blocks.read_only_allow_delete"
    unblock = None
    try:
        assert backend.rebuild(documents(100)) == 100
        (index,) = es.indices.get_alias(name=alias)
        es.indices.put_settings(index=index, body={block: True})
        refused = es.index(index=alias, id="probe", document={"id": "probe"}, ignore=[429])
        assert refused["status"] == 429  # the block really refuses writes
        unblock = threading.Timer(9, lambda: es.indices.put_settings(index=index, body={block: None}))
        started = time.perf_counter()
        unblock.start()
        assert backend.update(list(documents(500, "u"))) == 500
        seconds = time.perf_counter() - started
        print(f"\n500 updates refused for 9 s, written after {seconds:.1f} s, {backend.resent} items resent")
        assert seconds >= 9 and backend.resent >= 500
        assert backend.count() == 600
    finally:
        if unblock is not None:
            unblock.join()
        drop(es, alias)
        backend.close()


BULK_DOCUMENTS = 20_000


@pytest.mark.timeout(480)  # a fifth written (up to 240 s on a loaded machine), then the failover (200 s)
def test_a_bulk_write_survives_a_node_stopping_half_way(cluster, tmp_path):
    """A rebuild of 20 000 documents; when a fifth is in, the node holding most primaries of the new
    index is stopped. The writer's retries carry on over the two left; every document arrives."""
    nodes, es = cluster
    alias = f"hdcat-test-cluster-bulk-{os.getpid()}"
    backend, _ = backend_for(nodes, alias, tmp_path, shards=3, replicas=1)
    result: dict = {}

    def write():
        try:
            result["written"] = backend.rebuild(documents(BULK_DOCUMENTS, "b"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc

    writer = threading.Thread(target=write, daemon=True)
    stopped = None
    try:
        started = time.perf_counter()
        writer.start()
        in_progress, count = None, 0
        deadline = time.monotonic() + 240
        while writer.is_alive() and time.monotonic() < deadline:
            building = set(es.indices.get(index=f"{alias}-*", ignore=[404]) or {}) - set(
                es.indices.get_alias(name=alias, ignore=[404]) or {}
            )
            if building:
                in_progress = building.pop()
                count = es.count(index=in_progress)["count"]
                if count >= BULK_DOCUMENTS // 5:
                    break
            time.sleep(0.2)
        assert in_progress and BULK_DOCUMENTS // 5 <= count < BULK_DOCUMENTS, (in_progress, count)
        primaries = [c["node"] for c in es.cat.shards(index=in_progress, format="json") if c["prirep"] == "p"]
        victim = max(set(primaries), key=primaries.count)
        stopped = int(victim.rsplit("-", 1)[1])
        control(f"/nodes/{stopped}/stop", "POST")
        stopped_at = time.perf_counter() - started
        writer.join(timeout=200)
        assert not writer.is_alive(), "the bulk write did not finish in 200 s after the node stopped"
        assert "error" not in result, result.get("error")
        print(
            f"\nnode-{stopped} stopped at {count} documents ({stopped_at:.1f} s); "
            f"{BULK_DOCUMENTS} written in {time.perf_counter() - started:.1f} s, "
            f"{backend.resent} items sent again"
        )
        assert result["written"] == BULK_DOCUMENTS
        alive = [n for n in control("/nodes")["nodes"] if n["running"]]
        assert len(alive) == 2 and stopped not in {n["id"] for n in alive}
        # nothing lost: every id is in the index the alias now names, counted on a node still up
        assert backend.count() == BULK_DOCUMENTS
        sample = [f"b{i:06d}" for i in range(0, BULK_DOCUMENTS, 97)]
        found = es.search(index=alias, query={"terms": {"id": sample}}, size=0, track_total_hits=True)
        assert found["hits"]["total"]["value"] == len(sample)
    finally:
        if stopped is not None:
            control(f"/nodes/{stopped}/start", "POST")
            wait_green(es, len(nodes))
        drop(es, alias)
        backend.close()
