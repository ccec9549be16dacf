"""Holdings: the rules by which a dataset counts under a disease area and in the years it covers.

The home and hospital pages chart datasets by disease area, data type and year covered. The search
engine counts them (search.Search.holdings: its facets, over every dataset at once), and the facets read a
record's years with `years_covered` here, so a chart says what the search page says when its bar is
followed: a dataset in two disease areas counts in both, one with none is "unclassified", one with no
stated period is counted apart from the years. The home page's table, whose rows must add up, puts every
dataset in exactly one column (`with_area`); its figures come from the catalogue's rows per graph
(catalog.Datasets.stats).
"""

from __future__ import annotations

#: the column of datasets without any disease area
UNCLASSIFIED = "unclassified"
#: the column of datasets in two or more disease areas, in the table whose rows add up
SEVERAL = "several"
#: a period longer than this is taken as a typo and cut to this many years after its start
LONGEST_PERIOD = 100


def years_covered(start: str | None, end: str | None) -> list[int]:
    """Every calendar year a dct:temporal period touches (its start and end as written, dates or years); an
    open or backwards end is the start year alone; none when the start is not stated."""
    first, last = (start or "")[:4], (end or "")[:4]
    if not first.isdigit():
        return []
    first_year = int(first)
    last_year = int(last) if last.isdigit() and int(last) >= first_year else first_year
    return list(range(first_year, min(last_year, first_year + LONGEST_PERIOD) + 1))


def with_area(column: str | None, area: str) -> str:
    """The home table's column of a dataset once one more of its disease areas (a notation) is known, from
    the column of those known before (None: none yet): its one area, or SEVERAL. A dataset with none is in
    UNCLASSIFIED. So a row adds up to its total."""
    return area if column is None or column == area else SEVERAL
