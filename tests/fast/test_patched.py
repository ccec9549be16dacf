"""catalog/patched.py: a kept whole-catalogue read, patched with what commits touched."""

from __future__ import annotations

import threading

import pytest
from hdcat.catalog.patched import Patched


def test_a_patch_that_fails_leaves_its_ids_for_the_next_caller():
    kept: Patched[dict] = Patched()
    assert kept.get(lambda: {"a": 1, "b": 1}, None) == {"a": 1, "b": 1}
    kept.forget({"b"})

    def failing(value, touched):
        raise TimeoutError("the store did not answer")

    with pytest.raises(TimeoutError):
        kept.get(None, failing)
    assert kept.current() is None  # still stale: not the value from before the commit
    assert kept.get(None, lambda value, touched: {**value, **dict.fromkeys(touched, 2)}) == {"a": 1, "b": 2}
    assert kept.current() == {"a": 1, "b": 2}


def test_nothing_is_current_while_a_patch_runs_and_a_whole_forget_wins():
    kept: Patched[dict] = Patched()
    kept.get(lambda: {"a": 1}, None)
    kept.forget({"a"})
    started, release, seen = threading.Event(), threading.Event(), []

    def slow(value, touched):
        started.set()
        release.wait(5)
        return {"a": 2}

    patching = threading.Thread(target=lambda: seen.append(kept.get(None, slow)))
    patching.start()
    started.wait(5)
    assert kept.current() is None  # the old value is not current while the patch runs
    kept.forget()  # a commit that did not say what it touched, meanwhile
    release.set()
    patching.join(5)
    assert seen == [{"a": 2}] and kept.current() is None  # returned, but not kept past the whole forget
    assert kept.get(lambda: {"a": 3}, None) == {"a": 3}


def test_ids_touched_while_nothing_is_kept_are_not_collected():
    kept: Patched[dict] = Patched()
    kept.forget({"a"})
    assert kept.get(lambda: {"whole": True}, lambda value, touched: pytest.fail("nothing to patch")) == {
        "whole": True
    }
    assert kept.current() == {"whole": True}
