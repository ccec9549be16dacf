"""The suggesters' shares in SQLite (search.suggester_shares): an update moves only the touched datasets'
counts, and ends where a rebuild from the same shares ends; public and consortium-only words stay apart."""

from __future__ import annotations

import sqlite3

import pytest
from hdcat.search.suggester_shares import SuggesterShares


def _share(phrases, terms, public=True):
    return {"phrases": list(phrases), "terms": list(terms), "public": public}


def _kept(shares: SuggesterShares) -> dict:
    """Every table as plain rows, to compare two files."""
    db = sqlite3.connect(shares.path)
    try:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}")) for table in ("shares", "phrases", "terms")
        }
    finally:
        db.close()


FIRST = {
    "a": _share(["Albatross cohort", "Seabirds"], ["albatross", "cohort", "seabird"]),
    "b": _share(["Bittern registry", "Seabirds"], ["bittern", "registri", "seabird"]),
    "c": _share(["Cormorant study"], ["cormor", "studi"], public=False),
}


def test_an_update_ends_where_a_rebuild_of_the_same_shares_ends(tmp_path):
    shares = SuggesterShares(tmp_path / "a.sqlite")
    assert not shares.filled and shares.generation == 0
    shares.replace_all(FIRST)
    assert shares.filled and shares.generation == 1
    # b goes, a changes and turns consortium-only, c turns public, d comes
    changed = {
        "a": _share(["Avocet cohort", "Seabirds"], ["avocet", "cohort", "seabird"], public=False),
        "c": _share(["Cormorant study"], ["cormor", "studi"], public=True),
        "d": _share(["Dunlin panel", "Dunlin panel"], ["dunlin", "panel"], public=False),
    }
    shares.update({"a", "b", "c", "d", "never-indexed"}, changed)
    assert shares.generation == 2
    rebuilt = SuggesterShares(tmp_path / "b.sqlite")
    rebuilt.replace_all(changed)
    assert _kept(shares) == _kept(rebuilt)
    phrases = dict((p, (e, pub)) for p, e, pub in _kept(shares)["phrases"])
    assert "Bittern registry" not in phrases and "Albatross cohort" not in phrases
    assert phrases["Seabirds"] == (1, 0)  # b's went with it; a's is consortium-only now
    assert phrases["Dunlin panel"] == (1, 0)  # once a dataset, however often its share says it

    _, everyone = shares.suggester(public=False)
    _, public = shares.suggester(public=True)
    assert everyone.complete("Avo") == ["Avocet cohort"] and public.complete("Avo") == []
    assert public.complete("Cormo") == ["Cormorant study"] and not everyone.complete("Bitt")
    assert "avocet" in everyone.terms and "avocet" not in public.terms and "bittern" not in everyone.terms


def test_a_write_that_fails_changes_nothing_and_another_process_sees_a_write_by_its_generation(tmp_path):
    shares = SuggesterShares(tmp_path / "s.sqlite")
    shares.replace_all(FIRST)
    before, generation = _kept(shares), shares.generation
    with pytest.raises(KeyError):
        shares.update({"a"}, {"a": {"phrases": ["Half a share"], "public": True}})  # no "terms"
    assert _kept(shares) == before and shares.generation == generation

    elsewhere = SuggesterShares(tmp_path / "s.sqlite")  # the site, beside a harvest worker
    seen, suggester = elsewhere.suggester(public=True)
    assert seen == generation and suggester.complete("Albat") == ["Albatross cohort"]
    shares.update({"a"}, {})
    assert elsewhere.generation == seen + 1
    assert elsewhere.suggester(public=True)[1].complete("Albat") == []


def test_a_rebuild_stages_its_shares_as_it_goes_and_one_that_fails_leaves_the_old(tmp_path, monkeypatch):
    from hdcat.search import suggester_shares

    monkeypatch.setattr(suggester_shares, "_STAGED_AT_ONCE", 1)  # every share written as it comes
    shares = SuggesterShares(tmp_path / "s.sqlite")
    shares.replace_all(FIRST)
    before, generation = _kept(shares), shares.generation

    failed = shares.rebuilding()
    failed.add("z", _share(["Zebra finch"], ["zebra", "finch"]))
    assert failed._rows == []  # on disk already, not held
    failed.abandon()  # the engine refused the pass
    assert _kept(shares) == before and shares.generation == generation
    elsewhere = SuggesterShares(tmp_path / "s.sqlite")
    assert elsewhere.suggester(public=True)[1].complete("Zebr") == []

    staged = shares.rebuilding()
    for local_id, share in FIRST.items():
        staged.add(local_id, share)
    staged.add("z", _share(["Zebra finch"], ["zebra", "finch"]))
    assert _kept(shares) == before  # nothing shows until the pass is done
    staged.finish()
    whole = SuggesterShares(tmp_path / "whole.sqlite")
    whole.replace_all({**FIRST, "z": _share(["Zebra finch"], ["zebra", "finch"])})
    assert _kept(shares) == _kept(whole) and shares.generation == generation + 1
    assert elsewhere.suggester(public=True)[1].complete("Zebr") == ["Zebra finch"]
