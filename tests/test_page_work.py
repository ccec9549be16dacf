"""The work a page costs, counted, not timed (bench/page_bench.py times them; these keep the fixes it led to).

Each test counts store queries or reads on a real catalogue, checks that asking again costs nothing new,
and that a write brings the change in (what is kept is dropped on commit).
"""

from __future__ import annotations

import pytest
from hdcat.catalog import Catalog, NotFound, Settings
from hdcat.harvesters.runner import harvest_source

from tests.conftest import source

HEAD = (
    "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
    "@prefix hdcat: <https://w3id.org/hdcat/ns#> .\n"
)


def _catalogue(tmp_path, n: int, extra: str = "") -> tuple[Catalog, object]:
    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "var")))
    f = tmp_path / "c.ttl"
    f.write_text(
        HEAD
        + "".join(f'<http://h.example/d{i:02}> a dcat:Dataset ; dct:title "D{i}"@en .\n' for i in range(n))
        + extra
    )
    harvest_source(cat, source(f))
    return cat, f


class Counted:
    """Counts the SPARQL queries sent to a store, by a word each query holds."""

    def __init__(self, store):
        self.store, self.real, self.sent = store, store.query, []
        store.query = lambda q, *a, **k: self.sent.append(q) or self.real(q, *a, **k)

    def count(self, word: str = "") -> int:
        return sum(word in q for q in self.sent)

    def restore(self):
        self.store.query = self.real


def test_finding_a_dataset_by_its_short_id_does_not_scan_every_short_id(tmp_path):
    """Dataset pages and lineage titles find a dataset by its short id: a FILTER(STR(?id) = …) query read
    every short id of the catalogue for each (70 ms a dataset page at 10,000 datasets); reading every short id
    once instead took 58 s at 1,000,000 datasets with a cold cache. A short id is now looked up alone (one
    index range) and kept until the next commit, and its dataset's graphs come from the map of every dataset
    when that is at hand, else from a look-up of that dataset alone."""
    cat, f = _catalogue(tmp_path, 12)
    try:
        ids = [r["id"] for r in cat.datasets.page(1, 12, members=True)[1]]
        assert len(ids) == 12
        cat.datasets.forget()
        counted = Counted(cat.datasets.store)
        for local_id in ids:
            assert cat.datasets.locate(local_id)[0] is not None
        assert counted.count("SELECT DISTINCT ?id ?ds") == 0  # no query reads every short id
        assert counted.count("?id }} VALUES ?id".replace("}}", "}")) == 12  # one look-up an id
        assert counted.count("VALUES ?ds") == 12  # and its dataset's graphs, the map not being at hand
        assert len(counted.sent) == 24
        with pytest.raises(NotFound):
            cat.datasets.locate("no-such-dataset")
        for page in (1, 2, 3):
            assert len(cat.datasets.page_rows(page, 4)[1]) == 4
        sent = len(counted.sent)
        assert sent == 24 + 2  # the unknown id's look-up, and the listing's map, read once for three pages
        assert counted.count("SELECT ?g ?ds ?id") == 1
        for local_id in ids:
            assert cat.datasets.locate(local_id)[0] is not None
        assert len(counted.sent) == sent  # ids kept, graphs from the map
        counted.restore()
        f.write_text(f.read_text() + '<http://h.example/new> a dcat:Dataset ; dct:title "New"@en .\n')
        harvest_source(cat, source(f))  # the commit drops the ids: the new dataset is found
        new = next(r["id"] for r in cat.datasets.page(1, 20, members=True)[1] if r["title"] == "New")
        assert cat.datasets.get(new)["title"] == "New"
    finally:
        cat.close()


def test_a_consortium_only_dataset_stays_hidden_from_readers_who_are_not_members(tmp_path):
    """The kept ids come from every graph; who may see a dataset is still decided by its graphs."""
    hidden = (
        '<http://h.example/secret> a dcat:Dataset ; dct:title "Secret"@en ; '
        "dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED> .\n"
    )
    cat, _ = _catalogue(tmp_path, 2, hidden)
    try:
        secret = next(r["id"] for r in cat.datasets.page(1, 20, members=True)[1] if r["title"] == "Secret")
        assert cat.datasets.get(secret, members=True)["title"] == "Secret"
        with pytest.raises(NotFound):
            cat.datasets.get(secret, members=False)
    finally:
        cat.close()


def test_run_lists_are_read_once_until_a_run_is_written(tmp_path):
    """The home page (8 latest runs) and each hospital page (200) queried the run log on every request."""
    cat, f = _catalogue(tmp_path, 2)
    try:
        before = cat.runs.queries
        first = cat.runs.list(limit=8)
        assert len(first) == 1 and cat.runs.list(limit=8) == first
        assert cat.runs.queries == before + 1
        first[0]["note"] = "added by a caller"  # run_for_reader adds to what it gets: a copy
        assert "note" not in cat.runs.list(limit=8)[0]
        harvest_source(cat, source(f))  # unchanged: recorded through runs.record
        assert len(cat.runs.list(limit=8)) == 2
        f.write_text(f.read_text() + '<http://h.example/new> a dcat:Dataset ; dct:title "New"@en .\n')
        harvest_source(cat, source(f))  # changed: the run goes in with the graphs, in one transaction
        runs = cat.runs.list(limit=8)
        assert len(runs) == 3 and runs[0]["status"] == "changed"
        before = cat.runs.queries
        assert cat.runs.list(limit=8) == runs and cat.runs.queries == before
    finally:
        cat.close()


def test_the_definitions_pages_read_definitions_once_until_one_is_written(tmp_path):
    """The definitions page read every version (one query), then each definition's latest version (every
    version again) and its graph triple by triple, on every request: 250 ms at 10,000 datasets. Versions
    and records are now kept until a definition is written."""
    from hdcat.web.app import create_app

    cat, _ = _catalogue(tmp_path, 2)
    try:
        cat.definitions.ensure_starters()
        client = create_app(catalog=cat).test_client()
        first = client.get("/definitions?lang=en")
        assert first.status_code == 200
        reads = cat.definitions.reads
        assert reads >= 2  # the versions, and each starter's record
        store, touched = cat.definitions.store, []
        real_graph = store.graph
        store.graph = lambda name: touched.append(str(name)) or real_graph(name)
        counted = Counted(store)
        page = client.get("/definitions?lang=en").get_data(as_text=True)
        assert counted.count("dct:Standard") == 0  # the second page: no versions query,
        assert not [g for g in touched if "/graph/definition" in g]  # no definition graph read,
        assert cat.definitions.reads == reads  # nothing read again
        one = cat.definitions.versions()[0]
        client.get(f"/definitions/{one['id']}/{one['version']}?lang=en")
        reads = cat.definitions.reads  # the page read its history
        counted = Counted(store)
        client.get(f"/definitions/{one['id']}/{one['version']}?lang=en")
        assert counted.count("prov:startedAtTime") == 0 and cat.definitions.reads == reads
        counted.restore()
        store.graph = real_graph
        starters = {v["id"] for v in cat.definitions.versions()}
        assert all(f"/definitions/{i}" in page for i in starters)
        record = cat.definitions.get(one["id"], one["version"])
        record["title"]["en"] = "changed by a caller"  # what a caller gets is its own copy
        assert cat.definitions.get(one["id"], one["version"])["title"]["en"] != "changed by a caller"
        revised = cat.definitions.revise(one["id"], one["version"], "9.0.0", "adm")  # a write: forgotten
        reads = cat.definitions.reads
        page = client.get("/definitions?lang=en").get_data(as_text=True)
        assert cat.definitions.reads > reads  # read again after the write
        assert any(v["version"] == "9.0.0" for v in cat.definitions.versions())
        assert revised["status"] == "draft" and "9.0.0" not in page  # drafts: for members only
    finally:
        cat.close()
