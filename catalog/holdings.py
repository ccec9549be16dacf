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


def tally(records: Iterable[dict]) -> dict:
    """The figures of a listing from its records: the total, datasets by hospital, by disease area (a dataset
    in each of its areas), by disease area once (each dataset in one column: its area, SEVERAL or
    UNCLASSIFIED), by data type, by year covered, and how many state no period."""
    total = 0
    hospitals: Counter = Counter()
    areas: Counter = Counter()
    once: Counter = Counter()
    types: Counter = Counter()
    years: Counter = Counter()
    no_period = 0
    for r in records:
        total += 1
        hospitals[(r.get("hospital") or {}).get("id") or "external"] += 1
        found = sorted({_notation(a) for a in r.get("disease_areas", [])})
        areas.update(found or [UNCLASSIFIED])
        once[found[0] if len(found) == 1 else SEVERAL if found else UNCLASSIFIED] += 1
        types.update(sorted({_notation(t) for t in r.get("data_types", [])}) or [UNKNOWN])
        covered = years_covered(r.get("temporal_start"), r.get("temporal_end"))
        years.update(covered)
        no_period += not covered
    return {
        "total": total,
        "hospitals": dict(hospitals.most_common()),
        "disease_areas": dict(areas.most_common()),
        "disease_areas_once": dict(once.most_common()),
        "data_types": dict(types.most_common()),
        "years": dict(sorted(years.items())),
        "no_period": no_period,
    }
