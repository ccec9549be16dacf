"""Which datasets have lineage, asked for a few of them (Lineage.catalog_ids_among): what a harvest's search
update asks, answered without building or re-annotating the lineage index, and the same as the index says."""

from __future__ import annotations

import pytest
from hdcat.catalog import Catalog, Settings
from hdcat.catalog.datasets import CATALOGUE_IDS
from hdcat.catalog.lineage_service import DERIVATIONS, Lineage
from hdcat.harvesters.runner import harvest_source
from hdcat.search.service import Search
from hdcat.web import operations

from tests.conftest import source
from tests.test_lineage_events import DB, event

HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""


def _dataset(name: str, extra: str = "") -> str:
    return f'<http://h.example/{name}> a dcat:Dataset ; dct:title "Dataset {name}"@en {extra}.\n'


#: a is an event's input by its short id without the hospital's prefix, b its output by its identifier,
#: c is derived from d in the source itself; e has no lineage
SOURCE = (
    HEAD
    + _dataset("a")
    + _dataset("b", '; dct:identifier "VISITS-2026" ')
    + _dataset("c", "; prov:wasDerivedFrom <http://h.example/d> ")
    + _dataset("d")
    + _dataset("e")
)
EVENTS = [
    event("extract", ["emr.a"], ["staging.visits-2026"], "2026-10-01T01:00:00Z"),
    event("mart", ["staging.visits-2026"], ["mart.g"], "2026-10-01T02:00:00Z"),
]


def _fresh_lineage(catalog: Catalog) -> Lineage:
    """The lineage of a process that has not built the index: a new `hdcat harvest` or worker."""
    return Lineage(
        catalog.store,
        catalog.settings,
        catalogue_ids=catalog.datasets.catalogue_ids,
        catalogue_ids_of=catalog.datasets.catalogue_ids_of,
    )


@pytest.mark.stores
def test_a_few_datasets_learn_their_lineage_as_the_whole_index_gives_it(store_url, tmp_path):
    settings = Settings(store_url=store_url, data_dir=tmp_path / "var", lineage_namespaces=((DB, "hanbit"),))
    catalog = Catalog(settings)
    f = tmp_path / "one.ttl"
    f.write_text(SOURCE)
    harvest_source(catalog, source(f, name="one"))
    catalog.lineage.ingest_many(EVENTS)
    every = {"hanbit-a", "hanbit-b", "hanbit-c", "hanbit-d", "hanbit-e", "hanbit-nowhere"}
    whole = catalog.lineage.catalog_ids()
    assert whole == {"hanbit-a", "hanbit-b", "hanbit-c", "hanbit-d"}

    fresh = _fresh_lineage(catalog)
    assert fresh.catalog_ids_among(every) == whole
    assert fresh.catalog_ids_among({"hanbit-a", "hanbit-e"}) == {"hanbit-a"}
    assert fresh.catalog_ids_among({"hanbit-d"}) == {"hanbit-d"}  # the source of a derivation
    assert fresh.catalog_ids_among(set()) == set()
    assert fresh._index is None  # answered from the store: nothing was built

    # a commit adds g, which an event names, and takes d away (so c is no longer derived from a dataset)
    f.write_text(SOURCE.replace(_dataset("d"), "") + _dataset("g"))
    run = harvest_source(catalog, source(f, name="one"))
    assert {"hanbit-g", "hanbit-d"} <= run.touched
    stale = catalog.lineage  # its index is built, its annotations stale since the commit
    assert stale._index is not None and stale._annotations_stale
    asked = stale.catalog_ids_among(every | {"hanbit-g"})
    assert stale._annotations_stale  # answered without annotating the whole index again
    assert asked == _fresh_lineage(catalog).catalog_ids_among(every | {"hanbit-g"})
    assert asked == {"hanbit-a", "hanbit-b", "hanbit-g"} == stale.catalog_ids()  # now annotated afresh
    assert stale.catalog_ids_among({"hanbit-g", "hanbit-e"}) == {"hanbit-g"}  # from the index itself
    catalog.close()


def test_a_harvests_search_update_flags_lineage_without_building_the_index(tmp_path):
    """The search update of a new process names its few datasets to lineage: the has-lineage facet is what a
    rebuild gives, and the process never built the lineage index."""
    settings = Settings(
        store_url=f"oxigraph:{tmp_path / 'store'}",
        data_dir=tmp_path / "var",
        lineage_namespaces=((DB, "hanbit"),),
    )
    catalog = Catalog(settings)
    f = tmp_path / "one.ttl"
    f.write_text(SOURCE)
    harvest_source(catalog, source(f, name="one"))
    catalog.lineage.ingest_many(EVENTS)
    search = Search(catalog)
    search.reindex()
    search.close()
    catalog.close()

    catalog = Catalog(settings)  # the next `hdcat harvest`
    search = Search(catalog)
    f.write_text(SOURCE + _dataset("g"))
    run = harvest_source(catalog, source(f, name="one"))

    def no_rebuild(_search):
        raise AssertionError("a full rebuild was not needed")

    assert operations.sync_search(search, [run], reindex=no_rebuild) is True
    assert catalog.lineage._index is None
    flagged = {h["id"] for h in search.search({"has_lineage": "yes", "size": 50}, members=True)["hits"]}
    assert flagged == {"hanbit-a", "hanbit-b", "hanbit-c", "hanbit-d", "hanbit-g"}
    search.reindex()
    rebuilt = {h["id"] for h in search.search({"has_lineage": "yes", "size": 50}, members=True)["hits"]}
    assert rebuilt == flagged
    search.close()
    catalog.close()


@pytest.mark.stores
def test_after_a_commit_only_the_touched_datasets_derivations_and_ids_are_read_again(
    store_url, tmp_path, monkeypatch
):
    """The index annotated again after a commit is what a new process builds from the whole catalogue, and
    the annotation read the derivations and catalogue ids of the touched datasets alone."""
    settings = Settings(store_url=store_url, data_dir=tmp_path / "var", lineage_namespaces=((DB, "hanbit"),))
    catalog = Catalog(settings)
    one, two = tmp_path / "one.ttl", tmp_path / "two.ttl"
    one.write_text(SOURCE)
    two.write_text(HEAD + _dataset("x", "; prov:wasDerivedFrom <http://h.example/e> "))  # across sources
    harvest_source(catalog, source(one, name="one"))
    harvest_source(catalog, source(two, name="two", hospital="gaon"))
    catalog.lineage.ingest_many(EVENTS)
    assert set(catalog.lineage.index.by_catalog) == {
        "hanbit-a",
        "hanbit-b",
        "hanbit-c",
        "hanbit-d",
        "hanbit-e",
        "gaon-x",
    }

    asked = []
    select_text = catalog.store.select_text
    monkeypatch.setattr(catalog.store, "select_text", lambda q: asked.append(q) or select_text(q))
    # d goes, c is now derived from e, g comes (an event names it); gaon's x still derives from e
    one.write_text(
        SOURCE.replace(_dataset("d"), "").replace("<http://h.example/d>", "<http://h.example/e>")
        + _dataset("g")
    )
    run = harvest_source(catalog, source(one, name="one"))
    assert run.touched == {"hanbit-c", "hanbit-d", "hanbit-g"}
    index = catalog.lineage.index
    assert set(index.by_catalog) == {"hanbit-a", "hanbit-b", "hanbit-c", "hanbit-e", "hanbit-g", "gaon-x"}
    every_derivation = DERIVATIONS.format(graphs="").split("VALUES ?g")[0] + "VALUES ?g"
    whole_reads = [q for q in asked if q.startswith(every_derivation) or q == CATALOGUE_IDS.format(graphs="")]
    assert asked and not whole_reads, whole_reads
    monkeypatch.undo()
    assert index.same_as(_fresh_lineage(catalog).index)
    patched = catalog.datasets.catalogue_ids()
    catalog.datasets.forget()  # says nothing of what changed: read whole
    assert catalog.datasets.catalogue_ids() == patched
    catalog.close()
