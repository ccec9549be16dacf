"""Harvest threads take turns running Python (catalog/turns.py), and let the turn go while they download."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from hdcat.catalog import Catalog, Outcome, Settings, my_turn, waiting_turn
from hdcat.catalog.stores.oxigraph_reads import query_result, select_values
from hdcat.harvesters.runner import harvest_all

from tests.conftest import LocalHospital, source

SAMPLES = Path(__file__).resolve().parents[1] / "harvesters" / "samples" / "consortium"


def test_one_thread_at_a_time_and_a_waiting_thread_lets_another_in():
    inside, most, order = [0], [0], []
    lock = threading.Lock()

    def work(name: str, wait: bool):
        with my_turn(), my_turn():  # re-entrant in one thread: no deadlock
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            order.append(f"{name} starts")
            if wait:
                with lock:
                    inside[0] -= 1
                with waiting_turn():  # a download: the other thread runs meanwhile
                    time.sleep(0.5)
                with lock:
                    inside[0] += 1
            else:
                time.sleep(0.05)
            order.append(f"{name} ends")
            with lock:
                inside[0] -= 1

    slow = threading.Thread(target=work, args=("downloader", True))
    slow.start()
    time.sleep(0.1)  # the downloader has its turn and is waiting on the network
    quick = threading.Thread(target=work, args=("parser", False))
    quick.start()
    slow.join(5)
    quick.join(5)
    assert most[0] == 1  # never two at once
    assert order == ["downloader starts", "parser starts", "parser ends", "downloader ends"]
    with waiting_turn():  # holding no turn: nothing to let go
        pass


def test_a_slow_hospital_does_not_hold_up_the_others_harvests(tmp_path):
    """The turn is let go during a download: a source whose server holds its page for seconds does not
    keep the other sources from being parsed and committed meanwhile."""
    page = (SAMPLES / "balgeun" / "catalog.ttl").read_bytes()
    fast_page = (SAMPLES / "haneul" / "catalog.ttl").read_bytes()
    finished: dict[str, float] = {}

    def slow_answer(path):
        time.sleep(3)
        return "text/turtle", page

    slow, fast = LocalHospital(slow_answer), LocalHospital(lambda path: ("text/turtle", fast_page))
    catalog = Catalog(Settings(store_url="memory://"))
    try:
        started = time.monotonic()
        runs = harvest_all(
            catalog,
            [
                source(f"{slow.url}/catalog.ttl", name="slow", hospital="balgeun"),
                source(f"{fast.url}/catalog.ttl", name="fast", hospital="haneul"),
            ],
            on_done=lambda run: finished.setdefault(run.source, time.monotonic() - started),
            workers=2,
        )
    finally:
        slow.close()
        fast.close()
        catalog.close()
    assert [r.outcome for r in runs] == [Outcome.CHANGED, Outcome.CHANGED], [r.error for r in runs]
    assert finished["fast"] < 3 <= finished["slow"], finished


def test_one_call_answers_are_the_answers_row_by_row():
    """select_values and query_result read a SELECT from one SPARQL JSON answer: the same values and
    terms as reading it row by row (unbound variables, language tags, datatypes, blank nodes)."""
    import pyoxigraph as ox
    from oxrdflib._converter import from_ox

    store = ox.Store()
    store.load(
        (SAMPLES / "gaon" / "catalog.rdf").read_bytes(),
        format=ox.RdfFormat.RDF_XML,
        base_iri="https://gaon.example/",
        to_graph=ox.NamedNode("https://g.example/"),
    )
    query = """SELECT ?s ?p ?o ?lang ?missing WHERE { GRAPH ?g { ?s ?p ?o }
        BIND(LANG(?o) AS ?lang) OPTIONAL { ?s <urn:nothing> ?missing } } ORDER BY ?s ?p ?o"""
    by_rows = list(store.query(query))
    assert len(by_rows) > 5000
    kinds = {type(row["o"]) for row in by_rows}
    assert {ox.NamedNode, ox.BlankNode, ox.Literal} <= kinds
    assert select_values(store, query) == [
        tuple(None if row[v] is None else row[v].value for v in ("s", "p", "o", "lang", "missing"))
        for row in by_rows
    ]
    result = query_result(store.query(query))
    assert [tuple(b[v] for v in result.vars) for b in result.bindings] == [
        tuple(from_ox(row[str(v)]) for v in result.vars) for row in by_rows
    ]
    assert query_result(store.query("ASK { GRAPH ?g { ?s ?p ?o } }")).askAnswer is True
    constructed = query_result(store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert len(constructed.graph) == len(store)
