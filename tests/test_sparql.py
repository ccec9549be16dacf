"""/sparql: read-only SPARQL 1.1 protocol over the catalogue, lineage included."""

from __future__ import annotations

import json
import time

import pytest
from rdflib import Graph, URIRef


def test_select_counts_datasets_per_hospital(client, sample_catalog):
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX hdcat: <https://w3id.org/hdcat/ns#>
    SELECT ?h (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?d a dcat:Dataset ; hdcat:hospital ?h } }
    GROUP BY ?h"""
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+json"
    rows = r.get_json()["results"]["bindings"]
    assert len(rows) == 8 and sum(int(b["n"]["value"]) for b in rows) == sample_catalog.datasets.count()


def test_construct_and_ask(client):
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
    CONSTRUCT { ?d dct:title ?t } WHERE { GRAPH ?g { ?d a dcat:Dataset ; dct:title ?t } } LIMIT 10"""
    r = client.post("/sparql", data={"query": q}, headers={"Accept": "text/turtle"})
    assert len(Graph().parse(data=r.data, format="turtle")) == 10
    r = client.post("/sparql", data="ASK { GRAPH ?g { ?s ?p ?o } }", content_type="application/sparql-query")
    assert r.get_json()["boolean"] is True


@pytest.mark.parametrize(
    "kwargs",
    [
        {"query_string": {"query": "INSERT DATA { <http://x> <http://y> <http://z> }"}},
        {"query_string": {"update": "DROP ALL"}},
        {"data": {"update": "CLEAR ALL"}, "method": "POST"},
        {"data": "DELETE WHERE { ?s ?p ?o }", "content_type": "application/sparql-update", "method": "POST"},
        {"query_string": {"query": "SELECT * WHERE { ?s ?p ?o } ; DROP ALL"}},
        {"query_string": {"query": "SELEC broken"}},
        {"query_string": {"query": "SELECT ?s WHERE { ?s ?p }"}},
        {"query_string": {}},
    ],
)
def test_updates_and_bad_queries_are_refused(client, sample_catalog, kwargs):
    before = len(sample_catalog.store)
    method = kwargs.pop("method", "GET")
    r = client.open("/sparql", method=method, **kwargs)
    assert r.status_code == 400 and r.get_json()["field"] in ("query", "update")
    assert len(sample_catalog.store) == before


def test_row_cap(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert r.status_code == 400 and "LIMIT" in r.get_json()["message"]


@pytest.mark.stores
def test_sparql_answers_alike_on_every_store_and_hides_restricted_graphs(tmp_path, store_url):
    """The store-conformance part of /sparql: on memory, the embedded store and a SPARQL server, the same
    questions get the same answers, anonymous callers see only public graphs (the server is handed them
    as the protocol's dataset description), blank nodes and typed literals come back as harvested."""
    from hdcat.catalog.config import Settings, SourceConfig
    from hdcat.catalog.service import Catalog
    from hdcat.harvesters.runner import harvest_all
    from hdcat.web.app import create_app

    from tests.conftest import ROOT
    from tests.test_lineage import writer_token

    consortium = ROOT / "harvesters/samples/consortium"
    sources = [
        SourceConfig(
            name="pub", hospital="balgeun", kind="dcat", location=str(consortium / "balgeun/catalog.ttl")
        ),
        SourceConfig(
            name="hid",
            hospital="hanbit",
            kind="dcat",
            location=str(consortium / "hanbit/standard-datasets.ttl"),
            visibility="consortium",
        ),
    ]
    cat = Catalog(Settings(store_url=store_url, data_dir=tmp_path, sources=tuple(sources)))
    try:
        assert {r.outcome.value for r in harvest_all(cat, sources)} == {"changed"}
        app = create_app(catalog=cat)
        anon = app.test_client()
        member = app.test_client()
        member.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {writer_token(tmp_path)}"
        count = (
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> "
            "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset }"
        )

        def n(c):
            r = c.get("/sparql", query_string={"query": count})
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            return int(r.get_json()["results"]["bindings"][0]["n"]["value"])

        assert n(anon) == cat.datasets.count() and n(member) == cat.datasets.count(members=True) > n(anon)
        hidden = next(g for g in cat.store.graph_names() if "/graph/consortium/" in str(g))
        ask = f"ASK {{ GRAPH <{hidden}> {{ ?s ?p ?o }} }}"
        assert anon.get("/sparql", query_string={"query": ask}).get_json()["boolean"] is False
        assert member.get("/sparql", query_string={"query": ask}).get_json()["boolean"] is True
        # a CONSTRUCT of titles gives what the harvested graphs hold, in every store
        titles = (
            "PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
            "CONSTRUCT { ?d dct:title ?t } WHERE { ?d a dcat:Dataset ; dct:title ?t }"
        )
        r = member.post("/sparql", data={"query": titles}, headers={"Accept": "application/n-triples"})
        got = {
            (str(s), str(o), getattr(o, "language", None))
            for s, _, o in Graph().parse(data=r.data, format="nt")
        }
        expected = set()
        for name in cat.store.graph_names():
            view = cat.store.graph(name)
            for d in view.subjects(predicate=None, object=URIRef("http://www.w3.org/ns/dcat#Dataset")):
                for t in view.objects(d, URIRef("http://purl.org/dc/terms/title")):
                    expected.add((str(d), str(t), t.language))
        assert got == expected and len(got) > 3
    finally:
        cat.close()


def _lock_held_by_a_thread(seconds: float):
    """A lock another thread holds for `seconds`, as RocksDB's background threads hold its mutex."""
    import threading

    lock, taken = threading.Lock(), threading.Event()

    def hold():
        with lock:
            taken.set()
            time.sleep(seconds)

    threading.Thread(target=hold, daemon=True).start()
    taken.wait()
    return lock


def test_a_query_forked_while_a_thread_holds_a_lock_is_forked_again_and_answers():
    from hdcat.catalog.sparql import run_limited

    lock = _lock_held_by_a_thread(0.6)

    def needs_the_lock():
        with lock:  # in a child forked while the lock is held, no thread is left to let go of it
            return "answered"

    started = time.perf_counter()
    assert run_limited(needs_the_lock, time_limit=8) == "answered"
    assert time.perf_counter() - started < 4  # not the 8 s limit: a child forked after the lock was let go


def test_a_query_whose_lock_stays_held_is_busy_not_a_wrong_query():
    from hdcat.catalog.errors import HdcatError
    from hdcat.catalog.sparql import run_limited

    lock = _lock_held_by_a_thread(30)
    started = time.perf_counter()
    with pytest.raises(HdcatError) as raised:
        run_limited(lambda: lock.acquire() and "never", time_limit=1.5)
    assert raised.value.status == 503 and "busy" in raised.value.message
    assert time.perf_counter() - started < 5


def test_queries_answer_while_the_embedded_store_flushes_and_compacts(tmp_path):
    """A child forked while RocksDB's background threads hold its mutex waited for the deadline (about one
    fork in seven here while a thread flushes and compacts); every query answers now, well within it."""
    import threading

    import pyoxigraph as ox
    from hdcat.catalog.sparql import evaluate, run_limited
    from hdcat.catalog.stores.oxigraph import OxigraphStore

    store = OxigraphStore(str(tmp_path / "store"))
    native, p = store.native, ox.NamedNode("http://example.org/p")
    native.extend(
        ox.Quad(
            ox.NamedNode(f"http://example.org/s{i}"),
            p,
            ox.Literal(f"v{i}"),
            ox.NamedNode("http://example.org/g"),
        )
        for i in range(500)
    )
    stop = threading.Event()

    def write():
        for i in range(1_000_000):
            if stop.is_set():
                return
            graph = ox.NamedNode(f"http://example.org/w{i % 5}")
            native.extend(
                ox.Quad(ox.NamedNode(f"http://example.org/x{j}"), p, ox.Literal(f"t{i}"), graph)
                for j in range(300)
            )
            native.flush()
            if i % 20 == 0:
                native.optimize()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }"
    slowest = 0.0
    try:
        for _ in range(40):
            started = time.perf_counter()
            media, body = run_limited(lambda: evaluate(store, query, "SELECT", None), time_limit=20)
            slowest = max(slowest, time.perf_counter() - started)
            assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "500"
    finally:
        stop.set()
        writer.join()
    assert slowest < 10, slowest
