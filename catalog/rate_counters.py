"""Counters of attempts at the doors people try to force (sign-in, token issue), in the shared state.

Several `hdcat serve` processes behind one address each counted in their own memory, so with four of them
a guesser had four times the attempts. With the state in PostgreSQL ([service] state) every process counts
in one table instead: a fixed window per key, started by the key's first attempt and ended at `expires`.
Each attempt is one statement (an upsert that restarts an expired window), so two processes counting at
once never lose an attempt. The web layer's rate limiter (web/limits.py) keeps its windows here.
"""

from __future__ import annotations

import time
from pathlib import Path

from hdcat.catalog.state_db import StatePart, sql

_TABLES = (
    """CREATE TABLE IF NOT EXISTS rate_counter (
    key TEXT PRIMARY KEY,
    hits BIGINT NOT NULL,
    expires DOUBLE PRECISION NOT NULL
)""",
)
#: every this many attempts a process removes the windows that ended (one row per client and limit)
_PRUNE_EVERY = 200


class RateCounters(StatePart):
    TABLES = _TABLES

    def __init__(self, location: str | Path):
        super().__init__(location)
        self._since_prune = 0

    def hit(self, key: str, window: float, amount: int = 1) -> int:
        """Count `amount` attempts under `key`; its count within the current window, which starts now
        (lasting `window` seconds) if there was none or it had ended."""
        now = time.time()
        self._since_prune += 1
        with self._db.connect() as conn:
            if self._since_prune >= _PRUNE_EVERY:
                self._since_prune = 0
                conn.execute(sql("DELETE FROM rate_counter WHERE expires <= :now"), {"now": now})
            return conn.execute(
                sql(
                    "INSERT INTO rate_counter (key, hits, expires) VALUES (:key, :amount, :expires) "
                    "ON CONFLICT (key) DO UPDATE SET "
                    "hits = CASE WHEN rate_counter.expires <= :now THEN :amount "
                    "ELSE rate_counter.hits + :amount END, "
                    "expires = CASE WHEN rate_counter.expires <= :now THEN :expires "
                    "ELSE rate_counter.expires END "
                    "RETURNING hits"
                ),
                {"key": key, "amount": amount, "now": now, "expires": now + window},
            ).scalar_one()

    def count(self, key: str) -> int:
        """Attempts in the key's current window (0 when it ended or never began)."""
        with self._db.connect() as conn:
            found = conn.execute(
                sql("SELECT hits FROM rate_counter WHERE key = :key AND expires > :now"),
                {"key": key, "now": time.time()},
            ).scalar()
        return int(found or 0)

    def ends(self, key: str) -> float:
        """When the key's current window ends (epoch seconds; now when there is none)."""
        now = time.time()
        with self._db.connect() as conn:
            found = conn.execute(
                sql("SELECT expires FROM rate_counter WHERE key = :key AND expires > :now"),
                {"key": key, "now": now},
            ).scalar()
        return float(found or now)

    def forget(self, key: str | None = None) -> int:
        """End one key's window, or every window (None); how many were removed."""
        with self._db.connect() as conn:
            if key is None:
                return conn.execute(sql("DELETE FROM rate_counter")).rowcount
            return conn.execute(sql("DELETE FROM rate_counter WHERE key = :key"), {"key": key}).rowcount
