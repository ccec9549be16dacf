"""Privacy checks every harvested record passes through: metadata only, nothing that names a person.

- Text that looks like a Korean resident registration number (주민등록번호, YYMMDD-NNNNNNN), a
  Korean mobile phone number or a passport number is redacted, and the record is flagged
  (hdcat:redacted) and reported on the run.
- Aggregate counts below the consortium's threshold are not stored: the number is dropped and the
  dataset says which count was suppressed (hdcat:suppressed), so pages show "<10", never the value.
"""

from __future__ import annotations

import re

from hdcat.catalog import HarvestRun
from hdcat.ontology import HDCAT, HEALTH
from rdflib import Literal
from rdflib.namespace import RDF, XSD

PATTERNS = {
    "a resident registration number": re.compile(
        r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?-\s?[1-8]\d{6}(?!\d)"
    ),
    "a mobile phone number": re.compile(r"(?<!\d)01[016789][-.\s]?\d{3,4}[-.\s]?\d{4}(?!\d)"),
    "a passport number": re.compile(r"(?<![A-Za-z0-9])[MSRODG]\d{8}(?![A-Za-z0-9])"),
}
COUNTS = (HEALTH.numberOfUniqueIndividuals, HEALTH.numberOfRecords)
_TEXT = {None, XSD.string, RDF.langString}


def redact_text(text: str) -> tuple[str, list[str]]:
    found = []
    for what, pattern in PATTERNS.items():
        if pattern.search(text):
            found.append(what)
            text = pattern.sub("[redacted]", text)
    return text, found


def protect(triples: list, dataset, label: str, threshold: int, run: HarvestRun, qname=str) -> list:
    """One record's triples with identifiers redacted and small counts suppressed (a new list).

    Works on the record's triples rather than a Graph: the import stage builds no graph per record,
    which was a third of a harvest's time (bench/results/pipeline.md). `qname` shortens property IRIs
    in the run's warnings."""
    out, flags = [], []
    for s, p, o in triples:
        if isinstance(o, Literal) and o.datatype in _TEXT:
            clean, found = redact_text(str(o))
            if found:
                o = Literal(clean, lang=o.language, datatype=o.datatype)
                flags.append((dataset, HDCAT.redacted, Literal(True)))
                run.warn(f"{label}: redacted {', '.join(found)} in {qname(p)}")
        if s == dataset and p in COUNTS and _below(o, threshold):
            flags.append((dataset, HDCAT.suppressed, p))
            run.warn(f"{label}: {qname(p)} below {threshold} suppressed")
            continue
        out.append((s, p, o))
    return out + [f for i, f in enumerate(flags) if f not in flags[:i]]


def _below(value, threshold: int) -> bool:
    try:
        number = int(str(value))
    except ValueError:
        return False
    return 0 < number < threshold
