"""Text analysis shared by both search backends, so they find exactly the same things.

Korean is analysed as it is written: particles and endings attached to a noun
(폐암의, 심부전으로) are split off by kiwipiepy's morphological analyser, and
compounds (폐암환자) split into their nouns. Latin-script words are lower-cased
and stemmed (Snowball English). Codes such as C34 or I50.9 stay whole.
"""

from __future__ import annotations

import atexit
import contextlib
import re
import threading
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from hdcat.catalog import my_turn

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_CODE = re.compile(r"^[A-Za-z]\d{2}(?:\.\d{1,4})?$")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'][A-Za-z0-9]+)*")
#: kiwi tags kept: nouns, foreign words, numbers, roots, verb/adjective stems
_KEEP = {"NNG", "NNP", "NNB", "NR", "SL", "SH", "SN", "XR", "VV", "VA", "MAG"}
#: snowballstemmer's stemmers keep the word being stemmed on the object, so one shared between threads
#: hands one thread another's word (a query stemmed during a rebuild put "zebrafish" into other datasets'
#: documents): each thread has its own
_stemmers = threading.local()
_STOP = {
    "the",
    "and",
    "of",
    "a",
    "an",
    "in",
    "on",
    "for",
    "with",
    "to",
    "by",
    "or",
    "from",
    "at",
    "is",
    "are",
    "be",
    "as",
    "this",
    "that",
    "its",
    "it",
}

_kiwi = None
_kiwi_lock = threading.Lock()


def _get_kiwi():
    """kiwipiepy's model: about 1.5 s to load and 2.5 s more for its first analysis (measured here), once
    per process, on the first Korean word no cache knows."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                kiwi = Kiwi()
                kiwi.tokenize("폐암")  # the first analysis finishes loading the model
                _kiwi = kiwi
    return _kiwi


class KoreanTerms:
    """Every Korean word analysed so far and its terms, in a SQLite file beside the index (issue 16).

    A re-harvest indexes the few datasets that changed, and a reindex the same text as before: nearly all
    their Korean words were analysed already, by this process or an earlier one. Asking this file first
    means a process whose words are all known never loads the model, which cost a 1 %-changed re-harvest
    about a third of its time. The terms depend only on the word, kiwipiepy's version and the tags kept:
    when those change the file starts again empty. Writes are batched; `flush` (and the process's end)
    commits them. Several processes may share the file (WAL, a busy timeout; a word written twice is
    written once)."""

    BATCH = 500

    def __init__(self, path: Path):
        import sqlite3
        from importlib.metadata import version

        self.path = path
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str]] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS terms (word TEXT PRIMARY KEY, terms TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        made_by = f"kiwipiepy {version('kiwipiepy')}; {' '.join(sorted(_KEEP))}"
        found = self._db.execute("SELECT value FROM meta WHERE key = 'made_by'").fetchone()
        if found is None or found[0] != made_by:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM terms")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('made_by', ?)", (made_by,))
            self._db.execute("COMMIT")
        atexit.register(self.flush)

    def known(self) -> bool:
        """Does the file hold any word yet?"""
        with self._lock:
            return self._db.execute("SELECT 1 FROM terms LIMIT 1").fetchone() is not None

    def get(self, word: str) -> tuple[str, ...] | None:
        with self._lock:
            found = self._db.execute("SELECT terms FROM terms WHERE word = ?", (word,)).fetchone()
        if found is None:
            return None
        return tuple(found[0].split("\t")) if found[0] else ()

    def put(self, word: str, terms: tuple[str, ...]) -> None:
        with self._lock:
            self._pending.append((word, "\t".join(terms)))
            full = len(self._pending) >= self.BATCH
        if full:
            self.flush()

    def flush(self) -> None:
        import sqlite3

        with self._lock:
            pending, self._pending = self._pending, []
            if not pending:
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT OR IGNORE INTO terms VALUES (?, ?)", pending)
                self._db.execute("COMMIT")
            except sqlite3.Error:  # a cache: a write that fails (disk, permissions) costs only speed
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")


_terms: KoreanTerms | None = None


def use_terms_file(path: Path) -> KoreanTerms:
    """Keep this process's Korean analyses in `path` (the search folder's; Search opens it)."""
    global _terms
    if _terms is None or _terms.path != path:
        if _terms is not None:
            _terms.flush()
        _terms = KoreanTerms(path)
    return _terms


def flush_terms() -> None:
    if _terms is not None:
        _terms.flush()


def load_in_background(terms_file: Path | None = None) -> None:
    """Start loading the model in a thread of its own, for a command that will analyse text after other
    work (a harvest that found changes parses, imports and commits before it indexes; a reindex reads every
    record first). Skipped when `terms_file` already knows words: the model may then never be needed, and
    loading it is native code that holds the interpreter's lock most of the time (the work beside it
    crawled at a tenth of its speed, measured here), so it is not free even in a thread. Not a daemon
    thread: the process ends after the load, never inside it."""
    if _kiwi is not None:
        return
    if terms_file is not None and terms_file.exists() and use_terms_file(terms_file).known():
        return
    threading.Thread(target=_load_on_its_turn, name="kiwi-load").start()


def _load_on_its_turn() -> None:
    """The load takes its turn with the harvest's threads (catalog/turns.py): it runs while they wait for
    downloads, and never beside their parsing, which it would slow down more than it gains."""
    with my_turn():
        _get_kiwi()


@lru_cache(maxsize=65536)
def _latin(word: str) -> str | None:
    if _CODE.match(word):
        return word.lower()
    lower = word.lower()
    if lower in _STOP:
        return None
    return _stem(lower) if lower.isalpha() else lower


def _stem(word: str) -> str:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)


@lru_cache(maxsize=65536)
def _korean(chunk: str) -> tuple[str, ...]:
    if _terms is not None:
        known = _terms.get(chunk)
        if known is not None:
            return known
    out = _analyse_korean(chunk)
    if _terms is not None:
        _terms.put(chunk, out)
    return out


def _analyse_korean(chunk: str) -> tuple[str, ...]:
    out = []
    for token in _get_kiwi().tokenize(chunk):
        if token.tag in _KEEP:
            form = token.form.lower()
            if token.tag == "SL":
                form = _latin(token.form) or ""
            if form:
                out.append(form)
    return tuple(out)


def analyze(text: str | None) -> list[str]:
    """Index and query terms of a text, in order (phrases rely on the order)."""
    if not text:
        return []
    terms: list[str] = []
    for chunk in text.split():
        if _HANGUL.search(chunk):
            terms.extend(_korean(chunk))
        else:
            for word in _WORD.findall(chunk):
                term = _latin(word)
                if term:
                    terms.append(term)
    return terms


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> frozenset[str]:
    """Terms of one whitespace-separated word (highlighting asks this for every word it shows)."""
    return frozenset(analyze(word))


def analyzed(text: str | None) -> str:
    """The analysed terms joined by spaces: what both engines index with a whitespace tokenizer."""
    return " ".join(analyze(text))
