"""OpenLineage run events in: validated against the 2-0-2 JSON Schema, mapped onto PROV-O.

The mapping (docs/standards.md): a run is a prov:Activity; a job is a prov:Plan the run follows
(prov:qualifiedAssociation / prov:hadPlan); inputs are prov:used; outputs prov:wasGeneratedBy the
run and prov:wasDerivedFrom each input; columnLineage gives column-level prov:wasDerivedFrom. Every
facet is kept verbatim as JSON, known or not. Validation is strict, facets included (against the
spec's facet schemas, catalog.openlineage_facets), but for what real producers send: a missing
schemaURL or _schemaURL, a producer that is not a URI, an eventTime without a time zone; each is
accepted and named in the answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from urllib.parse import quote

import pyoxigraph as ox
from hdcat.catalog.errors import Invalid
from hdcat.catalog.openlineage_facets import check_facets, is_uri
from hdcat.ontology import DCT, HDCAT, PROV
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
ENDED = {"COMPLETE", "ABORT", "FAIL"}
RDF_JSON = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")
_LENIENT = {
    "schemaURL": "schemaURL missing (accepted: Marquez and older clients omit it)",
    "producer": "producer is not a URI (accepted as text)",
    "eventTime": "eventTime has no time zone (read as UTC, as the Python client's own examples need)",
}


def _naive_iso(value) -> bool:
    try:
        return datetime.fromisoformat(str(value)).tzinfo is None
    except ValueError:
        return False


_KIND_DEF = {"run": "RunEvent", "dataset": "DatasetEvent", "job": "JobEvent"}


@lru_cache(maxsize=3)
def _validator(kind: str):
    """A validator for one event kind, so errors name the field instead of 'not valid under oneOf'."""
    from jsonschema import Draft202012Validator

    schema = json.loads(
        resources.files("hdcat.ontology").joinpath("openlineage/OpenLineage-2-0-2.schema.json").read_text()
    )
    schema.pop("oneOf")
    schema["$ref"] = f"#/$defs/{_KIND_DEF[kind]}"
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=3)
def _fast_validator(kind: str):
    """The same schema, compiled by jsonschema-rs, which only tells valid from not, a hundred times
    faster: a valid event (nearly all of them) skips the Python validator, whose per-field errors
    and lenient notes are needed only for an event that is not. Formats are checked, so it is the
    stricter of the two and never passes what the Python validator would refuse."""
    import jsonschema_rs

    schema = json.loads(
        resources.files("hdcat.ontology").joinpath("openlineage/OpenLineage-2-0-2.schema.json").read_text()
    )
    schema.pop("oneOf")
    schema["$ref"] = f"#/$defs/{_KIND_DEF[kind]}"
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def _path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(event)"


def _leaves(errors):
    """The errors under an anyOf/allOf with one branch (how the schema wraps every facets object),
    so the answer names the facet's field, not 'is not valid under any of the given schemas'."""
    for error in errors:
        if error.validator in ("anyOf", "oneOf", "allOf") and error.context:
            yield from _leaves(error.context)
        else:
            yield error


_FACET = re.compile(
    r"^(?:run|job|dataset|(?:inputs|outputs)\.\d+)\.(?:facets|inputFacets|outputFacets)\.[^.]+$"
)


def _lenient_note(error, where: str, event: dict) -> str | None:
    """What hdcat accepts although the schema rejects it, in words, or None where it does not."""
    if error.validator == "required" and where == "(event)" and "'schemaURL'" in error.message:
        return _LENIENT["schemaURL"]
    if where == "producer" and error.validator == "format":
        return _LENIENT["producer"]
    if where == "eventTime" and error.validator == "format" and _naive_iso(event.get("eventTime")):
        return _LENIENT["eventTime"]
    if error.validator == "required" and _FACET.match(where):
        for name in ("_schemaURL", "_producer"):
            if f"'{name}'" in error.message:
                return f"{where}: {name} missing (accepted; a facet without _schemaURL is kept unchecked)"
    facet = where[: -len("._producer")]
    if error.validator == "format" and where.endswith("._producer") and _FACET.match(facet):
        return f"{where}: not a URI (accepted as text)"
    return None


def validate_event(event) -> list[str]:
    """Raise Invalid naming the first wrong field (of the event, or of a facet against the spec's
    facet schema); return everything that was accepted leniently, each in words."""
    if not isinstance(event, dict):
        raise Invalid("the body must be one OpenLineage event, a JSON object", field="(body)")
    lenient = []
    kind = event_kind(event)
    valid = _fast_validator(kind).is_valid(event)
    errors = () if valid else _leaves(_validator(kind).iter_errors(event))
    for error in sorted(errors, key=lambda e: (len(e.absolute_path), e.message)):
        where = _path(error)
        note = _lenient_note(error, where, event)
        if note:
            lenient.append(note)
            continue
        if error.validator == "required":
            missing = re.search(r"'([^']+)' is a required property", error.message)
            if missing:
                where = missing.group(1) if where == "(event)" else f"{where}.{missing.group(1)}"
        message = error.message if len(error.message) <= 300 else error.message[:300] + " …"
        raise Invalid(f"OpenLineage event field {where}: {message}", field=where)
    if "producer" in event and not is_uri(event["producer"]):
        lenient.append(_LENIENT["producer"])
    lenient += check_facets(event)
    if kind == "run":
        for name in ("eventTime", "run", "job"):
            if name not in event:
                raise Invalid(f"OpenLineage event field {name}: required", field=name)
        if event.get("eventType", "OTHER") not in EVENT_TYPES:
            raise Invalid(
                f"OpenLineage event field eventType: must be one of {', '.join(EVENT_TYPES)}",
                field="eventType",
            )
        if not re.fullmatch(r"[0-9a-fA-F-]{32,36}", str(event["run"].get("runId", ""))):
            raise Invalid("OpenLineage event field run.runId: must be a UUID", field="run.runId")
    _parse_time(event.get("eventTime"), "eventTime")
    return sorted(set(lenient))


def event_kind(event: dict) -> str:
    if "run" in event:
        return "run"
    if "dataset" in event:
        return "dataset"
    if "job" in event:
        return "job"
    raise Invalid("OpenLineage event has neither run, job nor dataset", field="(event)")


def _parse_time(value, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            f"OpenLineage event field {where}: {value!r} is not an ISO 8601 date-time", field=where
        ) from None


def node_id(kind: str, namespace: str, name: str) -> str:
    """Marquez's typed node ids: dataset:<ns>:<name>, job:<ns>:<name>."""
    return f"{kind}:{namespace}:{name}"


@dataclass
class LineageIris:
    """The IRIs of lineage's runs and columns, as Oxigraph terms (see `Triples`)."""

    base: str

    def run(self, run_id: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}/id/lineage/run/{run_id.lower()}")

    def field(self, ns: str, name: str, field_name: str) -> ox.NamedNode:
        dataset = f"{entity_prefix(self.base, 'dataset')}{_quoted(ns)}/{quote(name, safe='')}"
        return ox.NamedNode(f"{dataset}/field/{quote(field_name, safe='')}")


def canonical_json(event) -> str:
    """The one text of an event's content: keys sorted, no insignificant white space, so a resend
    with its keys in another order or other spacing is recognised as the same event."""
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_key(event: dict, text: str | None = None) -> str:
    """Idempotency by content: the SHA-256 of the event's canonical JSON (`text`, when the caller has
    made it already). Only a resend of the same content is the same event; two events of one run,
    type, time and job that name different inputs or outputs are two events (each carries datasets
    the other lacks), as Marquez stores both."""
    return hashlib.sha256((text or canonical_json(event)).encode()).hexdigest()[:32]


class Triples(list):
    """An event's PROV-O as a plain list of triples of Oxigraph terms (pyoxigraph's NamedNode, Literal,
    BlankNode): the embedded store writes them as they are, in one `Store.extend`, where making rdflib
    terms, N-Quads text from them and Oxigraph parsing it again was a third of a write; the other
    stores convert them (catalog.stores.lexical_forms.as_rdflib). No rdflib Graph either: its indexes,
    then a copy, were a per-triple cost of their own."""

    def add(self, triple: tuple) -> None:
        self.append(triple)


@dataclass
class Mapped:
    graph: Triples | None  # None when only the index was asked for (map_event(..., rdf=False))
    edges: list[tuple[str, str, dict]] = field(default_factory=list)  # (from node id, to node id, attrs)
    nodes: dict[str, dict] = field(default_factory=dict)  # node id → data
    column_edges: list[tuple[str, str, dict]] = field(default_factory=list)
    column_nodes: dict[str, dict] = field(default_factory=dict)  # datasetField id → Marquez's data


def _ox(iri: URIRef) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


# the terms written, made once as Oxigraph terms (rdflib also resolves a Namespace attribute anew on each use)
_GENERATED_BY, _DERIVED_FROM, _USED = _ox(PROV.wasGeneratedBy), _ox(PROV.wasDerivedFrom), _ox(PROV.used)
_FACETS, _DESCRIPTION, _HAS_FIELD = _ox(HDCAT.facets), _ox(DCT.description), _ox(HDCAT.hasField)
_TYPE, _ENTITY = _ox(RDF.type), _ox(PROV.Entity)
_IDENTIFIER, _LABEL = _ox(DCT.identifier), _ox(RDFS.label)
_IN_NAMESPACE, _PLAN = _ox(HDCAT.lineageNamespace), _ox(PROV.Plan)
_ACTIVITY, _ASSOCIATION, _SOFTWARE_AGENT = _ox(PROV.Activity), _ox(PROV.Association), _ox(PROV.SoftwareAgent)
_QUALIFIED_ASSOCIATION, _HAD_PLAN = _ox(PROV.qualifiedAssociation), _ox(PROV.hadPlan)
_ASSOCIATED_WITH, _EVENT_STATE = _ox(PROV.wasAssociatedWith), _ox(HDCAT.eventState)
_STARTED, _ENDED, _OBSERVED = _ox(PROV.startedAtTime), _ox(PROV.endedAtTime), _ox(HDCAT.observedAtTime)
_JSON, _DATE_TIME = _ox(RDF_JSON), _ox(XSD.dateTime)


def _json_literal(value) -> ox.Literal:
    return ox.Literal(json.dumps(value, ensure_ascii=False, sort_keys=True), datatype=_JSON)


def date_time(value: str) -> ox.Literal:
    """An xsd:dateTime literal in the lexical form rdflib gives it (it normalises `…00.000Z` to
    `…00+00:00`), which is the form hdcat has always stored; Oxigraph would keep any form."""
    return ox.Literal(str(Literal(value, datatype=XSD.dateTime)), datatype=_DATE_TIME)


@lru_cache(maxsize=4096)
def _quoted(namespace: str) -> str:
    """A namespace as a path segment: a few namespaces name every dataset."""
    return quote(namespace, safe="")


def entity_prefix(base: str, kind: str) -> str:
    """What the IRI of every lineage dataset or job (`kind`) starts with."""
    return f"{base}/id/lineage/{kind}/"


@lru_cache(maxsize=50_000)
def _entity(base: str, kind: str, ns: str, name: str) -> tuple[str, ox.NamedNode, str, tuple]:
    """A dataset's or job's node id, IRI (as a term and as text) and the triples that describe it, made
    once: the same few tables are read by thousands of jobs, and making their terms again was most of
    the mapping."""
    nid = node_id(kind, ns, name)
    text = f"{entity_prefix(base, kind)}{_quoted(ns)}/{quote(name, safe='')}"
    iri = ox.NamedNode(text)
    described = (
        (iri, _IDENTIFIER, ox.Literal(nid)),
        (iri, _LABEL, ox.Literal(name)),
        (iri, _IN_NAMESPACE, ox.Literal(ns)),
    )
    types = ((iri, _TYPE, _PLAN), (iri, _TYPE, _ENTITY)) if kind == "job" else ((iri, _TYPE, _ENTITY),)
    return nid, iri, text, types + described


class Described:
    """What is stored already of the triples that events repeat, so an event names it without writing it
    again: the description of a dataset or job (types, identifier, label, namespace: the same triples
    every time, `_entity`), by its IRI, and the derivations an event's inputs and outputs make (dataset-
    and column-level prov:wasDerivedFrom, the columns' types and hasField), by `derivations_key`. A table
    read by thousands of jobs was described thousands of times, a job run every night wrote its
    derivations every night (half of such a run's quads), and the store pays for a quad it holds already
    about as much as for a new one. `stored` is what the store holds; `new` what the events being mapped
    write, which joins `stored` once they are written."""

    def __init__(self, stored: set | frozenset = frozenset()):
        self.stored = stored
        self.new: set = set()

    def __contains__(self, key) -> bool:
        return key in self.stored or key in self.new

    def first(self, key) -> bool:
        """Whether `key`'s triples are to be written: not stored, and not written by an event before in
        this write (then they are, by this one)."""
        if key in self:
            return False
        self.new.add(key)
        return True


def derivations_key(event: dict) -> bytes:
    """A digest of what an event's derivations are made of: its inputs, its outputs and their columns'
    inputs. Two events with the same key make the same derivation triples (their facets, runs and times
    may differ), so the second writes none of them. Facets are left out on purpose: a nightly run's
    output statistics change every night, its derivations do not."""
    parts = {repr(("in", d["namespace"], d["name"])) for d in event.get("inputs") or []}
    for d in event.get("outputs") or []:
        ns, name = d["namespace"], d["name"]
        parts.add(repr(("out", ns, name)))
        columns = ((d.get("facets") or {}).get("columnLineage") or {}).get("fields") or {}
        for out_field, spec in columns.items():
            parts.add(repr(("field", ns, name, out_field)))
            parts.update(
                repr(("column", ns, name, out_field, src["namespace"], src["name"], src["field"]))
                for src in (spec or {}).get("inputFields", [])
            )
    return hashlib.blake2b("\n".join(sorted(parts)).encode(), digest_size=16).digest()


def _describe(m: Mapped, iri: ox.NamedNode, described: tuple, known: Described | None) -> None:
    if known is None or known.first(iri):
        m.graph += described


def _dataset_node(
    m: Mapped, iris: LineageIris, ds: dict, role: str, known: Described | None = None
) -> tuple[str, ox.NamedNode]:
    ns, name = ds["namespace"], ds["name"]
    nid, iri, text, described = _entity(iris.base, "dataset", ns, name)
    g = m.graph
    facets = dict(ds.get("facets") or {})
    facets.update(ds.get("inputFacets") or {})
    facets.update(ds.get("outputFacets") or {})
    if g is not None:
        _describe(m, iri, described, known)
        if facets:
            g.append((iri, _FACETS, _json_literal(facets)))
    fields = [
        {"name": f.get("name"), "type": f.get("type"), "description": f.get("description")}
        for f in (facets.get("schema") or {}).get("fields", [])
        if isinstance(f, dict)
    ]
    m.nodes.setdefault(nid, {"type": "DATASET", "namespace": ns, "name": name, "iri": text})
    if fields:
        m.nodes[nid]["fields"] = fields
    owners = [o.get("name") for o in (facets.get("ownership") or {}).get("owners", []) if isinstance(o, dict)]
    if owners:
        m.nodes[nid]["owners"] = sorted({o for o in owners if o})
    doc = (facets.get("documentation") or {}).get("description")
    if doc:
        if g is not None:
            g.append((iri, _DESCRIPTION, ox.Literal(doc)))
        m.nodes[nid]["description"] = doc
    return nid, iri


def _transformation(spec: dict) -> dict:
    """Marquez's transformationType/-Description of a column: the older facet's own keys, else the
    first of the 1-2-0 facet's transformations."""
    first = next(iter(spec.get("transformations") or []), None) or {}
    return {
        "transformationType": spec.get("transformationType") or first.get("type"),
        "transformationDescription": spec.get("transformationDescription") or first.get("description"),
    }


def _column_node(m: Mapped, ns: str, name: str, field_name: str, spec: dict, field_type) -> None:
    """A column of an output, as Marquez's column-lineage node `data` gives it, with its inputs."""
    inputs = [
        {"namespace": src.get("namespace"), "dataset": src.get("name"), "field": src.get("field")}
        | {k: v for k, v in _transformation(src).items() if v}
        for src in spec.get("inputFields") or []
        if isinstance(src, dict)
    ]
    data = {"namespace": ns, "dataset": name, "field": field_name, "fieldType": field_type}
    data |= _transformation(spec)
    m.column_nodes[f"datasetField:{ns}:{name}:{field_name}"] = {
        **{k: v for k, v in data.items() if v is not None},
        "inputFields": inputs,
    }
    for src in inputs:
        m.column_nodes.setdefault(
            f"datasetField:{src['namespace']}:{src['dataset']}:{src['field']}",
            {
                "namespace": src["namespace"],
                "dataset": src["dataset"],
                "field": src["field"],
                "inputFields": [],
            },
        )


def map_event(
    event: dict, base: str, rdf: bool = True, key: str | None = None, known: Described | None = None
) -> Mapped:
    """PROV-O triples and lineage edges of one validated event. With `rdf=False` only the index's part
    (nodes, edges, columns): rebuilding the index from stored events needs no triples, and making
    them was nine tenths of the rebuild. With `known`, datasets and jobs it holds are not described
    again, nor derivations it holds made again (the graph stored is the same; the write is smaller)."""
    iris = LineageIris(base)
    m = Mapped(graph=Triples() if rdf else None)
    g = m.graph
    kind = event_kind(event)
    if kind == "dataset":
        _dataset_node(m, iris, event["dataset"], "static", known)
        return m
    job = event["job"]
    job_id, job_iri, job_text, described = _entity(base, "job", job["namespace"], job["name"])
    if g is not None:
        _describe(m, job_iri, described, known)
        if job.get("facets"):
            g.add((job_iri, _FACETS, _json_literal(job["facets"])))
    m.nodes[job_id] = {"type": "JOB", "namespace": job["namespace"], "name": job["name"], "iri": job_text}
    sql = ((job.get("facets") or {}).get("sql") or {}).get("query")
    if sql:
        m.nodes[job_id]["sql"] = sql
    run_iri = None
    if kind == "run":
        run = event["run"]
        run_iri = iris.run(run["runId"])
        state = event.get("eventType", "OTHER")
        if g is not None:
            _run_triples(g, event, run_iri, job_iri, state, key or event_key(event))
        m.nodes[job_id]["latestRun"] = {
            "runId": run["runId"].lower(),
            "state": state,
            "eventTime": str(event.get("eventTime")),
        }
    inputs = [_dataset_node(m, iris, d, "input", known) for d in event.get("inputs") or []]
    outputs = []
    derive = g is not None and (known is None or known.first(derivations_key(event)))
    for d in event.get("outputs") or []:
        nid, iri = _dataset_node(m, iris, d, "output", known)
        outputs.append((nid, iri))
        if g is not None and run_iri is not None:
            g.append((iri, _GENERATED_BY, run_iri))
        if derive:
            g += [(iri, _DERIVED_FROM, in_iri) for _, in_iri in inputs]
        column = ((d.get("facets") or {}).get("columnLineage") or {}).get("fields") or {}
        types = {
            f.get("name"): f.get("type")
            for f in ((d.get("facets") or {}).get("schema") or {}).get("fields") or []
            if isinstance(f, dict)
        }
        for out_field, spec in column.items():
            _column_node(m, d["namespace"], d["name"], out_field, spec or {}, types.get(out_field))
            out_iri = iris.field(d["namespace"], d["name"], out_field) if derive else None
            if derive:
                g.append((out_iri, _TYPE, _ENTITY))
                g.append((iri, _HAS_FIELD, out_iri))
            for src in (spec or {}).get("inputFields", []):
                if derive:
                    src_iri = iris.field(src["namespace"], src["name"], src["field"])
                    g.append((src_iri, _TYPE, _ENTITY))
                    g.append((out_iri, _DERIVED_FROM, src_iri))
                m.column_edges.append(
                    (
                        f"datasetField:{src['namespace']}:{src['name']}:{src['field']}",
                        f"datasetField:{d['namespace']}:{d['name']}:{out_field}",
                        {"transformations": src.get("transformations", [])},
                    )
                )
    if g is not None and run_iri is not None:
        g += [(run_iri, _USED, iri) for _, iri in inputs]
    for nid, _ in inputs:
        m.edges.append((nid, job_id, {}))
    for nid, _ in outputs:
        m.edges.append((job_id, nid, {}))
    return m


def _run_triples(
    g: Triples, event: dict, run_iri: ox.NamedNode, job_iri: ox.NamedNode, state: str, key: str
) -> None:
    """The run as a prov:Activity following the job's plan, with its state, time and producer."""
    run = event["run"]
    g.add((run_iri, _TYPE, _ACTIVITY))
    g.add((run_iri, _IDENTIFIER, ox.Literal(f"run:{run['runId'].lower()}")))
    assoc = ox.BlankNode(f"assoc{key}")
    g.add((run_iri, _QUALIFIED_ASSOCIATION, assoc))
    g.add((assoc, _TYPE, _ASSOCIATION))
    g.add((assoc, _HAD_PLAN, job_iri))
    g.add((run_iri, _EVENT_STATE, ox.Literal(state)))
    if event.get("eventTime"):
        when = date_time(str(event.get("eventTime")))
        g.add((run_iri, _STARTED if state == "START" else _ENDED if state in ENDED else _OBSERVED, when))
    if event.get("producer"):
        producer = event["producer"]
        agent = _producer_node(producer) if re.match(r"^https?://\S+$", producer) else ox.BlankNode()
        g.add((run_iri, _ASSOCIATED_WITH, agent))
        g.add((agent, _TYPE, _SOFTWARE_AGENT))
        g.add((agent, _LABEL, ox.Literal(producer)))
    if run.get("facets"):
        g.add((run_iri, _FACETS, _json_literal(run["facets"])))


def _producer_node(producer: str):
    """The producer as an IRI, or a blank node (its label says what it is) where it is not a valid IRI
    (`http://host/a b`): the event is accepted with a lenient note either way."""
    try:
        return ox.NamedNode(producer)
    except ValueError:
        return ox.BlankNode()
