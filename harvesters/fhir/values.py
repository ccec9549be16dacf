"""FHIR JSON datatypes read as plain text and XSD literals.

Every stage meets the same loosely typed JSON (a CodeableConcept may be a dict, a string or missing),
so the careful readers live here once; none of them raises on a value of the wrong shape.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from hdcat.ontology import FHIR_SPEC
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

#: what FHIR allows as a resource type name and as a resource id (ids become parts of IRIs)
TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]{1,63}\Z")
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}\Z")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def text(value) -> str:
    """A string value stripped; anything else (a number, a dict, None) as no text."""
    return value.strip() if isinstance(value, str) else ""


def as_list(value) -> list:
    """A JSON array, or an empty list for anything else, so loops never meet a stray object."""
    return value if isinstance(value, list) else []


def concept_text(concept) -> str:
    """A CodeableConcept's text, else its first coding's display or code."""
    if not isinstance(concept, dict):
        return ""
    if text(concept.get("text")):
        return text(concept["text"])
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and (text(coding.get("display")) or text(coding.get("code"))):
            return text(coding.get("display")) or text(coding.get("code"))
    return ""


def coded_text(concept) -> str:
    """A CodeableConcept's first coding's display or code — what a code system says, never free text."""
    if not isinstance(concept, dict):
        return ""
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and (text(coding.get("display")) or text(coding.get("code"))):
            return text(coding.get("display")) or text(coding.get("code"))
    return ""


def uncoded_value(ch) -> str:
    """The free text of a characteristic's valueCodeableConcept, which `characteristic_text` leaves out."""
    value = ch.get("valueCodeableConcept") if isinstance(ch, dict) else None
    return text(value.get("text")) if isinstance(value, dict) else ""


def characteristic_text(ch) -> str:
    """'code: value' of a Group characteristic, with the value only as a code system or a typed value
    states it.

    A characteristic's value is about the members or their relations (an owner, a carer): FHIR's own
    example writes a person's name there as uncoded text. So a valueCodeableConcept's free `text` is
    never copied, only its coding, and a valueReference (it points at a person) never at all.
    """
    if not isinstance(ch, dict):
        return ""
    code = concept_text(ch.get("code"))
    value = ""
    if isinstance(ch.get("valueCodeableConcept"), dict):
        value = coded_text(ch["valueCodeableConcept"])
    elif isinstance(ch.get("valueBoolean"), bool):
        value = "yes" if ch["valueBoolean"] else "no"
    elif isinstance(ch.get("valueQuantity"), dict):
        value = _quantity(ch["valueQuantity"])
    elif isinstance(ch.get("valueRange"), dict):
        low, high = _quantity(ch["valueRange"].get("low")), _quantity(ch["valueRange"].get("high"))
        value = f"{low or '…'} to {high or '…'}"
    if not code:
        return ""
    if ch.get("exclude") is True:
        value = f"not {value}" if value else "excluded"
    return f"{code}: {value}" if value else code


def _quantity(q) -> str:
    if not isinstance(q, dict) or q.get("value") is None:
        return ""
    return f"{q['value']} {text(q.get('unit')) or text(q.get('code'))}".strip()


def outcome_text(doc: dict) -> str:
    """An OperationOutcome's issues as one line: 'error not-supported: diagnostics; …'."""
    lines = []
    for issue in doc.get("issue") or []:
        if not isinstance(issue, dict):
            continue
        said = text(issue.get("diagnostics")) or concept_text(issue.get("details")) or "no diagnostics"
        lines.append(f"{issue.get('severity') or 'error'} {issue.get('code') or ''}".rstrip() + f": {said}")
    return "; ".join(lines) or "an OperationOutcome without issues"


def fhir_spec(version) -> URIRef | None:
    """The specification a `fhirVersion` such as 4.0.1 conforms to (by major.minor), if hdcat knows it."""
    if not isinstance(version, str):
        return None
    spec = FHIR_SPEC.get(".".join(version.split(".")[:2]))
    return URIRef(spec) if spec else None


def fhir_date(value) -> Literal | None:
    """A FHIR date, dateTime or instant as the matching XSD literal; None when it is not a valid one."""
    if not isinstance(value, str):
        return None
    try:
        if re.fullmatch(r"\d{4}", value):
            return Literal(value, datatype=XSD.gYear)
        if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            return Literal(value, datatype=XSD.gYearMonth)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            date.fromisoformat(value)
            return Literal(value, datatype=XSD.date)
        if _DATE_TIME.match(value):
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return Literal(value, datatype=XSD.dateTime)
    except ValueError:
        return None
    return None
