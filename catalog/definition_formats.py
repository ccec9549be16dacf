"""A definition in the formats people and tools ask for: CSV (one row per element) and JSON Schema.

Turtle and JSON-LD come from the graph itself; SHACL from catalog.conformance.shapes.
"""

from __future__ import annotations

import csv
import io

_JSON_TYPES = {
    "string": {"type": "string"},
    "code": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "dateTime": {"type": "string", "format": "date-time"},
}

CSV_COLUMNS = (
    "name",
    "label_en",
    "label_ko",
    "definition_en",
    "definition_ko",
    "datatype",
    "unit",
    "coding_system",
    "concept",
    "value_set",
    "required",
    "cardinality",
)


def to_csv(definition: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in definition["elements"]:
        concept = e.get("concept") or {}
        writer.writerow(
            [
                e["name"],
                e["label"].get("en", ""),
                e["label"].get("ko", ""),
                (e.get("definition") or {}).get("en", ""),
                (e.get("definition") or {}).get("ko", ""),
                e["datatype"],
                e.get("unit") or "",
                e.get("coding_system") or "",
                f"{concept.get('system') or ''}|{concept.get('code')}" if concept.get("code") else "",
                " ; ".join(f"{c['code']} {c.get('label') or ''}".strip() for c in e.get("value_set") or []),
                "yes" if e.get("required") else "no",
                e.get("cardinality") or "",
            ]
        )
    return "\ufeff" + out.getvalue()  # BOM: Excel opens Korean text correctly


def to_json_schema(definition: dict) -> dict:
    """A JSON Schema (2020-12) for one record of a dataset built to the definition."""
    props, required = {}, []
    for e in definition["elements"]:
        item = dict(_JSON_TYPES[e["datatype"]])
        item["title"] = e["label"].get("en") or e["label"].get("ko")
        if (e.get("definition") or {}).get("en"):
            item["description"] = e["definition"]["en"]
        if e.get("value_set") and e["datatype"] == "code":
            item["examples"] = [c["code"] for c in e["value_set"]]
        if e.get("unit"):
            item["x-unit-ucum"] = e["unit"]
        if e.get("coding_system"):
            item["x-coding-system"] = e["coding_system"]
        many = (e.get("cardinality") or "").endswith("*")
        props[e["name"]] = (
            {"type": "array", "items": item, **({"minItems": 1} if e.get("required") else {})}
            if many
            else item
        )
        if e.get("required"):
            required.append(e["name"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": definition["iri"] + "/schema.json",
        "title": definition["title"].get("en") or definition["title"].get("ko"),
        "description": (definition.get("description") or {}).get("en", ""),
        "type": "object",
        "properties": props,
        "required": required,
    }
