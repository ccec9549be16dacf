"""OMOP CDM databases (5.3 / 5.4) over SQLAlchemy: aggregates only, as DCAT / HealthDCAT-AP.

gather → the database URL; fetch → one read-only transaction that collects
aggregates (row and person counts, per-column completeness, the observation
period range, the vocabularies in use, the most frequent concepts) into a dict;
parse → one dataset for the CDM instance and one per clinical table with rows;
import → the shared DCAT import stage, then the `dct:isPartOf` links.

Privacy: no row value of a clinical table is ever selected — only COUNT(*),
COUNT(DISTINCT person_id), COUNT(column) and MIN/MAX of observation-period
dates. Counts from 1 to threshold-1 are suppressed inside fetch (the concept
lists drop them in SQL), so they never reach the graph, and no total is
published that would let a suppressed cell be recomputed by subtraction. The
threshold is the consortium's, or the source's `suppression_threshold` when higher.

One module per stage: connect.py (URL, connection, password-free messages),
collect.py (the SQL), map.py (facts → DCAT). This class only wires them.
"""

from __future__ import annotations

import json

from hdcat.catalog import HarvestRun
from hdcat.harvesters.base import Harvester, RunContext
from hdcat.harvesters.fetch import Fetched
from hdcat.harvesters.omop.collect import CLINICAL_TABLES, SUPPRESSED, Collector
from hdcat.harvesters.omop.connect import OmopOptions, db_url, read_only, safe
from hdcat.harvesters.omop.map import CODING_SYSTEMS, Mapper
from hdcat.ontology import DCAT, DCT, HDCAT
from rdflib import Graph
from rdflib.namespace import RDF

__all__ = [
    "CLINICAL_TABLES",
    "CODING_SYSTEMS",
    "Collector",
    "Mapper",
    "OmopHarvester",
    "OmopOptions",
    "SUPPRESSED",
]


class OmopHarvester(Harvester):
    kind = "omop"
    title = "OMOP CDM database (SQLAlchemy URL, e.g. postgresql://user@host/db): aggregates only"
    options_schema = OmopOptions

    def validate_config(self) -> None:
        super().validate_config()
        self.threshold = max(self.threshold, self.options["suppression_threshold"])
        self.url = db_url(self.source.location)

    def harvest(self, run: HarvestRun, *args, **kwargs):
        run.location = safe(self.url)  # the run record never keeps a password
        return super().harvest(run, *args, **kwargs)

    def gather(self, ctx: RunContext) -> list[str]:
        return [safe(self.url)]

    def fetch(self, job: str, ctx: RunContext) -> Fetched:
        with read_only(self.url, self.options) as conn:
            facts = Collector(conn, self.url, self.options, self.threshold).collect()
        content = json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()
        return Fetched(location=safe(self.url), content=content, media_type="application/json")

    def parse(self, fetched: Fetched, ctx: RunContext, into: Graph) -> list[str]:
        facts = json.loads(fetched.content)
        for record, reason in facts.get("skipped", []):
            ctx.run.skip(record, reason)
        for message in facts.get("warnings", []):
            ctx.run.warn(message)
        Mapper(facts).into(into)
        return []

    def import_(self, raw: Graph, ctx: RunContext) -> Graph:
        """The shared import, then the tables' `dct:isPartOf` links to the instance.

        The datasets are blank nodes until the import stage names them, so the links are taken out
        before it and put back between the minted IRIs after it.
        """
        links = list(raw.subject_objects(DCT.isPartOf))
        raw.remove((None, DCT.isPartOf, None))
        idents = {node: str(raw.value(node, DCT.identifier)) for node in raw.subjects(RDF.type, DCAT.Dataset)}
        out = self.import_records(raw, ctx.run)
        minted = {
            str(ident): iri
            for iri, ident in out.subject_objects(DCT.identifier)
            if (iri, HDCAT.localId, None) in out
        }
        for part, whole in links:
            a, b = minted.get(idents.get(part)), minted.get(idents.get(whole))
            if a is not None and b is not None:
                out.add((a, DCT.isPartOf, b))
        return out
