"""A source's first write into the embedded store: written in parts out of readers' sight, shown whole in one
step, and never left half-written (catalog/stores/oxigraph_loads.py)."""

from __future__ import annotations

import logging

import pyoxigraph as ox
import pytest
from hdcat.catalog.errors import StoreError
from hdcat.catalog.stores import open_store, oxigraph_loads
from hdcat.catalog.stores.oxigraph import OxigraphStore
from hdcat.catalog.stores.oxigraph_loads import LOADING, mark
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

SOURCE = URIRef("http://t.example/graph/source/a")
OTHER = URIRef("http://t.example/graph/source/b")
RUNS = URIRef("http://t.example/graph/runs")


def _graph(prefix: str, n: int) -> Graph:
    g = Graph()
    for i in range(n):
        ds = URIRef(f"http://t.example/{prefix}/{i}")
        g.add((ds, DCTERMS.title, Literal(f"{prefix} {i}")))
        period = BNode()  # blank nodes too: they cannot be removed by DELETE DATA
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, DCTERMS.date, Literal(f"2020-01-{i % 28 + 1:02d}")))
    return g


def _seen(store) -> dict:
    """What each kind of read gives of source a: a union query, a GRAPH ?g query, a plain-text SELECT, an
    rdflib pattern over every graph, and the list of graphs."""
    union = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://purl.org/dc/terms/title> ?t }")
    named = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    text = store.select_text("SELECT ?s WHERE { GRAPH ?g { ?s <http://purl.org/dc/terms/title> ?t } }")
    return {
        "union titles": int(next(iter(union))[0]),
        "graphs queried": sorted(str(row[0]) for row in named),
        "text rows": len(text),
        "pattern": sum(1 for _ in store.dataset.triples((None, DCTERMS.title, None))),
        "graph names": [str(g) for g in store.graph_names()],
    }


def test_a_first_write_is_shown_whole_with_its_run_record(tmp_path, monkeypatch):
    monkeypatch.setattr(oxigraph_loads, "LOAD_BATCH", 100)  # nine parts, each by the bulk loader
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        run = Graph()
        run.add((URIRef("http://t.example/run/1"), DCTERMS.title, Literal("run 1")))
        store.replace_graphs({SOURCE: _graph("a", 300)}, add={RUNS: run})
        assert len(store.graph(SOURCE)) == 900 and len(store.graph(RUNS)) == 1
        assert _seen(store)["union titles"] == 301
        # no mark is left behind, and a second write (the transactional path) replaces it
        assert not list(store.native.quads_for_pattern(None, LOADING, None, None))
        store.replace_graphs({SOURCE: _graph("a2", 10)})
        assert len(store.graph(SOURCE)) == 30
    finally:
        store.close()


def test_readers_do_not_see_a_graph_while_it_loads(tmp_path):
    """Every read that is not by graph name leaves a graph being loaded out; it appears when shown."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        store.replace_graphs({OTHER: _graph("b", 5)})
        store.replace_graphs({SOURCE: _graph("a", 20)})
        both = _seen(store)
        assert both["union titles"] == 25 and both["text rows"] == 25 and both["pattern"] == 25
        assert both["graphs queried"] == both["graph names"] == [str(SOURCE), str(OTHER)]
        store._hidden.add([SOURCE])  # as _load_hidden holds it while the parts go in
        during = _seen(store)
        assert during == {
            "union titles": 5,
            "graphs queried": [str(OTHER)],
            "text rows": 5,
            "pattern": 5,
            "graph names": [str(OTHER)],
        }
        store._hidden.discard([SOURCE])
        assert _seen(store) == both
    finally:
        store.close()


def test_a_load_that_fails_part_way_leaves_nothing(tmp_path, monkeypatch):
    """A term Oxigraph refuses after hundreds of good triples, in the graph itself: parts of it are written
    already, and all of it goes, with its mark."""
    monkeypatch.setattr(oxigraph_loads, "LOAD_BATCH", 100)
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        bad = _graph("a", 400)
        bad.add((URIRef("http://t.example/a/399"), DCTERMS.type, URIRef("http://t.example/a b")))
        with pytest.raises(StoreError, match="does not look like a valid URI"):
            store.replace_graphs({SOURCE: bad}, add={RUNS: _graph("run", 1)})
        assert len(store) == 0, "neither the graph, nor the run record, nor a mark is left"
        assert not store._hidden
        store.replace_graphs({SOURCE: _graph("a", 400)})
        assert len(store.graph(SOURCE)) == 1200
    finally:
        store.close()


def test_a_load_whose_removal_fails_stays_hidden_until_the_next_write(tmp_path, monkeypatch):
    """A broken disk may refuse the removal too: the part-loaded graph then stays out of sight (never shown
    half), the write's own error is what the caller hears, and the source's next write replaces it whole."""
    import hdcat.catalog.stores.oxigraph as oxigraph_store

    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        bad = _graph("a", 50)
        bad.add((URIRef("http://t.example/a/1"), DCTERMS.type, URIRef("http://t.example/a b")))

        def refused(native, name):
            raise OSError("No space left on device")

        monkeypatch.setattr(oxigraph_store, "remove_loaded", refused)
        with pytest.raises(StoreError, match="does not look like a valid URI"):
            store.replace_graphs({SOURCE: bad})
        monkeypatch.undo()
        assert SOURCE in store._hidden and _seen(store)["pattern"] == 0
        store.replace_graphs({SOURCE: _graph("a", 5)})  # the transactional path: the old part goes too
        assert SOURCE not in store._hidden and _seen(store)["pattern"] == 5
        assert not list(store.native.quads_for_pattern(None, LOADING, None, None))
    finally:
        store.close()


def _cut_short(path) -> None:
    """What a crash during a first write leaves: a marked graph, part-loaded, beside a whole one."""
    native = ox.Store(str(path))
    title = ox.NamedNode(str(DCTERMS.title))
    native.add(
        ox.Quad(ox.NamedNode("http://t.example/b/0"), title, ox.Literal("b"), ox.NamedNode(str(OTHER)))
    )
    native.add(mark(SOURCE))
    loading = ox.NamedNode(str(SOURCE))
    native.bulk_extend(
        ox.Quad(ox.BlankNode(), title, ox.Literal(str(i)), loading)
        for i in range(120_000)  # more than one removal batch
    )
    native.flush()
    del native


def test_a_load_cut_short_by_a_crash_is_removed_when_the_store_opens(tmp_path, caplog):
    path = tmp_path / "store"
    _cut_short(path)
    reader = OxigraphStore(str(path), read_only=True)  # beside the writer that is still loading
    try:
        assert _seen(reader)["graph names"] == [str(OTHER)]
        assert _seen(reader)["pattern"] == 1
    finally:
        reader.close()
    with caplog.at_level(logging.WARNING, logger="hdcat.store"):
        store = OxigraphStore(str(path))
    try:
        assert "cut short" in caplog.text and str(SOURCE) in caplog.text
        assert len(store) == 1, "the part-loaded graph and its mark are gone, the other graph stays"
        assert store.graph_names() == [OTHER]
    finally:
        store.close()


def test_a_load_that_fails_after_its_lexical_forms_went_in_leaves_none_of_them(tmp_path, monkeypatch):
    """A hidden graph's lexical forms are loaded in parts with it (not in the showing transaction, where
    they were a large first harvest's peak): a failure after they went in removes them with the graph."""
    import hdcat.catalog.stores.oxigraph as oxigraph_store
    from rdflib import Literal
    from rdflib.namespace import XSD

    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        graph = _graph("a", 50)
        graph.add((URIRef("http://t.example/a/1"), DCTERMS.extent, Literal("1.50", datatype=XSD.decimal)))

        def refused(name):
            raise OSError("No space left on device")

        monkeypatch.setattr(oxigraph_store, "unmark", refused)  # after the parts, before the showing
        with pytest.raises(OSError):
            store.replace_graphs({SOURCE: graph})
        assert len(store) == 0, "neither the graph, nor its lexical forms, nor a mark is left"
        monkeypatch.undo()
        store.replace_graphs({SOURCE: graph})
        assert {str(o) for o in store.graph(SOURCE).objects(None, DCTERMS.extent)} == {"1.50"}
    finally:
        store.close()
