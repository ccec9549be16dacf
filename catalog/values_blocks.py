"""SPARQL VALUES blocks of a bounded size, for queries that name an unbounded number of terms.

Oxigraph joins a small VALUES table with the rest of the pattern by looking each value up, and a larger
one by reading the whole pattern: at 100,000 datasets the rows of 1,000 named datasets came in 0.07 s and
those of 1,200 in 6.5 s; the shared-dataset check of 2,000 datasets took 25 s against 0.1 s for 1,000
(bench/results/pipeline.md, "VALUES"). A 1 %-changed re-harvest of 100,000 datasets names about 1,000
to 2,000, so every such query names its terms in parts well below where the plan turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

#: terms a VALUES block names at most
VALUES_AT_ONCE = 500


def in_parts(texts: Iterable[str], size: int | None = None) -> Iterator[str]:
    """The terms' SPARQL text (`<iri>` or a literal's n3 form), `size` (VALUES_AT_ONCE) at a time, each part
    joined by spaces for one VALUES block; nothing for no terms."""
    size = size or VALUES_AT_ONCE
    part: list[str] = []
    for text in texts:
        part.append(text)
        if len(part) >= size:
            yield " ".join(part)
            part = []
    if part:
        yield " ".join(part)
