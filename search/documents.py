"""Search documents from the catalogue's read model: what both backends index, field for field."""

from __future__ import annotations

import re

from hdcat.catalog import DatasetSummarySchema
from hdcat.search.analysis import analyzed
from hdcat.search.facets import facet_values

_SUMMARY = DatasetSummarySchema()
_CODE = re.compile(r"^([A-Za-z]\d{2})\.\d+$")


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
        columns += [
            c["name"],
            c["name"].replace("_", " "),
            c.get("title") or "",
            c.get("title_ko") or "",
            c.get("description") or "",
            c.get("unit") or "",
        ]
    modified = record.get("modified") or record.get("issued") or ""
    titles = record["titles"]
    return {
        "id": record["id"],
        "iri": record["iri"],
        "title_sort": (titles.get("en") or record["title"]).lower(),
        "modified": modified[:10] if modified else "",
        **facet_values(record, has_lineage),
        # an internal filter, never a facet: who may see the dataset (the service filters by the reader)
        "visibility": [record.get("visibility") or "public"],
        "t_title": analyzed(" ".join(titles.values()) or record["title"]),
        "t_keywords": analyzed(" ".join(record["keywords"])),
        "t_text": analyzed(
            " ".join(
                list(record["descriptions"].values())
                + [record.get("population_coverage") or ""]
                + [a.get("label") or "" for a in record["disease_areas"] + record["data_types"]]
                + [a.get("label_ko") or "" for a in record["disease_areas"] + record["data_types"]]
                + [
                    (record.get("hospital") or {}).get("name_en", ""),
                    (record.get("hospital") or {}).get("name_ko", ""),
                ]
            )
        ),
        "t_columns": analyzed(" ".join(columns)),
        "t_codes": analyzed(" ".join(_codes(record))),
        "summary": _SUMMARY.dump(record),
        "descriptions": record["descriptions"],
    }
