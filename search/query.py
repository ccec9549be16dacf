"""One query model for the site, the API and both backends.

`q` understands free words (Korean or English), "quoted phrases", -exclusions
and field prefixes (title:, column:, code:, keyword:). Words are analysed like
the index (analysis.py) and expanded with synonyms (synonyms.py); backends
turn the resulting clauses into their own queries. Years in `q` ("2019–2023",
"2019~2023년", "2020년") are a period, not words: a dataset matches when the
period its dct:temporal covers overlaps it (period.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hdcat.catalog import Invalid, whole_number
from hdcat.search import synonyms
from hdcat.search.analysis import analyze
from hdcat.search.period import Period, parse_period, split_period

#: field groups a clause may target; `all` searches every text field with weights
FIELD_GROUPS = {
    "all": {"t_title": 3.0, "t_keywords": 2.0, "t_codes": 2.0, "t_text": 1.0, "t_columns": 0.7},
    "title": {"t_title": 1.0},
    "column": {"t_columns": 1.0},
    "code": {"t_codes": 1.0},
    "keyword": {"t_keywords": 1.0},
}
from hdcat.search.facets import FACETS  # noqa: E402,F401  (declared once, in search/facets.py)

#: filter fields no visitor sets or sees: visibility is applied by the service from who is asking
INTERNAL_FILTERS = ("visibility",)
SORTS = ("relevance", "modified", "title")
MAX_Q = 500
MAX_SIZE = 100
MAX_PAGE = 10_000
#: the longest facet value a filter takes
MAX_FILTER_VALUE = 200
#: every value of a facet, for the charts: the engines count at most this many
ALL_FACET_VALUES = 10_000
_TOKEN = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"|(\S+))')
#: an ICD-10 subcategory as analysed ("i21.0"): documents also carry its category, so the query falls
#: back to it ("I21.0" finds a dataset coded I21 when none is coded I21.0 exactly)
_SUBCODE = re.compile(r"^([a-z]\d{2})\.\d+$")


@dataclass(frozen=True)
class Clause:
    """Matches when any alternative phrase occurs in any field of the group."""

    group: str
    alternatives: tuple[tuple[str, ...], ...]
    fuzzy: bool = False  # also accept near spellings of a single Latin word
    prefix: bool = False  # also accept words that start with it (echo → echocardiography)

    @property
    def terms(self) -> set[str]:
        return {t for alt in self.alternatives for t in alt}


@dataclass
class SearchRequest:
    q: str = ""
    must: list[Clause] = field(default_factory=list)
    must_not: list[Clause] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    relaxed: bool = False  # set by a backend that fell back from all-words to any-word
    #: the years the dataset's coverage must overlap, from `period=` or from years in `q`
    period: Period | None = None
    #: the query as words, without the years taken as the period (what removing the period leaves)
    words: str = ""
    #: how many values of each facet are counted: the search page shows the first 100, the charts ask for
    #: every value (a catalogue's years covered can be more than that)
    facet_size: int = 100
    #: the facets counted: the search page's every one, the charts' three
    facet_names: tuple[str, ...] = FACETS

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def highlight_terms(self) -> set[str]:
        return {t for c in self.must for t in c.terms}

    def conditions(self) -> list[tuple[str, list[str]]]:
        """Every filter the engines apply, each (field, values) matching any of its values and all of them
        together: the facet filters, then the period as the years it spans (a dataset's `years_covered`
        lists each year its coverage touches, so any shared year is an overlap)."""
        out = list(self.filters.items())
        if self.period is not None:
            out.append(("years_covered", self.period.years()))
        return out


def _clauses(text: str, group: str, phrase: bool) -> list[Clause]:
    terms = analyze(text)
    if not terms:
        return []
    if phrase:
        return [Clause(group, (tuple(terms),))]
    out = []
    for alternatives in synonyms.expand(terms):
        single = len(alternatives) == 1 and len(alternatives[0]) == 1
        word = alternatives[0][0]
        category = _SUBCODE.match(word) if len(alternatives[0]) == 1 else None
        if category and (category.group(1),) not in alternatives:
            alternatives = (*alternatives, (category.group(1),))  # ranked below the exact code
        latin = single and word.isascii() and word.isalpha()
        out.append(
            Clause(group, alternatives, fuzzy=latin and len(word) >= 5, prefix=latin and len(word) >= 3)
        )
    return out


def parse_query(q: str) -> tuple[list[Clause], list[Clause]]:
    """Clauses of a query string. Runs of plain words are analysed together, so synonyms that span
    words ("heart attack", "lung cancer") are recognised."""
    if len(q) > MAX_Q:
        raise Invalid(f"parameter 'q': at most {MAX_Q} characters", field="q")
    must, must_not, run = [], [], []

    def flush():
        if run:
            must.extend(_clauses(" ".join(run), "all", phrase=False))
            run.clear()

    for negate, prefix, quoted, bare in _TOKEN.findall(q):
        group = "all"
        text = quoted if quoted else bare
        if prefix:
            if prefix.lower() in FIELD_GROUPS:
                group = prefix.lower()
            else:
                text = f"{prefix}:{text}"  # not a field: keep "icd-10:" style text as words
        if not negate and group == "all" and not quoted:
            run.append(text)
            continue
        flush()
        clauses = _clauses(text, group, phrase=bool(quoted))
        (must_not if negate else must).extend(clauses)
    flush()
    return must, must_not


def build_request(args: dict) -> SearchRequest:
    """A SearchRequest from query-string arguments; Invalid names the parameter that is wrong."""
    args = dict(args)
    q = (args.pop("q", "") or "").strip()
    if len(q) > MAX_Q:
        raise Invalid(f"parameter 'q': at most {MAX_Q} characters", field="q")
    # `period=` wins over years in the words; either way the years are not searched as words
    words, in_text = split_period(q)
    period = parse_period(args.pop("period", "") or "", field="period") or in_text
    must, must_not = parse_query(words)
    sort = args.pop("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise Invalid(f"parameter 'sort': use one of {', '.join(SORTS)}", field="sort")
    page = whole_number(args.pop("page", 1), "page", 1, MAX_PAGE)
    size = whole_number(args.pop("size", 20), "size", 1, MAX_SIZE)
    filters: dict[str, list[str]] = {}
    for key, values in args.items():
        if key in ("format",):
            continue
        if key not in FACETS:
            raise Invalid(f"parameter {key!r}: unknown; filters are {', '.join(FACETS)}", field=key)
        values = values if isinstance(values, list) else [values]
        clean = [v for v in values if v]
        for v in clean:
            if len(v) > MAX_FILTER_VALUE:
                raise Invalid(f"parameter {key!r}: value too long", field=key)
        if clean:
            filters[key] = clean
    return SearchRequest(
        q=q,
        must=must,
        must_not=must_not,
        filters=filters,
        sort=sort,
        page=page,
        size=size,
        period=period,
        words=words,
    )
