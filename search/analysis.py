"""Text analysis shared by both search backends, so they find exactly the same things.

Korean is analysed as it is written: particles and endings attached to a noun
(폐암의, 심부전으로) are split off by kiwipiepy's morphological analyser, and
compounds (폐암환자) split into their nouns. Latin-script words are lower-cased
and stemmed (Snowball English). Codes such as C34 or I50.9 stay whole.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

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
    """kiwipiepy's model loads in about a second: once per process, on first use."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def load_in_background() -> None:
    """Start loading the model in a thread of its own, for a command that will analyse text after other
    work (a harvest that found changes parses, imports and commits before it indexes; a reindex reads every
    record first): the loading is native code that runs beside that work, and the first analysis waits for
    it instead of starting it. Not a daemon thread: the process ends after the load, never inside it."""
    if _kiwi is None:
        threading.Thread(target=_get_kiwi, name="kiwi-load").start()


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
