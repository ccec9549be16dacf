"""OpenLineage facets checked against the facet schemas the spec publishes.

A facet names its schema in `_schemaURL`. Where that is one of the spec's own facets (hosted on
openlineage.io/spec, or the OpenLineage repository on GitHub, in either the per-facet form
`facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet` or the older
`OpenLineage.json#/definitions/SchemaDatasetFacet`), the facet is checked against the schema of
that name shipped in ontology/openlineage/facets/ (copied from the spec; see its README). A facet
that names the version hdcat ships and breaks it is refused (400 naming the facet and field). A
facet naming another version (or none, as `.../main/spec/OpenLineage.json#/definitions/...` does)
is checked against the version hdcat ships, and what it lacks is reported in the answer rather than
refused: hdcat cannot hold it to a schema it does not have, and real producers send such facets
(Marquez's own test event has a 1-0-1 dataQualityMetrics without the required columnMetrics).
A facet whose schema is not the spec's (a custom facet) is kept unchecked: the spec allows any.
Why a module of its own: the event's validation (catalog.openlineage) is about the event; this is
about the 38 facet schemas, their registry and how a URL names one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from hdcat.catalog.errors import Invalid

CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
_CORE_FACETS = {"RunFacet", "JobFacet", "DatasetFacet", "InputDatasetFacet", "OutputDatasetFacet"}
_SPEC_HOSTS = re.compile(
    r"^https?://(?:openlineage\.io/spec/"
    r"|raw\.githubusercontent\.com/OpenLineage/OpenLineage/"
    r"|github\.com/OpenLineage/OpenLineage/)"
)
_VERSION = re.compile(r"/(\d+-\d+-\d+)/")
#: every facet's own fields (BaseFacet in the core schema)
_BASE_FIELDS = ("_producer", "_schemaURL")


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def is_uri(value) -> bool:
    """An absolute URI, as the schema's `format: uri` means; checked here because jsonschema checks
    that format only when an optional package (rfc3987) is installed."""
    return isinstance(value, str) and bool(_URI.match(value))


@dataclass(frozen=True)
class SpecFacet:
    name: str  # the $defs name, e.g. SchemaDatasetFacet
    schema_id: str  # the $id of the file that defines it, with its version
    version: str


@lru_cache(maxsize=1)
def _catalogue():
    """The shipped facet schemas: a referencing registry (with the core schema, which every facet
    extends) and the facets by name."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    root = resources.files("hdcat.ontology").joinpath("openlineage")
    core = json.loads(root.joinpath("OpenLineage-2-0-2.schema.json").read_text())
    pairs = [(CORE_ID, Resource(contents=core, specification=DRAFT202012))]
    facets: dict[str, SpecFacet] = {}
    for path in sorted(root.joinpath("facets").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        schema = json.loads(path.read_text())
        sid = schema["$id"]
        pairs.append((sid, Resource(contents=schema, specification=DRAFT202012)))
        version = _VERSION.search(sid).group(1)
        for name, definition in schema.get("$defs", {}).items():
            bases = {
                ref["$ref"].rsplit("/", 1)[-1]
                for ref in definition.get("allOf", [])
                if str(ref.get("$ref", "")).startswith(CORE_ID)
            }
            if bases & _CORE_FACETS:
                facets[name] = SpecFacet(name, sid, version)
    return Registry().with_resources(pairs), facets


def spec_facets() -> dict[str, SpecFacet]:
    """The spec's facets hdcat ships, by name."""
    return _catalogue()[1]


def named_facet(schema_url) -> tuple[SpecFacet | None, str | None]:
    """Which spec facet a `_schemaURL` names, and the version it names (None where it names none)."""
    if not isinstance(schema_url, str) or not _SPEC_HOSTS.match(schema_url):
        return None, None
    address, _, fragment = schema_url.partition("#")
    name = fragment.rstrip("/").rsplit("/", 1)[-1] if "/" in fragment else ""
    if not name:
        stem = address.rstrip("/").rsplit("/", 1)[-1]
        name = stem[: -len(".json")] if stem.endswith(".json") else ""
    version = _VERSION.search(address)
    if version is None:
        return spec_facets().get(name), None
    # the per-facet files carry the facet's version; the older form names the whole spec's version
    label = version.group(1) if "/facets/" in address else f"of spec {version.group(1)}"
    return spec_facets().get(name), label


@lru_cache(maxsize=64)
def _validator(facet: SpecFacet):
    from jsonschema import Draft202012Validator

    registry, _ = _catalogue()
    schema = {"$ref": f"{facet.schema_id}#/$defs/{facet.name}"}
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=64)
def _fast_validator(facet: SpecFacet):
    """jsonschema-rs over the same facet schema (valid or not, formats checked): a facet it passes
    needs no walk through the Python validator (catalog.openlineage._fast_validator says why)."""
    import jsonschema_rs

    shipped = _shipped_schemas()
    return jsonschema_rs.validator_for(
        {"$ref": f"{facet.schema_id}#/$defs/{facet.name}"},
        validate_formats=True,
        retriever=lambda uri: shipped[uri.split("#", 1)[0]],
    )


@lru_cache(maxsize=1)
def _shipped_schemas() -> dict:
    """The core schema and every facet schema shipped, by $id (a retriever that never goes online)."""
    root = resources.files("hdcat.ontology").joinpath("openlineage")
    out = {CORE_ID: json.loads(root.joinpath("OpenLineage-2-0-2.schema.json").read_text())}
    for path in root.joinpath("facets").iterdir():
        if path.name.endswith(".json"):
            schema = json.loads(path.read_text())
            out[schema["$id"]] = schema
    return out


def facet_places(event: dict):
    """Every facets object of an event, with the path the answer names it by."""
    for part in ("run", "job", "dataset"):
        holder = event.get(part)
        if isinstance(holder, dict):
            yield f"{part}.facets", holder.get("facets")
    for part in ("inputs", "outputs"):
        items = event.get(part)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                for key in ("facets", "inputFacets", "outputFacets"):
                    yield f"{part}.{i}.{key}", item.get(key)


def _base_field_error(error) -> bool:
    """The facet's own _producer and _schemaURL: the event's validation already judged them (and
    may have accepted them leniently), so the facet's check does not judge them again."""
    path = list(error.absolute_path)
    if error.validator == "required" and not path:
        return any(f"'{f}'" in error.message for f in _BASE_FIELDS)
    return len(path) == 1 and path[0] in _BASE_FIELDS


def check_facets(event: dict) -> list[str]:
    """Raise Invalid naming the first facet that breaks its spec schema; return notes on facets
    checked against another version than the one they name, or naming a spec facet hdcat lacks."""
    notes = []
    for place, facets in facet_places(event):
        if not isinstance(facets, dict):
            continue
        for key, facet in facets.items():
            if not isinstance(facet, dict):
                continue
            where = f"{place}.{key}"
            if "_producer" in facet and not is_uri(facet["_producer"]):
                notes.append(f"{where}._producer: not a URI (accepted as text)")
            url = facet.get("_schemaURL")
            spec, version = named_facet(url)
            if spec is None:
                if isinstance(url, str) and url.startswith("https://openlineage.io/spec/facets/"):
                    notes.append(f"{where}: {url} is not a spec facet hdcat knows; kept unchecked")
                continue
            if facet.get("_deleted") is True:
                continue  # a deletion marker carries no fields to check
            if _fast_validator(spec).is_valid(facet):
                errors = []
            else:
                errors = [e for e in _validator(spec).iter_errors(facet) if not _base_field_error(e)]
            error = min(errors, key=lambda e: (len(e.absolute_path), e.message)) if errors else None
            inner = ".".join(str(p) for p in error.absolute_path) if error else ""
            missing = re.search(r"^'([^']+)' is a required property", error.message) if error else None
            if missing:  # name the missing field itself, as the event's own errors do
                inner = f"{inner}.{missing.group(1)}" if inner else missing.group(1)
            message = ""
            if error is not None:
                text = error.message if len(error.message) <= 300 else error.message[:300] + " …"
                message = f"{inner + ': ' if inner else ''}{text}"
            if version == spec.version:
                if error is not None:
                    raise Invalid(
                        f"OpenLineage facet {where} ({spec.name} {spec.version}): {message}",
                        field=f"{where}.{inner}" if inner else where,
                        detail={"facet": where, "schema": f"{spec.schema_id}#/$defs/{spec.name}"},
                    )
                continue
            named = f"{spec.name} {version}" if version else f"{spec.name} with no version"
            if error is None:
                notes.append(
                    f"{where}: names {named}; checked against {spec.version}, the version hdcat ships"
                )
            else:
                notes.append(
                    f"{where}: names {named}, which hdcat does not ship; against {spec.version} "
                    f"(which it ships) {message}; kept"
                )
    return notes
