"""What a FHIR server said, as DCAT / HealthDCAT-AP: one dataset for the server, one per cohort.

Kept free of HTTP and of the run's bookkeeping so it can be fed a CapabilityStatement or a Group
written in a test. Privacy lives here too: a count below the threshold is never written — the
dataset says `hdcat:suppressed` for it instead — and no Group member, name or identifier of a
person is copied: characteristics keep their codes and typed values, never a valueReference or an
uncoded text, and free text that mentions a name the run met (names.py) is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from hdcat.catalog import HarvestRun
from hdcat.harvesters.fhir import names
from hdcat.harvesters.fhir.values import (
    FHIR_ID,
    as_list,
    characteristic_text,
    coded_text,
    concept_text,
    fhir_date,
    fhir_spec,
    text,
    uncoded_value,
)
from hdcat.ontology import DATA_TYPE, DCAT, DCT, EU_THEME, HDCAT, HEALTH, IANA_MEDIA_TYPES, VCARD
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, XSD


@dataclass
class FhirMap:
    """Maps one server's facts; `capability` is None until its CapabilityStatement was read."""

    server_base: str  # where hdcat reached the server (named in warnings)
    iri_base: str  # what the IRIs and access URLs are made from (the canonical base, if given)
    threshold: int  # counts from 1 to threshold-1 are suppressed
    capability: dict | None = None
    #: people's names the run has met so far (names.py): free text that mentions one is not written
    known_names: frozenset[str] = frozenset()
    #: each cohort's title made from its id, for when its own turns out to name someone (`scrub`)
    fallback_titles: dict = field(default_factory=dict)

    @property
    def server_iri(self) -> URIRef:
        return URIRef(f"{self.iri_base}/metadata")

    # ---- the server ------------------------------------------------------------------
    def server(self, into: Graph) -> None:
        """The server's dataset, its API distribution and what it conforms to; counts come in `counts`."""
        cap = self.capability or {}
        iri = self.server_iri
        software = cap.get("software") if isinstance(cap.get("software"), dict) else {}
        name = (
            text(cap.get("name"))
            or text(cap.get("title"))
            or text(software.get("name"))
            or urlsplit(self.server_base).netloc
        )
        self._dataset(into, iri, f"{name} FHIR server", "", ["FHIR"])
        into.add((iri, DCT.type, DATA_TYPE.ehr))
        self._agents(iri, into)
        formats = [f for f in cap.get("format") or [] if isinstance(f, str)]
        dist = self._distribution(
            into,
            iri,
            self.iri_base,
            "FHIR REST API",
            f"FHIR {cap.get('fhirVersion') or '(version not stated)'} REST API; formats: "
            f"{', '.join(formats) or 'not stated'}",
        )
        media = (
            "fhir+json"
            if any("json" in f for f in formats)
            else "fhir+xml"
            if any("xml" in f for f in formats)
            else None
        )
        if media:
            into.add((dist, DCAT.mediaType, IANA_MEDIA_TYPES[f"application/{media}"]))
        for canonical in as_list(cap.get("implementationGuide")) + server_profiles(cap):
            if isinstance(canonical, str) and re.match(r"https?://\S+\Z", canonical):
                into.add((dist, DCT.conformsTo, URIRef(canonical.split("|")[0])))

    def counts(self, raw: Graph, run: HarvestRun, types: list[str], counts: dict[str, int]) -> None:
        """The server dataset's description and counts, once every count was read.

        The total leaves out the suppressed types, so no small count can be worked out by subtraction.
        """
        cap = self.capability or {}
        iri = self.server_iri
        t = self.threshold
        shown, small, empty, unread, total = [], [], [], [], 0
        for rtype in types:
            n = counts.get(rtype)
            if n is None:
                unread.append(rtype)
            elif n == 0:
                empty.append(rtype)
            elif n < t:
                small.append(rtype)
                shown.append(f"{rtype} <{t}")
                run.warn(f"{rtype}: fewer than {t} resources on {self.server_base}; count suppressed")
            else:
                shown.append(f"{rtype} {n}")
                total += n
        software = cap.get("software") if isinstance(cap.get("software"), dict) else {}
        intro = text(cap.get("description")) or text(cap.get("purpose"))
        parts = [
            intro + ("" if not intro or intro.endswith((".", "!", "?")) else "."),
            f"FHIR {cap.get('fhirVersion') or '(version not stated)'} server at {self.iri_base}"
            + (
                f", software {text(software.get('name'))} {text(software.get('version')) or ''}".rstrip()
                if text(software.get("name"))
                else ""
            )
            + ".",
        ]
        if shown:
            parts.append("Resources per type: " + "; ".join(shown) + ".")
        if empty:
            parts.append(f"No resources of {len(empty)} other type(s): {', '.join(empty)}.")
        if unread:
            parts.append("Count not available: " + ", ".join(unread) + ".")
        if small and total:
            parts.append(f"The number of records leaves out the types with fewer than {t}.")
        raw.set((iri, DCT.description, Literal(" ".join(p for p in parts if p))))
        for rtype in types:
            if rtype not in empty:
                raw.add((iri, DCAT.keyword, Literal(rtype)))
        if total or small:
            self._count(raw, iri, HEALTH.numberOfRecords, total if total else None)
        if "Patient" in counts and counts["Patient"] > 0:
            self._count(raw, iri, HEALTH.numberOfUniqueIndividuals, counts["Patient"])

    # ---- cohorts -----------------------------------------------------------------------
    def cohort(self, res: dict, iri: URIRef, run: HarvestRun, into: Graph) -> None:
        """A Group or a ResearchStudy resource as a dataset, part of the server's."""
        (self.group if res.get("resourceType") == "Group" else self.study)(res, iri, run, into)

    def group(self, res: dict, iri: URIRef, run: HarvestRun, into: Graph) -> None:
        what = f"Group/{res['id']}"
        kind = text(res.get("type")) or "unknown"
        chars = [ch for ch in res.get("characteristic") or [] if isinstance(ch, dict)]
        # free text left out of the characteristics: it may be a name, so the rest must not repeat it
        uncoded = {uncoded_value(ch): ch for ch in chars if not coded_text(ch.get("valueCodeableConcept"))}
        uncoded.pop("", None)
        for ch in uncoded.values():
            run.warn(
                f"{what}: the value of characteristic {concept_text(ch.get('code')) or '(no code)'!r} "
                "is free text without a coding; left out (free text there may name a person)"
            )
        people = self._people(res, extra=set(uncoded))
        code = self._free(concept_text(res.get("code")), people, run, what, "code text")
        characteristics = [
            c
            for c in (
                self._free(characteristic_text(ch), people, run, what, "characteristic") for ch in chars
            )
            if c
        ]
        self.fallback_titles[iri] = f"FHIR Group {res['id']} ({kind})"
        title = self._free(text(res.get("name")), people, run, what, "name") or self.fallback_titles[iri]
        actual = res.get("actual")
        lines = [
            f"{'Actual' if actual is not False else 'Definitional'} group of type {kind}"
            + (f" ({code})" if code else "")
            + f" on the FHIR server {self.iri_base}."
        ]
        if characteristics:
            lines.append("Characteristics: " + "; ".join(characteristics) + ".")
        self._dataset(
            into, iri, title, " ".join(lines), ["FHIR", "FHIR Group", "cohort", code, *characteristics]
        )
        into.add((iri, DCT.isPartOf, self.server_iri))
        self._agents(iri, into)
        _modified(res, iri, into)
        self._distribution(into, iri, str(iri), "FHIR Group resource")
        quantity = res.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            members = res.get("member")  # only counted: a member reference points at a patient
            quantity = len(members) if isinstance(members, list) and actual is not False else None
        if quantity is not None:
            self._count(
                into,
                iri,
                HEALTH.numberOfUniqueIndividuals,
                quantity,
                run,
                f"Group/{res['id']}: fewer than {self.threshold} members",
            )

    def study(self, res: dict, iri: URIRef, run: HarvestRun, into: Graph) -> None:
        what = f"ResearchStudy/{res['id']}"
        people = self._people(res)
        status = text(res.get("status"))
        concepts = [
            self._free(concept_text(c), people, run, what, key)
            for key in ("condition", "keyword", "category", "focus")
            for c in as_list(res.get(key))
        ]
        phase = self._free(concept_text(res.get("phase")), people, run, what, "phase")
        self.fallback_titles[iri] = f"FHIR ResearchStudy {res['id']}"
        title = self._free(text(res.get("title")), people, run, what, "title") or self.fallback_titles[iri]
        description = (
            self._free(text(res.get("description")), people, run, what, "description")
            or f"Research study {res['id']} on the FHIR server {self.iri_base}."
        )
        if status:
            description += f" Status: {status}."
        self._dataset(into, iri, title, description, ["FHIR", "research study", phase, *concepts])
        into.add((iri, DCT.isPartOf, self.server_iri))
        self._agents(iri, into)
        _modified(res, iri, into)
        period = res.get("period") if isinstance(res.get("period"), dict) else {}
        start, end = fhir_date(period.get("start")), fhir_date(period.get("end"))
        if start is not None or end is not None:
            node = BNode()
            into.add((iri, DCT.temporal, node))
            into.add((node, RDF.type, DCT.PeriodOfTime))
            if start is not None:
                into.add((node, DCAT.startDate, start))
            if end is not None:
                into.add((node, DCAT.endDate, end))
        for ref in res.get("enrollment") or []:
            group = self._reference(ref, "Group")
            if group is not None:
                into.add((iri, DCT.relation, group))
        self._distribution(into, iri, str(iri), "FHIR ResearchStudy resource")

    # ---- people's names ----------------------------------------------------------------------
    def _people(self, res: dict, extra: set[str] = frozenset()) -> list:
        """Patterns of every name this resource holds or the run met, plus `extra` texts to treat alike."""
        return names.patterns(set(self.known_names) | names.names_in(res) | set(extra))

    @staticmethod
    def _free(value: str, people: list, run: HarvestRun, what: str, label: str) -> str:
        """A free text to copy, or "" when it mentions a person's name (the warning never repeats it)."""
        if value and names.mentions(value, people):
            run.warn(f"{what}: its {label} mentions a person's name; left out")
            return ""
        return value

    def scrub(self, raw: Graph, run: HarvestRun, datasets) -> None:
        """Once every page was read: free text of the cohorts that mentions a name met on a later page.

        A server may include the Patients only on page 2; a Group on page 1 was written before their
        names were known. Titles fall back to the id-made one, other texts are dropped.
        """
        people = names.patterns(set(self.known_names))
        if not people:
            return
        for iri in datasets:
            what = "/".join(str(iri).rsplit("/", 2)[-2:])
            for prop, label in (
                (DCT.title, "title"),
                (DCT.description, "description"),
                (DCAT.keyword, "keyword"),
            ):
                for lit in list(raw.objects(iri, prop)):
                    if names.mentions(str(lit), people):
                        raw.remove((iri, prop, lit))
                        run.warn(f"{what}: its {label} mentions a person's name; left out")
                        if prop == DCT.title:
                            raw.add((iri, DCT.title, Literal(self.fallback_titles[iri])))

    # ---- parts of every record ------------------------------------------------------------
    def _dataset(self, into: Graph, iri: URIRef, title: str, description: str, keywords) -> None:
        into.add((iri, RDF.type, DCAT.Dataset))
        into.add((iri, DCT.title, Literal(title)))
        if description:
            into.add((iri, DCT.description, Literal(description)))
        into.add((iri, DCT.identifier, Literal(str(iri))))
        into.add((iri, DCAT.theme, EU_THEME.HEAL))
        for keyword in sorted({k.strip() for k in keywords if k and k.strip()}):
            into.add((iri, DCAT.keyword, Literal(keyword)))

    def _distribution(
        self, into: Graph, dataset: URIRef, access: str, title: str, description: str | None = None
    ):
        dist = BNode()
        into.add((dataset, DCAT.distribution, dist))
        into.add((dist, RDF.type, DCAT.Distribution))
        into.add((dist, DCT.title, Literal(title)))
        into.add((dist, DCAT.accessURL, URIRef(access)))
        spec = fhir_spec((self.capability or {}).get("fhirVersion"))
        if spec is not None:
            into.add((dist, DCT.conformsTo, spec))
        if description:
            into.add((dist, DCT.description, Literal(description)))
        return dist

    def _agents(self, iri: URIRef, into: Graph) -> None:
        """The CapabilityStatement's publisher and contact (an e-mail), for every dataset of the server."""
        cap = self.capability or {}
        publisher = text(cap.get("publisher"))
        if publisher:
            agent = BNode()
            into.add((iri, DCT.publisher, agent))
            into.add((agent, RDF.type, FOAF.Agent))
            into.add((agent, FOAF.name, Literal(publisher)))
        for contact in as_list(cap.get("contact")):
            emails = [
                t["value"]
                for t in as_list(contact.get("telecom") if isinstance(contact, dict) else None)
                if isinstance(t, dict) and t.get("system") == "email" and text(t.get("value"))
            ]
            if emails:
                point = BNode()
                into.add((iri, DCAT.contactPoint, point))
                into.add((point, RDF.type, VCARD.Kind))
                into.add((point, VCARD.fn, Literal(text(contact.get("name")) or publisher or emails[0])))
                into.add((point, VCARD.hasEmail, URIRef(f"mailto:{emails[0].strip()}")))
                return

    def _count(
        self,
        graph: Graph,
        iri: URIRef,
        prop: URIRef,
        value: int | None,
        run: HarvestRun | None = None,
        what: str = "",
    ) -> None:
        """A count, or — below the threshold (None: left out already) — hdcat:suppressed and a warning."""
        if value is not None and not 0 < value < self.threshold:
            graph.add((iri, prop, Literal(value, datatype=XSD.nonNegativeInteger)))
            return
        graph.add((iri, HDCAT.suppressed, prop))
        if run is not None:
            run.warn(f"{what}; count suppressed")

    def _reference(self, ref, rtype: str) -> URIRef | None:
        """The IRI of a Reference to a resource of `rtype` on this server (relative or absolute); else
        None."""
        value = ref.get("reference") if isinstance(ref, dict) else None
        if not isinstance(value, str) or value.startswith("#"):
            return None
        if "://" in value:
            parts = value.rstrip("/").split("/")
            return URIRef(value) if len(parts) >= 2 and parts[-2] == rtype else None
        parts = value.split("/")
        if len(parts) >= 2 and parts[0] == rtype and FHIR_ID.match(parts[1]):
            return URIRef(f"{self.iri_base}/{rtype}/{parts[1]}")
        return None


def _modified(res: dict, iri: URIRef, into: Graph) -> None:
    meta = res.get("meta") if isinstance(res.get("meta"), dict) else {}
    updated = fhir_date(meta.get("lastUpdated"))
    if updated is not None:
        into.add((iri, DCT.modified, updated))


def server_profiles(cap: dict) -> list[str]:
    """The profiles (canonical URLs) a CapabilityStatement's resources declare."""
    found = []
    for rest in as_list(cap.get("rest")):
        for res in as_list(rest.get("resource") if isinstance(rest, dict) else None):
            if isinstance(res, dict):
                found += [res.get("profile"), *as_list(res.get("supportedProfile"))]
    return [f for f in found if isinstance(f, str)]
