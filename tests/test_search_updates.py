"""After a harvest only the datasets it touched are re-indexed (Search.update), on both engines, and the
result is what a rebuild would give: new titles found, removed datasets gone, suggesters following."""

from __future__ import annotations

import os

import pytest
from hdcat.catalog import Catalog, Settings, values_blocks
from hdcat.harvesters.runner import harvest_source
from hdcat.search.service import Search
from hdcat.web import operations

from tests.conftest import require_service, source

HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
"""
RESTRICTED = "<http://publications.europa.eu/resource/authority/access-right/RESTRICTED>"


def _dataset(name: str, title: str, restricted: bool = False) -> str:
    rights = f" ; dct:accessRights {RESTRICTED}" if restricted else ""
    return (
        f'<http://h.example/{name}> a dcat:Dataset ; dct:title "{title}"@en ; '
        f'dct:description "About {title}."@en{rights} .\n'
    )


@pytest.fixture(params=["embedded", "elasticsearch"])
def engine(request, tmp_path):
    """A fresh catalogue and search index on each engine."""
    catalog = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    backend = None
    if request.param == "elasticsearch":
        url = os.environ.get("HDCAT_SEARCH_URL")
        require_service(
            bool(url), "Elasticsearch (HDCAT_SEARCH_URL from scripts/services start elasticsearch)"
        )
        from hdcat.search.backends.elasticsearch import ElasticsearchBackend

        backend = ElasticsearchBackend(url.rstrip("/") + f"/hdcat-test-updates-{os.getpid()}")
    search = Search(catalog, backend=backend) if backend else Search(catalog)
    yield catalog, search
    search.close()
    catalog.close()


def _ids(search, q, members=True):
    return {h["id"] for h in search.search({"q": q}, members=members)["hits"]}


def test_a_harvest_reindexes_only_what_it_touched(engine, tmp_path):
    catalog, search = engine
    f = tmp_path / "c.ttl"
    f.write_text(
        HEAD
        + _dataset("a", "Albatross cohort")
        + _dataset("b", "Bittern registry")
        + _dataset("c", "Cormorant study")
    )
    first = harvest_source(catalog, source(f))
    assert operations.sync_search(search, [first]) is True
    assert search.count() == 3 and _ids(search, "bittern") == {"hanbit-b"}

    f.write_text(
        HEAD
        + _dataset("a", "Avocet cohort")
        + _dataset("c", "Cormorant study")
        + _dataset("d", "Dunlin panel", restricted=True)
    )
    second = harvest_source(catalog, source(f))
    assert second.touched == {"hanbit-a", "hanbit-b", "hanbit-d"}

    def no_rebuild(_search):
        raise AssertionError("a full rebuild was not needed")

    assert operations.sync_search(search, [second], reindex=no_rebuild) is True
    search.reindex = no_rebuild  # the server's quiet path must not rebuild either
    assert search.count() == 3 == catalog.datasets.count(members=True)
    assert _ids(search, "avocet") == {"hanbit-a"} and _ids(search, "albatross") == set()
    assert _ids(search, "bittern") == set() and _ids(search, "cormorant") == {"hanbit-c"}
    assert _ids(search, "dunlin") == {"hanbit-d"} and _ids(search, "dunlin", members=False) == set()
    assert search.complete("Avo", 10, members=True) and not search.complete("Bitt", 10, members=True)
    assert search.complete("Dunl", 10, members=True) and not search.complete("Dunl", 10, members=False)


def test_a_run_with_unknown_changes_rebuilds(engine, tmp_path):
    catalog, search = engine
    f = tmp_path / "c.ttl"
    f.write_text(HEAD + _dataset("a", "Albatross cohort"))
    run = harvest_source(catalog, source(f))
    search.reindex()
    run.touched = None  # e.g. a source whose visibility changed: every dataset was re-split
    rebuilt = []
    operations.sync_search(search, [run], reindex=lambda s: rebuilt.append(s.reindex()))
    assert rebuilt == [1]


@pytest.mark.stores
@pytest.mark.parametrize("at_once", [None, 1])
def test_the_rows_an_update_names_are_the_catalogues_rows_with_those_ids(
    catalog, tmp_path, monkeypatch, at_once
):
    """Search.update finds the touched datasets by naming their short ids, not by reading the map of the
    whole catalogue: the same rows, graphs and ids as the map gives, for members and for the public, and a
    dataset two sources publish comes with both graphs; the total the update checks is the listing's count
    whether the map was read or not. Named in VALUES blocks of one term each, the answers are the same, and
    every block is its own query (Oxigraph reads the whole pattern for a block of more than about 1,000)."""
    if at_once:
        monkeypatch.setattr(values_blocks, "VALUES_AT_ONCE", at_once)
    one, two = tmp_path / "one.ttl", tmp_path / "two.ttl"
    one.write_text(HEAD + _dataset("a", "Albatross") + _dataset("s", "Shared") + _dataset("r", "Rail", True))
    two.write_text(HEAD + _dataset("s", "Shared") + _dataset("t", "Tern"))
    harvest_source(catalog, source(one, name="one"))
    harvest_source(catalog, source(two, name="two", hospital="dasol"))
    datasets = catalog.datasets
    for members in (True, False):
        assert datasets.total(members) == len(datasets.rows_with_ids(members=members))  # counted, no map
        everything = datasets.rows_with_ids(members=members)
        assert datasets.total(members) == datasets.count(members=members) == len(everything)
        ids = {row[2] for row in everything}
        for wanted in ({"hanbit-a"}, {"hanbit-s", "hanbit-r", "nowhere"}, ids, set()):
            named = datasets.rows_with_local_ids(wanted, members=members)
            assert named == [row for row in everything if row[2] in wanted]
    everything, asked = datasets.rows_with_ids(members=True), []
    select_text = catalog.store.select_text
    monkeypatch.setattr(catalog.store, "select_text", lambda q: asked.append(q) or select_text(q))
    assert len(datasets.rows_for([row[0] for row in everything])) == len(everything) == 4
    assert len(asked) == (4 if at_once == 1 else 1)
    shared = datasets.rows_with_local_ids({"hanbit-s"})
    assert len(shared) == 1 and len(shared[0][1]) == 2  # both sources' graphs
    assert datasets.rows_with_local_ids({"hanbit-r"}, members=False) == []  # consortium-only


def test_an_update_of_a_small_share_reads_its_records_from_the_store_not_a_copy_of_the_graph(tmp_path):
    """A re-harvest that changed 210 of 900 datasets re-indexes them from store reads: copying the source's
    graph costs its size (1,000 changed records of 100,000 datasets: 81 s to copy, about 3 s to read)."""
    catalog = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    search = Search(catalog)
    try:
        f = tmp_path / "c.ttl"
        f.write_text(HEAD + "".join(_dataset(f"d{i}", f"Dataset {i}") for i in range(900)))
        first = harvest_source(catalog, source(f))
        assert operations.sync_search(search, [first]) is True and search.count() == 900
        f.write_text(
            HEAD
            + "".join(_dataset(f"d{i}", f"Dataset {i}" + (" revised" if i < 210 else "")) for i in range(900))
        )
        again = harvest_source(catalog, source(f))
        assert len(again.touched) == 210

        def copied(name):
            raise AssertionError(f"the whole graph {name} was copied for 210 of 900 records")

        catalog.store.graph_copy = copied
        assert operations.sync_search(search, [again]) is True
        assert search.search({"q": "revised"}, members=True)["total"] == 210 and search.count() == 900
    finally:
        search.close()
        catalog.close()


def test_an_index_whose_suggester_shares_are_in_the_older_json_file_takes_them_in_and_updates(tmp_path):
    """An index made before the shares moved to SQLite kept them as suggest-parts.json, beside the two
    suggesters built from it: the next Search takes them in once, removes the files, and the next harvest's
    update follows it without a rebuild."""
    import json
    import sqlite3

    catalog = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    f = tmp_path / "c.ttl"
    f.write_text(HEAD + _dataset("a", "Albatross cohort") + _dataset("b", "Bittern registry"))
    search = Search(catalog)
    assert operations.sync_search(search, [harvest_source(catalog, source(f))]) is True
    db = sqlite3.connect(search.folder / "suggest.sqlite")
    older = {
        local_id: {"public": bool(public), "phrases": json.loads(phrases), "terms": json.loads(terms)}
        for local_id, public, phrases, terms in db.execute("SELECT * FROM shares")
    }
    db.close()
    search.close()
    assert set(older) == {"hanbit-a", "hanbit-b"}
    for name in ("suggest.sqlite", "suggest.sqlite-wal", "suggest.sqlite-shm"):
        (search.folder / name).unlink(missing_ok=True)
    (search.folder / "suggest-parts.json").write_text(json.dumps(older))
    (search.folder / "suggest.json").write_text("{}")

    search = Search(catalog)
    try:
        assert search.complete("Bitte", 10, members=False) == ["Bittern registry"]
        assert not (search.folder / "suggest-parts.json").exists()
        assert not (search.folder / "suggest.json").exists()
        f.write_text(HEAD + _dataset("a", "Albatross cohort") + _dataset("c", "Cormorant study"))

        def no_rebuild(_search):
            raise AssertionError("a full rebuild was not needed")

        again = harvest_source(catalog, source(f))
        assert operations.sync_search(search, [again], reindex=no_rebuild) is True
        assert search.complete("Cormo", 10) == ["Cormorant study"] and search.complete("Bitte", 10) == []
    finally:
        search.close()
        catalog.close()


def test_an_embedded_index_of_another_schema_is_set_aside_and_rebuilt_and_documents_are_stored_not_indexed(
    tmp_path,
):
    """What a hit shows is stored as bytes and not indexed: as a raw text field every document's JSON was a
    term of the index's dictionary (307 of 374 MB at 100,000 datasets, rewritten by every merge). An index an
    earlier hdcat wrote with that schema is set aside for an empty one, and the next sync rebuilds it."""
    import json

    import tantivy

    catalog = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    f = tmp_path / "c.ttl"
    f.write_text(HEAD + _dataset("a", "Albatross cohort") + _dataset("b", "Bittern registry"))
    run = harvest_source(catalog, source(f))
    search = Search(catalog)
    folder = search.backend.folder
    search.close()
    # the earlier schema: the document as a raw text field, indexed
    older = tantivy.SchemaBuilder()
    older.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    older.add_text_field("doc", stored=True, tokenizer_name="raw", index_option="basic")
    (folder / "index-older").mkdir()
    index = tantivy.Index(older.build(), path=str(folder / "index-older"))
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    writer.add_document(tantivy.Document(id="hanbit-a", doc="{}"))
    writer.commit()
    writer.wait_merging_threads()
    (folder / "CURRENT").write_text("index-older")

    search = Search(catalog)
    try:
        assert search.count() == 0 and (folder / "CURRENT").read_text() != "index-older"
        assert not (folder / "index-older").exists()  # unreadable here, and derived: removed
        assert operations.sync_search(search, [run]) is True and search.count() == 2
        assert _ids(search, "bittern") == {"hanbit-b"}
        hit = search.search({"q": "bittern"}, members=True)["hits"][0]
        assert hit["titles"]["en"] == "Bittern registry"
        meta = json.loads((folder / (folder / "CURRENT").read_text() / "meta.json").read_text())
        doc = next(field for field in meta["schema"] if field["name"] == "doc")
        assert doc["type"] == "bytes" and doc["options"]["stored"] and not doc["options"]["indexed"]
    finally:
        search.close()
        catalog.close()


def test_the_short_ids_alone_count_the_datasets_of_every_harvester_kind(sample_catalog):
    """Datasets.total counts short ids, not datasets with their type and hospital (a range of one index,
    not three lookups a dataset): right only while every harvester writes a short id beside both. The sample
    consortium has a source of each kind (DCAT, CKAN, CSV, SQL, OMOP, FHIR), the definitions and lineage."""
    from hdcat.catalog.datasets import P

    kinds = {s.kind for s in sample_catalog.settings.sources}
    assert {"dcat", "ckan", "csv", "sql", "omop", "fhir"} <= kinds
    stray = (
        P
        + """SELECT ?x ?g WHERE { GRAPH ?g { ?x hdcat:localId ?id }
        FILTER NOT EXISTS { GRAPH ?g { ?x a dcat:Dataset ; hdcat:hospital ?h } } }"""
    )
    assert sample_catalog.store.select_text(stray) == []
    datasets = sample_catalog.datasets
    for members in (True, False):
        assert (
            datasets.total(members) == len({row[0] for row in datasets.rows_with_ids(members=members)}) > 50
        )


def test_a_reindex_the_engine_refuses_midway_keeps_the_suggesters_it_had(tmp_path, monkeypatch):
    from hdcat.search.backends import SearchUnavailable

    catalog = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    search = Search(catalog)
    f = tmp_path / "c.ttl"
    f.write_text(HEAD + _dataset("a", "Albatross cohort") + _dataset("b", "Bittern registry"))
    harvest_source(catalog, source(f))
    search.reindex()
    generation = search.shares.generation
    f.write_text(HEAD + _dataset("a", "Avocet cohort") + _dataset("b", "Bittern registry"))
    harvest_source(catalog, source(f))

    def refuse_midway(documents):
        next(iter(documents))  # the first document's share is staged
        raise SearchUnavailable("the engine went away")

    monkeypatch.setattr(search.backend, "rebuild", refuse_midway)
    with pytest.raises(SearchUnavailable):
        search.reindex()
    assert search.shares.generation == generation and search.stale
    assert search.complete("Albat", 10, members=True) and not search.complete("Avoc", 10, members=True)
    monkeypatch.undo()
    search.reindex()
    assert search.complete("Avoc", 10, members=True) and not search.complete("Albat", 10, members=True)
    search.close()
    catalog.close()


@pytest.mark.parametrize(
    "variable, service",
    [
        ("HDCAT_SEARCH_URL", "Elasticsearch (scripts/services start elasticsearch)"),
        ("HDCAT_TEST_OPENSEARCH_URL", "OpenSearch (scripts/services start opensearch)"),
    ],
)
def test_processes_opening_an_empty_cluster_at_once_share_one_index(variable, service, tmp_path):
    """Harvest workers started together open the same empty alias at once: each made an index and aliased
    it (an alias over several indices takes no writes), or, named from the clock within one millisecond,
    all but one were refused and ran without search. Now they all alias the one first index."""
    import threading
    import uuid

    from hdcat.search.backends import open_backend

    url = os.environ.get(variable)
    require_service(bool(url), f"{service}: {variable}")
    alias = f"hdcat-test-first-{uuid.uuid4().hex[:8]}"
    together = threading.Barrier(4)
    opened, failed = [], []

    def open_one():
        together.wait(timeout=30)
        try:
            opened.append(open_backend(url.rstrip("/") + f"/{alias}", tmp_path))
        except Exception as exc:  # noqa: BLE001 - the test reports what any opening raised
            failed.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert not failed and len(opened) == 4, failed
        assert list(opened[0].es.indices.get_alias(name=alias)) == [f"{alias}-first"]
        opened[1].update([{"id": "one", "t_title": "through one process", "summary": {"id": "one"}}])
        opened[2].update([{"id": "two", "t_title": "through another", "summary": {"id": "two"}}])
        assert opened[3].count() == 2
    finally:
        for backend in opened[:1]:
            backend.es.indices.delete(index=f"{alias}-*", ignore=[404])
