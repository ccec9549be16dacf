"""`hdcat migrate`: a catalogue copied memory → embedded Oxigraph → Fuseki → memory arrives whole."""

from __future__ import annotations

import pytest
from hdcat.catalog.config import Settings, SourceConfig
from hdcat.catalog.migrate import MigrationError, copy_store, migrate
from hdcat.catalog.service import Catalog
from hdcat.catalog.stores import open_store
from hdcat.harvesters.runner import harvest_all

from tests.conftest import ROOT, fresh_store_url
from tests.graphs import canonical
from tests.test_lineage_events import ETL

CONSORTIUM = ROOT / "harvesters/samples/consortium"


def graphs_of(store) -> dict:
    """Each named graph, canonicalised (blank-node labels differ between stores), with literals as written."""
    return {str(name): canonical(store.graph_triples(name)) for name in store.graph_names()}


def _same(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name] == b[name], f"graph {name} differs: {sorted(a[name] ^ b[name])[:5]}"


def test_a_catalogue_goes_round_memory_oxigraph_fuseki_and_back(tmp_path):
    sources = [
        SourceConfig(
            name="pub", hospital="balgeun", kind="dcat", location=str(CONSORTIUM / "balgeun/catalog.ttl")
        ),
        SourceConfig(
            name="hid",
            hospital="hanbit",
            kind="dcat",
            location=str(CONSORTIUM / "hanbit/standard-datasets.ttl"),
            visibility="consortium",
        ),
    ]
    original = Catalog(Settings(store_url="memory:", data_dir=tmp_path / "m", sources=tuple(sources)))
    oxigraph_url = fresh_store_url("oxigraph", tmp_path)
    fuseki = fresh_store_url("fuseki", tmp_path)
    try:
        original.definitions.ensure_starters()
        harvest_all(original, sources)
        original.lineage.ingest_many(ETL)
        want = graphs_of(original.store)
        assert len(want) > 5 and any("/graph/consortium/" in n for n in want)

        oxigraph = open_store(oxigraph_url)
        report = copy_store(original.store, oxigraph)
        oxigraph.close()
        assert report.ok and report.quads == sum(len(g) for g in want.values())

        seen = []
        report = migrate(oxigraph_url, fuseki, progress=seen.append)
        assert [g.name for g in seen] == sorted(want) and all(g.source == g.target for g in seen)

        back = open_store("memory:")
        server = open_store(fuseki)
        copy_store(server, back)
        _same(graphs_of(back), want)
        # a catalogue on the server answers as the original did
        again = Catalog(Settings(store_url=fuseki, data_dir=tmp_path / "f"))
        assert again.datasets.count(members=True) == original.datasets.count(members=True)
        assert again.datasets.count() == original.datasets.count() < again.datasets.count(members=True)
        again.close()
        server.close()
    finally:
        original.close()


def test_migrate_refuses_a_used_target_and_names_both_stores(tmp_path):
    fuseki = fresh_store_url("fuseki", tmp_path)
    src = f"oxigraph:{tmp_path / 'src'}"
    cat = Catalog(Settings(store_url=src, data_dir=tmp_path))
    harvest_all(
        cat,
        [
            SourceConfig(
                name="a", hospital="balgeun", kind="dcat", location=str(CONSORTIUM / "balgeun/catalog.ttl")
            )
        ],
    )
    cat.close()
    migrate(src, fuseki)
    with pytest.raises(MigrationError, match=r"sparql\+http://.* already holds \d+ graphs.*--replace"):
        migrate(src, fuseki)
    assert migrate(src, fuseki, replace=True).ok
    with pytest.raises(MigrationError, match="the same store"):
        migrate(src, src)


def test_the_migrate_command_prints_each_graphs_counts(tmp_path):
    from click.testing import CliRunner
    from hdcat.web.cli import main

    fuseki = fresh_store_url("fuseki", tmp_path)
    src = f"oxigraph:{tmp_path / 'src'}"
    cat = Catalog(Settings(store_url=src, data_dir=tmp_path))
    harvest_all(
        cat,
        [
            SourceConfig(
                name="a", hospital="balgeun", kind="dcat", location=str(CONSORTIUM / "balgeun/catalog.ttl")
            )
        ],
    )
    names = cat.store.graph_names()
    quads = sum(len(set(cat.store.graph_triples(n))) for n in names)
    cat.close()
    result = CliRunner().invoke(main, ["migrate", "--from", src, "--to", fuseki], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"copied {len(names)} graphs, {quads:,} quads; every graph's count checked" in result.output
    failed = CliRunner().invoke(main, ["migrate", "--from", src, "--to", fuseki])
    assert failed.exit_code != 0 and "already holds" in str(failed.exception)
