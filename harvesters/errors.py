"""Harvest failures that abort a whole source run. Per-record problems are data, not these."""

from hdcat.catalog import HdcatError


class FetchError(HdcatError):
    """The source could not be read: unreachable, refused, timed out, not found."""

    status = 502
    code = "fetch_failed"


class ParseError(HdcatError):
    """What the source sent is not what it should be (broken Turtle, HTML instead of RDF…)."""

    status = 422
    code = "parse_failed"
