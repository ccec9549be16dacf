"""Search documents from the catalogue's read model: what both backends index, field for field."""
from __future__ import annotations

import re

from hdcat.catalog.readmodel import Suppressed
from hdcat.catalog.schemas import DatasetSummarySchema
from hdcat.search.analysis import analyzed

_SUMMARY = DatasetSummarySchema()
_CODE = re.compile(r"^([A-Za-z]\d{2})\.\d+$")


def population_bucket(value) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, Suppressed):
        return "suppressed"
    if value < 1_000:
        return "<1k"
    if value < 10_000:
        return "1k-10k"
    if value < 100_000:
        return "10k-100k"
    return "100k+"


def _notation(concept: dict) -> str:
    return concept.get("notation") or concept["iri"].rstrip("/#").rsplit("/", 1)[-1]


def _codes(record: dict) -> list[str]:
    words = []
    for code in record["code_values"]:
        notation = code["notation"]
        words.append(notation)
        match = _CODE.match(notation)
        if match:
            words.append(match.group(1))  # I42.2 is also found by I42
        words += [code.get("label") or "", code.get("label_ko") or ""]
    for system in record["coding_systems"]:
        words += [system.get("label") or "", system.get("notation") or ""]
    return words


def to_document(record: dict, has_lineage: bool = False) -> dict:
    """One dataset as a flat document: display fields, facet values and analysed text fields."""
    columns = []
    for c in record["columns"]:
        columns += [c["name"], c["name"].replace("_", " "), c.get("title") or "", c.get("title_ko") or "",
                    c.get("description") or "", c.get("unit") or ""]
    modified = record.get("modified") or record.get("issued") or ""
    titles = record["titles"]
    return {
        "id": record["id"],
        "iri": record["iri"],
        "title_sort": (titles.get("en") or record["title"]).lower(),
        "modified": modified[:10] if modified else "",
        "hospital": [record["hospital"]["id"]] if record.get("hospital") else ["external"],
        "disease_area": sorted({_notation(a) for a in record["disease_areas"]}) or ["unclassified"],
        "data_type": sorted({_notation(t) for t in record["data_types"]}) or ["unknown"],
        "coding_system": sorted({_notation(c) for c in record["coding_systems"]}),
        "access_rights": [_notation(record["access_rights"])] if record.get("access_rights") else ["unknown"],
        # verified conformance to the consortium's definitions, and any other standard the dataset claims
        "conforms_to": sorted({m["definition"] for m in record.get("conformance", []) if m["declared"] and m["conforms"]}
                              | {c for c in record.get("conforms_to", []) if "/id/definition/" not in c}),
        "visibility": [record.get("visibility") or "public"],
        "modified_year": [modified[:4]] if modified[:4].isdigit() else ["unknown"],
        "population": [population_bucket(record.get("number_of_individuals"))],
        "has_lineage": ["yes" if has_lineage or record.get("derived_from") else "no"],
        "t_title": analyzed(" ".join(titles.values()) or record["title"]),
        "t_keywords": analyzed(" ".join(record["keywords"])),
        "t_text": analyzed(" ".join(list(record["descriptions"].values()) + [record.get("population_coverage") or ""]
                                     + [a.get("label") or "" for a in record["disease_areas"] + record["data_types"]]
                                     + [a.get("label_ko") or "" for a in record["disease_areas"] + record["data_types"]]
                                     + [(record.get("hospital") or {}).get("name_en", ""),
                                        (record.get("hospital") or {}).get("name_ko", "")])),
        "t_columns": analyzed(" ".join(columns)),
        "t_codes": analyzed(" ".join(_codes(record))),
        "summary": _SUMMARY.dump(record),
        "descriptions": record["descriptions"],
    }
