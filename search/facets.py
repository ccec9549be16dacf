"""Every search facet declared once: its name, its titles in both languages, how its values are read from
a dataset's record, and how a value is labelled for people.

Documents, queries, the engines' mappings and aggregations, facet labels and the search page all read
this list (as Datasette's Facet classes do), so a new facet is one entry here, not edits in four files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from hdcat.catalog import Suppressed, labeller, years_covered
from hdcat.ontology import CODING_SYSTEM, DATA_TYPE, DISEASE_AREA, EU_ACCESS, hospitals


@dataclass(frozen=True)
class Facet:
    name: str
    title_en: str
    title_ko: str
    #: (record, has_lineage) -> the dataset's values for this facet
    values: Callable[[dict, bool], list[str]]
    #: value -> what people read; code-list notations and ids become labels
    label: Callable[[str], str] = staticmethod(lambda value: value)

    @property
    def title(self) -> str:
        return f"{self.title_en} · {self.title_ko}"


def notation(concept: dict) -> str:
    return concept.get("notation") or concept["iri"].rstrip("/#").rsplit("/", 1)[-1]


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


POPULATION_LABELS = {
    "<1k": "under 1,000",
    "1k-10k": "1,000–10,000",
    "10k-100k": "10,000–100,000",
    "100k+": "100,000 or more",
    "suppressed": "below threshold",
    "unknown": "not stated",
}


def _concept_label(scheme, missing: str):
    def label(value: str) -> str:
        return labeller().concept(scheme[value])["label"] if value != missing else missing

    return label


def _hospital_label(value: str) -> str:
    h = next((h for h in hospitals() if h["id"] == value), None)
    return f"{h['name_ko']} · {h['name_en']}" if h else value


def _coding_system_label(value: str) -> str:
    concept = labeller().concept(CODING_SYSTEM[value.lower().replace(" ", "-")])
    return concept["label"] if concept.get("notation") else value


def _definition_label(value: str) -> str:
    if "/id/definition/" not in value:
        return value
    def_id, version = value.rsplit("/", 2)[-2:]
    return f"{def_id} {version}"


def _hospitals(record: dict, _lineage: bool) -> list[str]:
    """Every hospital whose source publishes the dataset, as each of their listings shows it (a dataset two
    hospitals publish is found, counted and charted under both); "external" for one no hospital states."""
    named = {s["hospital"] for s in record.get("sources", []) if s.get("hospital")}
    if record.get("hospital"):
        named.add(record["hospital"]["id"])
    return sorted(named) or ["external"]


def _conforms_to(record: dict, _lineage: bool) -> list[str]:
    verified = {m["definition"] for m in record.get("conformance", []) if m["declared"] and m["conforms"]}
    declared_elsewhere = {c for c in record.get("conforms_to", []) if "/id/definition/" not in c}
    return sorted(verified | declared_elsewhere)


def _modified_year(record: dict, _lineage: bool) -> list[str]:
    modified = record.get("modified") or record.get("issued") or ""
    return [modified[:4]] if modified[:4].isdigit() else ["unknown"]


def _years_covered(record: dict, _lineage: bool) -> list[str]:
    """Every calendar year the dataset's dct:temporal period touches, so "2019" finds a 2015–2025 cohort (the
    same years the charts count: catalog.holdings.years_covered); "unknown" when no start is stated."""
    years = years_covered(record.get("temporal_start"), record.get("temporal_end"))
    return [str(y) for y in years] or ["unknown"]


FACET_LIST: tuple[Facet, ...] = (
    Facet("hospital", "Hospital", "병원", _hospitals, _hospital_label),
    Facet(
        "disease_area",
        "Disease area",
        "질환 영역",
        lambda r, _: sorted({notation(a) for a in r["disease_areas"]}) or ["unclassified"],
        _concept_label(DISEASE_AREA, "unclassified"),
    ),
    Facet(
        "data_type",
        "Data type",
        "유형",
        lambda r, _: sorted({notation(t) for t in r["data_types"]}) or ["unknown"],
        _concept_label(DATA_TYPE, "unknown"),
    ),
    Facet(
        "coding_system",
        "Coding system",
        "코드 체계",
        lambda r, _: sorted({notation(c) for c in r["coding_systems"]}),
        _coding_system_label,
    ),
    Facet(
        "access_rights",
        "Access",
        "접근",
        lambda r, _: [notation(r["access_rights"])] if r.get("access_rights") else ["unknown"],
        _concept_label(EU_ACCESS, "unknown"),
    ),
    Facet("conforms_to", "Conforms to", "표준", _conforms_to, _definition_label),
    Facet("years_covered", "Years covered", "수록 기간", _years_covered),
    Facet("modified_year", "Modified", "수정 연도", _modified_year),
    Facet(
        "population",
        "Individuals",
        "대상자 수",
        lambda r, _: [population_bucket(r.get("number_of_individuals"))],
        lambda v: POPULATION_LABELS.get(v, v),
    ),
    Facet(
        "has_lineage",
        "Lineage",
        "계보",
        lambda r, lineage: ["yes" if lineage or r.get("derived_from") else "no"],
        lambda v: {"yes": "has lineage", "no": "no lineage"}.get(v, v),
    ),
)
BY_NAME = {f.name: f for f in FACET_LIST}
FACETS = tuple(f.name for f in FACET_LIST)


def facet_values(record: dict, has_lineage: bool = False) -> dict[str, list[str]]:
    return {f.name: f.values(record, has_lineage) for f in FACET_LIST}


@lru_cache(maxsize=4096)
def label_in(facet: str, value: str) -> dict[str, str] | None:
    """A hospital's or a code-list concept's name in each language it has ({"ko": ..., "en": ...}), for pages
    shown in one language; None for values that are not names (years, buckets, definition ids)."""
    if facet == "hospital":
        h = next((h for h in hospitals() if h["id"] == value), None)
        return {"ko": h["name_ko"], "en": h["name_en"]} if h else None
    schemes = {"disease_area": DISEASE_AREA, "data_type": DATA_TYPE, "access_rights": EU_ACCESS}
    if facet == "coding_system":
        schemes[facet], value = CODING_SYSTEM, value.lower().replace(" ", "-")
    if facet in schemes:
        concept = labeller().concept(schemes[facet][value])
        if concept.get("notation") or concept.get("label_ko"):  # a concept of hdcat's code lists
            return {"ko": concept.get("label_ko"), "en": concept["label"]}
    return None


@lru_cache(maxsize=4096)
def label(facet: str, value: str) -> str:
    """Facet values are code-list notations and hospital ids: their labels never change at run time."""
    found = BY_NAME.get(facet)
    return found.label(value) if found is not None else value
