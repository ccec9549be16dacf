"""The conformance overview: per hospital, how its datasets measure against each standard definition.

Stewards and the consortium's coordinators want one view across hospitals: which hospitals' datasets
declare a definition, how many of those claims hold (the SHACL verdict kept by
catalog.conformance_service), and how many more datasets resemble it without declaring it. It is read
from the measurements as last computed, never scored here, and counts only what the reader may see:
an anonymous reader's overview leaves out consortium-only datasets.
"""

from __future__ import annotations

from hdcat.catalog.errors import NotFound
from hdcat.ontology import hospitals
from marshmallow import Schema, fields

#: what is counted per hospital and definition version
COUNTS = ("declared", "conforming", "not_conforming", "suggested")


def _empty() -> dict:
    return dict.fromkeys(COUNTS, 0)


def overview(catalog, members: bool = False) -> dict:
    """{definitions: [each published version, newest results first by id], hospitals: [each member hospital
    with, per definition IRI, its counts], totals: per definition IRI}. A measured dataset the reader may not
    see is not counted; one published by two hospitals counts for both."""
    measured = catalog.conformance.of(members=members)
    hospital_of = catalog.datasets.hospitals_of({m["dataset"] for m in measured}, members=members)
    published = [v for v in catalog.definitions.versions(drafts=False) if v["status"] == "published"]
    iris = [v["iri"] for v in published]
    for m in measured:  # results of a version deprecated since: still shown until rescored
        if m["definition"] not in iris:
            iris.append(m["definition"])
    counts: dict = {h["id"]: {iri: _empty() for iri in iris} for h in hospitals()}
    totals = {iri: _empty() for iri in iris}
    for m in measured:
        for h in hospital_of.get(m["dataset"], []):
            cell = counts.setdefault(h, {iri: _empty() for iri in iris})[m["definition"]]
            for target in (cell, totals[m["definition"]]):
                if m["declared"]:
                    target["declared"] += 1
                    target["conforming" if m["conforms"] else "not_conforming"] += 1
                else:
                    target["suggested"] += 1
    definitions = []
    for iri in iris:
        def_id, version = iri.rstrip("/").rsplit("/", 2)[-2:]
        try:
            record = catalog.definitions.get(def_id, version, drafts=False)
        except NotFound:  # results left over from a definition since withdrawn: counted, not titled
            record = {}
        definitions.append(
            {
                "iri": iri,
                "id": def_id,
                "version": version,
                "status": record.get("status"),
                "title": record.get("title") or {},
                "disease_area": record.get("disease_area"),
            }
        )
    by_id = {h["id"]: h for h in hospitals()}
    return {
        "definitions": definitions,
        "hospitals": [
            {
                "id": h_id,
                "name_en": by_id.get(h_id, {}).get("name_en", h_id),
                "name_ko": by_id.get(h_id, {}).get("name_ko", h_id),
                "results": [{"definition": iri, **cells[iri]} for iri in iris],
            }
            for h_id, cells in counts.items()
        ],
        "totals": [{"definition": iri, **totals[iri]} for iri in iris],
    }


class ConformanceCountsSchema(Schema):
    definition = fields.String(required=True, metadata={"description": "the definition version's IRI"})
    declared = fields.Integer(required=True, metadata={"description": "datasets that declare it"})
    conforming = fields.Integer(required=True, metadata={"description": "declared, and its shapes hold"})
    not_conforming = fields.Integer(required=True, metadata={"description": "declared, and they do not"})
    suggested = fields.Integer(
        required=True, metadata={"description": "not declared, but resembling it (a suggestion)"}
    )


class OverviewDefinitionSchema(Schema):
    iri = fields.String(required=True)
    id = fields.String(required=True)
    version = fields.String(required=True)
    status = fields.String(allow_none=True)
    title = fields.Dict(keys=fields.String(), values=fields.String())
    disease_area = fields.String(allow_none=True)


class OverviewHospitalSchema(Schema):
    id = fields.String(required=True)
    name_en = fields.String()
    name_ko = fields.String()
    results = fields.List(fields.Nested(ConformanceCountsSchema), required=True)


class ConformanceOverviewSchema(Schema):
    """Per hospital, how many of its datasets declare, meet or resemble each published definition."""

    definitions = fields.List(fields.Nested(OverviewDefinitionSchema), required=True)
    hospitals = fields.List(fields.Nested(OverviewHospitalSchema), required=True)
    totals = fields.List(fields.Nested(ConformanceCountsSchema), required=True)
