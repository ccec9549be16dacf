"""Reading a FHIR server's answers into the run's facts: the CapabilityStatement, the counts, the cohorts.

Answers from real servers are often not what was asked for (a login page, an OperationOutcome, a
Bundle cut off by a proxy); each reader says which, naming the URL, so a steward can fix the source.
Only Bundle.total and Group / ResearchStudy resources are mapped: included resources (Patients,
Practitioners…) in a search Bundle are looked at for their names only, so that no text naming them is
written (names.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urljoin

from hdcat.harvesters.errors import ParseError
from hdcat.harvesters.fetch import Fetched
from hdcat.harvesters.fhir.connect import COHORT_TYPES, count_url, search_url
from hdcat.harvesters.fhir.state import FhirRun
from hdcat.harvesters.fhir.values import FHIR_ID, TYPE_NAME, outcome_text
from rdflib import URIRef


def read_capability(fetched: Fetched, ctx: FhirRun, base: str, options: dict) -> list[str]:
    """Keep the CapabilityStatement on the run; returns the count and cohort searches to ask next."""
    doc = read_json(fetched, "a FHIR CapabilityStatement", base)
    if doc.get("resourceType") != "CapabilityStatement":
        found = (
            f"a FHIR {doc['resourceType']}"
            if isinstance(doc.get("resourceType"), str)
            else "JSON without a FHIR resourceType"
        )
        raise ParseError(
            f"{fetched.location}: {found}, not a CapabilityStatement; is {base} the server's FHIR base URL?"
        )
    ctx.capability = doc
    offered = server_types(doc)
    ctx.types = sorted(set(options.get("resources") or offered))
    if not ctx.types:
        ctx.run.warn(
            f"{fetched.location}: the CapabilityStatement lists no resource types; no counts were read "
            "(name them in the source's `resources` option)"
        )
    jobs = [ctx.add_job(count_url(base, t), "count", t) for t in ctx.types]
    if options.get("cohorts", True):
        jobs += [
            ctx.add_job(search_url(base, t), "search", t)
            for t in COHORT_TYPES
            if t in offered or t in ctx.types
        ]
    return jobs


def read_count(fetched: Fetched, ctx: FhirRun, rtype: str, base: str) -> None:
    """Keep Bundle.total of a `_summary=count` answer; a count that cannot be read is a warning only."""
    run = ctx.run
    if ctx.job in ctx.failed:
        run.warn(f"{rtype}: count not read: {ctx.failed[ctx.job]}")
        return
    try:
        doc = read_json(fetched, f"a Bundle with the {rtype} total", base)
    except ParseError as exc:
        run.warn(f"{rtype}: count not read: {exc.message}")
        return
    total = doc.get("total") if doc.get("resourceType") == "Bundle" else None
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        run.warn(f"{rtype}: count not read: {fetched.location} answered without a Bundle.total")
        return
    ctx.counts[rtype] = total


def read_bundle(fetched: Fetched, rtype: str, base: str) -> dict:
    """A search answer, which must be a Bundle."""
    doc = read_json(fetched, f"a Bundle of {rtype} resources", base)
    if doc.get("resourceType") != "Bundle":
        raise ParseError(
            f"{fetched.location}: a {doc.get('resourceType') or 'JSON document'}, "
            f"not a Bundle of {rtype} resources"
        )
    return doc


def cohort_resources(
    doc: dict, fetched: Fetched, ctx: FhirRun, rtype: str, iri_base: str
) -> Iterator[tuple[dict, URIRef]]:
    """The resources of type `rtype` in a search Bundle, each with its IRI, once per run.

    A generator, so the mapper's warnings land on the run in the order of the Bundle's entries.
    """
    run = ctx.run
    for entry in doc.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if resource.get("resourceType") == "OperationOutcome":
            run.warn(f"{fetched.location}: the server notes: {outcome_text(resource)}")
        if resource.get("resourceType") != rtype:
            continue  # included resources (Patients, Practitioners…) are never read
        rid = resource.get("id")
        if not isinstance(rid, str) or not FHIR_ID.match(rid):
            run.skip(
                f"{rtype} in {fetched.location}", f"no valid FHIR id ({rid!r}): it cannot be given an IRI"
            )
            continue
        iri = URIRef(f"{iri_base}/{rtype}/{rid}")
        if iri in ctx.seen:
            run.warn(
                f"{rtype}/{rid} appears again on {fetched.location} (the server repeated it across "
                "pages); counted once"
            )
            continue
        ctx.seen.add(iri)
        yield resource, iri


def next_pages(doc: dict, fetched: Fetched, ctx: FhirRun, rtype: str) -> list[str]:
    """The Bundle's `next` links, except one that leads back (some servers page in a loop)."""
    pages = []
    for link in doc.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            nxt = urljoin(fetched.location, link["url"])
            if nxt in ctx.jobs or nxt == fetched.location:
                ctx.run.warn(
                    f"{rtype} search: page {fetched.location} links back to {nxt} as its next page; "
                    "paging stopped there (a paging loop on the server)"
                )
                continue
            pages.append(ctx.add_job(nxt, "search", rtype))
    return pages


def server_types(cap: dict) -> list[str]:
    """The resource types a CapabilityStatement's server-mode REST entries list."""
    types = set()
    for rest in cap.get("rest") or []:
        if not isinstance(rest, dict) or rest.get("mode", "server") != "server":
            continue
        for res in rest.get("resource") or []:
            rtype = res.get("type") if isinstance(res, dict) else None
            if isinstance(rtype, str) and TYPE_NAME.match(rtype):
                types.add(rtype)
    return sorted(types)


# ---- reading FHIR JSON ---------------------------------------------------------------
def read_json(fetched: Fetched, expected: str, base: str) -> dict:
    """The JSON object in `fetched`; ParseError naming the URL when it is HTML, cut off, or an
    OperationOutcome."""
    where = fetched.location
    head = fetched.content.lstrip()[:200].lower()
    if fetched.media_type == "text/html" or head.startswith((b"<!doctype html", b"<html")):
        raise ParseError(
            f"{where}: an HTML page, not {expected}; is {base} the server's FHIR base URL "
            "(a login page or a portal answers like this)?"
        )
    if head.startswith(b"<"):
        raise ParseError(f"{where}: XML, not FHIR JSON; hdcat reads {expected} as application/fhir+json")
    if not head:
        raise ParseError(f"{where}: an empty answer where {expected} was expected")
    try:
        text = fetched.content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{where}: not UTF-8 text (byte {exc.start}); FHIR JSON is UTF-8") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if _cut_off(text):
            raise ParseError(
                f"{where}: the JSON ends early after {len(fetched.content)} bytes: the answer was "
                f"cut off (by the server or a proxy); {expected} was expected"
            ) from None
        raise ParseError(
            f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            f"{expected} was expected"
        ) from None
    if not isinstance(doc, dict):
        raise ParseError(f"{where}: a JSON {type(doc).__name__}, not {expected}")
    if doc.get("resourceType") == "OperationOutcome":
        raise ParseError(
            f"{where}: the server answered with an OperationOutcome instead of {expected}: "
            f"{outcome_text(doc)}"
        )
    return doc


def _cut_off(text: str) -> bool:
    """Whether the JSON text stops inside a string, object or array (rather than being wrong somewhere)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return in_string or depth > 0
