"""The aggregates of an OMOP database as DCAT / HealthDCAT-AP: one dataset for the CDM instance, one
per clinical table with rows.

Works on the facts dict alone (no database), so it can be fed facts written in a test. A count the
collector suppressed is written as `hdcat:suppressed`, never as a number, and no total is published
that would let a suppressed cell be worked out by subtraction.
"""

from __future__ import annotations

from hdcat.harvesters.omop.collect import SUPPRESSED
from hdcat.ontology import CODING_SYSTEM, CSVW, DCAT, DCT, EU_ACCESS, EU_THEME, HDCAT, HEALTH
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, RDF, SKOS, XSD

#: OMOP vocabulary_id → hdcat coding-system concept; others are kept as text.
CODING_SYSTEMS = {
    "SNOMED": "snomed-ct",
    "ICD10": "icd-10",
    "ICD10CM": "icd-10",
    "KCD7": "kcd-7",
    "KCD8": "kcd-8",
    "LOINC": "loinc",
    "ATC": "atc",
    "EDI": "edi",
}


def _fmt(n) -> str:
    return f"{n:,}" if isinstance(n, int) else "?"


class Mapper:
    """The fetched aggregates as DCAT / HealthDCAT-AP datasets (blank nodes with dct:identifier)."""

    def __init__(self, facts: dict):
        self.f = facts
        self.t = facts["threshold"]
        self.src = facts.get("cdm_source") or {}
        self.base_id = f"omop:{facts['database']}:{facts['schema']}"
        version = self.src.get("cdm_version")
        self.cdm = f"OMOP CDM {version}" if version else "OMOP CDM"
        name, abbr = self.src.get("cdm_source_name"), self.src.get("cdm_source_abbreviation")
        if name and abbr and abbr != name:
            self.name = f"{name} ({abbr})"
        else:
            self.name = name or abbr or f"{facts['database']}.{facts['schema']}"

    def count(self, g: Graph, node, prop, value) -> None:
        if isinstance(value, int):
            g.add((node, prop, Literal(value, datatype=XSD.nonNegativeInteger)))
        elif value == SUPPRESSED:
            g.add((node, HDCAT.suppressed, prop))

    def common(self, g: Graph, node) -> None:
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCAT.theme, EU_THEME.HEAL))
        g.add((node, DCT.accessRights, EU_ACCESS.NON_PUBLIC))  # row-level patient data
        g.add((node, DCAT.keyword, Literal("OMOP CDM")))
        holder = self.src.get("cdm_holder")
        if holder:
            agent = BNode()
            g.add((node, DCT.publisher, agent))
            g.add((agent, RDF.type, FOAF.Agent))
            g.add((agent, FOAF.name, Literal(holder)))

    def into(self, g: Graph) -> None:
        inst = self.instance(g)
        for table in self.f["tables"]:
            if table["rows"] != 0:
                self.table(g, table, inst)

    def instance(self, g: Graph):
        f, src, node = self.f, self.src, BNode()
        self.common(g, node)
        g.add((node, DCT.identifier, Literal(self.base_id)))
        g.add((node, DCT.title, Literal(f"{self.name} — {self.cdm}")))
        tables = [t for t in f["tables"] if t["rows"] != 0]
        person = next((t for t in f["tables"] if t["name"] == "person"), None)
        persons = person["rows"] if person else None
        # numberOfRecords: rows of the clinical tables whose count is published; a suppressed table is
        # left out of the sum, so no suppressed count can be recomputed from it
        published = [t["rows"] for t in tables if isinstance(t["rows"], int)]
        suppressed = [t["name"] for t in tables if t["rows"] == SUPPRESSED]
        lines = []
        if src.get("source_description"):
            lines.append(src["source_description"])
        about = f"{self.cdm} database {f['database']!r}, schema {f['schema']!r}"
        if src.get("vocabulary_version"):
            about += f", OMOP vocabulary {src['vocabulary_version']}"
        lines.append(about + ".")
        if isinstance(persons, int):
            lines.append(f"{_fmt(persons)} persons.")
        elif persons == SUPPRESSED:
            lines.append(f"Fewer than {self.t} persons (count suppressed).")
        if published:
            note = (
                f" (tables with fewer than {self.t} rows not counted: {', '.join(suppressed)})"
                if suppressed
                else ""
            )
            lines.append(f"{_fmt(sum(published))} records in {len(published)} clinical tables{note}.")
        period = f.get("observation_period")
        if period:
            lines.append(f"Observation periods from {str(period['start'])[:4]} to {str(period['end'])[:4]}.")
        if src.get("cdm_etl_reference"):
            lines.append(f"ETL: {src['cdm_etl_reference']}")
        if src.get("source_documentation_reference"):
            lines.append(f"Documentation: {src['source_documentation_reference']}")
        lines.append(f"Counts below {self.t} are not published.")
        g.add((node, DCT.description, Literal("\n".join(lines))))
        self.count(g, node, HEALTH.numberOfUniqueIndividuals, persons)
        if published:
            self.count(g, node, HEALTH.numberOfRecords, sum(published))
        if src.get("source_release_date"):
            g.add((node, DCT.issued, Literal(src["source_release_date"], datatype=XSD.date)))
        if src.get("cdm_release_date"):
            g.add((node, DCT.modified, Literal(src["cdm_release_date"], datatype=XSD.date)))
        doc = src.get("source_documentation_reference", "")
        if doc.startswith(("http://", "https://")) and " " not in doc:
            g.add((node, DCAT.landingPage, URIRef(doc)))
        for title, version in (
            ("OMOP Common Data Model", src.get("cdm_version")),
            ("OMOP Standardized Vocabularies", src.get("vocabulary_version")),
        ):
            if version:
                std = BNode()
                g.add((node, DCT.conformsTo, std))
                g.add((std, RDF.type, DCT.Standard))
                g.add((std, DCT.title, Literal(title)))
                g.add((std, DCAT.version, Literal(version)))
        if period:
            span = BNode()
            g.add((node, DCT.temporal, span))
            g.add((span, RDF.type, DCT.PeriodOfTime))
            # years, not days: in many CDMs the earliest observation starts at someone's birth
            g.add((span, DCAT.startDate, Literal(str(period["start"])[:4], datatype=XSD.gYear)))
            g.add((span, DCAT.endDate, Literal(str(period["end"])[:4], datatype=XSD.gYear)))
        if any(t["rows"] != 0 for t in tables if t["name"] != "person"):
            g.add((node, HEALTH.hasCodingSystem, CODING_SYSTEM.omop))
        for vocabulary in f.get("vocabularies", []):
            slug = CODING_SYSTEMS.get(vocabulary)
            g.add((node, HEALTH.hasCodingSystem, CODING_SYSTEM[slug] if slug else Literal(vocabulary)))
        for kind, top in (f.get("top") or {}).items():
            if top:
                self.code_values(g, node, kind, top)
        return node

    def code_values(self, g: Graph, node, kind: str, top: dict) -> None:
        for c in top["concepts"]:
            cv = BNode()
            g.add((node, HEALTH.hasCodeValues, cv))
            g.add((cv, RDF.type, SKOS.Concept))
            g.add((cv, SKOS.notation, Literal(c["code"] or str(c["concept_id"]))))
            g.add((cv, SKOS.prefLabel, Literal(c["name"] or f"OMOP concept {c['concept_id']}")))
            slug = CODING_SYSTEMS.get(c["vocabulary"] or "")
            if slug:
                g.add((cv, SKOS.inScheme, CODING_SYSTEM[slug]))
            note = f"{kind}; OMOP concept {c['concept_id']}"
            if c["vocabulary"]:
                note += f"; {c['vocabulary']} code {c['code']}"
            note += f"; {_fmt(c['persons'])} persons"
            if c["records"] is not None:
                note += f", {_fmt(c['records'])} records"
            g.add((cv, SKOS.note, Literal(note)))
            if c["persons"] >= self.t:
                self.count(g, cv, HEALTH.numberOfUniqueIndividuals, c["persons"])
            if c["records"] is not None and c["records"] >= self.t:
                self.count(g, cv, HEALTH.numberOfRecords, c["records"])

    def table(self, g: Graph, table: dict, inst) -> None:
        node, name = BNode(), table["name"]
        self.common(g, node)
        g.add((node, DCT.identifier, Literal(f"{self.base_id}.{name}")))
        g.add((node, DCT.title, Literal(f"{self.name}: {name} table ({self.cdm})")))
        g.add((node, DCAT.keyword, Literal(name)))
        g.add((node, DCT.isPartOf, inst))
        rows, persons = table["rows"], table["persons"]
        text = f"The {name} table of {self.name} ({self.cdm}, schema {self.f['schema']!r}): "
        text += (
            f"{_fmt(rows)} rows" if isinstance(rows, int) else f"fewer than {self.t} rows (count suppressed)"
        )
        if isinstance(persons, int):
            text += f" about {_fmt(persons)} persons"
        elif persons == SUPPRESSED:
            text += f" about fewer than {self.t} persons"
        text += f". Column completeness is in the table schema; counts below {self.t} are not published."
        top = next((t for t in (self.f.get("top") or {}).values() if t and t["table"] == name), None)
        if top and top.get("other_records"):
            text += (
                " Concepts not listed on the database's record account for "
                f"{_fmt(top['other_records'])} rows."
            )
        g.add((node, DCT.description, Literal(text, lang="en")))
        self.count(g, node, HEALTH.numberOfRecords, rows)
        self.count(g, node, HEALTH.numberOfUniqueIndividuals, persons)
        schema = BNode()
        g.add((node, CSVW.tableSchema, schema))
        g.add((schema, RDF.type, CSVW.Schema))
        cols = []
        for col in table["columns"]:
            c = BNode()
            cols.append(c)
            g.add((c, RDF.type, CSVW.Column))
            g.add((c, CSVW.name, Literal(col["name"])))
            g.add((c, CSVW.datatype, Literal(col["datatype"])))
            if col["required"]:
                g.add((c, CSVW.required, Literal(True)))
            if col["completeness"]:
                g.add((c, DCT.description, Literal(f"Completeness: {col['completeness']}.", lang="en")))
        head = BNode()
        Collection(g, head, cols)
        g.add((schema, CSVW.column, head))
