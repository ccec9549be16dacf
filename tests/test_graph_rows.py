"""Rows of every graph kept on disk (catalog/graph_rows.py): the map of every dataset, the keys lineage
matches by and every harvested derivation. A new process reads back the graphs no commit changed since the
snapshot and reads only the others from the store; what it gets is always what a read of the whole store
gives."""

from __future__ import annotations

import pytest
from hdcat.catalog import Catalog, Settings
from hdcat.catalog.datasets import ALL_DATASETS, DATASETS_BY_GRAPH, _Row
from hdcat.catalog.graph_rows import DATASET_MAP, graph_marks
from hdcat.catalog.iris import consortium_graph_iri, source_graph_iri
from hdcat.catalog.visibility import visible_graphs_filter
from hdcat.harvesters.runner import harvest_source
from hdcat.ontology import DCAT, HDCAT, hospital_iri
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from tests.conftest import fresh_store_url, query_start, source
from tests.test_patched_reads import HIDDEN
from tests.test_shared_datasets import EX, OWN, PORTAL, _dataset

PERSISTENT = ("oxigraph", "fuseki")


def _truth(catalog, members: bool) -> dict:
    """The map as one query over the whole store gives it."""
    q = ALL_DATASETS.format(where=visible_graphs_filter(catalog.settings.base_iri, members))
    rows = (_Row(URIRef(ds), URIRef(g), i) for ds, g, i in catalog.store.select_text(q))
    return catalog.datasets._grouped(rows)


def _maps(catalog) -> dict:
    return {members: dict(catalog.datasets._graph_map(members)) for members in (True, False)}


def _watched(catalog, monkeypatch) -> list[str]:
    asked: list[str] = []
    select_text = catalog.store.select_text
    monkeypatch.setattr(catalog.store, "select_text", lambda q: asked.append(q) or select_text(q))
    return asked


def _row_reads(asked) -> list[str]:
    """The queries that read datasets' rows: the whole catalogue's, or some graphs'."""
    return [q for q in asked if q.startswith(query_start(DATASETS_BY_GRAPH, "graphs"))]


def _own_harvested(settings, tmp_path):
    """A catalogue with the `own` source harvested and its maps read (so its map snapshot is written), and
    the source's file."""
    own = tmp_path / "own.ttl"
    own.write_text(OWN)
    catalog = Catalog(settings)
    harvest_source(catalog, source(own, name="own"))
    _maps(catalog)
    return catalog, own


@pytest.fixture(params=PERSISTENT)
def settings(request, tmp_path) -> Settings:
    return Settings(store_url=fresh_store_url(request.param, tmp_path), data_dir=tmp_path / "var")


def test_a_new_process_reads_again_only_the_graphs_committed_since_its_snapshot(
    settings, tmp_path, monkeypatch
):
    own, portal = tmp_path / "own.ttl", tmp_path / "portal.ttl"
    own.write_text(OWN)
    portal.write_text(PORTAL)
    first = Catalog(settings)
    harvest_source(first, source(own, name="own"))
    harvest_source(first, source(portal, name="portal", hospital="gaon"))
    assert _maps(first) == {m: _truth(first, m) for m in (True, False)}
    path = settings.data_dir / DATASET_MAP.filename
    assert path.exists()
    first.close()

    before = path.read_bytes()
    # another process commits `own` and the snapshot is left as it was (put back: this harvest's conformance
    # pass reads the map and writes it again, a worker on another machine would not):
    # own-2 goes, own-3 becomes consortium-only, own-4 comes, and the portal's shared-3 is untouched
    own.write_text(
        OWN.replace(_dataset("own-2", "Own two"), "").replace(
            _dataset("own-3", "Own three"), _dataset("own-3", "Own three", extra=f"; {HIDDEN} ")
        )
        + _dataset("own-4", "Own four")
    )
    worker = Catalog(settings)
    assert harvest_source(worker, source(own, name="own")).touched
    worker.close()
    path.write_bytes(before)

    restarted = Catalog(settings)
    # `own` holds most of this small catalogue, which would be read whole: say it is a small share
    monkeypatch.setattr(restarted.datasets, "READ_WHOLE_ABOVE", 0.99)
    asked = _watched(restarted, monkeypatch)
    maps = _maps(restarted)
    monkeypatch.undo()
    assert maps == {m: _truth(restarted, m) for m in (True, False)}
    ids = {found[1] for found in maps[True].values()}
    assert "hanbit-own-2" not in ids and "hanbit-own-4" in ids
    assert len(maps[True]) == len(maps[False]) + 1  # own-3 is for members only
    assert len(maps[True][URIRef(f"{EX}shared-3")][0]) == 2  # the portal's graph came from the snapshot
    reads = _row_reads(asked)
    named = query_start(DATASETS_BY_GRAPH, "graphs") + "VALUES ?g"
    assert reads and all(q.startswith(named) for q in reads), reads
    named = " ".join(reads)
    base = settings.base_iri
    assert f"<{source_graph_iri(base, 'own')}>" in named and f"<{consortium_graph_iri(base, 'own')}>" in named
    assert str(source_graph_iri(base, "portal")) not in named
    restarted.close()

    again = Catalog(settings)  # nothing committed since: every row comes from the snapshot
    asked = _watched(again, monkeypatch)
    assert _maps(again) == maps
    assert _row_reads(asked) == []
    again.close()


def test_a_graph_written_without_a_run_is_read_again_when_its_count_changes(settings, tmp_path):
    """The benches grow catalogues by writing source graphs straight into the store, with no harvest run:
    the graph's count of short ids still moves its mark."""
    first, _ = _own_harvested(settings, tmp_path)
    graph = source_graph_iri(settings.base_iri, "own")
    extra = URIRef(f"{EX}written-by-hand")
    triples = [
        *first.store.dataset.graph(graph),
        (extra, RDF.type, DCAT.Dataset),
        (extra, HDCAT.localId, Literal("hanbit-by-hand")),
        (extra, HDCAT.hospital, hospital_iri("hanbit")),
    ]
    first.store.replace_graphs({graph: triples})
    first.close()

    restarted = Catalog(settings)
    maps = _maps(restarted)
    assert maps[False][extra][1] == "hanbit-by-hand"
    assert maps == {m: _truth(restarted, m) for m in (True, False)}
    restarted.close()


def test_a_commit_that_keeps_a_graphs_count_is_caught_by_its_run(settings, tmp_path):
    first, own = _own_harvested(settings, tmp_path)
    path = settings.data_dir / DATASET_MAP.filename
    before = path.read_bytes()
    own.write_text(OWN.replace(_dataset("own-2", "Own two"), "") + _dataset("own-5", "Own five"))
    harvest_source(first, source(own, name="own"))
    first.close()
    path.write_bytes(before)  # as a worker elsewhere would leave it

    restarted = Catalog(settings)
    ids = {found[1] for found in _maps(restarted)[True].values()}
    assert "hanbit-own-5" in ids and "hanbit-own-2" not in ids
    restarted.close()


def test_a_commit_by_a_run_that_started_before_the_newest_still_moves_the_mark(settings, tmp_path):
    """A worker whose clock is behind (or a long harvest overtaken by a short one) commits a run that started
    before the source's newest: the mark follows the set of runs, not the latest start."""
    from datetime import timedelta

    from hdcat.harvesters.runner import new_run

    first, own = _own_harvested(settings, tmp_path)
    path = settings.data_dir / DATASET_MAP.filename
    before = path.read_bytes()
    marks = graph_marks(first.store, settings.base_iri)
    own.write_text(OWN.replace(_dataset("own-2", "Own two"), "") + _dataset("own-5", "Own five"))
    config = source(own, name="own")
    run = new_run(config)
    run.started -= timedelta(minutes=10)
    assert harvest_source(first, config, run=run).touched
    assert graph_marks(first.store, settings.base_iri) != marks
    first.close()
    path.write_bytes(before)

    restarted = Catalog(settings)
    ids = {found[1] for found in _maps(restarted)[True].values()}
    assert "hanbit-own-5" in ids and "hanbit-own-2" not in ids
    restarted.close()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda raw: raw[:-10],  # cut short
        lambda raw: raw.replace(b"hanbit-own-1", b"hanbit-own-9"),  # altered: its checksum no longer holds
        lambda raw: raw.replace(b'"format": 1', b'"format": 99'),
        lambda raw: b"not a snapshot at all",
    ],
    ids=["truncated", "altered", "other-format", "not-a-snapshot"],
)
def test_a_snapshot_that_cannot_stand_for_the_store_is_set_aside_and_written_again(settings, tmp_path, spoil):
    first, _ = _own_harvested(settings, tmp_path)
    expected = _maps(first)
    first.close()
    path = settings.data_dir / DATASET_MAP.filename
    path.write_bytes(spoil(path.read_bytes()))

    restarted = Catalog(settings)
    assert _maps(restarted) == expected
    marks = graph_marks(restarted.store, settings.base_iri)
    restarted.close()
    assert DATASET_MAP.read(path, settings.base_iri, marks).keys() == marks.keys()  # whole again


def test_a_snapshot_of_another_base_iri_is_not_used(settings, tmp_path):
    first, _ = _own_harvested(settings, tmp_path)
    path = settings.data_dir / DATASET_MAP.filename
    marks = graph_marks(first.store, settings.base_iri)
    first.close()
    assert DATASET_MAP.read(path, settings.base_iri, marks)
    assert DATASET_MAP.read(path, "https://elsewhere.example.org", marks) == {}


def test_a_store_that_does_not_outlive_the_process_keeps_no_snapshot(tmp_path):
    own = tmp_path / "own.ttl"
    own.write_text(OWN)
    settings = Settings(store_url="memory:", data_dir=tmp_path / "var")
    catalog = Catalog(settings)
    harvest_source(catalog, source(own, name="own"))
    assert _maps(catalog) == {m: _truth(catalog, m) for m in (True, False)}
    assert not (settings.data_dir / DATASET_MAP.filename).exists()
    catalog.close()


def test_a_restarted_lineage_reads_keys_and_derivations_again_only_for_the_graphs_committed_since(
    settings, tmp_path, monkeypatch
):
    """The lineage index of a new process: its catalogue matches and harvested derivations come from the
    snapshots for the graphs no commit changed, and from the store for the others, including a derivation
    an unchanged graph states from a dataset of a changed one."""
    from dataclasses import replace

    from hdcat.catalog.datasets import CATALOGUE_IDS
    from hdcat.catalog.graph_rows import CATALOGUE_KEYS, DERIVATIONS_KEPT
    from hdcat.catalog.lineage_service import DERIVATIONS

    from tests.test_lineage_events import DB
    from tests.test_lineage_matches import EVENTS, HEAD, SOURCE
    from tests.test_lineage_matches import _dataset as dataset

    settings = replace(settings, lineage_namespaces=((DB, "hanbit"),))
    one, two = tmp_path / "one.ttl", tmp_path / "two.ttl"
    one.write_text(SOURCE)
    # derivations across sources, stated in a graph the commit below leaves as it was: x's source goes, y's
    # stays, z's comes
    two.write_text(
        HEAD
        + dataset("x", "; prov:wasDerivedFrom <http://h.example/d> ")
        + dataset("y", "; prov:wasDerivedFrom <http://h.example/e> ")
        + dataset("z", "; prov:wasDerivedFrom <http://h.example/g> ")
    )
    first = Catalog(settings)
    harvest_source(first, source(one, name="one"))
    harvest_source(first, source(two, name="two", hospital="gaon"))
    first.lineage.ingest_many(EVENTS)
    assert {"gaon-x", "gaon-y"} <= set(first.lineage.index.by_catalog)
    assert "gaon-z" not in first.lineage.index.by_catalog
    first.close()
    kept = [settings.data_dir / kind.filename for kind in (CATALOGUE_KEYS, DERIVATIONS_KEPT)]
    before = [path.read_bytes() for path in kept]

    # another process commits `one`: d goes, c is now derived from e, g comes (an event names it), and e
    # gets the identifier "EMR.A", a key "a" holds too
    one.write_text(
        SOURCE.replace(dataset("d"), "")
        .replace("<http://h.example/d>", "<http://h.example/e>")
        .replace(dataset("e"), dataset("e", '; dct:identifier "EMR.A" '))
        + dataset("g")
    )
    worker = Catalog(settings)
    assert harvest_source(worker, source(one, name="one")).touched
    worker.close()
    for path, content in zip(kept, before, strict=True):
        path.write_bytes(content)

    restarted = Catalog(settings)
    for reader in (restarted.datasets, restarted.lineage):  # `one` is most of this small catalogue
        monkeypatch.setattr(reader, "READ_WHOLE_ABOVE", 0.99)
    asked = _watched(restarted, monkeypatch)
    index = restarted.lineage.index
    monkeypatch.undo()
    every_derivation = query_start(DERIVATIONS, "graphs")  # some graphs' derivations filter on their names
    whole = [
        q
        for q in asked
        if q == CATALOGUE_IDS.format(graphs="") or q.startswith(every_derivation) and "STRSTARTS" not in q
    ]
    assert not whole, whole
    named = " ".join(q for q in asked if "VALUES ?g" in q)
    assert str(source_graph_iri(settings.base_iri, "one")) in named
    assert str(source_graph_iri(settings.base_iri, "two")) not in named
    restarted.close()

    elsewhere = Catalog(replace(settings, data_dir=tmp_path / "elsewhere"))  # no snapshot: read whole
    truth = elsewhere.lineage.index
    assert index.by_catalog == truth.by_catalog and index.same_as(truth)
    assert {"hanbit-c", "hanbit-e", "hanbit-g", "gaon-y", "gaon-z"} <= set(index.by_catalog)
    assert "hanbit-d" not in index.by_catalog and "gaon-x" not in index.by_catalog
    elsewhere.close()


#: the home page's figures as the two aggregate queries gave them before they were counted from rows per graph
_BY_HOSPITAL_AND_AREA = """SELECT ?h ?theme (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h .
    OPTIONAL {{ ?ds dcat:theme ?theme FILTER(STRSTARTS(STR(?theme), "{areas}")) }} }} {visible} }}
    GROUP BY ?h ?theme"""
_BY_HOSPITAL = """SELECT ?h (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{
    ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h }} {visible} }} GROUP BY ?h"""


def _stats_truth(catalog, members: bool) -> tuple[dict, dict]:
    """(datasets by hospital, suppressed counts by hospital and area) as the aggregate queries give them."""
    from hdcat.catalog.datasets import P
    from hdcat.catalog.readmodel import suppress
    from hdcat.ontology import DISEASE_AREA

    visible = visible_graphs_filter(catalog.settings.base_iri, members)
    short = lambda iri: iri.rsplit("/", 1)[-1]  # noqa: E731
    matrix: dict = {}
    by_area = P + _BY_HOSPITAL_AND_AREA.format(areas=DISEASE_AREA, visible=visible)
    for h, theme, n in catalog.store.select_text(by_area):
        matrix.setdefault(short(h), {})[short(theme) if theme else "unclassified"] = suppress(int(n), 1)
    by_hospital = P + _BY_HOSPITAL.format(visible=visible)
    return {short(h): int(n) for h, n in catalog.store.select_text(by_hospital)}, matrix


def _stats(catalog, members: bool) -> tuple[dict, dict]:
    figures = catalog.datasets._count_stats(members)["hospitals"]
    hospitals = {h["id"]: h["datasets"] for h in figures if h["datasets"]}
    return hospitals, {h["id"]: h["areas"] for h in figures if h["areas"]}


def test_the_home_pages_figures_come_from_rows_per_graph_and_equal_the_aggregate_queries(
    settings, tmp_path, monkeypatch
):
    """Datasets by hospital and by hospital and disease area, each dataset once however many sources publish
    it: counted from each graph's rows, a restarted process reads again only the graphs committed since."""
    from hdcat.catalog.datasets import DATASET_AREAS, DATASET_HOSPITALS
    from hdcat.catalog.graph_rows import DATASET_AREAS_KEPT

    cancer = "; dcat:theme <https://w3id.org/hdcat/code/disease-area/cancer> "
    own, portal = tmp_path / "own.ttl", tmp_path / "portal.ttl"
    own.write_text(OWN.replace('"Own one"@en', f'"Own one"@en {cancer}'))
    portal.write_text(PORTAL)
    first = Catalog(settings)
    harvest_source(first, source(own, name="own"))
    harvest_source(first, source(portal, name="portal", hospital="gaon"))
    for members in (True, False):
        assert _stats(first, members) == _stats_truth(first, members)
    assert _stats_truth(first, True)[0]["hanbit"] == 6
    path = settings.data_dir / DATASET_AREAS_KEPT.filename
    before = path.read_bytes()
    own.write_text(
        OWN.replace(_dataset("own-2", "Own two"), _dataset("own-2", "Own two", extra=f"{cancer}; {HIDDEN} "))
        + _dataset("own-4", "Own four", extra=cancer)
    )
    assert harvest_source(first, source(own, name="own")).touched
    first.close()
    path.write_bytes(before)  # as a worker elsewhere would leave it

    restarted = Catalog(settings)
    monkeypatch.setattr(restarted.datasets, "READ_WHOLE_ABOVE", 0.99)
    asked = _watched(restarted, monkeypatch)
    figures = {members: _stats(restarted, members) for members in (True, False)}
    monkeypatch.undo()
    whole = {template.format(graphs="") for template in (DATASET_AREAS, DATASET_HOSPITALS)}
    assert not whole & set(asked)
    named = " ".join(q for q in asked if "VALUES ?g" in q and ("dcat:theme" in q or "hdcat:hospital ?h" in q))
    assert str(source_graph_iri(settings.base_iri, "own")) in named
    assert str(source_graph_iri(settings.base_iri, "portal")) not in named
    for members in (True, False):
        assert figures[members] == _stats_truth(restarted, members)
    assert figures[True][0]["hanbit"] == 7 and figures[False][0]["hanbit"] == 6
    restarted.close()


def test_a_starting_server_reads_the_home_pages_figures_and_both_maps_before_the_first_visitor(
    settings, tmp_path
):
    from hdcat.web.server import _warm

    first, _ = _own_harvested(settings, tmp_path)
    first.close()
    restarted = Catalog(settings)
    assert restarted.datasets._maps[False].current() is None and not restarted.datasets._stats
    _warm(restarted)
    assert restarted.datasets._maps[True].current() and restarted.datasets._maps[False].current()
    assert False in restarted.datasets._stats  # the public home page's figures
    assert restarted.datasets.stats(members=False)["total"] == len(restarted.datasets._maps[False].current())
    restarted.close()
