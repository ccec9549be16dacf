"""Whose turn it is to run Python: the harvest's threads take turns instead of contending.

The harvest runs several sources at once so that one hospital's slow server never holds up the others,
but their parsing, record checks and commits are Python and native calls under one interpreter lock: they
never ran in parallel. Worse, pyoxigraph lets go of that lock for every triple it parses and every row it
yields, and each time it then waits up to the interpreter's switch interval (5 ms) for a busy thread to
give it back: a page that parses in 0.01 s alone took 1.6-12 s beside one busy thread (measured here,
bench/results/pipeline.md). So a harvest thread does its Python work only on its turn, one thread at a
time, and lets the turn go while it waits for the network (`waiting`), where overlapping is what the
threads are for. Threads that never take a turn (the site's requests) are not held up by it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_turn = threading.Lock()
_mine = threading.local()


@contextmanager
def my_turn() -> Iterator[None]:
    """Run the body when no other thread that takes turns is running; re-entrant within a thread."""
    if getattr(_mine, "held", False):
        yield
        return
    _turn.acquire()
    _mine.held = True
    try:
        yield
    finally:
        _mine.held = False
        _turn.release()


@contextmanager
def waiting() -> Iterator[None]:
    """Around a wait (a download, a back-off): another thread takes its turn meanwhile. Nothing to do for a
    thread that holds no turn."""
    if not getattr(_mine, "held", False):
        yield
        return
    _mine.held = False
    _turn.release()
    try:
        yield
    finally:
        _turn.acquire()
        _mine.held = True
