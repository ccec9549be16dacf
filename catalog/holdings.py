"""Holdings: how many datasets a listing holds by disease area, data type and the years they cover.

The home and hospital pages chart these figures. They are counted from the read-model records (the
same records pages and the search index are built from), so a chart says what the listing and the
search facets say: a dataset in two disease areas counts in both areas, one with none is
"unclassified", one with no stated period is counted apart from the years. For the home page's table,
whose rows must add up, `by_area_once` puts every dataset in exactly one column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

#: the column of datasets without any disease area / data type / stated period
UNCLASSIFIED = "unclassified"
UNKNOWN = "unknown"
#: the column of datasets in two or more disease areas, in the table whose rows add up
SEVERAL = "several"
#: a period longer than this is taken as a typo and cut to this many years after its start
LONGEST_PERIOD = 100


def _notation(concept: dict) -> str:
    return concept.get("notation") or concept["iri"].rstrip("/#").rsplit("/", 1)[-1]


def years_covered(start: str | None, end: str | None) -> list[int]:
    """Every calendar year a dct:temporal period touches (its start and end as written, dates or years); an
    open or backwards end is the start year alone; none when the start is not stated."""
    first, last = (start or "")[:4], (end or "")[:4]
    if not first.isdigit():
        return []
    first_year = int(first)
    last_year = int(last) if last.isdigit() and int(last) >= first_year else first_year
    return list(range(first_year, min(last_year, first_year + LONGEST_PERIOD) + 1))


class Tally:
    """The figures of a listing counted a record at a time: one pass over the records can count the whole
    catalogue and every hospital's listing at once (the home page counted each again, and at 100,000
    datasets every hospital's pass built its records again: 122 s beside the whole catalogue's 102 s)."""

    def __init__(self):
        self.total = 0
        self.hospitals: Counter = Counter()
        self.areas: Counter = Counter()
        self.once: Counter = Counter()
        self.types: Counter = Counter()
        self.years: Counter = Counter()
        self.no_period = 0

    def add(self, r: dict) -> None:
        self.total += 1
        self.hospitals[(r.get("hospital") or {}).get("id") or "external"] += 1
        found = sorted({_notation(a) for a in r.get("disease_areas", [])})
        self.areas.update(found or [UNCLASSIFIED])
        self.once[found[0] if len(found) == 1 else SEVERAL if found else UNCLASSIFIED] += 1
        self.types.update(sorted({_notation(t) for t in r.get("data_types", [])}) or [UNKNOWN])
        covered = years_covered(r.get("temporal_start"), r.get("temporal_end"))
        self.years.update(covered)
        self.no_period += not covered

    def figures(self) -> dict:
        return {
            "total": self.total,
            "hospitals": dict(self.hospitals.most_common()),
            "disease_areas": dict(self.areas.most_common()),
            "disease_areas_once": dict(self.once.most_common()),
            "data_types": dict(self.types.most_common()),
            "years": dict(sorted(self.years.items())),
            "no_period": self.no_period,
        }


def tally(records: Iterable[dict]) -> dict:
    """The figures of a listing from its records: the total, datasets by hospital, by disease area (a dataset
    in each of its areas), by disease area once (each dataset in one column: its area, SEVERAL or
    UNCLASSIFIED), by data type, by year covered, and how many state no period."""
    counted = Tally()
    for r in records:
        counted.add(r)
    return counted.figures()
