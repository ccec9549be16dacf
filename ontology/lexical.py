"""Literals as they came: hdcat never rewrites a literal's lexical form, and knows which forms are valid.

RDF 1.1 makes a literal's lexical form part of the term: `"1.50"^^xsd:decimal` and `"1.5"^^xsd:decimal`
are different terms, `"2024-01-02T03:04:05Z"` is not written `+00:00`, and a
`xsd:nonNegativeInteger` stays one. rdflib rewrites lexical forms to its canonical ones unless told not to
(`rdflib.NORMALIZE_LITERALS`); this module turns that off for the whole process, once (and keeps
pyshacl from turning it back on), because hdcat publishes what its sources published.

Two more rules live here:

- A simple literal is written `"x"`, never `"x"^^xsd:string`: RDF 1.1 says they are the same term, but
  rdflib (and oxrdflib's conversion from Oxigraph) keep them apart. `plain` makes every simple literal
  rdflib's datatype-less one.
- A value that is not valid for its datatype (`"2021-02-30"^^xsd:date`, `"12x"^^xsd:integer`,
  `"yes"^^xsd:boolean`)
  is recognised by `literal_problem`, from the XML Schema 1.1 lexical spaces, one checker per datatype
  (`CHECKS`, a registry: a datatype not in it is accepted as it is). rdflib's own `ill_typed` is not
  used: it accepts forms XML Schema does not (`20240102T030405Z` as a dateTime) and would then publish
  them as a different lexical form.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
from collections.abc import Callable

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

rdflib.NORMALIZE_LITERALS = False


def keep_through_pyshacl() -> None:
    """pyshacl turns normalisation off while it validates and then *on* (pyshacl/monkey's
    rdflib_bool_unpatch sets `NORMALIZE_LITERALS = True`), so after the first SHACL check every literal
    read was rewritten again. Its undo step is wrapped to leave the setting as hdcat needs it. Done on
    first use (`shacl_validate`), not at import: importing pyshacl costs every command 0.2 s, and most
    never validate with it."""
    import pyshacl.entrypoints as entrypoints

    undo = entrypoints.rdflib_bool_unpatch
    if getattr(undo, "keeps_lexical_forms", False):
        return

    def rdflib_bool_unpatch():
        undo()
        rdflib.NORMALIZE_LITERALS = False

    rdflib_bool_unpatch.keeps_lexical_forms = True
    entrypoints.rdflib_bool_unpatch = rdflib_bool_unpatch


def shacl_validate(*args, **kwargs):
    """pyshacl's `validate`, leaving literals as they came (see `keep_through_pyshacl`): every SHACL check
    hdcat runs with pyshacl goes through here."""
    import pyshacl

    keep_through_pyshacl()
    return pyshacl.validate(*args, **kwargs)


def plain(term):
    """`term`, with `"x"^^xsd:string` made the simple literal `"x"` (the same RDF term, written plainly)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


class Converted(dict):
    """term → what `convert` makes of it, made on the first look-up (`converted[term]`) and then found by
    dict's own look-up, with no Python call: a graph's predicates, types, code-list concepts and agents occur
    on every record, and converting each occurrence (to rdflib terms, to N-Triples text) was a large part of
    reading or hashing a page. Past `limit` entries it starts again empty (a long-lived cache)."""

    __slots__ = ("convert", "limit")

    def __init__(self, convert, limit: int | None = None):
        super().__init__()
        self.convert, self.limit = convert, limit

    def __missing__(self, term):
        if self.limit is not None and len(self) >= self.limit:
            self.clear()
        found = self[term] = self.convert(term)
        return found


def from_oxigraph(node):
    """An Oxigraph term as an rdflib term, its lexical form as written; a simple literal without its
    implicit xsd:string."""
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if isinstance(node, ox.BlankNode):
        return BNode(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    return plain(Literal(node.value, datatype=URIRef(node.datatype.value)))


# ---- XML Schema 1.1 lexical spaces (https://www.w3.org/TR/xmlschema11-2/) ------------------------------
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))"
_YEAR = r"-?(?:[1-9]\d{3,}|0\d{3})"
_TIME = r"(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?|24:00:00(?:\.0+)?)"
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN")
_DATE_TIME = re.compile(rf"({_YEAR})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T{_TIME}({_TZ})?")
_DATE = re.compile(rf"({_YEAR})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]){_TZ}?")
_DURATION = re.compile(
    r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"
)
_DAY_TIME_DURATION = re.compile(r"-?P(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?")
_YEAR_MONTH_DURATION = re.compile(r"-?P(?:\d+Y(?:\d+M)?|\d+M)")


def _matches(pattern: str | re.Pattern) -> Callable[[str], bool]:
    compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
    return lambda text: compiled.fullmatch(text) is not None


def _day_exists(year: str, month: str, day: str) -> bool:
    """XML Schema's day-of-month constraint: no 30 February, 31 April…; year 0000 is a leap year (1 BCE)."""
    y = int(year)
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return int(day) <= calendar.monthrange(2000 if leap else 2001, int(month))[1]


def _dated(pattern: re.Pattern) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        found = pattern.fullmatch(text)
        return found is not None and _day_exists(*found.group(1, 2, 3))

    return check


def _integer(low: int | None = None, high: int | None = None) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        if not _INTEGER.fullmatch(text):
            return False
        value = int(text)
        return (low is None or value >= low) and (high is None or value <= high)

    return check


def _month_day(text: str) -> bool:
    found = re.fullmatch(rf"--(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]){_TZ}?", text)
    return found is not None and _day_exists("2000", *found.group(1, 2))  # 29 February is a valid gMonthDay


def _base64(text: str) -> bool:
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


#: datatype → does this lexical form belong to its lexical space? A datatype not listed is not checked.
CHECKS: dict = {
    XSD.boolean: _matches(r"true|false|1|0"),
    XSD.decimal: _matches(_DECIMAL),
    XSD.integer: _integer(),
    XSD.nonNegativeInteger: _integer(low=0),
    XSD.positiveInteger: _integer(low=1),
    XSD.nonPositiveInteger: _integer(high=0),
    XSD.negativeInteger: _integer(high=-1),
    XSD.long: _integer(-(2**63), 2**63 - 1),
    XSD.int: _integer(-(2**31), 2**31 - 1),
    XSD.short: _integer(-(2**15), 2**15 - 1),
    XSD.byte: _integer(-(2**7), 2**7 - 1),
    XSD.unsignedLong: _integer(0, 2**64 - 1),
    XSD.unsignedInt: _integer(0, 2**32 - 1),
    XSD.unsignedShort: _integer(0, 2**16 - 1),
    XSD.unsignedByte: _integer(0, 2**8 - 1),
    XSD.float: _matches(_FLOAT),
    XSD.double: _matches(_FLOAT),
    XSD.dateTime: _dated(_DATE_TIME),
    XSD.dateTimeStamp: lambda text: (
        _dated(_DATE_TIME)(text) and _DATE_TIME.fullmatch(text).group(4) is not None
    ),
    XSD.date: _dated(_DATE),
    XSD.time: _matches(rf"{_TIME}{_TZ}?"),
    XSD.gYear: _matches(rf"{_YEAR}{_TZ}?"),
    XSD.gYearMonth: _matches(rf"{_YEAR}-(?:0[1-9]|1[0-2]){_TZ}?"),
    XSD.gMonth: _matches(rf"--(?:0[1-9]|1[0-2]){_TZ}?"),
    XSD.gDay: _matches(rf"---(?:0[1-9]|[12]\d|3[01]){_TZ}?"),
    XSD.gMonthDay: _month_day,
    XSD.duration: _matches(_DURATION),
    XSD.dayTimeDuration: _matches(_DAY_TIME_DURATION),
    XSD.yearMonthDuration: _matches(_YEAR_MONTH_DURATION),
    XSD.hexBinary: _matches(r"(?:[0-9a-fA-F]{2})*"),
    XSD.base64Binary: _base64,
    XSD.language: _matches(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*"),
}


def literal_problem(term) -> str | None:
    """Why `term` is not a valid value of its datatype ("not a valid xsd:date"), or None when it is (or
    is not a literal, or has a datatype hdcat does not check)."""
    if not isinstance(term, Literal) or term.datatype is None or term.datatype == RDF.langString:
        return None
    check = CHECKS.get(term.datatype)
    if check is None or check(str(term)):
        return None
    name = str(term.datatype).removeprefix(str(XSD))
    return f"not a valid {'xsd:' + name if name != str(term.datatype) else '<' + name + '>'}"
