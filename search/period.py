"""A period of years asked for in a search: `period=2019-2023` or years written in the query.

Researchers ask for data by the years it covers ("heart failure echo 2019–2023", "2020년 폐암"). Taken as
words, "2019" would only find datasets whose text happens to hold that number; taken as a period it finds
every dataset whose dct:temporal coverage overlaps it, which is what was meant.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hdcat.catalog import Invalid

FIRST_YEAR = 1900
#: a period is at most this many years: an open start reaches back to FIRST_YEAR
_YEAR = r"(?:19|20)\d{2}"
_DASH = r"\s*(?:[-–—~]|to|부터|에서)\s*"
#: "2019-2023", "2019 – 2023", "2019~2023년", "2019년부터 2023년까지", "2019 to 2023"
_RANGE = re.compile(rf"(?<![\w.:/-])({_YEAR})(?:년)?{_DASH}({_YEAR})(?:년)?(?:까지)?(?![\w.:/-])")
#: a year standing alone ("2020", "2020년"), not part of a code, an identifier or a phrase
_SINGLE = re.compile(rf"(?<![\w.:/\"-])({_YEAR})(?:년)?(?![\w.:/\"-])")
#: what `period=` takes: "2019-2023", "2019", "2019-" (from 2019 on), "-2023" (up to 2023); "" or "-" is no
#: period. The API's schema gives the same pattern, so a request it calls valid is never refused
PERIOD_PATTERN = r"^ *(?:(?:19|20)[0-9]{2})? *(?:[-–~] *(?:(?:19|20)[0-9]{2})?)? *$"
_PARAM = re.compile(r"^ *((?:19|20)[0-9]{2})? *([-–~])? *((?:19|20)[0-9]{2})? *$")


def _last_year() -> int:
    return dt.date.today().year + 10


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    def years(self) -> list[str]:
        return [str(y) for y in range(self.start, self.end + 1)]

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}–{self.end}"


def _period(start: int, end: int) -> Period:
    return Period(min(start, end), max(start, end))


def parse_period(text: str, field: str = "period") -> Period | None:
    """`period=` as a visitor wrote it; Invalid names the parameter when it is not a year or a range."""
    if not text:
        return None
    # spaces only (not \s, which JSON Schema's and Python's regexes read differently: U+FEFF is one in
    # JSON Schema and not in Python), so the API's pattern and this check agree on every string
    match = _PARAM.match(text) if re.match(PERIOD_PATTERN, text) else None
    if not match:
        raise Invalid(
            f"parameter {field!r}: {text[:40]!r} is not a year or a range of years "
            "(2019, 2019-2023, 2019-, -2023)",
            field=field,
        )
    start, dash, end = match.groups()
    if not start and not end:
        return None  # "-": no bound on either side
    if not dash:
        return Period(int(start), int(start))
    return _period(int(start) if start else FIRST_YEAR, int(end) if end else _last_year())


def split_period(q: str) -> tuple[str, Period | None]:
    """The query without its years, and the period they make (the first range, else the span of the single
    years named). Quoted phrases keep their years: "cohort 2019" in quotes is text."""
    quoted = re.findall(r'"[^"]*"', q)
    masked = re.sub(r'"[^"]*"', "\0", q)  # each phrase out of the way, put back in order after
    rest, period = _split(masked)
    for phrase in quoted:
        rest = rest.replace("\0", phrase, 1)
    return rest, period


def _split(q: str) -> tuple[str, Period | None]:
    found = _RANGE.search(q)
    if found:
        rest = q[: found.start()] + " " + q[found.end() :]
        return " ".join(rest.split()), _period(int(found.group(1)), int(found.group(2)))
    singles = [int(m.group(1)) for m in _SINGLE.finditer(q)]
    if not singles:
        return q, None
    return " ".join(_SINGLE.sub(" ", q).split()), Period(min(singles), max(singles))
