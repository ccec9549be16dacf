"""FHIR R4 servers: the CapabilityStatement, counts per resource type, Group cohorts, ResearchStudy records.

Metadata and aggregates only. The harvester reads `Bundle.total` and never a
patient's resource; it copies no Group member references, no names and no
identifiers of people. Counts below the suppression threshold are not stored:
`hdcat:suppressed` names the property left out and the run says so.

Jobs: `[base]/metadata` first; it adds `[base]/{Type}?_summary=count` per type and
`[base]/Group`, `[base]/ResearchStudy` (paged by `link[relation=next]`). The
server's own dataset gets its counts in `import_`, once every count was read.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from urllib.parse import urljoin, urlsplit

from marshmallow import Schema, ValidationError, fields, validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, XSD

from hdcat.catalog.errors import ConfigError
from hdcat.catalog.runs import HarvestRun
from hdcat.harvesters.base import Harvester
from hdcat.harvesters.errors import FetchError, ParseError
from hdcat.harvesters.policy import FetchRefused
from hdcat.harvesters.fetch import Fetched
from hdcat.ontology import DATA_TYPE, DCAT, DCT, EU_THEME, FHIR_SPEC, HDCAT, HEALTH, IANA_MEDIA_TYPES, VCARD

ACCEPT = "application/fhir+json, application/json;q=0.9, */*;q=0.1"
COHORT_TYPES = ("Group", "ResearchStudy")
_TYPE_NAME = re.compile(r"^[A-Z][A-Za-z]{1,63}\Z")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}\Z")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def _resource_types(values: list[str]) -> None:
    for value in values:
        if not _TYPE_NAME.match(value):
            raise ValidationError(f"{value!r} is not a FHIR resource type (such as Patient or Condition)")


class FhirOptions(Schema):
    resources = fields.List(fields.String(), load_default=None, validate=_resource_types)
    #: may raise the consortium's threshold for this source, never lower it
    suppression_threshold = fields.Integer(load_default=None, validate=validate.Range(min=1))
    cohorts = fields.Boolean(load_default=True)
    max_pages = fields.Integer(load_default=10_000, validate=validate.Range(min=1, max=1_000_000))
    #: the server's public base URL, when hdcat reaches it at another address (a proxy, a tunnel):
    #: dataset IRIs and access URLs use it, so they stay the same whatever address was harvested
    canonical_base = fields.Url(load_default=None, allow_none=True, require_tld=False)


class FhirHarvester(Harvester):
    kind = "fhir"
    title = "FHIR R4 server (CapabilityStatement, counts per resource type, Group and ResearchStudy)"
    options_schema = FhirOptions

    def validate_config(self) -> None:
        super().validate_config()
        self.max_jobs = self.options["max_pages"]
        self.threshold = max(self.threshold, self.options.get("suppression_threshold") or 0)
        location = self.source.location.strip()
        if urlsplit(location).scheme not in ("http", "https"):
            raise ConfigError(f"source {self.source.name}: location {location!r} is not an http(s) URL; "
                              "give the FHIR server's base URL, e.g. https://fhir.example.org/fhir", field="location")
        self.server_base = location.rstrip("/").removesuffix("/metadata")
        self.iri_base = (self.options.get("canonical_base") or self.server_base).rstrip("/")

    # ---- gather and fetch -----------------------------------------------------
    def harvest(self, run: HarvestRun, on_page=None, previous_pages=None) -> Graph | None:
        if not hasattr(self, "server_base"):
            self.validate_config()
        self._jobs: dict[str, tuple[str, str]] = {}   # url → (what it is, resource type)
        self._aliases: dict[str, str] = {}            # where an answer came from (after redirects) → its job
        self._failed: dict[str, str] = {}             # count url → why it could not be read
        self._counts: dict[str, int] = {}
        self._types: list[str] = []
        self._seen: set[URIRef] = set()
        self._capability: dict | None = None
        return super().harvest(run, on_page, previous_pages)

    def gather(self) -> list[str]:
        return [self._add_job(f"{self.server_base}/metadata", "metadata")]

    def _add_job(self, url: str, what: str, rtype: str = "") -> str:
        self._jobs[url] = (what, rtype)
        return url

    def _what(self, url: str) -> tuple[str, str]:
        """What a job is: known from the page that named it, else (a page of the last harvest) from its URL."""
        if url in self._jobs:
            return self._jobs[url]
        path = url.removeprefix(self.server_base + "/")
        rtype = re.split(r"[/?]", path, maxsplit=1)[0]
        if path == "metadata":
            return "metadata", ""
        return ("count" if path.endswith("?_summary=count") else "search"), rtype

    def fetch(self, job: str) -> Fetched:
        try:
            fetched = self.fetcher.get(job, accept=ACCEPT, policy=self.policy)
        except FetchRefused:
            raise  # never asked again for the server's explanation: nothing outside the policy is fetched
        except FetchError as exc:
            said = self._server_says(job)
            message = f"{exc.message}; the server says: {said}" if said else exc.message
            if self._what(job)[0] == "count":
                self._failed[job] = message
                return Fetched(location=job, content=b"")
            raise FetchError(message) from None
        self._aliases[fetched.location] = job
        return fetched

    def _server_says(self, url: str) -> str | None:
        """The diagnostics of the OperationOutcome a FHIR server sends with an error status, if any.

        The Fetcher drops error bodies, so this asks once more; it shares the Fetcher's client.
        """
        if not url.startswith(("http://", "https://")):
            return None
        try:
            doc = json.loads(self.fetcher.error_body(url, ACCEPT) or b"")
        except ValueError:
            return None
        if isinstance(doc, dict) and doc.get("resourceType") == "OperationOutcome":
            return outcome_text(doc)
        return None

    # ---- parse -----------------------------------------------------------------
    def parse(self, fetched: Fetched, run: HarvestRun, into: Graph) -> list[str]:
        self._job = self._aliases.get(fetched.location, fetched.location)
        what, rtype = self._what(self._job)
        if what == "metadata":
            return self._metadata(fetched, run, into)
        if what == "count":
            self._count(fetched, run, rtype)
            return []
        return self._search_page(fetched, run, into, rtype)

    def _metadata(self, fetched: Fetched, run: HarvestRun, into: Graph) -> list[str]:
        doc = read_json(fetched, "a FHIR CapabilityStatement", self.server_base)
        if doc.get("resourceType") != "CapabilityStatement":
            found = f"a FHIR {doc['resourceType']}" if isinstance(doc.get("resourceType"), str) else \
                "JSON without a FHIR resourceType"
            raise ParseError(f"{fetched.location}: {found}, not a CapabilityStatement; "
                             f"is {self.server_base} the server's FHIR base URL?")
        self._capability = doc
        offered = server_types(doc)
        self._types = sorted(set(self.options.get("resources") or offered))
        if not self._types:
            run.warn(f"{fetched.location}: the CapabilityStatement lists no resource types; no counts were read "
                     "(name them in the source's `resources` option)")
        jobs = [self._add_job(f"{self.server_base}/{t}?_summary=count", "count", t) for t in self._types]
        if self.options.get("cohorts", True):
            jobs += [self._add_job(f"{self.server_base}/{t}", "search", t)
                     for t in COHORT_TYPES if t in offered or t in self._types]
        self._server_dataset(doc, into)
        return jobs

    def _count(self, fetched: Fetched, run: HarvestRun, rtype: str) -> None:
        if self._job in self._failed:
            run.warn(f"{rtype}: count not read: {self._failed[self._job]}")
            return
        try:
            doc = read_json(fetched, f"a Bundle with the {rtype} total", self.server_base)
        except ParseError as exc:
            run.warn(f"{rtype}: count not read: {exc.message}")
            return
        total = doc.get("total") if doc.get("resourceType") == "Bundle" else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            run.warn(f"{rtype}: count not read: {fetched.location} answered without a Bundle.total")
            return
        self._counts[rtype] = total

    def _search_page(self, fetched: Fetched, run: HarvestRun, into: Graph, rtype: str) -> list[str]:
        doc = read_json(fetched, f"a Bundle of {rtype} resources", self.server_base)
        if doc.get("resourceType") != "Bundle":
            raise ParseError(f"{fetched.location}: a {doc.get('resourceType') or 'JSON document'}, "
                             f"not a Bundle of {rtype} resources")
        for entry in doc.get("entry") or []:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                continue
            if resource.get("resourceType") == "OperationOutcome":
                run.warn(f"{fetched.location}: the server notes: {outcome_text(resource)}")
            if resource.get("resourceType") != rtype:
                continue  # included resources (Patients, Practitioners…) are never read
            rid = resource.get("id")
            if not isinstance(rid, str) or not _FHIR_ID.match(rid):
                run.skip(f"{rtype} in {fetched.location}", f"no valid FHIR id ({rid!r}): it cannot be given an IRI")
                continue
            iri = URIRef(f"{self.iri_base}/{rtype}/{rid}")
            if iri in self._seen:
                continue
            self._seen.add(iri)
            (self._group if rtype == "Group" else self._study)(resource, iri, run, into)
        return self._next_pages(doc, fetched, run, rtype)

    def _next_pages(self, doc: dict, fetched: Fetched, run: HarvestRun, rtype: str) -> list[str]:
        pages = []
        for link in doc.get("link") or []:
            if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
                nxt = urljoin(fetched.location, link["url"])
                if nxt in self._jobs or nxt == fetched.location:
                    run.warn(f"{rtype} search: page {fetched.location} links back to {nxt} as its next page; "
                             "paging stopped there (a paging loop on the server)")
                    continue
                pages.append(self._add_job(nxt, "search", rtype))
        return pages

    # ---- the DCAT records --------------------------------------------------------
    def _dataset(self, into: Graph, iri: URIRef, title: str, description: str, keywords) -> None:
        into.add((iri, RDF.type, DCAT.Dataset))
        into.add((iri, DCT.title, Literal(title)))
        if description:
            into.add((iri, DCT.description, Literal(description)))
        into.add((iri, DCT.identifier, Literal(str(iri))))
        into.add((iri, DCAT.theme, EU_THEME.HEAL))
        for keyword in sorted({k.strip() for k in keywords if k and k.strip()}):
            into.add((iri, DCAT.keyword, Literal(keyword)))

    def _distribution(self, into: Graph, dataset: URIRef, access: str, title: str, description: str | None = None):
        dist = BNode()
        into.add((dataset, DCAT.distribution, dist))
        into.add((dist, RDF.type, DCAT.Distribution))
        into.add((dist, DCT.title, Literal(title)))
        into.add((dist, DCAT.accessURL, URIRef(access)))
        spec = fhir_spec((self._capability or {}).get("fhirVersion"))
        if spec is not None:
            into.add((dist, DCT.conformsTo, spec))
        if description:
            into.add((dist, DCT.description, Literal(description)))
        return dist

    def _server_dataset(self, cap: dict, into: Graph) -> None:
        iri = URIRef(f"{self.iri_base}/metadata")
        software = cap.get("software") if isinstance(cap.get("software"), dict) else {}
        name = _text(cap.get("name")) or _text(cap.get("title")) or _text(software.get("name")) \
            or urlsplit(self.server_base).netloc
        self._dataset(into, iri, f"{name} FHIR server", "", ["FHIR"])
        into.add((iri, DCT.type, DATA_TYPE.ehr))
        self._agents(iri, into)
        formats = [f for f in cap.get("format") or [] if isinstance(f, str)]
        dist = self._distribution(into, iri, self.iri_base, "FHIR REST API",
                                  f"FHIR {cap.get('fhirVersion') or '(version not stated)'} REST API; formats: "
                                  f"{', '.join(formats) or 'not stated'}")
        media = "fhir+json" if any("json" in f for f in formats) else "fhir+xml" if any("xml" in f for f in formats) else None
        if media:
            into.add((dist, DCAT.mediaType, IANA_MEDIA_TYPES[f"application/{media}"]))
        for canonical in _list(cap.get("implementationGuide")) + server_profiles(cap):
            if isinstance(canonical, str) and re.match(r"https?://\S+\Z", canonical):
                into.add((dist, DCT.conformsTo, URIRef(canonical.split("|")[0])))

    def _agents(self, iri: URIRef, into: Graph) -> None:
        """The CapabilityStatement's publisher and contact (an e-mail), for every dataset of the server."""
        cap = self._capability or {}
        publisher = _text(cap.get("publisher"))
        if publisher:
            agent = BNode()
            into.add((iri, DCT.publisher, agent))
            into.add((agent, RDF.type, FOAF.Agent))
            into.add((agent, FOAF.name, Literal(publisher)))
        for contact in _list(cap.get("contact")):
            emails = [t["value"] for t in _list(contact.get("telecom") if isinstance(contact, dict) else None)
                      if isinstance(t, dict) and t.get("system") == "email" and _text(t.get("value"))]
            if emails:
                point = BNode()
                into.add((iri, DCAT.contactPoint, point))
                into.add((point, RDF.type, VCARD.Kind))
                into.add((point, VCARD.fn, Literal(_text(contact.get("name")) or publisher or emails[0])))
                into.add((point, VCARD.hasEmail, URIRef(f"mailto:{emails[0].strip()}")))
                return

    def _finish_server(self, raw: Graph, run: HarvestRun) -> None:
        """The server dataset's description and counts, once every count was read."""
        cap = self._capability
        iri = URIRef(f"{self.iri_base}/metadata")
        t = self.threshold
        shown, small, empty, unread, total = [], [], [], [], 0
        for rtype in self._types:
            n = self._counts.get(rtype)
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
        intro = _text(cap.get("description")) or _text(cap.get("purpose"))
        parts = [intro + ("" if not intro or intro.endswith((".", "!", "?")) else "."),
                 f"FHIR {cap.get('fhirVersion') or '(version not stated)'} server at {self.iri_base}"
                 + (f", software {_text(software.get('name'))} {_text(software.get('version')) or ''}".rstrip()
                    if _text(software.get("name")) else "") + "."]
        if shown:
            parts.append("Resources per type: " + "; ".join(shown) + ".")
        if empty:
            parts.append(f"No resources of {len(empty)} other type(s): {', '.join(empty)}.")
        if unread:
            parts.append("Count not available: " + ", ".join(unread) + ".")
        if small and total:
            parts.append(f"The number of records leaves out the types with fewer than {t}.")
        raw.set((iri, DCT.description, Literal(" ".join(p for p in parts if p))))
        for rtype in self._types:
            if rtype not in empty:
                raw.add((iri, DCAT.keyword, Literal(rtype)))
        if total or small:
            self._store_count(raw, iri, HEALTH.numberOfRecords, total if total else None)
        if "Patient" in self._counts and self._counts["Patient"] > 0:
            self._store_count(raw, iri, HEALTH.numberOfUniqueIndividuals, self._counts["Patient"])

    def _store_count(self, graph: Graph, iri: URIRef, prop: URIRef, value: int | None, run: HarvestRun | None = None,
                     what: str = "") -> None:
        """A count, or — below the threshold (None: left out already) — hdcat:suppressed and a warning."""
        if value is not None and not 0 < value < self.threshold:
            graph.add((iri, prop, Literal(value, datatype=XSD.nonNegativeInteger)))
            return
        graph.add((iri, HDCAT.suppressed, prop))
        if run is not None:
            run.warn(f"{what}; count suppressed")

    def _group(self, res: dict, iri: URIRef, run: HarvestRun, into: Graph) -> None:
        kind = _text(res.get("type")) or "unknown"
        code = concept_text(res.get("code"))
        characteristics = [c for c in (characteristic_text(ch) for ch in res.get("characteristic") or []) if c]
        title = _text(res.get("name")) or f"FHIR Group {res['id']} ({kind})"
        actual = res.get("actual")
        text = [f"{'Actual' if actual is not False else 'Definitional'} group of type {kind}"
                + (f" ({code})" if code else "") + f" on the FHIR server {self.iri_base}."]
        if characteristics:
            text.append("Characteristics: " + "; ".join(characteristics) + ".")
        self._dataset(into, iri, title, " ".join(text), ["FHIR", "FHIR Group", "cohort", code, *characteristics])
        into.add((iri, DCT.isPartOf, URIRef(f"{self.iri_base}/metadata")))
        self._agents(iri, into)
        self._modified(res, iri, into)
        self._distribution(into, iri, str(iri), "FHIR Group resource")
        quantity = res.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            members = res.get("member")
            quantity = len(members) if isinstance(members, list) and actual is not False else None
        if quantity is not None:
            self._store_count(into, iri, HEALTH.numberOfUniqueIndividuals, quantity, run,
                              f"Group/{res['id']}: fewer than {self.threshold} members")

    def _study(self, res: dict, iri: URIRef, run: HarvestRun, into: Graph) -> None:
        status = _text(res.get("status"))
        concepts = [concept_text(c) for key in ("condition", "keyword", "category", "focus")
                    for c in _list(res.get(key))]
        phase = concept_text(res.get("phase"))
        title = _text(res.get("title")) or f"FHIR ResearchStudy {res['id']}"
        description = _text(res.get("description")) or f"Research study {res['id']} on the FHIR server {self.iri_base}."
        if status:
            description += f" Status: {status}."
        self._dataset(into, iri, title, description, ["FHIR", "research study", phase, *concepts])
        into.add((iri, DCT.isPartOf, URIRef(f"{self.iri_base}/metadata")))
        self._agents(iri, into)
        self._modified(res, iri, into)
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

    def _reference(self, ref, rtype: str) -> URIRef | None:
        """The IRI of a Reference to a resource of `rtype` on this server (relative or absolute); else None."""
        value = ref.get("reference") if isinstance(ref, dict) else None
        if not isinstance(value, str) or value.startswith("#"):
            return None
        if "://" in value:
            parts = value.rstrip("/").split("/")
            return URIRef(value) if len(parts) >= 2 and parts[-2] == rtype else None
        parts = value.split("/")
        if len(parts) >= 2 and parts[0] == rtype and _FHIR_ID.match(parts[1]):
            return URIRef(f"{self.iri_base}/{rtype}/{parts[1]}")
        return None

    @staticmethod
    def _modified(res: dict, iri: URIRef, into: Graph) -> None:
        meta = res.get("meta") if isinstance(res.get("meta"), dict) else {}
        updated = fhir_date(meta.get("lastUpdated"))
        if updated is not None:
            into.add((iri, DCT.modified, updated))

    # ---- import ------------------------------------------------------------------
    def import_(self, raw: Graph, run: HarvestRun) -> Graph:
        if self._capability is not None:
            self._finish_server(raw, run)
        return self.import_records(raw, run)


# ---- reading FHIR JSON ---------------------------------------------------------------
def read_json(fetched: Fetched, expected: str, base: str) -> dict:
    """The JSON object in `fetched`; ParseError naming the URL when it is HTML, cut off, or an OperationOutcome."""
    where = fetched.location
    head = fetched.content.lstrip()[:200].lower()
    if fetched.media_type == "text/html" or head.startswith((b"<!doctype html", b"<html")):
        raise ParseError(f"{where}: an HTML page, not {expected}; is {base} the server's FHIR base URL "
                         "(a login page or a portal answers like this)?")
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
            raise ParseError(f"{where}: the JSON ends early after {len(fetched.content)} bytes: the answer was "
                             f"cut off (by the server or a proxy); {expected} was expected") from None
        raise ParseError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                         f"{expected} was expected") from None
    if not isinstance(doc, dict):
        raise ParseError(f"{where}: a JSON {type(doc).__name__}, not {expected}")
    if doc.get("resourceType") == "OperationOutcome":
        raise ParseError(f"{where}: the server answered with an OperationOutcome instead of {expected}: "
                         f"{outcome_text(doc)}")
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


def outcome_text(doc: dict) -> str:
    """An OperationOutcome's issues as one line: 'error not-supported: diagnostics; …'."""
    lines = []
    for issue in doc.get("issue") or []:
        if not isinstance(issue, dict):
            continue
        said = _text(issue.get("diagnostics")) or concept_text(issue.get("details")) or "no diagnostics"
        lines.append(f"{issue.get('severity') or 'error'} {issue.get('code') or ''}".rstrip() + f": {said}")
    return "; ".join(lines) or "an OperationOutcome without issues"


def server_types(cap: dict) -> list[str]:
    """The resource types a CapabilityStatement's server-mode REST entries list."""
    types = set()
    for rest in cap.get("rest") or []:
        if not isinstance(rest, dict) or rest.get("mode", "server") != "server":
            continue
        for res in rest.get("resource") or []:
            rtype = res.get("type") if isinstance(res, dict) else None
            if isinstance(rtype, str) and _TYPE_NAME.match(rtype):
                types.add(rtype)
    return sorted(types)


def server_profiles(cap: dict) -> list[str]:
    """The profiles (canonical URLs) a CapabilityStatement's resources declare."""
    found = []
    for rest in _list(cap.get("rest")):
        for res in _list(rest.get("resource") if isinstance(rest, dict) else None):
            if isinstance(res, dict):
                found += [res.get("profile"), *_list(res.get("supportedProfile"))]
    return [f for f in found if isinstance(f, str)]


def fhir_spec(version) -> URIRef | None:
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


def concept_text(concept) -> str:
    """A CodeableConcept's text, else its first coding's display or code."""
    if not isinstance(concept, dict):
        return ""
    if _text(concept.get("text")):
        return _text(concept["text"])
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and (_text(coding.get("display")) or _text(coding.get("code"))):
            return _text(coding.get("display")) or _text(coding.get("code"))
    return ""


def characteristic_text(ch) -> str:
    """'code: value' of a Group characteristic; a valueReference (it may name a person) is never copied."""
    if not isinstance(ch, dict):
        return ""
    code = concept_text(ch.get("code"))
    value = ""
    if isinstance(ch.get("valueCodeableConcept"), dict):
        value = concept_text(ch["valueCodeableConcept"])
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
    return f"{q['value']} {_text(q.get('unit')) or _text(q.get('code'))}".strip()


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""
