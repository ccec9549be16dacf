"""Stores: atomic replacement per source, persistence on disk, runs kept apart."""

from __future__ import annotations

import json

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.errors import ConfigError, PluginUnavailable, StoreError
from hdcat.catalog.runs import Outcome
from hdcat.catalog.service import Catalog
from hdcat.catalog.stores import open_store
from hdcat.harvesters.runner import harvest_source
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from tests.conftest import EXTERNAL, ROOT, copy_external, fresh_store_url, source

# store_url and the `catalog` fixture (tests/conftest.py): once per store kind, memory, embedded Oxigraph
# and Fuseki
pytestmark = pytest.mark.stores


def test_replace_graph_replaces_exactly(store_url):
    store = open_store(store_url)
    g1, g2 = Graph(), Graph()
    g1.add((URIRef("http://x/a"), DCTERMS.title, Literal("one")))
    g1.add((URIRef("http://x/b"), DCTERMS.title, Literal("폐암", lang="ko")))
    g2.add((URIRef("http://x/c"), DCTERMS.title, Literal("three")))
    other = Graph()
    other.add((URIRef("http://x/z"), DCTERMS.title, Literal("other source")))
    store.replace_graph(URIRef("http://g/other"), other)
    store.replace_graph(URIRef("http://g/1"), g1)
    assert len(store.graph(URIRef("http://g/1"))) == 2
    store.replace_graph(URIRef("http://g/1"), g2)
    # RDF 1.1: a simple literal and an xsd:string literal are the same term; Oxigraph returns the latter
    assert {(s, p, str(o)) for s, p, o in store.graph(URIRef("http://g/1"))} == {
        (s, p, str(o)) for s, p, o in g2
    }
    assert len(store.graph(URIRef("http://g/other"))) == 1
    assert len(store) == 2
    store.close()


@pytest.mark.conformance
def test_failing_harvest_keeps_the_last_good_graph(store_url, tmp_path):
    cat = Catalog(Settings(store_url=store_url))
    good = copy_external("healthdcat-ap/ckanext-dcat_dataset_health.ttl", tmp_path)
    first = harvest_source(cat, source(good, name="h"))
    assert first.outcome is Outcome.CHANGED and cat.datasets.count() == 1
    before = set(cat.store.graph(cat.graphs.public_graph("h")))
    good.write_text(good.read_text()[:4000])  # the publisher now serves a truncated file
    failed = harvest_source(cat, source(good, name="h"))
    assert failed.outcome is Outcome.FAILED and "not valid Turtle" in failed.error
    assert set(cat.store.graph(cat.graphs.public_graph("h"))) == before
    assert cat.datasets.get(cat.datasets.locate_iri("http://example.healthdata.nl/set/dataset")[0])["title"]
    statuses = [r["status"] for r in cat.runs.list(source="h")]
    assert statuses == ["failed", "changed"]
    assert cat.runs.last_good("h")["id"] == first.id
    cat.close()


def test_a_source_that_moved_lists_each_run_once_with_the_location_it_read(store_url, tmp_path):
    """A source's runs name the source, and the source keeps every location it was read from: when a
    hospital moved its catalogue, each run was listed once for each location. Each run is listed once,
    with the location it read (a run stored before runs kept their own is given one of its source's)."""
    from hdcat.catalog.iris import source_graph_iri
    from hdcat.catalog.runs import HarvestRun

    cat = Catalog(Settings(store_url=store_url))
    try:
        old_home = copy_external("healthdcat-ap/ckanext-dcat_dataset_health.ttl", tmp_path)
        new_home = tmp_path / "moved" / old_home.name
        new_home.parent.mkdir()
        new_home.write_text(old_home.read_text())
        before = harvest_source(cat, source(old_home, name="h"))
        after = harvest_source(cat, source(new_home, name="h"))
        # a run as stored before runs named their own location: only its source does
        earlier = HarvestRun(source="h", hospital="hanbit", kind="dcat", location="https://old.example/x")
        earlier.finish(Outcome.UNCHANGED)
        graph = earlier.to_graph(cat.base, source_graph_iri(cat.base, "h"))
        graph.remove((earlier.iri(cat.base), None, Literal("https://old.example/x")))
        graph.remove((earlier.iri(cat.base), None, Literal("dcat")))
        cat.store.add_to_graph(cat.runs.graph_iri, graph)
        cat.runs.forget()
        runs = cat.runs.list(source="h")
        assert [r["id"] for r in runs] == [earlier.id, after.id, before.id]
        assert [r["location"] for r in runs[1:]] == [str(new_home), str(old_home)]
        assert runs[0]["location"] in {str(old_home), str(new_home), "https://old.example/x"}
        assert cat.runs.get(before.id)["location"] == str(old_home)
        assert [r["id"] for r in cat.runs.list(source="h", limit=2)] == [earlier.id, after.id]
        assert cat.runs.recent_ids(2) == [earlier.id, after.id]
        assert [r["id"] for r in cat.runs.by_ids([before.id, "nosuchrun", after.id])] == [before.id, after.id]
    finally:
        cat.close()


def test_unchanged_changed_and_removed_are_counted(catalog, tmp_path):
    f = tmp_path / "c.ttl"
    head = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
    a = '<http://h.example/a> a dcat:Dataset ; dct:title "A"@en ; dct:description "a"@en .\n'
    b = '<http://h.example/b> a dcat:Dataset ; dct:title "B"@en ; dct:description "b"@en .\n'
    f.write_text(head + a + b)
    r1 = harvest_source(catalog, source(f))
    r2 = harvest_source(catalog, source(f))
    f.write_text(head + a.replace('"a"', '"a, revised"'))
    r3 = harvest_source(catalog, source(f))
    assert (r1.outcome, r1.added) == (Outcome.CHANGED, 2)
    assert r2.outcome is Outcome.UNCHANGED
    assert (r3.outcome, r3.changed, r3.removed, r3.added) == (Outcome.CHANGED, 1, 1, 0)
    d = catalog.datasets.get("hanbit-a")
    assert d["description"] == "a, revised"
    assert d["harvest"]["run_id"] == r3.id
    assert d["harvest"]["first_seen"] < d["harvest"]["last_changed"]


@pytest.mark.conformance
def test_oxigraph_store_persists_and_refuses_a_second_writer(tmp_path):
    url = f"oxigraph:{tmp_path / 'store'}"
    cat = Catalog(Settings(store_url=url))
    harvest_source(cat, source(EXTERNAL / "dcat-ap-3.0.1/example-bee-population.ttl"))
    with pytest.raises(StoreError, match="another hdcat process"):
        open_store(url)
    cat.close()
    again = Catalog(Settings(store_url=url))
    assert again.datasets.count() == 1
    assert again.runs.list()[0]["status"] == "changed"
    again.close()


def test_bad_store_urls_say_what_to_do():
    with pytest.raises(ConfigError, match="not a store URL"):
        open_store("nonsense")
    with pytest.raises(PluginUnavailable, match="no hdcat.stores plugin named 'bogus'"):
        open_store("bogus:/x")


def test_reading_what_does_not_exist_creates_no_graph(tmp_path):
    """An anonymous GET of an unknown definition (or any missing graph) leaves the store as it was."""
    from hdcat.web.app import create_app

    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        before = set(cat.store.graph_names())
        c = create_app(catalog=cat).test_client()
        for i in range(20):
            assert c.get(f"/api/v1/definitions/no-such-{i}/1.0.0").status_code == 404
            assert c.get(f"/definitions/no-such-{i}/1.0.{i}").status_code == 404
        assert set(cat.store.graph_names()) == before
    finally:
        cat.close()


def test_a_sources_graph_and_its_run_record_are_one_transaction(tmp_path):
    """The run record is written with the graphs it describes: if the write fails, neither is there."""
    from rdflib import Graph, Literal

    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        data, runs = URIRef("http://t.example/graph/source/a"), URIRef("http://t.example/graph/runs")
        good = Graph()
        good.add((URIRef("http://t.example/ds"), URIRef("http://purl.org/dc/terms/title"), Literal("kept")))
        record = Graph()
        record.add((URIRef("http://t.example/run/1"), URIRef("http://t.example/status"), Literal("changed")))
        store.replace_graphs({data: good}, add={runs: record})
        assert len(store.graph(data)) == 1 and len(store.graph(runs)) == 1
        broken = Graph()  # an IRI Oxigraph refuses (rdflib lets it through): the whole update fails
        broken.add(
            (
                URIRef("http://t.example/run/2"),
                URIRef("http://t.example/status"),
                URIRef("http://t.example/a b"),
            )
        )
        replacement = Graph()
        replacement.add(
            (URIRef("http://t.example/ds"), URIRef("http://purl.org/dc/terms/title"), Literal("new"))
        )
        # rdflib 7's N-Triples writer already refuses that IRI, with a bare Exception, before any update
        with pytest.raises(Exception, match="does not look like a valid URI"):  # refused before any write
            store.replace_graphs({data: replacement}, add={runs: broken})
        assert [str(o) for o in store.graph(data).objects()] == ["kept"] and len(store.graph(runs)) == 1
    finally:
        store.close()


def test_a_first_write_that_oxigraph_refuses_leaves_nothing(tmp_path):
    """A source's first write is one `Store.extend` that makes its quads as it reads them: a term Oxigraph
    refuses, even after hundreds of good ones, still leaves neither the graph nor the run record."""
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        data, runs = URIRef("http://t.example/graph/source/a"), URIRef("http://t.example/graph/runs")
        good, broken = Graph(), Graph()
        for i in range(500):
            good.add((URIRef(f"http://t.example/ds/{i}"), DCTERMS.title, Literal(i)))
        broken.add((URIRef("http://t.example/run/1"), DCTERMS.type, URIRef("http://t.example/a b")))
        with pytest.raises(StoreError, match="does not look like a valid URI"):
            store.replace_graphs({data: good}, add={runs: broken})
        assert len(store.graph(data)) == 0 and len(store.graph(runs)) == 0
        store.replace_graphs({data: good})
        assert len(store.graph(data)) == 500
    finally:
        store.close()


def test_query_results_never_outlive_their_thread(tmp_path):
    """pyoxigraph's result iterators may only be dropped by the thread that made them. Half-read answers
    caught in reference cycles, collected later on the main thread, used to raise "PyQuerySolutions is
    unsendable" (hundreds of times in the load bench); SELECT answers are now read to the end at once."""
    import gc
    import sys
    import threading

    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    harvest_source(cat, source(ROOT / "harvesters/samples/consortium/balgeun/catalog.ttl"))
    errors, hook = [], sys.unraisablehook
    sys.unraisablehook = lambda u: errors.append(str(u.exc_value))
    try:

        def reader():
            for _ in range(30):
                answer = cat.store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")
                next(iter(answer), None)  # read one row, then leave it in a cycle for the collector
                cycle = [answer]
                cycle.append(cycle)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        gc.collect()
    finally:
        sys.unraisablehook = hook
        cat.close()
    assert not [e for e in errors if "unsendable" in e], errors[:3]


def unordered(value):
    """`value` with every list sorted (by its JSON text), so that two records differing only in the order
    of their lists compare equal."""
    if isinstance(value, dict):
        return {k: unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def test_records_cut_from_a_graph_copy_equal_records_read_from_the_store(store_url, tmp_path):
    """Datasets.records (whole passes: one in-memory copy per graph) gives exactly what record() gives
    reading the store: triple by triple on the local stores, one neighbourhood query a graph on Fuseki
    (SparqlStore.read_view with `about`)."""
    from hdcat.catalog import Catalog, Settings
    from hdcat.harvesters.runner import harvest_source

    from tests.conftest import ROOT, source

    cat = Catalog(Settings(store_url=store_url, data_dir=str(tmp_path / "var")))
    try:
        # three of the sample's files (two hospitals, paged, a standard dataset; 48 datasets): the whole
        # consortium took most of a minute a store and showed nothing more
        for rel in ("hanbit/catalog-page-1.ttl", "hanbit/standard-datasets.ttl", "haneul/catalog.ttl"):
            path = ROOT / "harvesters/samples/consortium" / rel
            harvest_source(cat, source(path, name=path.parent.name + "-" + path.stem.replace(".", "-")))
        rows = sorted(cat.datasets.all_rows(members=True), key=lambda r: str(r[1]))
        assert len(rows) > 40
        cat.datasets.forget()
        from_copies = list(cat.datasets.records(rows))
        cat.datasets.forget()
        one_by_one = [cat.datasets.record(ds, g) for ds, g in rows]
        # the same records; lists (themes, properties) come in the order the store gives triples in, which
        # rdflib's memory store and a server do not keep between a whole-graph read and a lookup
        assert [unordered(r) for r in from_copies] == [unordered(r) for r in one_by_one]
        if store_url.startswith("oxigraph:"):
            assert from_copies == one_by_one  # Oxigraph gives triples in one order: the lists agree too
    finally:
        cat.close()


def test_home_page_figures_are_kept_until_a_commit_changes_the_catalogue(tmp_path):
    from hdcat.catalog import Catalog, Settings
    from hdcat.harvesters.runner import harvest_source

    from tests.conftest import source

    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    try:
        f = tmp_path / "c.ttl"
        head = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        f.write_text(head + '<http://h.example/a> a dcat:Dataset ; dct:title "A"@en .\n')
        harvest_source(cat, source(f))
        first = cat.datasets.stats(members=True)
        assert first["total"] == 1 and cat.datasets.stats(members=True) == first
        assert cat.datasets._stats  # kept: the second call above counted nothing
        f.write_text(
            head + '<http://h.example/a> a dcat:Dataset ; dct:title "A"@en .\n'
            '<http://h.example/b> a dcat:Dataset ; dct:title "B"@en .\n'
        )
        harvest_source(cat, source(f))
        assert cat.datasets.stats(members=True)["total"] == 2 and first["threshold"] == 10
    finally:
        cat.close()


def test_a_listing_is_sorted_once_per_commit_and_pages_are_slices_of_it(tmp_path):
    """Paging used to sort the whole catalogue for every page (ORDER BY … OFFSET): N² over a walk."""
    from hdcat.catalog import Catalog, Settings
    from hdcat.harvesters.runner import harvest_source

    from tests.conftest import source

    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    try:
        f = tmp_path / "c.ttl"
        head = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        body = "".join(
            f'<http://h.example/d{i:02}> a dcat:Dataset ; dct:title "D{i}"@en .\n' for i in range(7)
        )
        f.write_text(head + body)
        harvest_source(cat, source(f))
        cat.datasets.forget()  # the harvest's conformance pass read the map a page is cut from
        queries = []
        store = cat.datasets.store
        real_query, real_text = store.query, store.select_text
        store.query = lambda q, *a, **k: queries.append(q) or real_query(q, *a, **k)
        store.select_text = lambda q: queries.append(q) or real_text(q)
        pages = [cat.datasets.page_rows(p, 3, members=True) for p in (1, 2, 3)]
        walked = [ds for _total, rows in pages for ds, _graphs in rows]
        assert [total for total, _ in pages] == [7, 7, 7] and len(set(walked)) == 7
        assert walked == sorted(walked, key=str)  # short-id order (here the ids sort as the IRIs do)
        # one read of the catalogue for the three pages and their counts: the datasets with their graphs and
        # short ids, sorted in Python (a filtered listing is one sorting query instead)
        # (the memory store's select_text goes through its query: the same text may be seen twice)
        assert len(set(queries)) == 1 and "SELECT ?g ?ds ?id" in queries[0] and "GROUP BY" not in queries[0]
        store.query, store.select_text = real_query, real_text
        cat.datasets.forget()
        total, rows = cat.datasets.page_rows(1, 10, hospital="hanbit", members=True)
        assert total == 7 and [ds for ds, _ in rows] == walked
        f.write_text(head + body + '<http://h.example/d99> a dcat:Dataset ; dct:title "New"@en .\n')
        harvest_source(cat, source(f))  # the commit forgets the order: the new dataset is on the pages
        total, rows = cat.datasets.page_rows(3, 3, members=True)
        assert total == 8 and URIRef("http://h.example/d99") in [ds for ds, _ in rows]
    finally:
        cat.close()


X, N = URIRef("http://x/a"), URIRef("http://p/n")


def described(values: list, title) -> Graph:
    """<X> N each of `values`, and a publisher, a blank node, with `title`: literals a server may keep by
    value and a blank node to follow."""
    from rdflib import BNode

    g, publisher = Graph(), BNode()
    for value in values:
        g.add((X, N, value))
    g.add((X, DCTERMS.publisher, publisher))
    g.add((publisher, DCTERMS.title, title))
    return g


def test_typed_literals_and_blank_nodes_come_back_as_written(store_url):
    """Servers that keep values natively (Fuseki's TDB2) give canonical forms back and merge equal
    values; blank-node labels mean nothing between two requests. Every store gives back what was written,
    and a blank node read from it can be followed."""
    from rdflib.namespace import XSD

    store = open_store(store_url)
    try:
        written = [
            Literal("1.50", datatype=XSD.decimal),
            Literal("2024-01-02T03:04:05.500-00:00", datatype=XSD.dateTime),
            Literal("7", datatype=XSD.nonNegativeInteger),
            Literal("폐암", lang="ko"),
        ]
        g = described(written, Literal("0.10", datatype=XSD.decimal))
        name = URIRef("http://g/lexical")
        store.replace_graph(name, g)
        view = store.graph(name)
        assert {(str(o), o.datatype) for o in view.objects(X, N)} == {(str(o), o.datatype) for o in written}
        (publisher,) = list(view.objects(X, DCTERMS.publisher))
        assert [str(o) for o in view.objects(publisher, DCTERMS.title)] == ["0.10"]
        assert (X, N, Literal("1.50", datatype=XSD.decimal)) in view
        assert {(str(s), str(p), str(o)) for s, p, o in store.graph_triples(name) if p == N} == {
            (str(X), str(N), str(o)) for o in written
        }
    finally:
        store.close()


def test_a_server_graph_read_whole_is_its_rows_with_or_without_pyoxigraph(tmp_path, monkeypatch):
    """A SPARQL server's graph is read whole as N-Triples parsed by pyoxigraph (catalog/stores/sparql.py,
    `graph_triples`); when pyoxigraph refuses a term the server took, the SELECT rows in JSON are read
    instead. Both give what was written: typed literals in their written forms, a language tag, a blank
    node followed to its statements."""
    import pyoxigraph as ox
    from rdflib import BNode
    from rdflib.namespace import XSD

    from tests.conftest import fresh_store_url

    store = open_store(fresh_store_url("fuseki", tmp_path))
    try:
        written = [
            Literal("1.50", datatype=XSD.decimal),
            Literal("07", datatype=XSD.int),
            Literal("폐암", lang="ko"),
        ]
        g = described(written, Literal("제목"))
        name = URIRef("http://g/whole")
        store.replace_graph(name, g)

        def as_written(triples):
            out = set()
            for s, p, o in triples:
                out.add((None if isinstance(s, BNode) else s, p, None if isinstance(o, BNode) else o))
            return out

        parsed = list(store.graph_triples(name))
        assert as_written(parsed) == as_written(g) and len(parsed) == len(g)
        (bnode,) = [o for s, p, o in parsed if p == DCTERMS.publisher]
        assert [(s, o) for s, p, o in parsed if p == DCTERMS.title] == [(bnode, Literal("제목"))]

        def refuse(*args, **kwargs):
            raise SyntaxError("a term pyoxigraph will not take")

        monkeypatch.setattr(ox, "parse", refuse)
        rows = list(store.graph_triples(name))
        assert as_written(rows) == as_written(parsed) and len(rows) == len(parsed)
        assert {str(o) for _, p, o in rows if p == N} == {"1.50", "07", "폐암"}
    finally:
        store.close()


def test_a_sparql_server_that_is_down_is_named_in_a_clear_error():
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreError, match=rf"cannot reach the SPARQL server at http://127.0.0.1:{port}/ds"):
        open_store(f"sparql+http://127.0.0.1:{port}/ds")
    with pytest.raises(ConfigError, match="not a SPARQL store URL"):
        open_store("sparql+ftp://example.org/ds")
    with pytest.raises(ConfigError, match="unknown option"):
        open_store(f"sparql+http://127.0.0.1:{port}/ds?graph=x")


def test_a_refused_update_leaves_the_graphs_as_they_were(tmp_path):
    """One request for a source's graphs and its run record: when the server refuses it, neither changes.
    (A SPARQL server's case only: the embedded stores' transactions are tested above.)"""
    store = open_store(fresh_store_url("fuseki", tmp_path))
    try:
        data, runs = URIRef("http://t.example/graph/source/a"), URIRef("http://t.example/graph/runs")
        good = Graph()
        good.add((URIRef("http://t.example/ds"), DCTERMS.title, Literal("kept")))
        store.replace_graphs({data: good}, add={runs: good})
        before = store.generation()
        replacement = Graph()
        replacement.add((URIRef("http://t.example/ds"), DCTERMS.title, Literal("new")))
        # a request the server refuses (a language tag its parser rejects; rdflib would refuse to make it,
        # so it is set by hand): the whole request fails
        refused = Literal("x", lang="en")
        refused._language = "not a tag"
        bad = Graph()
        bad.add((URIRef("http://t.example/run/2"), DCTERMS.title, refused))
        with pytest.raises(StoreError, match="refused the update: HTTP 400"):
            store.replace_graphs({data: replacement}, add={runs: bad})
        assert [str(o) for o in store.graph(data).objects()] == ["kept"] and len(store.graph(runs)) == 1
        assert store.generation() == before
    finally:
        store.close()


def test_a_catalogue_opened_again_does_not_parse_its_vocabulary(tmp_path):
    """The reference graph (terms, code lists, hospitals) is written once; a later process tells that the
    stored copy is current from a digest of the files, without parsing their Turtle (a tenth of a second at
    every command's start)."""
    import subprocess
    import sys

    code = (
        "from hdcat.catalog.config import Settings\n"
        "from hdcat.catalog.service import Catalog\n"
        "from hdcat.catalog.iris import reference_graph_iri\n"
        "from hdcat.ontology import loaders\n"
        f"cat = Catalog(Settings(store_url='oxigraph:{tmp_path / 'store'}', data_dir='{tmp_path}'))\n"
        "reference = cat.store.graph(reference_graph_iri(cat.base))\n"
        "print(loaders.vocabulary_graph.cache_info().misses, len(reference))\n"
        "cat.close()\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    (parsed, held), (parsed_again, held_again) = (map(int, r.stdout.split()) for r in runs)
    assert (parsed, parsed_again) == (1, 0)
    assert held == held_again > 100


def test_record_reads_remember_what_a_graph_does_not_describe_until_a_commit_writes_it(tmp_path):
    """A record's closure looks up every IRI it points at; the IRIs a graph holds nothing on (themes,
    publishers) are looked up once, not once a record, and looked up again once a commit wrote the graph."""
    from hdcat.catalog import Catalog, Settings, dataset_closure
    from hdcat.harvesters.runner import harvest_source

    from tests.conftest import source

    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=str(tmp_path / "var")))
    try:
        f = tmp_path / "c.ttl"
        head = (
            "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        )
        body = "".join(
            f'<http://h.example/d{i}> a dcat:Dataset ; dct:title "D{i}"@en ;\n'
            "  dcat:theme <http://h.example/t> .\n"
            for i in range(3)
        )
        f.write_text(head + body)
        harvest_source(cat, source(f))
        cat.datasets.forget()
        theme = URIRef("http://h.example/t")
        asked = []
        real_view = cat.store.read_view

        def counting_view(name, about=None):
            view = real_view(name, about=about)
            real_triples = view.triples
            view.triples = lambda pattern: asked.append(pattern[0]) or real_triples(pattern)
            return view

        cat.store.read_view = counting_view
        (graph,) = {g for _, g in cat.datasets.all_rows(members=True)}
        for i in range(3):
            ds = URIRef(f"http://h.example/d{i}")
            assert dataset_closure(cat.datasets._view(graph[0], ds), ds)
        assert asked.count(theme) == 1  # the second and third records did not ask the store again
        f.write_text(head + body + '<http://h.example/t> skos:prefLabel "Theme"@en .\n')
        harvest_source(cat, source(f))  # the commit wrote the graph: what it did not describe may be there
        ds = URIRef("http://h.example/d0")
        triples = dataset_closure(cat.datasets._view(graph[0], ds), ds)
        label = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
        assert (theme, label, Literal("Theme", lang="en")) in triples
    finally:
        cat.store.__dict__.pop("read_view", None)
        cat.close()


def test_a_pass_over_more_records_than_the_cache_holds_keeps_none_and_a_copy_answers_as_the_store(tmp_path):
    """A whole pass keeps its records only when they all fit the cache (a larger pass's next pass would find
    none of them: the same order evicts each first); the embedded store's copy of a graph, held in
    Oxigraph's terms, answers every lookup a record makes as the store's own read view does."""
    from hdcat.catalog import Catalog, Settings
    from hdcat.harvesters.runner import harvest_source
    from rdflib.namespace import DCAT, FOAF, RDF

    from tests.conftest import ROOT, source

    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=str(tmp_path / "var")))
    try:
        path = ROOT / "harvesters/samples/consortium/hanbit/catalog-page-1.ttl"
        harvest_source(cat, source(path, name="hanbit"))
        rows = sorted(cat.datasets.all_rows(members=True), key=lambda r: str(r[1]))
        assert len(rows) > 5
        for size, kept in ((len(rows) - 1, 0), (len(rows), len(rows))):
            cat.datasets.forget()
            cat.datasets.RECORD_CACHE_SIZE = size
            records = list(cat.datasets.records(rows, copy_graphs=True))
            assert len(records) == len(rows) and len(cat.datasets._records) == kept
        name = rows[0][1][0]
        copy, view = cat.store.graph_copy(name), cat.store.read_view(name)
        subjects = {s for s, _, _ in view.triples((None, RDF.type, None))}
        objects = [o for s in list(subjects) for _, _, o in view.triples((s, None, None))]
        subjects |= {o for o in objects if not isinstance(o, Literal)}
        patterns = [(s, None, None) for s in subjects]
        patterns += [(None, RDF.type, DCAT.Dataset), (None, FOAF.primaryTopic, None), (None, RDF.type, None)]
        patterns += [(ds, RDF.type, None) for ds, _ in rows]
        for pattern in patterns:
            assert sorted(copy.triples(pattern)) == sorted(view.triples(pattern)), pattern
        objects = [o for s in subjects for _, _, o in copy.triples((s, None, None))]
        assert any(isinstance(o, Literal) and o.datatype for o in objects)  # typed ones, restored as written
    finally:
        cat.close()


def test_lexical_forms_are_kept_by_subject_and_a_record_in_the_earlier_layout_is_moved_once(tmp_path):
    """Each subject's originals are their own record in the default graph, so a partial write reads and
    writes only the records of what it rewrites; a store written before (one record of every subject a
    write) still reads back as written, and its first partial write moves the untouched subjects' rows
    to the subject layout."""
    import pyoxigraph as ox
    from hdcat.catalog.graph_diff import diff
    from hdcat.catalog.stores import lexical_forms
    from rdflib.namespace import XSD

    a, b, n = URIRef("http://x/a"), URIRef("http://x/b"), URIRef("http://p/n")
    name = URIRef("http://g/forms")
    old = [(a, n, Literal("1.50", datatype=XSD.decimal)), (b, n, Literal("07", datatype=XSD.int))]
    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        store.replace_graph(name, old)
        native, default = store.native, ox.DefaultGraph()
        keyed = {
            q.subject.value
            for q in native.quads_for_pattern(None, lexical_forms.predicate(name), None, default)
        }
        assert keyed == {str(a), str(b)}
        # as a store written before this layout holds it: one value for the whole graph
        rows = [json.loads(v)[0] for v in lexical_forms.records(old).values()]
        native.update(
            f"{lexical_forms.forget(name)} ;\n"
            f"INSERT DATA {{ <{name}> <{lexical_forms.PREDICATE}> {Literal(json.dumps(rows)).n3()} }}"
        )
        del native  # held, it would keep the store open
    finally:
        store.close()

    store = open_store(f"oxigraph:{tmp_path / 'store'}")
    try:
        assert sorted(str(o) for _, _, o in store.graph_triples(name)) == ["07", "1.50"]
        new = [(a, n, Literal("2.50", datatype=XSD.decimal))]
        subjects = {str(a)}
        forms = {name: store.lexical_forms_without(name, subjects, new)}
        assert forms[name].legacy and set(forms[name].insert) == {str(a), str(b)}
        store.patch_graphs({name: new}, {name: diff(old[:1], new)}, forms=forms)
        native = store.native
        legacy = list(native.quads_for_pattern(ox.NamedNode(str(name)), None, None, ox.DefaultGraph()))
        assert legacy == []  # moved: every row is now under its subject
        del native
        view = store.read_view(name)
        assert [str(o) for _, _, o in view.triples((a, n, None))] == ["2.50"]
        ((_, _, kept),) = view.triples((b, n, None))
        assert str(kept) == "07" and kept.datatype == XSD.int
        # a later partial write reads and writes the record of the subject it rewrites alone
        newer = [(a, n, Literal("3.50", datatype=XSD.decimal))]
        patch = store.lexical_forms_without(name, subjects, newer)
        assert not patch.legacy and patch.forget == subjects and set(patch.insert) == subjects
        store.patch_graphs({name: newer}, {name: diff(new, newer)}, forms={name: patch})
        assert sorted(str(o) for _, _, o in store.graph_triples(name)) == ["07", "3.50"]
        store.drop_graph(name)  # and nothing is left of either record
        assert not list(store.native.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    finally:
        store.close()


def test_a_weekly_source_behind_many_runs_of_another_is_not_taken_for_never_harvested(store_url, tmp_path):
    """The scheduler queues at start the sources whose schedule fell due since their last run. It read the
    newest thousand runs of all sources: with frequent sources beside it, a weekly source's last run fell
    outside them, it was taken for never harvested and harvested again at every start. Each source's
    newest run is read on its own now, and a hospital's page asks for its own runs."""
    from datetime import UTC, datetime, timedelta

    from hdcat.catalog.config import SourceConfig
    from hdcat.catalog.iris import source_graph_iri
    from hdcat.catalog.runs import HarvestRun
    from hdcat.web.scheduler import Scheduler

    often = SourceConfig("often", "hanbit", "dcat", "https://hanbit.example/x", schedule="*/5 * * * *")
    weekly = SourceConfig("weekly", "balgeun", "dcat", "https://balgeun.example/y", schedule="0 3 * * 1")
    cat = Catalog(Settings(store_url=store_url, data_dir=tmp_path, sources=(often, weekly)))
    try:
        now = datetime(2026, 12, 6, 11, 32, tzinfo=UTC)  # a Sunday; the weekly ran on Monday after 03:00

        def run(source, before):
            return HarvestRun(source.name, source.hospital, "dcat", source.location, started=now - before)

        runs = [run(weekly, timedelta(days=6, hours=8))]
        runs += [run(often, timedelta(minutes=5 * n + 1)) for n in range(1200)]  # the last 100 hours
        triples = []
        for run in runs:
            run.finish(Outcome.UNCHANGED)
            triples += run.to_graph(cat.base, source_graph_iri(cat.base, run.source))
        cat.store.add_to_graph(cat.runs.graph_iri, triples)
        cat.runs.forget()
        assert "weekly" not in {r["source"] for r in cat.runs.list(limit=1000)}  # what it read before
        scheduler = Scheduler(cat, harvests=None)
        assert scheduler.overdue(now) == []
        assert scheduler.overdue(now + timedelta(days=1, hours=16)) == ["often", "weekly"]
        assert cat.runs.latest(["weekly", "often", "never"]).keys() == {"weekly", "often"}
        # and the hospital's page lists its runs, not those of the newest 200 that are its
        assert [r["source"] for r in cat.runs.list(limit=10, hospital="balgeun")] == ["weekly"]
        assert len(cat.runs.list(limit=10, hospital="hanbit")) == 10
    finally:
        cat.close()
