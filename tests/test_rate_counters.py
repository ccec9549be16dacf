"""The attempt counters behind the sign-in and token-issue limits (catalog.RateCounters), on a SQLite state
and on PostgreSQL: windows that count, end and restart, and attempts from many connections at once that
are all counted. The limits across two real `hdcat serve` processes are in tests/test_shared_state.py."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from hdcat.catalog import RateCounters


def test_a_window_counts_its_attempts_then_ends_and_restarts(state_location):
    counters = RateCounters(state_location)
    try:
        assert counters.count("signin|127.0.0.1") == 0
        before = time.time()
        assert [counters.hit("signin|127.0.0.1", 0.6) for _ in range(3)] == [1, 2, 3]
        assert counters.hit("signin|127.0.0.1", 0.6, amount=2) == 5
        assert counters.count("signin|127.0.0.1") == 5
        assert counters.count("signin|10.0.0.9") == 0  # another client's window is its own
        ends = counters.ends("signin|127.0.0.1")
        assert before + 0.6 <= ends <= time.time() + 0.6  # set by the first attempt, not moved by the others
        time.sleep(0.7)
        assert counters.count("signin|127.0.0.1") == 0
        assert counters.ends("signin|127.0.0.1") <= time.time()
        assert counters.hit("signin|127.0.0.1", 60) == 1  # the ended window starts again
        counters.hit("token|127.0.0.1", 60)
        assert counters.forget("signin|127.0.0.1") == 1
        assert counters.count("signin|127.0.0.1") == 0 and counters.count("token|127.0.0.1") == 1
        assert counters.forget() == 1
        assert counters.count("token|127.0.0.1") == 0
    finally:
        counters.close()


def test_attempts_from_many_connections_at_once_are_all_counted(state_location):
    """Two counters over one state (as two processes have) and eight threads: no attempt is lost."""
    first, second = RateCounters(state_location), RateCounters(state_location)
    try:
        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(lambda i: (first, second)[i % 2].hit("signin|127.0.0.1", 60), range(80)))
        assert sorted(seen) == list(range(1, 81))  # each attempt saw its own count: none was counted twice
        assert second.count("signin|127.0.0.1") == 80
    finally:
        first.close()
        second.close()
