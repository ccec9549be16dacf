"""Whole-catalogue reads kept across commits (catalog/patched.py): the map of every dataset and the keys
lineage matches by are patched with what a commit touched, and give what a whole read gives."""

from __future__ import annotations

import pytest
from hdcat.catalog import Catalog, Settings
from hdcat.catalog.datasets import ALL_DATASETS, CATALOGUE_IDS, EVERY_DATASET_BY_GRAPH
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
        if q in (CATALOGUE_IDS, EVERY_DATASET_BY_GRAPH)
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
