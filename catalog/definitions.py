"""Standard dataset definitions: versioned `dct:Standard`s with data elements, kept in the graph.

Each version is its own resource (`{base}/id/definition/{id}/{version}`) in its own named graph,
so a draft is edited by replacing that one graph, and a published version's graph is never
written again except for its lifecycle status (published → deprecated). A new version is a
new resource that says `prov:wasRevisionOf` the one it revises. Every change is a
`prov:Activity` in the history graph: who, when, what changed.

The JSON shape (DefinitionSchema) is what the API takes and gives, what `hdcat definitions
import` reads and what the starter definitions in ontology/definitions/ are written in.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

from hdcat.catalog.errors import Conflict, Invalid, NotFound
from hdcat.catalog.iris import iri_tail, short_hash
from hdcat.catalog.resources import GraphCopy
from hdcat.catalog.schemas import bounded_json
from hdcat.ontology import (
    ADMS,
    CODING_SYSTEM,
    DCAT,
    DCT,
    DISEASE_AREA,
    HDCAT,
    PROV,
    UnknownContext,
    bind_prefixes,
    hospital_iri,
    resolve_contexts,
    sparql_prefixes,
    starter_definitions,
)
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD

ADMS_STATUS = "http://purl.org/adms/status/"
STATUS_IRI = {
    "draft": URIRef(ADMS_STATUS + "UnderDevelopment"),
    "published": URIRef(ADMS_STATUS + "Completed"),
    "deprecated": URIRef(ADMS_STATUS + "Deprecated"),
}
STATUS_OF = {v: k for k, v in STATUS_IRI.items()}
DATATYPES = {
    "string": XSD.string,
    "integer": XSD.integer,
    "decimal": XSD.decimal,
    "boolean": XSD.boolean,
    "date": XSD.date,
    "dateTime": XSD.dateTime,
    "code": XSD.token,
}
DATATYPE_OF = {v: k for k, v in DATATYPES.items()}
CODING_SYSTEMS = ("ICD-10", "KCD-7", "KCD-8", "ICD-O-3", "SNOMED CT", "LOINC", "ATC", "OMOP", "EDI", "local")
DISEASE_AREAS = ("cancer", "cardiovascular", "respiratory", "ophthalmology", "other")
CARDINALITIES = ("1..1", "0..1", "0..*", "1..*")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
_UCUM = re.compile(r"^[A-Za-z0-9\[\]{}()%/.*^'_\-]{1,40}$")
P = sparql_prefixes("dct", "hdcat", "adms", "owl", "prov", "dcat")


def coding_system_iri(notation: str) -> URIRef:
    return CODING_SYSTEM[notation.lower().replace(" ", "-")]


# ---- the JSON shape --------------------------------------------------------------------------
class _Texts(Schema):
    class Meta:
        unknown = EXCLUDE

    en = fields.String(allow_none=True, validate=validate.Length(max=2000))
    ko = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @post_load
    def _present(self, data, **kwargs):
        """Only the languages given: {"en": "…"} and {"en": "…", "ko": None} are the same text."""
        return {lang: text for lang, text in data.items() if text}


class _Code(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    system = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    maps_to = fields.Dict(allow_none=True)


class ElementSchema(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True

    name = fields.String(
        required=True,
        validate=validate.Regexp(
            _NAME,
            error=(
                "lower-case letters, digits and _, starting with a letter "
                "(the column name a dataset should use)"
            ),
        ),
    )
    label = fields.Nested(_Texts, required=True)
    definition = fields.Nested(_Texts, load_default=dict)
    datatype = fields.String(required=True, validate=validate.OneOf(list(DATATYPES)))
    unit = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(_UCUM, error="a UCUM unit code such as mm[Hg], mg/dL, kg/m2 or %"),
    )
    coding_system = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CODING_SYSTEMS))
    concept = fields.Nested(_Code, load_default=None, allow_none=True)
    value_set = fields.List(fields.Nested(_Code), load_default=list, validate=validate.Length(max=500))
    required = fields.Boolean(load_default=False)
    cardinality = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CARDINALITIES))

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, **kwargs):
        """Checked even when other fields are wrong, so one answer names every field to fix."""
        errors = {}
        label = data.get("label") or {}
        if "label" not in data or not (label.get("en") or label.get("ko")):
            errors["label"] = ["give the element a name in English or Korean"]
        if data.get("datatype") == "code" and not data.get("coding_system"):
            errors["coding_system"] = ["a coded element needs its coding system"]
        card = data.get("cardinality")
        if card and "required" in data and data["required"] != card.startswith("1"):
            errors["cardinality"] = [
                f"{card} does not agree with required={'yes' if data['required'] else 'no'}"
            ]
        if errors:
            raise ValidationError(errors)


class DefinitionSchema(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True

    id = fields.String(
        required=True, validate=validate.Regexp(_ID, error="lower-case letters, digits and -, 2–63 long")
    )
    version = fields.String(required=True, validate=validate.Regexp(_VERSION, error="like 1.0.0"))
    title = fields.Nested(_Texts, required=True)
    description = fields.Nested(_Texts, load_default=dict)
    disease_area = fields.String(required=True, validate=validate.OneOf(DISEASE_AREAS))
    keywords = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list)
    hospital = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,62}$", error="a hospital id such as hanbit"),
    )
    elements = fields.List(
        fields.Nested(ElementSchema),
        required=True,
        validate=validate.Length(min=1, max=500, error="a definition needs at least one data element"),
    )

    @post_load
    def _normalise(self, data, **kwargs):
        data["keywords"] = sorted(set(data.get("keywords") or []))  # a set in RDF: no order to keep
        return data

    @validates_schema(skip_on_field_errors=False)
    def _consistent(self, data, **kwargs):
        title = data.get("title") or {}
        if "title" in data and not (title.get("en") or title.get("ko")):
            raise ValidationError({"title": ["give a title in English or Korean"]})
        seen = set()
        for i, e in enumerate(data.get("elements") or []):
            name = e.get("name") if isinstance(e, dict) else None
            if name and name in seen:
                raise ValidationError({"elements": {i: {"name": [f"{name!r} is used twice"]}}})
            seen.add(name)


class DefinitionRecordSchema(DefinitionSchema):
    """What the API answers: the definition plus its identity and lifecycle."""

    iri = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["draft", "published", "deprecated"]))
    created = fields.String(allow_none=True)
    modified = fields.String(allow_none=True)
    issued = fields.String(allow_none=True)
    revision_of = fields.String(allow_none=True)
    replaced_by = fields.String(allow_none=True)


def load_definition(data: dict) -> dict:
    """Validated input, or Invalid whose `detail` maps every bad field (elements.2.unit, …) to its message."""
    if not isinstance(data, dict):
        raise Invalid("a definition is a JSON object", field="(body)")
    try:
        return DefinitionSchema().load(data)
    except ValidationError as exc:
        errors = flatten_errors(exc.messages)
        first = next(iter(errors))
        raise Invalid(
            f"{len(errors)} field(s) to fix: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
            field=first,
            detail={"fields": errors},
        ) from None


def flatten_errors(messages, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            out.update(flatten_errors(value, name))
    elif isinstance(messages, list) and messages and not isinstance(messages[0], str):
        for item in messages:
            out.update(flatten_errors(item, prefix))
    else:
        out[prefix or "(body)"] = messages[0] if isinstance(messages, list) else str(messages)
    return out


# ---- JSON ↔ RDF -------------------------------------------------------------------------------
def _texts(g: Graph, node, predicate, texts: dict) -> None:
    for lang, text in (texts or {}).items():
        if text:
            g.add((node, predicate, Literal(text, lang=lang)))


def _read_texts(g: Graph, node, predicate) -> dict:
    return {v.language or "en": str(v) for v in g.objects(node, predicate) if isinstance(v, Literal)}


def to_graph(data: dict, iri: URIRef, meta: dict) -> Graph:
    g = bind_prefixes(Graph())
    g.add((iri, RDF.type, DCT.Standard))
    g.add((iri, DCT.identifier, Literal(data["id"])))
    g.add((iri, OWL.versionInfo, Literal(data["version"])))
    g.add((iri, ADMS.status, STATUS_IRI[meta["status"]]))
    _texts(g, iri, DCT.title, data["title"])
    _texts(g, iri, DCT.description, data.get("description"))
    g.add((iri, DCAT.theme, DISEASE_AREA[data["disease_area"]]))
    for k in data.get("keywords") or []:
        g.add((iri, DCAT.keyword, Literal(k)))
    if data.get("hospital"):
        g.add((iri, DCT.publisher, hospital_iri(data["hospital"])))
    for key, prop in (("created", DCT.created), ("modified", DCT.modified), ("issued", DCT.issued)):
        if meta.get(key):
            g.add((iri, prop, Literal(meta[key], datatype=XSD.dateTime)))
    for key, prop in (("revision_of", PROV.wasRevisionOf), ("replaced_by", DCT.isReplacedBy)):
        if meta.get(key):
            g.add((iri, prop, URIRef(meta[key])))
    for order, e in enumerate(data["elements"]):
        node = URIRef(f"{iri}/element/{e['name']}")
        g.add((iri, HDCAT.hasElement, node))
        g.add((node, RDF.type, HDCAT.DataElement))
        g.add((node, HDCAT.order, Literal(order)))
        g.add((node, HDCAT.elementName, Literal(e["name"])))
        _texts(g, node, SKOS.prefLabel, e["label"])
        _texts(g, node, SKOS.definition, e.get("definition"))
        g.add((node, HDCAT.datatype, DATATYPES[e["datatype"]]))
        if e.get("unit"):
            g.add((node, HDCAT.unit, Literal(e["unit"])))
        if e.get("coding_system"):
            g.add((node, HDCAT.codingSystem, coding_system_iri(e["coding_system"])))
        g.add((node, HDCAT.required, Literal(bool(e.get("required")))))
        if e.get("cardinality"):
            g.add((node, HDCAT.cardinality, Literal(e["cardinality"])))
        if e.get("concept"):
            g.add((node, HDCAT.concept, _code_node(g, node, "concept", e["concept"])))
        for i, code in enumerate(e.get("value_set") or []):
            g.add((node, HDCAT.permittedValue, _code_node(g, node, f"value/{i}", code)))
    return g


def _code_node(g: Graph, element: URIRef, suffix: str, code: dict) -> URIRef:
    node = URIRef(f"{element}/{suffix}")
    g.add((node, SKOS.notation, Literal(code["code"])))
    if code.get("label"):
        g.add((node, SKOS.prefLabel, Literal(code["label"])))
    if code.get("system"):
        g.add((node, HDCAT.codeSystemName, Literal(code["system"])))
    maps = code.get("maps_to") or {}
    if maps.get("code"):
        g.add((node, SKOS.exactMatch, Literal(f"{maps.get('system') or ''}|{maps['code']}")))
    return node


def _read_code(g: Graph, node) -> dict:
    out = {
        "code": str(g.value(node, SKOS.notation) or ""),
        "label": _opt(g.value(node, SKOS.prefLabel)),
        "system": _opt(g.value(node, HDCAT.codeSystemName)),
    }
    match = g.value(node, SKOS.exactMatch)
    if match is not None:
        system, _, code = str(match).partition("|")
        out["maps_to"] = {"system": system or None, "code": code}
    return out


def _opt(value):
    return str(value) if value is not None else None


def from_graph(g: Graph, iri: URIRef) -> dict:
    """The JSON shape of one version, plus its lifecycle fields."""
    if (iri, RDF.type, DCT.Standard) not in g:
        raise NotFound(f"no definition {iri}")
    elements = []
    for node in g.objects(iri, HDCAT.hasElement):
        cs = g.value(node, HDCAT.codingSystem)
        concept = g.value(node, HDCAT.concept)
        elements.append(
            (
                int(g.value(node, HDCAT.order) or 0),
                {
                    "name": str(g.value(node, HDCAT.elementName)),
                    "label": _read_texts(g, node, SKOS.prefLabel),
                    "definition": _read_texts(g, node, SKOS.definition),
                    "datatype": DATATYPE_OF.get(g.value(node, HDCAT.datatype), "string"),
                    "unit": _opt(g.value(node, HDCAT.unit)),
                    "coding_system": _notation(cs),
                    "concept": _read_code(g, concept) if concept is not None else None,
                    "value_set": [
                        _read_code(g, v)
                        for v in sorted(
                            g.objects(node, HDCAT.permittedValue),
                            key=lambda v: int(iri_tail(v)),
                        )
                    ],
                    "required": bool(
                        g.value(node, HDCAT.required) and g.value(node, HDCAT.required).toPython()
                    ),
                    "cardinality": _opt(g.value(node, HDCAT.cardinality)),
                },
            )
        )
    publisher = g.value(iri, DCT.publisher)
    theme = g.value(iri, DCAT.theme)
    return {
        "id": str(g.value(iri, DCT.identifier)),
        "version": str(g.value(iri, OWL.versionInfo)),
        "iri": str(iri),
        "status": STATUS_OF.get(g.value(iri, ADMS.status), "draft"),
        "title": _read_texts(g, iri, DCT.title),
        "description": _read_texts(g, iri, DCT.description),
        "disease_area": iri_tail(theme) if theme is not None else "other",
        "keywords": sorted(str(k) for k in g.objects(iri, DCAT.keyword)),
        "hospital": iri_tail(publisher) if publisher is not None else None,
        "created": _opt(g.value(iri, DCT.created)),
        "modified": _opt(g.value(iri, DCT.modified)),
        "issued": _opt(g.value(iri, DCT.issued)),
        "revision_of": _opt(g.value(iri, PROV.wasRevisionOf)),
        "replaced_by": _opt(g.value(iri, DCT.isReplacedBy)),
        "elements": [e for _, e in sorted(elements, key=lambda x: x[0])],
    }


def _notation(concept) -> str | None:
    if concept is None:
        return None
    tail = iri_tail(concept)
    return next((n for n in CODING_SYSTEMS if n.lower().replace(" ", "-") == tail), tail)


CONTENT_KEYS = ("title", "description", "disease_area", "keywords", "hospital", "elements")


def content(record: dict) -> dict:
    """The part of a definition a steward writes (what diffs and edits compare)."""
    return {k: record.get(k) for k in ("id", "version") + CONTENT_KEYS}


# ---- versions, diffs ---------------------------------------------------------------------------
def version_key(version: str) -> tuple:
    return tuple(int(p) for p in version.split("."))


def diff(old: dict, new: dict) -> dict:
    """What changed between two versions: metadata fields, and elements added, removed or changed (field by
    field)."""
    fields_changed = {
        k: {"from": old.get(k), "to": new.get(k)}
        for k in CONTENT_KEYS
        if k != "elements" and old.get(k) != new.get(k)
    }
    a = {e["name"]: e for e in old.get("elements", [])}
    b = {e["name"]: e for e in new.get("elements", [])}
    changed = {}
    for name in sorted(set(a) & set(b)):
        delta = {
            k: {"from": a[name].get(k), "to": b[name].get(k)}
            for k in sorted(set(a[name]) | set(b[name]))
            if a[name].get(k) != b[name].get(k)
        }
        if delta:
            changed[name] = delta
    return {
        "from": old.get("version"),
        "to": new.get("version"),
        "fields": fields_changed,
        "added": sorted(set(b) - set(a)),
        "removed": sorted(set(a) - set(b)),
        "changed": changed,
    }


def summary_of(d: dict) -> str:
    parts = []
    if d["fields"]:
        parts.append("changed " + ", ".join(d["fields"]))
    if d["added"]:
        parts.append("added " + ", ".join(d["added"]))
    if d["removed"]:
        parts.append("removed " + ", ".join(d["removed"]))
    if d["changed"]:
        parts.append("edited " + ", ".join(f"{n} ({', '.join(c)})" for n, c in d["changed"].items()))
    return "; ".join(parts) or "no change"


# ---- the registry of definitions in the store ----------------------------------------------------
class Definitions:
    """Reads and writes definitions in the catalogue's store. Callers check who may write."""

    def __init__(self, store, base: str, on_change=None):
        self.store = store
        self.base = base.rstrip("/")
        self.on_change = on_change  # on_change(def_id): its published versions changed (conformance follows)
        #: every version (one query) and each version's record (a graph read triple by triple), kept until
        #: a write here changes a definition graph (only this class writes them): the definitions page read
        #: them all on every request, once more for every definition it listed
        self._lock = threading.Lock()
        self._epoch = 0
        self._versions: list[dict] | None = None
        self._records: dict = {}
        #: store reads made to build versions and records, for tests that count work, not time
        self.reads = 0

    def forget(self) -> None:
        """After a write to a definition graph: what was kept may describe the old versions."""
        with self._lock:
            self._epoch += 1
            self._versions = None
            self._records.clear()

    def _kept(self, key, compute):
        """The value kept under `key` ("versions" or (id, version)), computed on first use; a value computed
        while a write came in is returned but not kept (the same rule as catalog.datasets' caches)."""
        with self._lock:
            epoch = self._epoch
            found = self._versions if key == "versions" else self._records.get(key)
        if found is not None:
            return found
        found = compute()
        self.reads += 1
        with self._lock:
            if epoch == self._epoch and found is not None:
                if key == "versions":
                    self._versions = found
                else:
                    self._records[key] = found
        return found

    def iri(self, def_id: str, version: str) -> URIRef:
        return URIRef(f"{self.base}/id/definition/{def_id}/{version}")

    def graph_iri(self, def_id: str, version: str, draft: bool = False) -> URIRef:
        """Published and deprecated versions are public; drafts (work in progress) and the change history
        (who changed what) live under the consortium prefix, which anonymous SPARQL never reads."""
        where = "consortium/definition-draft" if draft else "definition"
        return URIRef(f"{self.base}/graph/{where}/{def_id}/{version}")

    @property
    def history_graph(self) -> URIRef:
        return URIRef(f"{self.base}/graph/consortium/definition-history")

    # ---- reads ----
    def versions(self, drafts: bool = True) -> list[dict]:
        """Every version of every definition (drafts only for readers who may see work in progress)."""
        rows = self._kept("versions", self._all_versions)
        return [dict(r) for r in rows if drafts or r["status"] != "draft"]

    def _all_versions(self) -> list[dict]:
        q = (
            P
            + f"""SELECT ?d ?id ?v ?status ?modified ?replaced WHERE {{ GRAPH ?g {{
                 ?d a dct:Standard ; dct:identifier ?id ;
                 owl:versionInfo ?v ; adms:status ?status . OPTIONAL {{ ?d dct:modified ?modified }}
                 OPTIONAL {{ ?d dct:isReplacedBy ?replaced }} }}
                 FILTER(STRSTARTS(STR(?g), "{self.base}/graph/definition/")
                        || STRSTARTS(STR(?g), "{self.base}/graph/consortium/definition-draft/")) }}"""
        )
        rows = []
        for r in self.store.query(q):
            rows.append(
                {
                    "id": str(r.id),
                    "version": str(r.v),
                    "iri": str(r.d),
                    "status": STATUS_OF.get(r.status, "draft"),
                    "modified": _opt(r.modified),
                    "replaced_by": _opt(r.replaced),
                }
            )
        rows.sort(key=lambda r: (r["id"], version_key(r["version"])))
        return rows

    def get(self, def_id: str, version: str | None = None, drafts: bool = True) -> dict:
        if version is None:
            version = self.latest_version(def_id, drafts=drafts)
        if not _ID.match(def_id or "") or not _VERSION.match(version or ""):
            raise NotFound(f"no definition {def_id!r} version {version!r}")
        record = self._kept((def_id, version), lambda: self._read(def_id, version))
        if record is None or (record["status"] == "draft" and not drafts):
            raise NotFound(f"no definition {def_id!r} version {version!r}")
        return copy.deepcopy(record)  # callers (forms, diffs) may change what they get

    def _read(self, def_id: str, version: str) -> dict | None:
        """One version's record from its graph, or None when there is none (not kept: what is kept stays
        bounded by the versions that exist)."""
        iri = self.iri(def_id, version)
        name = self.graph_iri(def_id, version)
        if (iri, RDF.type, DCT.Standard) not in self.store.read_view(name):
            name = self.graph_iri(def_id, version, draft=True)
            if (iri, RDF.type, DCT.Standard) not in self.store.read_view(name):
                return None
        # straight from the engine into dicts: an rdflib Graph took a tenth of a millisecond a statement
        return from_graph(GraphCopy(self.store.graph_triples(name)), iri)

    def rdf(self, def_id: str, version: str, drafts: bool = True) -> Graph:
        record = self.get(def_id, version, drafts=drafts)
        return to_graph(content(record), URIRef(record["iri"]), self._meta(record))

    def latest_version(self, def_id: str, drafts: bool = True) -> str:
        """The latest published version, else the latest of any status the reader may see."""
        versions = [r for r in self.versions(drafts) if r["id"] == def_id]
        if not versions:
            raise NotFound(f"no definition {def_id!r}")
        published = [r for r in versions if r["status"] == "published"]
        return (published or versions)[-1]["version"]

    def all_of(self, def_id: str, drafts: bool = True) -> list[dict]:
        return [r for r in self.versions(drafts) if r["id"] == def_id]

    def history(self, def_id: str, drafts: bool = True) -> list[dict]:
        q = (
            P
            + f"""SELECT ?at ?who ?what ?version ?note WHERE {{ GRAPH <{self.history_graph}> {{
                 ?a prov:used ?d ; prov:startedAtTime ?at ; prov:wasAssociatedWith ?who ; dct:type ?what ;
                    hdcat:changeNote ?note .
                 ?d dct:identifier {Literal(def_id).n3()} ; owl:versionInfo ?version }} }}
                 ORDER BY DESC(?at)"""
        )
        visible = None if drafts else {v["version"] for v in self.all_of(def_id, drafts=False)}

        def read() -> list[dict]:
            return [
                {
                    "at": str(r.at),
                    "who": str(r.who).rsplit(":", 1)[-1],
                    "action": str(r.what),
                    "version": str(r.version),
                    "note": str(r.note),
                }
                for r in self.store.query(q)
            ]

        known = any(v["id"] == def_id for v in self.versions())  # kept for those only: bounded
        # (three parts: never a (id, version) key)
        rows = self._kept(("history", def_id, None), read) if known else read()
        return [dict(r) for r in rows if visible is None or r["version"] in visible]

    # ---- writes ----
    def _now(self) -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    def _write(self, record: dict, meta: dict) -> None:
        """One transaction: the version's graph where its status puts it, and none where it does not."""
        iri = self.iri(record["id"], record["version"])
        draft = meta["status"] == "draft"
        self.store.replace_graphs(
            {
                self.graph_iri(record["id"], record["version"], draft=draft): to_graph(record, iri, meta),
                self.graph_iri(record["id"], record["version"], draft=not draft): Graph(),
            }
        )
        self.forget()

    def _record_change(self, def_id: str, version: str, actor: str, action: str, note: str) -> None:
        g = Graph()
        change_hash = short_hash(def_id + version + action + self._now() + note, 16)
        act = URIRef(f"{self.base}/id/definition-change/{change_hash}")
        d = self.iri(def_id, version)
        g.add((act, RDF.type, PROV.Activity))
        g.add((act, PROV.used, d))
        at = datetime.now(UTC).isoformat(timespec="microseconds")  # orders changes within a second
        g.add((act, PROV.startedAtTime, Literal(at, datatype=XSD.dateTime)))
        g.add((act, PROV.wasAssociatedWith, URIRef(f"urn:hdcat:user:{actor}")))
        g.add((act, DCT.type, Literal(action)))
        g.add((act, HDCAT.changeNote, Literal(note)))
        g.add((d, DCT.identifier, Literal(def_id)))
        g.add((d, OWL.versionInfo, Literal(version)))
        self.store.add_to_graph(self.history_graph, g)
        self.forget()

    def _published_changed(self, def_id: str) -> None:
        """Only published versions are scored, so drafts coming and going change nothing downstream."""
        if self.on_change:
            self.on_change(def_id)

    def _meta(self, record: dict) -> dict:
        return {
            k: record.get(k)
            for k in ("status", "created", "modified", "issued", "revision_of", "replaced_by")
        }

    def create(self, data: dict, actor: str, revision_of: str | None = None) -> dict:
        data = load_definition(data)
        if any(r["id"] == data["id"] and r["version"] == data["version"] for r in self.versions()):
            raise Conflict(
                f"definition {data['id']} {data['version']} exists already; "
                "edit it (drafts only) or make a new version"
            )
        now = self._now()
        self._write(data, {"status": "draft", "created": now, "modified": now, "revision_of": revision_of})
        self._record_change(
            data["id"],
            data["version"],
            actor,
            "create",
            f"created with {len(data['elements'])} elements"
            + (f" as a revision of {revision_of.rsplit('/', 1)[-1]}" if revision_of else ""),
        )
        return self.get(data["id"], data["version"])

    def update(self, def_id: str, version: str, data: dict, actor: str) -> dict:
        current = self.get(def_id, version)
        if current["status"] != "draft":
            raise Conflict(
                f"{def_id} {version} is {current['status']}: published versions never change; "
                "make a new version instead"
            )
        data = load_definition(dict(data, id=def_id, version=version))
        change = diff(content(current), data)
        self._write(data, dict(self._meta(current), modified=self._now()))
        self._record_change(def_id, version, actor, "edit", summary_of(change))
        return self.get(def_id, version)

    def _transition(self, def_id: str, version: str, actor: str, allowed: str, status: str, **meta) -> dict:
        """Move one version along draft → published → deprecated; its content never changes here."""
        current = self.get(def_id, version)
        if current["status"] != allowed:
            raise Conflict(
                f"{def_id} {version} is {current['status']}; only {allowed} versions can be {status}"
            )
        self._write(content(current), dict(self._meta(current), status=status, modified=self._now(), **meta))
        action = {"published": "publish", "deprecated": "deprecate"}[status]
        self._record_change(
            def_id,
            version,
            actor,
            meta.get("replaced_by") and "supersede" or action,
            f"superseded by {meta['replaced_by'].rsplit('/', 1)[-1]}" if meta.get("replaced_by") else status,
        )
        return current

    def publish(self, def_id: str, version: str, actor: str) -> dict:
        """Freeze a draft; every earlier published version of the definition is superseded by it."""
        self._transition(def_id, version, actor, "draft", "published", issued=self._now())
        for older in self.all_of(def_id):  # one live version: every earlier published one is superseded
            if older["status"] == "published" and version_key(older["version"]) < version_key(version):
                self._transition(
                    def_id,
                    older["version"],
                    actor,
                    "published",
                    "deprecated",
                    replaced_by=str(self.iri(def_id, version)),
                )
        self._published_changed(def_id)
        return self.get(def_id, version)

    def deprecate(self, def_id: str, version: str, actor: str) -> dict:
        self._transition(def_id, version, actor, "published", "deprecated")
        self._published_changed(def_id)
        return self.get(def_id, version)

    def revise(self, def_id: str, version: str, new_version: str, actor: str) -> dict:
        """A new draft version copied from `version`, which it will supersede when published."""
        base = self.get(def_id, version)
        return self.create(dict(content(base), version=new_version), actor, revision_of=base["iri"])

    def delete_draft(self, def_id: str, version: str, actor: str) -> None:
        current = self.get(def_id, version)
        if current["status"] != "draft":
            raise Conflict(
                f"{def_id} {version} is {current['status']}; published versions stay resolvable forever"
            )
        self.store.drop_graph(self.graph_iri(def_id, version, draft=True))
        self._record_change(def_id, version, actor, "delete", "draft deleted")

    def import_file(self, path: Path, actor: str, publish: bool = False) -> dict:
        """A definition from JSON (our shape) or RDF (a dct:Standard in Turtle, JSON-LD, …)."""
        text = Path(path).read_text("utf-8")
        data = parse_upload(text, "application/json" if str(path).endswith(".json") else "text/turtle")
        try:
            existing = self.get(data["id"], data["version"])
        except NotFound:
            existing = None
        record = (
            existing
            if existing and existing["status"] != "draft"
            else (
                self.update(data["id"], data["version"], data, actor)
                if existing
                else self.create(data, actor)
            )
        )
        if publish and record["status"] == "draft":
            record = self.publish(record["id"], record["version"], actor)
        return record

    def ensure_starters(self, actor: str = "hdcat") -> list[dict]:
        """The three starter definitions, published, unless they are there already."""
        have = {(r["id"], r["version"]) for r in self.versions()}
        out = []
        for path in starter_definitions():
            data = json.loads(path.read_text("utf-8"))
            if (data["id"], data["version"]) not in have:
                out.append(self.import_file(path, actor, publish=True))
        return out


def parse_upload(body: str, media_type: str, defaults: dict | None = None) -> dict:
    """A definition upload as JSON, as RDF holding one dct:Standard (what `export --format ttl` writes),
    or as SHACL holding one sh:NodeShape (with `defaults` for what SHACL cannot say)."""
    if (
        media_type in ("application/json", "")
        or body.lstrip().startswith("{")
        and "@context" not in body[:2000]
    ):
        try:
            return bounded_json(lambda: json.loads(body))
        except json.JSONDecodeError as exc:
            raise Invalid(
                f"the body is not valid JSON: {exc.msg} at line {exc.lineno}", field="(body)"
            ) from None
    fmt = {"application/ld+json": "json-ld", "application/rdf+xml": "xml", "application/n-triples": "nt"}.get(
        media_type, "turtle"
    )
    g = Graph()
    try:
        if fmt == "xml" and "<!ENTITY" in body.upper():
            raise Invalid(
                "RDF/XML that declares entities (<!ENTITY …>) is refused: entity expansion can blow a "
                "small upload up to gigabytes",
                field="(body)",
            )
        if fmt == "json-ld" or body.lstrip().startswith(("{", "[")):
            fmt = "json-ld"
            body = json.dumps(
                resolve_contexts(bounded_json(lambda: json.loads(body)))
            )  # never a network fetch
        g.parse(data=body, format=fmt)
    except UnknownContext as exc:
        raise Invalid(str(exc), field="@context") from None
    except Invalid:
        raise
    except Exception as exc:  # rdflib raises many kinds
        raise Invalid(
            f"the body is not valid {fmt}: {' '.join(str(exc).split())[:200]}", field="(body)"
        ) from None
    standards = [s for s in g.subjects(RDF.type, DCT.Standard) if isinstance(s, URIRef)]
    shapes = list(g.subjects(RDF.type, SH.NodeShape))
    try:
        if len(standards) == 1:
            return content(from_graph(g, standards[0]))
        if not standards and len(shapes) == 1:
            return from_shacl(g, shapes[0], defaults or {})
    except (ValueError, TypeError) as exc:  # a count, order or index that is not a number
        raise Invalid(
            f"the RDF has a value that should be a number and is not: {exc}", field="(body)"
        ) from None
    raise Invalid(
        f"the RDF must describe exactly one dct:Standard or one sh:NodeShape (found {len(standards)} "
        f"and {len(shapes)})",
        field="(body)",
    )


_XSD_TO_DATATYPE = {
    XSD.string: "string",
    XSD.integer: "integer",
    XSD.int: "integer",
    XSD.long: "integer",
    XSD.decimal: "decimal",
    XSD.double: "decimal",
    XSD.float: "decimal",
    XSD.boolean: "boolean",
    XSD.date: "date",
    XSD.dateTime: "dateTime",
    XSD.token: "code",
}


def from_shacl(g: Graph, shape, defaults: dict) -> dict:
    """A definition from SHACL a steward already has: each property shape becomes a data element
    (name from the path's local name, datatype from sh:datatype, required from sh:minCount, the
    value set from sh:in); what SHACL cannot say (id, version, disease area) comes from `defaults`."""

    def text(node, *predicates) -> dict:
        for predicate in predicates:
            found = _read_texts(g, node, predicate)
            if found:
                return found
        return {}

    elements = []
    for prop in g.objects(shape, SH.property):
        path = g.value(prop, SH.path)
        if not isinstance(path, URIRef):
            continue  # complex paths do not name a column
        name = re.sub(r"[^a-z0-9_]+", "_", re.split(r"[#/]", str(path))[-1].lower()).strip("_") or "element"
        if not name[0].isalpha():
            name = "e_" + name
        low, high = g.value(prop, SH.minCount), g.value(prop, SH.maxCount)
        required = bool(low is not None and int(low) >= 1)
        values = list(Collection(g, g.value(prop, SH["in"]))) if g.value(prop, SH["in"]) is not None else []
        datatype = _XSD_TO_DATATYPE.get(g.value(prop, SH.datatype), "code" if values else "string")
        elements.append(
            {
                "name": name,
                "label": text(prop, SH.name, RDFS.label) or {"en": name.replace("_", " ")},
                "definition": text(prop, SH.description, RDFS.comment),
                "datatype": datatype,
                "coding_system": "local" if datatype == "code" else None,
                "value_set": [{"code": str(v)} for v in values],
                "required": required,
                "cardinality": f"{1 if required else 0}..{'*' if high is None or int(high) > 1 else 1}",
                "order": float(g.value(prop, SH.order))
                if g.value(prop, SH.order) is not None
                else float(len(elements)),
            }
        )
    elements.sort(key=lambda e: e.pop("order"))
    local = re.split(r"[#/]", str(shape))[-1].lower() if isinstance(shape, URIRef) else ""
    return {
        "id": defaults.get("id") or re.sub(r"[^a-z0-9-]+", "-", local.replace("shape", "")).strip("-"),
        "version": defaults.get("version") or str(g.value(shape, OWL.versionInfo) or "1.0.0"),
        "title": text(shape, DCT.title, RDFS.label, SH.name) or {"en": local},
        "description": text(shape, DCT.description, RDFS.comment),
        "disease_area": defaults.get("disease_area") or "other",
        "keywords": [],
        "hospital": defaults.get("hospital"),
        "elements": elements,
    }
