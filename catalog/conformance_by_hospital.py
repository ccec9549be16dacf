"""The conformance overview: per hospital, how its datasets measure against each standard definition.

Stewards and the consortium's coordinators want one view across hospitals: which hospitals' datasets
declare a definition, how many of those claims hold (the SHACL verdict kept by
catalog.conformance_service), and how many more datasets resemble it without declaring it. It is read
from the measurements as last computed, never scored here, and counts only what the reader may see:
an anonymous reader's overview leaves out consortium-only datasets.
"""

from __future__ import annotations

from hdcat.catalog.iris import iri_tail
from hdcat.ontology import hospitals, sparql_prefixes
from marshmallow import Schema, fields

#: what is counted per hospital and definition version
COUNTS = ("declared", "conforming", "not_conforming", "suggested")
#: the titles and disease areas of the given definition versions (`{versions}`: IRIs in angle brackets), from
#: their published graphs: a whole definition (elements, value sets) is not read for its title
TITLES = (
    sparql_prefixes("dct", "dcat")
    + """SELECT ?d ?title ?theme WHERE {{ VALUES ?d {{ {versions} }} GRAPH ?g {{ ?d a dct:Standard .
    OPTIONAL {{ ?d dct:title ?title }} OPTIONAL {{ ?d dcat:theme ?theme }} }}
    FILTER(STRSTARTS(STR(?g), "{graphs}")) }}"""
)


def _empty() -> dict:
    return dict.fromkeys(COUNTS, 0)


def overview(catalog, members: bool = False) -> dict:
    """{definitions: [each published version, newest results first by id], hospitals: [each member hospital
    with, per definition IRI, its counts], totals: per definition IRI}. A measured dataset the reader may not
    see is not counted; one published by two hospitals counts for both."""
    measured = catalog.conformance.of(members=members)
    hospital_of = catalog.datasets.hospitals_of({m["dataset"] for m in measured}, members=members)
    versions = catalog.definitions.versions(drafts=False)
    published = [v for v in versions if v["status"] == "published"]
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
    status = {v["iri"]: v["status"] for v in versions}
    titles = _titles(catalog, iris)
    definitions = []
    for iri in iris:
        def_id, version = iri.rstrip("/").rsplit("/", 2)[-2:]
        title, area = titles.get(iri, ({}, None))
        definitions.append(
            {
                "iri": iri,
                "id": def_id,
                "version": version,
                "status": status.get(iri),
                "title": title,
                "disease_area": area,
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


def _titles(catalog, iris: list[str]) -> dict:
    """definition version IRI → ({language: title}, disease area id or None)."""
    if not iris:
        return {}
    graphs = str(catalog.definitions.graph_iri("x", "0")).rsplit("/", 2)[0] + "/"
    found: dict = {}
    q = TITLES.format(versions=" ".join(f"<{i}>" for i in iris), graphs=graphs)
    for row in catalog.store.query(q):
        title, area = found.setdefault(str(row.d), ({}, None))
        if row.title is not None:
            title[row.title.language or "en"] = str(row.title)
        if row.theme is not None and area is None:
            found[str(row.d)] = (title, iri_tail(row.theme))
    return found


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
