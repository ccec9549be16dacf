"""Each dataset's share of the suggesters and the phrases and words they add up to, in SQLite by the index.

An index update after a harvest replaces the shares of the datasets it touched and moves the counts of
their phrases and words: its cost follows the change, not the catalogue. Before, every dataset's share was
one JSON file (105 MB at 100,000 datasets) read and written whole on every update, and both suggesters
built again from all of them: about 5 s of a 1 %-changed re-harvest of 100,000 datasets.

A phrase or word stays while some dataset's share holds it, counted for every dataset and for public
datasets apart: words from consortium-only datasets must never reach anonymous autocomplete. Every write
moves `generation` on, so a process holding a suggester built earlier (the site, beside harvest workers)
knows to build it again. Several processes may share the file (WAL, a busy timeout).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from hdcat.search.suggest import Suggester

#: (the counts are WITHOUT ROWID tables, one b-tree by their key; the shares, a kilobyte or two each, are not)
_SHARE_COLUMNS = "id TEXT PRIMARY KEY, public INTEGER NOT NULL, phrases TEXT NOT NULL, terms TEXT NOT NULL"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS shares ({_SHARE_COLUMNS});
CREATE TABLE IF NOT EXISTS phrases (phrase TEXT PRIMARY KEY, everyone INTEGER NOT NULL,
                                    public INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, everyone INTEGER NOT NULL, public INTEGER NOT NULL)
                                 WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_NEXT_GENERATION = (
    "INSERT INTO meta VALUES ('generation', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1"
)
#: the tables of counts, and their keys, in the order `_counts` gives them
_TABLES = (("phrases", "phrase"), ("terms", "term"))
#: a share's SQL parameters at most a statement (SQLite's bound is 32,766 in the versions shipped now)
_AT_ONCE = 500
#: shares a rebuild holds before it writes them to its staging table
_STAGED_AT_ONCE = 2_000


class SuggesterShares:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- what is kept ----
    @property
    def filled(self) -> bool:
        """Has a rebuild ever written every dataset's share here? Until then an update cannot follow."""
        return self._meta("filled") == 1

    @property
    def generation(self) -> int:
        """Moves on with every write: a suggester built at another generation is out of date."""
        return self._meta("generation") or 0

    def _meta(self, key: str) -> int | None:
        with self._lock:
            found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def suggester(self, public: bool) -> tuple[int, Suggester]:
        """(generation, the suggester of every dataset or of public datasets alone), read in one
        transaction so the two agree."""
        column = "public" if public else "everyone"
        with self._lock:
            self._db.execute("BEGIN")
            try:
                generation = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
                phrases = [p for (p,) in self._db.execute(f"SELECT phrase FROM phrases WHERE {column} > 0")]
                terms = {t for (t,) in self._db.execute(f"SELECT term FROM terms WHERE {column} > 0")}
            finally:
                self._db.execute("COMMIT")
        return (generation[0] if generation else 0), Suggester.with_conditions(phrases, terms)

    # ---- writes ----
    def replace_all(self, shares: dict[str, dict]) -> None:
        """Every dataset's share (a rebuild of the index): what was kept before goes."""
        with self.rebuilding() as rebuild:
            for local_id, share in shares.items():
                rebuild.add(local_id, share)
            rebuild.finish()

    def rebuilding(self) -> SharesRebuild:
        """Every dataset's share, given as a rebuild's pass goes (`add`) and put in place at its end
        (`finish`); used as a context, whose end drops the staged shares whatever happened."""
        return SharesRebuild(self)

    def update(self, gone: Iterable[str], shares: dict[str, dict]) -> None:
        """The datasets in `gone` (touched by a harvest) lose their shares; those in `shares` (written to
        the index again) get theirs. Only their phrases' and words' counts move."""
        ids = sorted(set(gone) | set(shares))
        with self._writing() as db:
            old = []
            for start in range(0, len(ids), _AT_ONCE):
                part = ids[start : start + _AT_ONCE]
                marks = ", ".join("?" * len(part))
                found = db.execute(f"SELECT public, phrases, terms FROM shares WHERE id IN ({marks})", part)
                old += [{"public": p, "phrases": json.loads(f), "terms": json.loads(t)} for p, f, t in found]
                db.execute(f"DELETE FROM shares WHERE id IN ({marks})", part)
            db.executemany("INSERT INTO shares VALUES (?, ?, ?, ?)", (_row(i, s) for i, s in shares.items()))
            moves = zip(_counts(shares.values(), 1), _counts(old, -1), strict=True)
            for (table, key), (added, taken) in zip(_TABLES, moves, strict=True):
                moved = _sum(added, taken)
                db.executemany(
                    f"INSERT INTO {table} VALUES (?, ?, ?) ON CONFLICT({key}) DO UPDATE SET "
                    "everyone = everyone + excluded.everyone, public = public + excluded.public",
                    ((k, e, p) for k, (e, p) in moved.items() if e or p),
                )
                db.executemany(
                    f"DELETE FROM {table} WHERE {key} = ? AND everyone <= 0",
                    ((k,) for k, (e, _) in moved.items() if e < 0),
                )

    @contextmanager
    def _writing(self):
        """One write: immediate (a second writer waits for the first), the generation moved on, all or
        nothing."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute(_NEXT_GENERATION)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


class SharesRebuild:
    """Shares written as a rebuild's pass gives them, to a staging table of this connection (SQLite's TEMP,
    on disk), and put in place in one transaction by `finish`: readers see the old shares or the new, and
    a pass that fails (`abandon`) leaves the old. Only the counts of phrases and words are held in memory;
    every share held until the end of the pass was about 6 KB a dataset (116 MiB of 20,000; gigabytes at
    1,000,000)."""

    def __init__(self, shares: SuggesterShares):
        self._shares = shares
        self._rows: list[tuple] = []
        self._counts = _Counts()
        with shares._lock:
            shares._db.execute("DROP TABLE IF EXISTS temp.staged_shares")
            shares._db.execute(f"CREATE TEMP TABLE staged_shares ({_SHARE_COLUMNS})")

    def add(self, local_id: str, share: dict) -> None:
        self._rows.append(_row(local_id, share))
        self._counts.add(share)
        if len(self._rows) >= _STAGED_AT_ONCE:
            self._stage()

    def _stage(self) -> None:
        with self._shares._lock:
            db = self._shares._db
            db.execute("BEGIN")
            try:
                db.executemany("INSERT OR REPLACE INTO temp.staged_shares VALUES (?, ?, ?, ?)", self._rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        self._rows = []

    def finish(self) -> None:
        self._stage()
        phrases, terms = self._counts.paired(1)
        with self._shares._writing() as db:
            for table in ("shares", "phrases", "terms"):
                db.execute(f"DELETE FROM {table}")
            db.execute("INSERT INTO shares SELECT * FROM temp.staged_shares")
            db.executemany("INSERT INTO phrases VALUES (?, ?, ?)", ((k, *n) for k, n in phrases.items()))
            db.executemany("INSERT INTO terms VALUES (?, ?, ?)", ((k, *n) for k, n in terms.items()))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('filled', 1)")
        # the whole file went through the log: fold it in now, not at a reader's close
        with self._shares._lock:
            self._shares._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def __enter__(self) -> SharesRebuild:
        return self

    def __exit__(self, *exc) -> None:
        self.abandon()

    def abandon(self) -> None:
        """The staged shares go (after `finish`, or instead of it: what was kept before then stays)."""
        self._rows = []
        with self._shares._lock:
            self._shares._db.execute("DROP TABLE IF EXISTS temp.staged_shares")


def _row(local_id: str, share: dict) -> tuple:
    return (
        local_id,
        int(bool(share["public"])),
        json.dumps(sorted(set(share["phrases"])), ensure_ascii=False),
        json.dumps(sorted(set(share["terms"])), ensure_ascii=False),
    )


def _counts(shares: Iterable[dict], sign: int) -> tuple[dict, dict]:
    """phrase → (datasets, public datasets) and term → the same, each dataset counted once per phrase or
    term, times `sign`."""
    counts = _Counts()
    for share in shares:
        counts.add(share)
    return counts.paired(sign)


class _Counts:
    """Shares' phrases and words counted as they come (in C by Counter: a rebuild counts every word of every
    dataset)."""

    def __init__(self):
        self.phrases, self.public_phrases = Counter(), Counter()
        self.terms, self.public_terms = Counter(), Counter()

    def add(self, share: dict) -> None:
        mine, words = set(share["phrases"]), set(share["terms"])
        self.phrases.update(mine)
        self.terms.update(words)
        if share["public"]:
            self.public_phrases.update(mine)
            self.public_terms.update(words)

    def paired(self, sign: int) -> tuple[dict, dict]:
        return _paired(self.phrases, self.public_phrases, sign), _paired(self.terms, self.public_terms, sign)


def _paired(everyone: Counter, public: Counter, sign: int) -> dict:
    return {key: (n * sign, public.get(key, 0) * sign) for key, n in everyone.items()}


def _sum(a: dict, b: dict) -> dict:
    """Two counts of (datasets, public datasets) added key by key."""
    out = dict(a)
    for key, (everyone, public) in b.items():
        e, p = out.get(key, (0, 0))
        out[key] = (e + everyone, p + public)
    return out
