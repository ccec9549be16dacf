"""People's names in FHIR resources, found by the resources' structure, so that none is ever written.

The privacy rule covers names, not only identifiers. FHIR says where names are: HumanName values (a
Patient's, Practitioner's or RelatedPerson's `name`, also in contained resources), and the `display` of a
Reference to a person (`Patient/…`, `Practitioner/…`, a Group member, a study's principalInvestigator).
Every name found on any page of the run — in the cohorts and in the Patients a server includes unasked —
is collected here; free text hdcat copies (a Group's name, a study's description, a code's text) is
checked against them, and text that mentions one is not written (map.py says what was left out, never
the name). Free text FHIR gives no structure for, such as a characteristic's uncoded value, is not copied
at all (values.py).
"""

from __future__ import annotations

import re

#: resource types whose instances are people: their names, and references' display of them
PERSON_TYPES = frozenset({"Patient", "Practitioner", "PractitionerRole", "RelatedPerson", "Person"})
#: HumanName parts too common to mark a name by themselves
_NOT_NAMES = frozenset({"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "prof", "prof.", "jr", "sr"})


def names_in(value, person: bool = False) -> set[str]:
    """Every person's name in a FHIR JSON value: HumanNames and the display of references to people.

    `person` says the value is (inside) a resource that is a person, whose `name` is a HumanName even
    when it holds only `text`.
    """
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= names_in(item, person)
        return found
    if not isinstance(value, dict):
        return found
    if value.get("resourceType") in PERSON_TYPES:
        person = True
    elif isinstance(value.get("resourceType"), str):
        person = False
    if _is_human_name(value):
        found |= _human_name(value)
    if _is_person_reference(value):
        found.add(value["display"].strip())
    for key, item in value.items():
        if key == "name" and person:
            for name in item if isinstance(item, list) else [item]:
                if isinstance(name, dict):
                    found |= _human_name(name)
                elif isinstance(name, str) and name.strip():
                    found.add(name.strip())
        elif isinstance(item, (dict, list)):
            found |= names_in(item, person)
    return {n for n in found if n}


def _is_human_name(value: dict) -> bool:
    return ("family" in value or "given" in value) and not {"system", "code"} & value.keys()


def _human_name(name: dict) -> set[str]:
    parts = {name.get("text"), name.get("family")}
    given = name.get("given")
    parts |= set(given) if isinstance(given, list) else {given}
    return {p.strip() for p in parts if isinstance(p, str) and p.strip()}


def _is_person_reference(value: dict) -> bool:
    """A Reference (not a Coding) with a display, pointing at a person or at nothing hdcat can type."""
    if not isinstance(value.get("display"), str) or not value["display"].strip():
        return False
    if {"system", "code"} & value.keys():
        return False  # a Coding: its display is a code system's, not a person's
    ref = value.get("reference")
    rtype = value.get("type")
    if isinstance(ref, str) and ref and not ref.startswith("#"):
        parts = ref.rstrip("/").split("/")
        return len(parts) >= 2 and parts[-2] in PERSON_TYPES
    if isinstance(rtype, str):
        return rtype in PERSON_TYPES
    return True  # a display alone (or an identifier and a display): it may be anyone, so it counts


def patterns(names: set[str]) -> list[re.Pattern]:
    """What to look for in free text: each name, and each word of it that can identify (not "van", not
    "Dr."), as whole words, any case."""
    words = set()
    for name in names:
        words.add(name)
        for word in re.split(r"[\s,]+", name):
            if (
                len(word) >= 2
                and any(c.isalpha() for c in word)  # not a number ("Patient 12")
                and word.lower() not in _NOT_NAMES
                and not (word.isascii() and word.islower())  # not a particle (van, de, du)
            ):
                words.add(word)
    out = []
    for word in sorted(words, key=len, reverse=True):
        if word.isascii():
            out.append(re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE))
        else:  # Hangul and other scripts glue particles to names (김철수의): any occurrence counts
            out.append(re.compile(re.escape(word)))
    return out


def mentions(text: str, found: list[re.Pattern]) -> bool:
    """Whether `text` mentions any of the names `patterns` was made from."""
    return any(p.search(text) for p in found)
