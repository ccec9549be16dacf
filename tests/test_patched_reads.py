"""Whole-catalogue reads kept across commits (catalog/patched.py): the map of every dataset and the keys
lineage matches by are patched with what a commit touched, and give what a whole read gives."""

from __future__ import annotations

import pytest
from hdcat.catalog import Catalog, Settings
from hdcat.catalog.datasets import ALL_DATASETS, CATALOGUE_IDS, DATASETS_BY_GRAPH
from hdcat.harvesters.runner import harvest_source
from rdflib import URIRef

from tests.conftest import query_start, source
from tests.test_shared_datasets import EX, OWN, PORTAL, PREFIXES, _dataset

HIDDEN = "dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED>"


def _reads(catalog) -> dict:
    return {
        "maps": {members: dict(catalog.datasets._graph_map(members)) for members in (True, False)},
        "listing": {
            members: catalog.datasets.page_rows(1, 100, members=members) for members in (True, False)
        },
        "ids": catalog.datasets.catalogue_ids(),
        "total": {members: catalog.datasets.total(members) for members in (True, False)},
    }


@pytest.mark.stores
def test_commits_that_say_what_they_touched_patch_the_whole_catalogue_reads(store_url, tmp_path, monkeypatch):
    catalog = Catalog(Settings(store_url=store_url, data_dir=tmp_path / "var"))
    own, portal = tmp_path / "own.ttl", tmp_path / "portal.ttl"
    own.write_text(OWN)
    portal.write_text(PORTAL)
    harvest_source(catalog, source(own, name="own"))
    harvest_source(catalog, source(portal, name="portal", hospital="gaon"))
    _reads(catalog)  # read whole once

    asked = []
    select_text = catalog.store.select_text
    monkeypatch.setattr(catalog.store, "select_text", lambda q: asked.append(q) or select_text(q))
    # own-2 goes, own-3 becomes consortium-only, shared-3 (the portal publishes it too) changes, own-4 comes
    own.write_text(
        OWN.replace(_dataset("own-2", "Own two"), "")
        .replace(
            _dataset("own-3", "Own three"),
            _dataset("own-3", "Own three", extra=f"; {HIDDEN} "),
        )
        .replace('"Shared three"', '"Shared three, revised"')
        + _dataset("own-4", "Own four", extra='; dct:identifier "OWN-FOUR" ')
    )
    run = harvest_source(catalog, source(own, name="own"))
    assert run.touched and len(run.touched) == 4
    patched = _reads(catalog)
    whole = [
        q
        for q in asked
        if q in (CATALOGUE_IDS.format(graphs=""), DATASETS_BY_GRAPH.format(graphs=""))
        or q.startswith(query_start(ALL_DATASETS, "where"))
        and not any(named in q for named in ("VALUES ?ds", "FILTER(?g IN ("))  # some datasets or graphs
    ]
    assert not whole, whole  # the commit's datasets were named, not the catalogue read
    monkeypatch.undo()

    catalog.datasets.forget()  # says nothing of what changed: every read is whole again
    assert _reads(catalog) == patched
    maps = patched["maps"]
    ids = {found[1] for found in maps[True].values()}
    assert "hanbit-own-2" not in ids and "hanbit-own-4" in ids
    assert len(maps[True]) == len(maps[False]) + 1  # own-3 is for members only now
    assert len(maps[True][URIRef(f"{EX}shared-3")][0]) == 2  # both sources' graphs
    assert patched["ids"][("hanbit", "own-four")] == "hanbit-own-4"
    catalog.close()


@pytest.mark.stores
def test_a_source_turned_consortium_only_moves_every_dataset_out_of_the_kept_public_map(store_url, tmp_path):
    """A visibility change re-splits every dataset of the source, changed or not: the commit says it does
    not know what it touched, so the kept reads are read whole (they kept the old split before)."""
    from dataclasses import replace

    own = tmp_path / "own.ttl"
    own.write_text(OWN)
    config = source(own, name="own")
    settings = Settings(store_url=store_url, data_dir=tmp_path / "var", sources=(config,))
    catalog = Catalog(settings)
    harvest_source(catalog, config)
    assert catalog.datasets.total(False) == 6 == len(catalog.datasets._graph_map(False))
    hidden = replace(config, visibility="consortium")
    catalog.settings = replace(settings, sources=(hidden,))
    own.write_text(OWN.replace('"Own one"', '"Own one, revised"'))  # one dataset changes, six move
    run = harvest_source(catalog, hidden)
    assert run.touched is None
    assert catalog.datasets._graph_map(False) == {} and catalog.datasets.total(False) == 0
    assert catalog.datasets.page_rows(1, 20, members=False)[0] == 0
    assert len(catalog.datasets._graph_map(True)) == 6
    catalog.close()


@pytest.mark.stores
def test_a_match_key_a_commit_takes_from_one_dataset_goes_to_the_other_that_holds_it(store_url, tmp_path):
    """Two datasets give the same identifier: the key lineage events are matched by goes to the smaller short
    id whatever order the store gives rows in, and when a commit takes it from that one, the patched keys
    give it to the other, as a whole read does (it was dropped until the next whole read before)."""
    registry = '; dct:identifier "REGISTRY-7" '
    own = tmp_path / "own.ttl"
    own.write_text(
        PREFIXES
        + _dataset("own-1", "Own one", extra=registry)
        + _dataset("own-2", "Own two", extra=registry)
        + _dataset("own-3", "Own three")
    )
    catalog = Catalog(Settings(store_url=store_url, data_dir=tmp_path / "var"))
    harvest_source(catalog, source(own, name="own"))
    key = ("hanbit", "registry-7")
    assert catalog.datasets.catalogue_ids()[key] == "hanbit-own-1"
    own.write_text(
        PREFIXES
        + _dataset("own-1", "Own one")
        + _dataset("own-2", "Own two", extra=registry)
        + _dataset("own-3", "Own three")
    )
    run = harvest_source(catalog, source(own, name="own"))
    assert run.touched == {"hanbit-own-1"}
    patched = catalog.datasets.catalogue_ids()
    assert patched[key] == "hanbit-own-2"
    catalog.datasets.forget()
    assert catalog.datasets.catalogue_ids() == patched
    catalog.close()


#: the listing of a hospital, disease area or source as a query over the catalogue, as it was read before
#: filtered listings came from the rows per graph: the datasets a visible graph states with them
FILTERED = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX hdcat: <https://w3id.org/hdcat/ns#>
SELECT DISTINCT ?ds WHERE {{ GRAPH ?g {{ ?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h . }}
{where} }}"""


def _filtered(catalog, hospital, area, source, members) -> set[str]:
    from hdcat.catalog.iris import source_graphs
    from hdcat.catalog.visibility import visible_graphs_filter
    from hdcat.ontology import DISEASE_AREA, hospital_iri

    where = [visible_graphs_filter(catalog.settings.base_iri, members)]
    if hospital:
        where.append(f"FILTER(?h = <{hospital_iri(hospital)}>)")
    if area:
        where.append(f"GRAPH ?g {{ ?ds dcat:theme <{DISEASE_AREA[area]}> }}")
    if source:
        graphs = ", ".join(f"<{g}>" for g in source_graphs(catalog.settings.base_iri, source))
        where.append(f"FILTER(?g IN ({graphs}))")
    return {row[0] for row in catalog.store.select_text(FILTERED.format(where="\n".join(where)))}


@pytest.mark.stores
def test_a_filtered_listing_is_the_whole_listing_kept_to_what_a_visible_graph_states(
    store_url, tmp_path, monkeypatch
):
    """A listing by hospital, disease area or source holds the datasets a graph the reader may see states
    with them (the query above), in the whole listing's order, before and after a commit that moves a
    dataset out of an area, hides one and adds one; a dataset two hospitals publish is in both listings."""
    from hdcat.ontology import DISEASE_AREA

    def theme(area: str) -> str:
        return f"; dcat:theme <{DISEASE_AREA[area]}> "

    catalog = Catalog(Settings(store_url=store_url, data_dir=tmp_path / "var"))
    own, portal = tmp_path / "own.ttl", tmp_path / "portal.ttl"
    own.write_text(
        OWN.replace(
            _dataset("own-1", "Own one"), _dataset("own-1", "Own one", extra=theme("cancer"))
        ).replace(
            _dataset("own-2", "Own two"), _dataset("own-2", "Own two", extra=theme("cancer") + theme("other"))
        )
    )
    portal.write_text(PORTAL.replace('"portal-only"@en ', f'"portal-only"@en {theme("cancer")}'))
    harvest_source(catalog, source(own, name="own"))
    harvest_source(catalog, source(portal, name="portal", hospital="gaon"))

    def check() -> dict:
        seen = {}
        for members in (True, False):
            whole = [ds for ds, _ in catalog.datasets.page_rows(1, 100, members=members)[1]]
            for hospital in (None, "hanbit", "gaon"):
                for area in (None, "cancer", "other"):
                    for src in (None, "own", "portal"):
                        if not (hospital or area or src):
                            continue
                        total, rows = catalog.datasets.page_rows(
                            1, 100, hospital=hospital, disease_area=area, source=src, members=members
                        )
                        listed = [ds for ds, _ in rows]
                        assert total == len(listed)
                        assert set(map(str, listed)) == _filtered(catalog, hospital, area, src, members)
                        assert listed == [ds for ds in whole if ds in set(listed)]  # the whole order
                        seen[(members, hospital, area, src)] = {str(ds) for ds in listed}
        return seen

    before = check()
    shared = f"{EX}shared-3"
    assert shared in before[(True, "hanbit", None, None)] and shared in before[(True, "gaon", "cancer", None)]
    assert shared not in before[(True, "hanbit", "cancer", None)]  # the theme is the portal's graph's
    assert before[(True, None, "cancer", "own")] == {f"{EX}own-1", f"{EX}own-2"}
    own.write_text(
        OWN.replace(_dataset("own-2", "Own two"), "").replace(
            _dataset("own-3", "Own three"), _dataset("own-3", "Own three", extra=f"; {HIDDEN} ")
        )
        + _dataset("own-4", "Own four", extra=theme("other"))
    )
    harvest_source(catalog, source(own, name="own"))
    after = check()
    assert after[(True, None, "cancer", "own")] == set() and after[(True, None, "other", None)] == {
        f"{EX}own-4"
    }
    assert f"{EX}own-3" in after[(True, "hanbit", None, None)] - after[(False, "hanbit", None, None)]
    # a disease area no graph states, a source with no graph: empty at once, no rows read, nothing kept
    from hdcat.catalog.datasets import DATASET_AREAS

    kept, asked = len(catalog.datasets._orders), []
    select_text = catalog.store.select_text
    monkeypatch.setattr(catalog.store, "select_text", lambda q: asked.append(q) or select_text(q))
    assert catalog.datasets.page_rows(1, 10, disease_area="respiratory", members=True)[0] == 0
    assert catalog.datasets.page_rows(1, 10, hospital="gaon", source="nowhere", members=True)[0] == 0
    assert len(catalog.datasets._orders) == kept and len(asked) == 2
    assert not any(q.startswith(query_start(DATASET_AREAS, "graphs")) for q in asked)
    catalog.close()


def test_the_total_is_counted_once_a_commit_when_the_map_is_not_at_hand(tmp_path, monkeypatch):
    """The home and hospital pages ask for the catalogue's total on every view (is the search index behind?):
    without the map at hand it is one count, kept until the next commit changes it."""
    from hdcat.catalog.datasets import COUNT_DATASETS

    catalog = Catalog(Settings(store_url="memory:", data_dir=tmp_path / "var"))
    own = tmp_path / "own.ttl"
    own.write_text(OWN)
    harvest_source(catalog, source(own, name="own"))
    catalog.datasets.forget()  # no map at hand
    asked = []
    select_text = catalog.store.select_text
    monkeypatch.setattr(catalog.store, "select_text", lambda q: asked.append(q) or select_text(q))
    counts = lambda: [q for q in asked if q.startswith(query_start(COUNT_DATASETS, "where"))]  # noqa: E731
    assert [catalog.datasets.total(True) for _ in range(3)] == [6, 6, 6] and len(counts()) == 1
    own.write_text(OWN + _dataset("own-9", "Own nine"))
    harvest_source(catalog, source(own, name="own"))
    catalog.datasets.forget()
    assert catalog.datasets.total(True) == 7 and catalog.datasets.total(True) == 7 and len(counts()) == 2
    catalog.close()
