"""Synonym groups drawn from the code lists: every label and code of one concept finds the others.

Sources: the disease-area scheme (codelists.ttl) and the condition list
(conditions.ttl: ICD-10 / KCD codes with Korean and English names). Each group
is a set of analysed phrases; a query phrase in a group matches any of them.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from hdcat.ontology import DISEASE_AREA, codelists_graph, conditions_graph
from hdcat.search.analysis import analyze
from rdflib import Literal
from rdflib.namespace import RDF, SKOS

#: the groups are made once a process, by the first search; the searches that arrive meanwhile wait for it
#: instead of each making them too (16 at once under the interpreter lock took 2.4 s each: the p99 of search
#: in bench/results/load.md)
_making = threading.RLock()


def groups() -> tuple[frozenset, ...]:
    with _making:
        return _groups()


@lru_cache(maxsize=1)
def _groups() -> tuple[frozenset, ...]:
    out = []
    for graph, only in ((conditions_graph(), None), (codelists_graph(), str(DISEASE_AREA))):
        for concept in graph.subjects(RDF.type, SKOS.Concept):
            if only and not str(concept).startswith(only):
                continue
            phrases = set()
            for predicate in (SKOS.prefLabel, SKOS.altLabel, SKOS.notation):
                for label in graph.objects(concept, predicate):
                    if isinstance(label, Literal):
                        terms = tuple(analyze(str(label)))
                        if terms:
                            phrases.add(terms)
            if len(phrases) > 1:
                out.append(frozenset(phrases))
    return tuple(out)


def _index() -> dict[tuple, set]:
    """phrase → every phrase it is synonymous with (itself included)."""
    with _making:
        return _made_index()


@lru_cache(maxsize=1)
def _made_index() -> dict[tuple, set]:
    index: dict[tuple, set] = {}
    for group in groups():
        for phrase in group:
            index.setdefault(phrase, set()).update(group)
    return index


def max_len() -> int:
    return max((len(p) for p in _index()), default=1)


def expand(terms: list[str]) -> list[tuple[tuple[str, ...], ...]]:
    """Split analysed query terms into spans; each span is a tuple of alternative phrases.

    Greedy longest match, so "lung cancer" is one span (with 폐암 and c34), not two words.
    """
    index = _index()
    longest = max_len()
    spans = []
    i = 0
    while i < len(terms):
        for size in range(min(longest, len(terms) - i), 0, -1):
            phrase = tuple(terms[i : i + size])
            if phrase in index:
                alternatives = sorted(index[phrase], key=lambda p: (p != phrase, len(p), p))
                spans.append(tuple(alternatives))
                i += size
                break
        else:
            spans.append(((terms[i],),))
            i += 1
    return spans
