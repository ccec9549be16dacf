"""Autocomplete and 'did you mean', from the words of titles, keywords and concept names.

Kept beside the index (search.suggester_shares) and updated with it, so it is the same
whichever engine answers the searches.
"""

from __future__ import annotations

import bisect
import difflib
import re

from hdcat.ontology import conditions_graph
from hdcat.search.analysis import analyze
from rdflib import Literal
from rdflib.namespace import SKOS

_SPLIT = re.compile(r"[\s,;:()\[\]/·]+")


class Suggester:
    def __init__(self, phrases: list[str] | None = None, terms: set[str] | None = None):
        self.phrases = sorted(set(phrases or []), key=str.lower)
        self._keys = [p.lower() for p in self.phrases]
        self.terms = set(terms or [])
        self.words = sorted(
            {
                w.lower()
                for p in self.phrases
                for w in _SPLIT.split(p)
                if len(w) >= 3 and w.isascii() and w.isalpha()
            }
        )

    @classmethod
    def with_conditions(cls, phrases, terms) -> Suggester:
        """These phrases and words (search.suggester_shares adds them up from every dataset's share), plus
        the condition names every catalogue knows."""
        phrases = list(phrases)
        graph = conditions_graph()
        for predicate in (SKOS.prefLabel, SKOS.altLabel):
            phrases += [str(o) for o in graph.objects(None, predicate) if isinstance(o, Literal)]
        return cls(phrases, terms)

    def complete(self, prefix: str, limit: int = 10) -> list[str]:
        key = prefix.strip().lower()
        if not key:
            return []
        start = bisect.bisect_left(self._keys, key)
        out = []
        for i in range(start, len(self._keys)):
            if not self._keys[i].startswith(key):
                break
            out.append(self.phrases[i])
            if len(out) >= limit:
                return out
        # then matches inside a phrase (Korean compounds)
        for phrase, low in zip(self.phrases, self._keys, strict=True):
            if len(out) >= limit:
                break
            if key in low and phrase not in out:
                out.append(phrase)
        return out

    def correct(self, q: str) -> str | None:
        changed, words = False, []
        for word in q.split():
            terms = analyze(word)
            if (
                len(terms) == 1
                and terms[0] not in self.terms
                and word.isascii()
                and word.isalpha()
                and len(word) >= 4
            ):
                close = difflib.get_close_matches(word.lower(), self.words, n=1, cutoff=0.75)
                if close:
                    words.append(close[0])
                    changed = True
                    continue
            words.append(word)
        return " ".join(words) if changed else None


def contribution(doc: dict) -> dict:
    """One search document's share of the suggesters: kept per dataset (search.suggester_shares) so that
    an update after a harvest replaces only the changed datasets' shares."""
    summary = doc["summary"]
    phrases = [t for t in summary.get("titles", {}).values() if t] + list(summary.get("keywords", []))
    terms = set()
    for name in ("t_title", "t_keywords", "t_text", "t_codes", "t_columns"):
        terms.update(doc[name].split())
    return {"phrases": phrases, "terms": sorted(terms), "public": doc["visibility"] == ["public"]}
