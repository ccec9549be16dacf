"""Privacy checks every harvested record passes through: metadata only, nothing that names a person.

- Text that looks like a Korean resident registration number (주민등록번호, YYMMDD-NNNNNNN), a
  Korean mobile phone number or a passport number is redacted, and the record is flagged
  (hdcat:redacted) and reported on the run.
- Aggregate counts below the consortium's threshold are not stored: the number is dropped and the
  dataset says which count was suppressed (hdcat:suppressed), so pages show "<10", never the value.
"""
from __future__ import annotations

import re

from rdflib import Graph, Literal
from rdflib.namespace import RDF, XSD

from hdcat.catalog.runs import HarvestRun
from hdcat.ontology import HDCAT, HEALTH

PATTERNS = {
    "a resident registration number": re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?-\s?[1-8]\d{6}(?!\d)"),
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


def protect(graph: Graph, dataset, label: str, threshold: int, run: HarvestRun) -> None:
    """Redact identifiers in the dataset's literals and suppress small counts, in place."""
    for s, p, o in list(graph):
        if isinstance(o, Literal) and o.datatype in _TEXT:
            clean, found = redact_text(str(o))
            if found:
                graph.remove((s, p, o))
                graph.add((s, p, Literal(clean, lang=o.language, datatype=o.datatype)))
                graph.add((dataset, HDCAT.redacted, Literal(True)))
                run.warn(f"{label}: redacted {', '.join(found)} in {graph.namespace_manager.normalizeUri(p)}")
    for prop in COUNTS:
        for value in list(graph.objects(dataset, prop)):
            try:
                number = int(str(value))
            except ValueError:
                continue
            if 0 < number < threshold:
                graph.remove((dataset, prop, value))
                graph.add((dataset, HDCAT.suppressed, prop))
                run.warn(f"{label}: {graph.namespace_manager.normalizeUri(prop)} below {threshold} suppressed")
