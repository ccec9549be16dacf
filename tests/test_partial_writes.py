"""A re-harvest writes only what changed (catalog.graph_diff, OxigraphStore.patch_graphs), in one transaction.

Counted in statements written and in blank nodes left alone, not in seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pyoxigraph as ox
import pytest
from hdcat.catalog import NotFound
from hdcat.catalog.config import Settings
from hdcat.catalog.graph_diff import diff
from hdcat.catalog.runs import Outcome
from hdcat.catalog.service import Catalog
from hdcat.harvesters.runner import harvest_source
from rdflib import BNode, Graph, Literal, URIRef

from tests.conftest import HDCAT, source
from tests.graphs import canonical

HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix csvw: <http://www.w3.org/ns/csvw#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
<http://h.example/catalog> a dcat:Catalog ; dct:title "Catalogue"@en ;
    dct:publisher <http://h.example/org> ; dcat:dataset {datasets} .
<http://h.example/org> dct:title "Hospital"@en .
"""


def dataset(i: int, title: str = "", size: str = "1.50", columns=("a", "b", "c"), extra: str = "") -> str:
    cols = " ".join(f'[ a csvw:Column ; csvw:name "{c}" ]' for c in columns)
    return f"""<http://h.example/ds/{i}> a dcat:Dataset ; dct:title "{title or f"Dataset {i}"}"@en ; {extra}
    dct:description "About dataset {i}"@en ; dct:publisher <http://h.example/org> ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-01-0{1 + i % 9}"^^xsd:date ] ;
    dcat:contactPoint [ a vcard:Organization ; vcard:fn "Team {i}"@en ] ;
    dcat:distribution <http://h.example/ds/{i}/csv> .
<http://h.example/ds/{i}/csv> a dcat:Distribution ; dcat:accessURL <http://h.example/files/{i}.csv> ;
    dcat:byteSize "{size}"^^xsd:decimal ;
    csvw:tableSchema [ a csvw:Schema ; csvw:column ( {cols} ) ] .
"""


def catalogue(n: int, gone=(), **changes) -> str:
    kept = [i for i in range(n) if i not in gone]
    body = "".join(dataset(i, **changes.get(f"ds{i}", {})) for i in kept)
    return HEAD.replace("{datasets}", ", ".join(f"<http://h.example/ds/{i}>" for i in kept)) + body


def temporal_labels(cat: Catalog) -> dict:
    """dataset → the label Oxigraph gave its temporal coverage's blank node (a rewrite gives a new one)."""
    found = cat.store.native.quads_for_pattern(
        None, ox.NamedNode("http://purl.org/dc/terms/temporal"), None, None
    )
    return {q.subject.value: q.object.value for q in found}


class Spy:
    """Counts the store's writes of source graphs: whole replacements, and patches with their sizes."""

    def __init__(self, store):
        self.replaced, self.patches = [], []
        replace, patch = store.replace_graphs, store.patch_graphs

        def replace_graphs(graphs, add=None):
            if any("/source/" in str(g) for g in graphs):  # not the conformance graphs a commit rescores
                self.replaced.append(sorted(map(str, graphs)))
            return replace(graphs, add)

        def patch_graphs(graphs, diffs, add=None, forms=None):
            if any("/source/" in str(g) for g in graphs):
                self.patches.append({str(k): d for k, d in diffs.items()})
            return patch(graphs, diffs, add, forms=forms)

        store.replace_graphs, store.patch_graphs = replace_graphs, patch_graphs


def test_a_one_percent_change_writes_only_the_changed_datasets(tmp_path):
    f = tmp_path / "c.ttl"
    f.write_text(catalogue(100))
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        first = harvest_source(cat, source(f))
        assert (first.outcome, first.added) == (Outcome.CHANGED, 100)
        before = temporal_labels(cat)
        total = len(list(cat.store.graph_triples(cat.graphs.public_graph("src"))))
        spy = Spy(cat.store)
        # one title, one column list (a blank-node tree) and one non-canonical decimal change
        f.write_text(
            catalogue(
                100,
                ds3={"title": "Dataset 3, revised"},
                ds40={"columns": ("a", "b", "c", "d")},
                ds77={"size": "1.500"},
            )
        )
        again = harvest_source(cat, source(f))
        assert (again.outcome, again.changed, again.added, again.removed) == (Outcome.CHANGED, 3, 0, 0)
        assert (first.imported, again.imported) == (100, 3)  # the 97 unchanged records were not imported
        assert spy.replaced == [] and len(spy.patches) == 1
        public = spy.patches[0][str(cat.graphs.public_graph("src"))]
        assert 0 < public.writes < total // 20, (public.writes, total)
        touched = {str(t[0]) for t in public.removed + public.added if isinstance(t[0], URIRef)}
        touched |= {str(tree[0][0]) for tree in public.removed_trees}
        allowed = {f"http://h.example/ds/{i}" for i in (3, 40, 77)} | {
            f"http://h.example/ds/{i}/csv" for i in (3, 40, 77)
        }
        records = {t for t in touched if "/record/" in t}
        assert touched - records <= allowed and len(records) == 3, touched
        after = temporal_labels(cat)
        # unchanged datasets keep their stored blank nodes: nothing of theirs was deleted and written again
        assert {k for k in before if before[k] != after[k]} <= {
            f"http://h.example/ds/{i}" for i in (3, 40, 77)
        }
        assert cat.datasets.get("hanbit-3")["title"] == "Dataset 3, revised"
        sizes = {
            str(o)
            for s, p, o in cat.store.graph_triples(cat.graphs.public_graph("src"))
            if str(s) == "http://h.example/ds/77/csv" and str(p).endswith("byteSize")
        }
        assert sizes == {"1.500"}  # as the source wrote it, not Oxigraph's 1.5 nor the old 1.50
        # a partial commit reads the records it rewrites by name: the same rows as the whole read gives them
        graphs = cat.graphs.graphs_of("src")
        everything = cat.graphs._previous_records(*graphs)
        some = [URIRef(f"http://h.example/ds/{i}") for i in (3, 40, 77, 1000)]
        named = cat.graphs._previous_records(*graphs, only=some, among=len(everything))
        assert named == {ds: everything[ds] for ds in some[:3]} and named[some[0]]["hash"]
        # the patched graph is the graph a fresh harvest of the new file gives
        fresh = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'fresh'}", data_dir=tmp_path / "f"))
        try:
            harvest_source(fresh, source(f))
            name = cat.graphs.public_graph("src")
            ours, theirs = Graph(), Graph()
            ours += [t for t in cat.store.graph_triples(name) if "/record/" not in str(t[0])]
            theirs += [t for t in fresh.store.graph_triples(name) if "/record/" not in str(t[0])]
            assert len(ours) == len(theirs) and canonical(ours) == canonical(theirs)
        finally:
            fresh.close()
    finally:
        cat.close()


def test_a_patch_is_one_transaction_for_a_concurrent_reader(tmp_path):
    """A reader polling titles while the source flips between two versions, each changing ten titles, sees
    one version or the other, never some titles of each."""
    f = tmp_path / "c.ttl"
    versions = [catalogue(30), catalogue(30, **{f"ds{i}": {"title": f"Changed {i}"} for i in range(10)})]
    f.write_text(versions[0])
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    query = (
        "SELECT (COUNT(?t) AS ?n) WHERE { GRAPH ?g { ?d <http://purl.org/dc/terms/title> ?t "
        'FILTER(STRSTARTS(STR(?t), "Changed")) } }'
    )
    seen, stop = set(), threading.Event()

    def reader():
        while not stop.is_set():
            seen.add(int(cat.store.select_text(query)[0][0]))
            stop.wait(0.005)  # leave the harvest thread its share of the interpreter

    try:
        harvest_source(cat, source(f))
        spy = Spy(cat.store)
        thread = threading.Thread(target=reader)
        thread.start()
        for k in range(6):
            f.write_text(versions[(k + 1) % 2])
            assert harvest_source(cat, source(f)).outcome is Outcome.CHANGED
        stop.set()
        thread.join(timeout=60)
        assert len(spy.patches) == 6 and spy.replaced == []
        assert seen and seen <= {0, 10}, seen
    finally:
        stop.set()
        cat.close()


def test_shared_blank_nodes_are_not_diffed_but_replaced_whole():
    s, p, q = URIRef("http://x/s"), URIRef("http://x/p"), URIRef("http://x/q")
    shared = BNode()
    tree = [(s, p, shared), (URIRef("http://x/t"), p, shared), (shared, q, Literal("v"))]
    assert diff(tree, tree) is None
    cycle = [(s, p, Literal("x")), (BNode("a"), q, BNode("b")), (BNode("b"), q, BNode("a"))]
    assert diff(cycle, cycle) is None
    one = [(s, p, BNode("a")), (BNode("a"), q, Literal("v"))]
    other = [(s, p, BNode("z")), (BNode("z"), q, Literal("v"))]
    assert not diff(one, other)  # the same tree under new labels: nothing to write
    changed = diff(one, [(s, p, BNode("z")), (BNode("z"), q, Literal("w"))])
    assert changed.removed_trees == [one] and len(changed.added) == 2


RESTRICTED = "dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED> ;"


def same_as_a_fresh_harvest(cat: Catalog, text: str, tmp_path, threshold: int | None = None):
    """Harvest `text` into a new store and compare both of the source's graphs (catalogue records aside:
    their dates differ) and the run's warnings and skipped records with `cat`'s last run of it."""
    folder = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}"
    folder.mkdir()
    (folder / "c.ttl").write_text(text)
    more = {} if threshold is None else {"suppression_threshold": threshold}
    fresh = Catalog(Settings(store_url=f"oxigraph:{folder / 'store'}", data_dir=folder, **more))
    try:
        theirs_run = harvest_source(fresh, source(folder / "c.ttl"))
        for name in cat.graphs.graphs_of("src"):
            ours, theirs = Graph(), Graph()
            ours += [t for t in cat.store.graph_triples(name) if "/record/" not in str(t[0])]
            theirs += [t for t in fresh.store.graph_triples(name) if "/record/" not in str(t[0])]
            assert len(ours) == len(theirs) and canonical(ours) == canonical(theirs), name
        return theirs_run
    finally:
        fresh.close()


def test_changed_new_and_removed_records_arrive_and_go_as_in_a_fresh_harvest(tmp_path):
    f = tmp_path / "c.ttl"
    f.write_text(catalogue(40, ds6={"extra": RESTRICTED}, ds9={"extra": RESTRICTED}))
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        harvest_source(cat, source(f))
        # ds2 changes its title, ds6 (consortium-only) its columns, ds5 and ds9 (consortium-only) go
        text = catalogue(
            41,
            gone=(5, 9),
            ds2={"title": "Dataset 2, revised"},
            ds6={"extra": RESTRICTED, "columns": ("x",)},
        )
        f.write_text(text)
        again = harvest_source(cat, source(f))
        assert (again.outcome, again.added, again.changed, again.removed) == (Outcome.CHANGED, 1, 2, 2)
        assert again.imported == 3
        assert cat.datasets.get("hanbit-2")["title"] == "Dataset 2, revised"
        assert cat.datasets.get("hanbit-40") is not None
        with pytest.raises(NotFound):
            cat.datasets.get("hanbit-5")
        fresh = same_as_a_fresh_harvest(cat, text, tmp_path)
        assert set(again.warnings) == set(fresh.warnings)
    finally:
        cat.close()


def test_an_unchanged_source_writes_nothing_even_when_its_file_changed(tmp_path):
    f = tmp_path / "c.ttl"
    f.write_text(catalogue(20))
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        harvest_source(cat, source(f))
        spy = Spy(cat.store)
        assert harvest_source(cat, source(f)).outcome is Outcome.UNCHANGED  # the same bytes: not even parsed
        f.write_text("# the same records, written again\n" + catalogue(20))
        again = harvest_source(cat, source(f))
        assert (again.outcome, again.imported) == (Outcome.UNCHANGED, 0)
        assert spy.patches == [] and spy.replaced == []
    finally:
        cat.close()


def test_unchanged_records_keep_their_warnings_and_skips(tmp_path):
    f = tmp_path / "c.ttl"
    bad = {"extra": 'dct:issued "2021-02-30"^^xsd:date ;'}  # dropped with a warning naming the dataset
    untitled = '<http://h.example/ds/99> a dcat:Dataset ; dct:description "No title"@en .\n'
    f.write_text(catalogue(30, ds4=bad) + untitled)
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        first = harvest_source(cat, source(f))
        assert any("ds/4" in w and "2021-02-30" in w for w in first.warnings)
        text = catalogue(30, ds4=bad, ds11={"title": "Eleven"}) + untitled
        f.write_text(text)
        again = harvest_source(cat, source(f))
        assert again.imported == 1
        assert set(again.warnings) == set(first.warnings)
        assert (
            [s.record for s in again.skipped]
            == [s.record for s in first.skipped]
            == ["http://h.example/ds/99"]
        )
        fresh = same_as_a_fresh_harvest(cat, text, tmp_path)
        assert set(again.warnings) == set(fresh.warnings)
    finally:
        cat.close()


def test_a_settings_change_imports_every_record_again(tmp_path):
    f = tmp_path / "c.ttl"
    counts = lambda n: {"extra": f"<http://healthdataportal.eu/ns/health#numberOfUniqueIndividuals> {n} ;"}  # noqa: E731
    f.write_text(catalogue(20, ds1=counts(15)))
    first = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    harvest_source(first, source(f))
    first.close()
    # ds1's 15 people now fall below the threshold
    cat = Catalog(
        Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path, suppression_threshold=20)
    )
    try:
        text = catalogue(20, ds1=counts(15), ds3={"title": "Three"})
        f.write_text(text)
        again = harvest_source(cat, source(f))
        assert again.imported == 20
        assert any("suppressed" in w for w in again.warnings)
        same_as_a_fresh_harvest(cat, text, tmp_path, threshold=20)
    finally:
        cat.close()


def test_a_record_state_from_another_run_is_not_trusted(tmp_path):
    """Another process harvested the source since (its last good run is not the one the state belongs to):
    the next harvest imports every record."""
    f = tmp_path / "c.ttl"
    f.write_text(catalogue(20))
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        harvest_source(cat, source(f))
        state = next((tmp_path / "harvest-state").glob("*.json"))
        kept = state.read_text()
        f.write_text(catalogue(20, ds1={"title": "One"}))
        assert harvest_source(cat, source(f)).imported == 1
        state.write_text(kept)  # the state of the run before: stale
        text = catalogue(20, ds1={"title": "One"}, ds2={"title": "Two"})
        f.write_text(text)
        assert harvest_source(cat, source(f)).imported == 20
        same_as_a_fresh_harvest(cat, text, tmp_path)
    finally:
        cat.close()


def test_a_store_changed_under_the_record_state_gets_the_source_imported_whole(tmp_path):
    """Someone removed a dataset's statements from the store since the last harvest: the partial commit
    notices that an unchanged record is missing and the source is imported whole instead."""
    f = tmp_path / "c.ttl"
    f.write_text(catalogue(20))
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        harvest_source(cat, source(f))
        cat.store.native.update(
            "DELETE WHERE { GRAPH ?g { ?rec <http://xmlns.com/foaf/0.1/primaryTopic> "
            "<http://h.example/ds/8> ; ?p ?o } }"
        )
        text = catalogue(20, ds1={"title": "One"})
        f.write_text(text)
        again = harvest_source(cat, source(f))
        assert again.outcome is Outcome.CHANGED and again.imported == 20
        same_as_a_fresh_harvest(cat, text, tmp_path)
        assert harvest_source(cat, source(f)).outcome is Outcome.UNCHANGED
    finally:
        cat.close()


def _harvest_graphs(text_or_file, tmp_path, monkeypatch, *, whole: bool) -> tuple:
    """Harvest one file into a new store, either the way a first harvest goes (records imported a few at a
    time) or through one import of the whole source; the source's graphs (catalogue records aside) and
    the run, with how many times the import stage ran."""
    from hdcat.harvesters import dcat_records

    folder = tmp_path / ("whole" if whole else "in-parts")
    folder.mkdir()
    if isinstance(text_or_file, str):
        file = folder / "c.ttl"
        file.write_text(text_or_file)
    else:
        file = text_or_file
    with monkeypatch.context() as m:
        calls = []
        real = dcat_records.import_dcat
        m.setattr(dcat_records, "import_dcat", lambda *a, **k: calls.append(1) or real(*a, **k))
        m.setattr(dcat_records, "RECORDS_AT_ONCE", 3)
        if whole:
            m.setattr(dcat_records.RawSource, "cut_apart", lambda self: False)
        cat = Catalog(Settings(store_url=f"oxigraph:{folder / 'store'}", data_dir=folder))
        try:
            run = harvest_source(cat, source(file))
            graphs = {}
            for name in cat.graphs.graphs_of("src"):
                graphs[str(name)] = g = Graph()
                g += [t for t in cat.store.graph_triples(name) if "/record/" not in str(t[0])]
            return graphs, run, len(calls)
        finally:
            cat.close()


def _same_import(text_or_file, tmp_path, monkeypatch) -> tuple:
    ours, run, calls = _harvest_graphs(text_or_file, tmp_path, monkeypatch, whole=False)
    theirs, whole_run, whole_calls = _harvest_graphs(text_or_file, tmp_path, monkeypatch, whole=True)
    assert run.outcome is whole_run.outcome, (run.message, whole_run.message)
    assert ours.keys() == theirs.keys()
    for name, graph in ours.items():
        assert len(graph) == len(theirs[name]) and canonical(graph) == canonical(theirs[name]), name
    assert sorted(run.warnings) == sorted(whole_run.warnings)
    assert [(s.record, s.reason) for s in run.skipped] == [(s.record, s.reason) for s in whole_run.skipped]
    return run, calls, whole_calls


def test_a_first_harvest_in_parts_gives_what_an_import_of_the_whole_source_gives(tmp_path, monkeypatch):
    """A first harvest imports a source's records a thousand at a time (three here), not the whole source
    as one rdflib graph: the same statements, short ids (collisions resolved over the whole source),
    privacy rules, warnings and skipped records."""
    counts = lambda n: {"extra": f"<http://healthdataportal.eu/ns/health#numberOfUniqueIndividuals> {n} ;"}  # noqa: E731
    text = (
        catalogue(
            20,
            ds3={"extra": 'dct:issued "2021-02-30"^^xsd:date ;'},
            ds6={"extra": RESTRICTED},
            ds8=counts(3),
            ds9=counts(300),
        )
        + '<http://h.example/ds/99> a dcat:Dataset ; dct:description "No title"@en .\n'
        # the same last segment as ds/7 and ds/12: short ids that collide take a suffix, in sorted order
        + '<http://other.example/7> a dcat:Dataset ; dct:title "Seven elsewhere"@en .\n'
        + '<http://else.example/x/12> a dcat:Dataset ; dct:title "Twelve elsewhere"@en .\n'
    )
    run, calls, whole_calls = _same_import(text, tmp_path, monkeypatch)
    assert run.outcome is Outcome.CHANGED and run.imported == 23
    assert calls >= 8 and whole_calls == 1  # 23 records three at a time, and the catalogue
    assert any("2021-02-30" in w for w in run.warnings)
    assert [s.record for s in run.skipped] == ["http://h.example/ds/99"]


@pytest.mark.conformance
@pytest.mark.parametrize(
    "name",
    [
        "dcat-ap-3.0.1/example-bee-population.ttl",
        "dcat-ap-3.0.1/example-bee-population-dataset-series.ttl",
        "healthdcat-ap/ckanext-dcat_dataset_health_no_blank.ttl",
    ],
)
def test_real_files_import_in_parts_as_whole(name, tmp_path, monkeypatch):
    from tests.conftest import EXTERNAL

    run, calls, whole_calls = _same_import(EXTERNAL / name, tmp_path, monkeypatch)
    assert run.imported >= 1 and (calls, whole_calls) == (2, 1)  # its records, then its catalogue


def test_a_harvest_command_never_makes_the_embedded_stores_rdflib_view(tmp_path):
    """The embedded store's rdflib view goes through oxrdflib, whose import brings rdflib's SPARQL engine
    (0.07 s, a fifteenth of a re-harvest of 1,000 datasets as a command): a first harvest and a re-harvest,
    with their conformance and search index, read and write through Oxigraph itself and never import it."""
    f = tmp_path / "c.ttl"
    f.write_text(catalogue(20))
    unset = ("HDCAT_CONFIG", "HDCAT_SEARCH_URL", "HDCAT_STORE")  # the embedded store and search engine
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(HDCAT_DATA_DIR=str(tmp_path / "var"), COLUMNS="200")

    def harvest() -> set[str]:
        """The modules the command imported (Python's -X importtime lists each on stderr)."""
        result = subprocess.run(
            [sys.executable, "-X", "importtime", *HDCAT[1:], "harvest", f"dcat:{f}", "--hospital", "hanbit"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        lines = result.stderr.splitlines()
        return {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}

    first = harvest()
    f.write_text(catalogue(20, ds3={"title": "Dataset 3, revised"}))
    again = harvest()
    needed = {"rdflib", "pyoxigraph", "hdcat.catalog.conformance_service", "hdcat.search.service"}
    assert needed <= first & again  # what the command does, seen in the list
    assert not {"oxrdflib", "rdflib.plugins.sparql"} & (first | again)
