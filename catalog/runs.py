"""Harvest runs as PROV-O activities (`hdcat:HarvestRun`), kept in their own graph.

Runs are recorded even when a harvest fails, in a graph apart from the
sources', so a failed run never touches the last good data.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hdcat.catalog.iris import run_iri
from hdcat.ontology import DCT, HDCAT, PROV, hospital_iri
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD


class Outcome(enum.Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    #: the server stopped before the source was committed; its last good graph stays
    INTERRUPTED = "interrupted"

    @property
    def failed(self) -> bool:
        return self in (Outcome.FAILED, Outcome.INTERRUPTED)


@dataclass
class SkippedRecord:
    record: str
    reason: str


@dataclass
class HarvestRun:
    """What one harvest of one source did; filled in by the harvester, stored by the catalogue."""

    source: str
    hospital: str
    kind: str
    location: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended: datetime | None = None
    outcome: Outcome | None = None
    found: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    content_hash: str | None = None
    pages: list[tuple[str, str]] = field(default_factory=list)  # (location, content hash) in read order
    #: short ids of the datasets the commit added, changed or removed (before and after), so derived data
    #: (the search index) can follow only them; not stored with the run, None when not known
    touched: set[str] | None = None
    #: how many dataset records went through the import stage (a re-harvest imports only those that
    #: changed: harvesters/dcat_records.py); None when the harvester does not count them; not stored
    imported: int | None = None
    #: what the harvester does once the commit stands (keeps what its next harvest needs); not stored
    after_commit: object = field(default=None, repr=False, compare=False)

    def skip(self, record: str, reason: str) -> None:
        self.skipped.append(SkippedRecord(record, reason))

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def finish(self, outcome: Outcome, error: str | None = None) -> HarvestRun:
        self.outcome = outcome
        self.error = error
        self.ended = datetime.now(UTC)
        return self

    @property
    def seconds(self) -> float:
        end = self.ended or datetime.now(UTC)
        return (end - self.started).total_seconds()

    def iri(self, base: str) -> URIRef:
        return run_iri(base, self.id)

    def to_graph(self, base: str, source_iri: URIRef) -> Graph:
        g = Graph()
        node = self.iri(base)
        g.add((node, RDF.type, HDCAT.HarvestRun))
        g.add((node, RDF.type, PROV.Activity))
        g.add((node, RDFS.label, Literal(f"harvest of {self.source}")))
        g.add((node, DCT.identifier, Literal(self.id)))
        g.add((node, HDCAT.source, source_iri))
        g.add((source_iri, RDF.type, HDCAT.Source))
        g.add((source_iri, DCT.identifier, Literal(self.source)))
        g.add((source_iri, HDCAT.sourceKind, Literal(self.kind)))
        g.add((source_iri, HDCAT.location, Literal(self.location)))
        g.add((node, HDCAT.sourceKind, Literal(self.kind)))  # the source's as this run read it: a source's
        g.add((node, HDCAT.location, Literal(self.location)))  # location can change, its runs' stay
        g.add((node, PROV.used, source_iri))
        g.add((node, HDCAT.hospital, hospital_iri(self.hospital)))
        g.add((node, PROV.startedAtTime, Literal(self.started.isoformat(), datatype=XSD.dateTime)))
        if self.ended:
            g.add((node, PROV.endedAtTime, Literal(self.ended.isoformat(), datatype=XSD.dateTime)))
        if self.outcome:
            g.add((node, HDCAT.status, Literal(self.outcome.value)))
        for prop, value in (
            (HDCAT.recordsFound, self.found),
            (HDCAT.recordsAdded, self.added),
            (HDCAT.recordsChanged, self.changed),
            (HDCAT.recordsRemoved, self.removed),
            (HDCAT.recordsSkipped, len(self.skipped)),
        ):
            g.add((node, prop, Literal(value, datatype=XSD.integer)))
        for item in self.skipped:
            b = BNode()
            g.add((node, HDCAT.skipped, b))
            g.add((b, RDF.type, HDCAT.SkippedRecord))
            g.add((b, HDCAT.record, Literal(item.record)))
            g.add((b, HDCAT.reason, Literal(item.reason)))
        for message in self.warnings:
            g.add((node, HDCAT.warning, Literal(message)))
        if self.error:
            g.add((node, HDCAT.error, Literal(self.error)))
        if self.content_hash:
            g.add((node, HDCAT.contentHash, Literal(self.content_hash)))
        for order, (location, digest) in enumerate(self.pages):
            page = BNode()
            g.add((node, HDCAT.page, page))
            g.add((page, HDCAT.order, Literal(order, datatype=XSD.integer)))
            g.add((page, HDCAT.location, Literal(location)))
            g.add((page, HDCAT.contentHash, Literal(digest)))
        return g
