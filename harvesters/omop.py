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
published that would let a suppressed cell be recomputed by subtraction.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, RDF, SKOS, XSD

from hdcat.catalog.config import DEFAULT_THRESHOLD
from hdcat.catalog.errors import ConfigError
from hdcat.catalog.runs import HarvestRun
from hdcat.harvesters.base import Harvester
from hdcat.harvesters.errors import FetchError, ParseError
from hdcat.harvesters.fetch import Fetched
from hdcat.ontology import CODING_SYSTEM, CSVW, DCAT, DCT, EU_ACCESS, EU_THEME, HDCAT, HEALTH

#: The tables that hold (or are derived from) patient data, OMOP CDM 5.4 (5.3 has a subset).
CLINICAL_TABLES = (
    "person", "observation_period", "visit_occurrence", "visit_detail", "condition_occurrence",
    "drug_exposure", "procedure_occurrence", "device_exposure", "measurement", "observation",
    "death", "note", "note_nlp", "specimen", "fact_relationship", "payer_plan_period", "cost",
    "drug_era", "dose_era", "condition_era", "episode", "episode_event",
)
#: Where the vocabularies in use show: the concept columns of the event tables.
CONCEPT_COLUMNS = (
    ("condition_occurrence", "condition_concept_id"), ("condition_occurrence", "condition_source_concept_id"),
    ("drug_exposure", "drug_concept_id"), ("drug_exposure", "drug_source_concept_id"),
    ("procedure_occurrence", "procedure_concept_id"), ("procedure_occurrence", "procedure_source_concept_id"),
    ("measurement", "measurement_concept_id"), ("measurement", "measurement_source_concept_id"),
    ("observation", "observation_concept_id"), ("observation", "observation_source_concept_id"),
    ("device_exposure", "device_concept_id"), ("device_exposure", "device_source_concept_id"),
)
#: The concept lists published as healthdcatap:hasCodeValues: (kind, table, concept column).
TOP_LISTS = (
    ("condition", "condition_occurrence", "condition_concept_id"),
    ("drug", "drug_exposure", "drug_concept_id"),
    ("measurement", "measurement", "measurement_concept_id"),
)
#: OMOP vocabulary_id → hdcat coding-system concept; others are kept as text.
CODING_SYSTEMS = {
    "SNOMED": "snomed-ct", "ICD10": "icd-10", "ICD10CM": "icd-10", "KCD7": "kcd-7", "KCD8": "kcd-8",
    "LOINC": "loinc", "ATC": "atc", "EDI": "edi",
}
#: Vocabularies that are not coding systems of clinical content.
NOT_CODING_SYSTEMS = {"None", "Metadata", "Domain", "Vocabulary", "Type Concept", "Gender", "Race",
                      "Ethnicity", "Visit", "UCUM", "Condition Status", "Meas Type", "Observation Type"}
SUPPRESSED = "suppressed"   # a count from 1 to threshold-1, in the fetched aggregates


class OmopOptions(Schema):
    schema = fields.String(load_default="cdm", validate=validate.Length(min=1, max=63))
    vocabulary_schema = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=63))
    suppression_threshold = fields.Integer(load_default=DEFAULT_THRESHOLD, validate=validate.Range(min=1))
    top = fields.Integer(load_default=10, validate=validate.Range(min=0, max=1000))
    timeout_s = fields.Float(load_default=300.0, validate=validate.Range(min=0.1, max=86_400))


def _db_url(location: str):
    """The location as a SQLAlchemy URL; plain postgresql:// means psycopg 3 (the driver hdcat ships)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    try:
        url = make_url(location.strip())
    except ArgumentError:
        raise ConfigError(f"{location.split('@')[-1]!r} is not a database URL; use e.g. "
                          "postgresql://user@host:5432/database", field="location") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _safe(url) -> str:
    """The URL for messages and the run record: never the password, never the driver suffix."""
    shown = url.set(drivername=url.get_backend_name())
    return shown.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
    return lines[0] if lines else type(orig).__name__


@dataclass
class _Skip(Exception):
    reason: str        # what went wrong and how to fix it
    message: str = ""  # the database's own words


class _Collector:
    """Everything the harvest publishes, read in one read-only transaction."""

    def __init__(self, conn, url, options: dict):
        from sqlalchemy import inspect
        self.conn = conn
        self.url = url
        self.where = f"{_safe(url)} schema {options['schema']}"
        self.schema = options["schema"]
        self.vocab = options["vocabulary_schema"] or self.schema
        self.threshold = options["suppression_threshold"]
        self.top = options["top"]
        self.timeout = options["timeout_s"]
        self.inspector = inspect(conn)
        self.quote = conn.dialect.identifier_preparer.quote
        self.user = url.username or ""
        self.skipped: list[tuple[str, str]] = []
        self.warnings: list[str] = []
        self.unreadable: set[str] = set()
        self.refused = ""

    # ---- helpers ------------------------------------------------------------
    def cell(self, n: int | None):
        """A count as it may leave the database: 0, ≥ threshold, or the word 'suppressed'."""
        if n is None:
            return None
        n = int(n)
        return n if n == 0 or n >= self.threshold else SUPPRESSED

    def qualified(self, schema: str, table: str) -> str:
        return f"{self.quote(schema)}.{self.quote(table)}"

    def query(self, sql: str, **params):
        """Run one statement in a savepoint, so a refused table does not end the transaction."""
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError
        try:
            with self.conn.begin_nested():
                return self.conn.execute(text(sql), params).mappings().all()
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise FetchError(f"{self.where}: lost the connection ({_first_line(exc)}); "
                                 "is the server up?") from None
            raise _Skip(self._reason(exc), _first_line(exc)) from None

    def _reason(self, exc) -> str:
        state = getattr(getattr(exc, "orig", None), "sqlstate", None)
        message = _first_line(exc)
        if state == "42501" or "permission denied" in message.lower():
            return (f"permission denied ({message}); GRANT SELECT on it to {self.user or 'the harvest user'} "
                    "to include it")
        if state == "57014" or "statement timeout" in message.lower():
            return f"timed out after {self.timeout:g} s ({message}); raise the timeout_s option to include it"
        return message

    # ---- the harvest ----------------------------------------------------------
    def collect(self) -> dict:
        schemas = [s for s in self.inspector.get_schema_names()
                   if s != "information_schema" and not s.startswith("pg_")]
        if self.schema not in schemas:
            near = [s for s in schemas if s.lower() == self.schema.lower()]
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise FetchError(f"{self.where}: schema {self.schema!r} does not exist in database "
                             f"{self.url.database!r}; {hint}set the source's `schema` option to one of: "
                             f"{', '.join(sorted(schemas))}")
        if self.vocab not in schemas:
            raise FetchError(f"{self.where}: vocabulary schema {self.vocab!r} does not exist; set the source's "
                             f"`vocabulary_schema` option to one of: {', '.join(sorted(schemas))}")
        tables = {t.lower(): t for t in self.inspector.get_table_names(schema=self.schema)}
        if "person" not in tables:
            with_person = [s for s in schemas if s != self.schema
                           and "person" in {t.lower() for t in self.inspector.get_table_names(schema=s)}]
            found = ", ".join(sorted(tables)[:10]) or "no tables"
            hint = (f"schemas with a person table: {', '.join(sorted(with_person))}; "
                    if with_person else "")
            raise ParseError(f"{self.where}: not an OMOP CDM schema: it has no person table (found: {found}); "
                             f"{hint}point the source's `schema` option at the CDM schema")
        self.tables = tables
        vocab_tables = {t.lower(): t for t in self.inspector.get_table_names(schema=self.vocab)}
        self.concept = vocab_tables.get("concept")
        if self.concept is None:
            self.warnings.append(f"{self.where}: no concept table in schema {self.vocab!r}; concept names and "
                                 "coding systems are missing (set the `vocabulary_schema` option)")
        facts = {
            "database": Path(self.url.database).stem if self.url.get_backend_name() == "sqlite" and self.url.database else (self.url.database or self.url.host or "db"),
            "schema": self.schema,
            "threshold": self.threshold,
            "cdm_source": self.cdm_source(),
            "tables": self.table_facts(),
        }
        if not facts["tables"]:
            first = f"{self.skipped[0][0]}: {self.refused}" if self.skipped else "no clinical table has columns"
            raise FetchError(f"{self.where}: cannot read any clinical table ({first}); GRANT USAGE ON SCHEMA "
                             f"{self.schema} and SELECT ON ALL TABLES IN SCHEMA {self.schema} to "
                             f"{self.user or 'the harvest user'}")
        facts["observation_period"] = self.observation_period()
        facts["vocabularies"] = self.vocabularies() if self.concept else []
        facts["top"] = {kind: self.top_concepts(table, column, facts) for kind, table, column in TOP_LISTS}
        facts["skipped"] = self.skipped
        facts["warnings"] = self.warnings
        return facts

    def cdm_source(self) -> dict | None:
        table = self.tables.get("cdm_source")
        if table is None:
            self.warnings.append(f"{self.where}: no cdm_source table; the title and description fall back to "
                                 "the database and schema names")
            return None
        columns = {c["name"].lower(): c["name"] for c in self.inspector.get_columns(table, schema=self.schema)}
        wanted = ["cdm_source_name", "cdm_source_abbreviation", "cdm_holder", "source_description",
                  "source_documentation_reference", "cdm_etl_reference", "source_release_date",
                  "cdm_release_date", "cdm_version", "vocabulary_version"]
        present = [w for w in wanted if w in columns]
        if not present:
            return None
        select = ", ".join(f"{self.quote(columns[w])} AS {w}" for w in present)
        try:  # metadata about the database, not about patients: row values are fine here
            rows = self.query(f"SELECT {select} FROM {self.qualified(self.schema, table)}")
        except _Skip as skip:
            self.warnings.append(f"{self.where}: cannot read cdm_source: {skip.reason}")
            return None
        if not rows:
            self.warnings.append(f"{self.where}: cdm_source is empty; the title falls back to the schema name")
            return None
        if len(rows) > 1:
            self.warnings.append(f"{self.where}: cdm_source has {len(rows)} rows; the first one is used")
        out = {}
        for key, value in rows[0].items():
            if value is None:
                continue
            out[key] = value.isoformat()[:10] if hasattr(value, "isoformat") else str(value).strip()
        return out

    def table_facts(self) -> list[dict]:
        names = [self.tables[t] for t in CLINICAL_TABLES if t in self.tables]
        reflected = self.inspector.get_multi_columns(schema=self.schema, filter_names=names)
        out = []
        for name in names:
            columns = reflected.get((self.schema, name)) or []
            if not columns:
                continue
            exprs = ["COUNT(*) AS n"]
            col_names = {c["name"].lower(): c["name"] for c in columns}
            has_person = "person_id" in col_names and name.lower() != "person"
            if has_person:
                exprs.append(f"COUNT(DISTINCT {self.quote(col_names['person_id'])}) AS persons")
            for i, col in enumerate(columns):
                exprs.append(f"COUNT({self.quote(col['name'])}) AS c{i}")
            try:
                row = self.query(f"SELECT {', '.join(exprs)} FROM {self.qualified(self.schema, name)}")[0]
            except _Skip as skip:
                self.skipped.append((f"{self.schema}.{name}", skip.reason))
                self.unreadable.add(name.lower())
                self.refused = self.refused or skip.message
                continue
            n = int(row["n"])
            if name.lower() == "person":
                persons = n
            else:
                persons = int(row["persons"]) if has_person else None
            fact = {"name": name.lower(), "rows": self.cell(n),
                    "persons": self.cell(persons), "columns": []}
            for i, col in enumerate(columns):
                filled = int(row[f"c{i}"])
                fact["columns"].append({
                    "name": col["name"], "datatype": _csvw_datatype(col["type"]),
                    "required": not col.get("nullable", True),
                    "completeness": self._completeness(filled, n),
                })
            out.append(fact)
        return out

    def _completeness(self, filled: int, n: int) -> str | None:
        """Share of rows with a value, said so that no count from 1 to threshold-1 shows."""
        t = self.threshold
        if n == 0:
            return None
        if n < t:
            return f"not published (the table has fewer than {t} rows)"
        if filled == n:
            return "100%: every row has a value"
        if filled == 0:
            return "0%: no row has a value"
        if filled < t:
            return f"fewer than {t} rows have a value (suppressed)"
        if n - filled < t:
            return f"all but fewer than {t} rows have a value (suppressed)"
        share = math.floor(1000 * filled / n) / 10
        return f"{share:.1f}% of rows have a value" if share else "under 0.1% of rows have a value"

    def observation_period(self) -> dict | None:
        table = self.tables.get("observation_period")
        if table is None or "observation_period" in self.unreadable:
            return None
        try:
            row = self.query(
                f"SELECT MIN(observation_period_start_date) AS start, MAX(observation_period_end_date) AS stop "
                f"FROM {self.qualified(self.schema, table)}")[0]
        except _Skip as skip:
            self.warnings.append(f"{self.where}: no observation period range: {skip.reason}")
            return None
        if row["start"] is None:
            return None
        return {"start": _day(row["start"]), "end": _day(row["stop"])}

    def _has_column(self, table: str, column: str) -> bool:
        if table not in self.tables or table in self.unreadable:
            return False
        cols = self.inspector.get_columns(self.tables[table], schema=self.schema)
        return any(c["name"].lower() == column for c in cols)

    def vocabularies(self) -> list[str]:
        """Vocabularies of the concepts the event tables use, each in at least threshold records."""
        found: set[str] = set()
        concept = self.qualified(self.vocab, self.concept)
        for table, column in CONCEPT_COLUMNS:
            if not self._has_column(table, column):
                continue
            col = self.quote(column)
            try:
                rows = self.query(
                    f"SELECT c.vocabulary_id AS vocabulary FROM {self.qualified(self.schema, self.tables[table])} x "
                    f"JOIN {concept} c ON c.concept_id = x.{col} WHERE x.{col} <> 0 "
                    f"GROUP BY c.vocabulary_id HAVING COUNT(*) >= :threshold", threshold=self.threshold)
            except _Skip as skip:
                self.warnings.append(f"{self.where}: vocabularies of {table}.{column} not read: {skip.reason}")
                continue
            found.update(str(r["vocabulary"]) for r in rows if r["vocabulary"] is not None)
        return sorted(found - NOT_CODING_SYSTEMS)

    def top_concepts(self, table: str, column: str, facts: dict) -> dict | None:
        """The most frequent concepts by persons (at least threshold persons each)."""
        if self.top == 0 or not self._has_column(table, column):
            return None
        col = self.quote(column)
        inner = (f"SELECT {col} AS concept_id, COUNT(DISTINCT person_id) AS persons, COUNT(*) AS records "
                 f"FROM {self.qualified(self.schema, self.tables[table])} WHERE {col} <> 0 GROUP BY {col} "
                 f"HAVING COUNT(DISTINCT person_id) >= :threshold")
        order = "ORDER BY t.persons DESC, t.records DESC, t.concept_id"
        try:
            if self.concept:
                try:
                    rows = self.query(
                        f"SELECT t.concept_id, t.persons, t.records, c.concept_name, c.concept_code, c.vocabulary_id "
                        f"FROM ({inner}) t LEFT JOIN {self.qualified(self.vocab, self.concept)} c "
                        f"ON c.concept_id = t.concept_id {order}", threshold=self.threshold)
                except _Skip as skip:
                    self.warnings.append(f"{self.where}: concept names not read: {skip.reason}")
                    rows = self.query(f"SELECT * FROM ({inner}) t {order}", threshold=self.threshold)
            else:
                rows = self.query(f"SELECT * FROM ({inner}) t {order}", threshold=self.threshold)
        except _Skip as skip:
            self.warnings.append(f"{self.where}: top {table} concepts not read: {skip.reason}")
            return None
        concepts = [{"concept_id": int(r["concept_id"]), "persons": int(r["persons"]), "records": int(r["records"]),
                     "name": r.get("concept_name"), "code": r.get("concept_code"),
                     "vocabulary": r.get("vocabulary_id")} for r in rows[:self.top]]
        # Record counts add up to the table's row count: publish them only if what is left over
        # (the rows of every concept not listed) is 0 or at least threshold.
        rows_total = next((t["rows"] for t in facts["tables"] if t["name"] == table), None)
        rest = rows_total - sum(c["records"] for c in concepts) if isinstance(rows_total, int) else None
        records_ok = rest is not None and (rest == 0 or rest >= self.threshold)
        if not records_ok:
            for c in concepts:
                c["records"] = None
        return {"table": table, "concepts": concepts, "other_records": rest if records_ok and rest else None}


def _csvw_datatype(sqltype) -> str:
    """A CSVW built-in datatype name for a reflected SQL type."""
    from sqlalchemy import types as t
    checks = ((t.Boolean, "boolean"), (t.DateTime, "datetime"), (t.Date, "date"), (t.Time, "time"),
              (t.Integer, "integer"), (t.Float, "double"), (t.Numeric, "decimal"), (t.LargeBinary, "binary"),
              (t.String, "string"))
    for cls, name in checks:
        if isinstance(sqltype, cls):
            return name
    return "string"


class OmopHarvester(Harvester):
    kind = "omop"
    title = "OMOP CDM database (SQLAlchemy URL, e.g. postgresql://user@host/db): aggregates only"
    options_schema = OmopOptions

    def validate_config(self) -> None:
        super().validate_config()
        self.url = _db_url(self.source.location)

    def harvest(self, run: HarvestRun, *args, **kwargs):
        run.location = _safe(self.url)  # the run record never keeps a password
        return super().harvest(run, *args, **kwargs)

    def gather(self) -> list[str]:
        return [_safe(self.url)]

    def fetch(self, job: str) -> Fetched:
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import DBAPIError, NoSuchModuleError, SQLAlchemyError
        from sqlalchemy.pool import NullPool
        url, opts = self.url, self.options
        where = _safe(url)
        password = url.password
        pg = url.get_backend_name() == "postgresql"
        connect_args = {"connect_timeout": max(1, math.ceil(min(opts["timeout_s"], 30))),
                        "application_name": "hdcat-harvester"} if pg else {}
        try:
            engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        except (NoSuchModuleError, ImportError) as exc:
            raise FetchError(f"{where}: no database driver for {url.drivername!r} ({exc}); install the "
                             "SQLAlchemy driver package for this database") from None
        try:
            try:
                conn = engine.connect()
            except DBAPIError as exc:
                raise FetchError(self._connect_message(where, exc, password)) from None
            with conn:
                try:
                    conn.begin()
                    if pg:
                        conn.execute(text("SET TRANSACTION READ ONLY"))
                        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"),
                                     {"ms": str(int(opts["timeout_s"] * 1000))})
                    facts = _Collector(conn, url, opts).collect()
                finally:
                    try:
                        conn.rollback()  # nothing to commit, ever
                    except SQLAlchemyError:
                        pass  # a lost connection: the error that got us here says so
        except SQLAlchemyError as exc:
            raise FetchError(_redact(f"{where}: {_first_line(exc)}", password)) from None
        finally:
            engine.dispose()
        content = json.dumps(facts, sort_keys=True, ensure_ascii=False).encode()
        return Fetched(location=where, content=content, media_type="application/json")

    @staticmethod
    def _connect_message(where: str, exc, password: str | None) -> str:
        reason = _first_line(exc)
        low = str(getattr(exc, "orig", exc)).lower()
        if "password authentication failed" in low or "no password supplied" in low:
            fix = ("check the user name and password (give the password in PGPASSWORD or ~/.pgpass "
                   "rather than in the URL)")
        elif "does not exist" in low and "database" in low:
            fix = "check the database name at the end of the URL"
        elif "does not exist" in low and "role" in low:
            fix = "check the user name in the URL"
        elif "connection refused" in low or "could not translate host" in low or "timeout" in low \
                or "timed out" in low or "no route" in low:
            fix = "is the server up, and are host and port right?"
        else:
            fix = "check the URL, the credentials and the server's pg_hba.conf / firewall"
        return _redact(f"{where}: cannot connect ({reason}); {fix}", password)

    # ---- facts → DCAT -----------------------------------------------------------
    def parse(self, fetched: Fetched, run: HarvestRun, into: Graph) -> list[str]:
        facts = json.loads(fetched.content)
        for record, reason in facts.get("skipped", []):
            run.skip(record, reason)
        for message in facts.get("warnings", []):
            run.warn(message)
        _Mapper(facts).into(into)
        return []

    def import_(self, raw: Graph, run: HarvestRun) -> Graph:
        # Blank-node datasets get their IRIs in the import stage; link the tables to the instance after it.
        links = list(raw.subject_objects(DCT.isPartOf))
        raw.remove((None, DCT.isPartOf, None))
        idents = {node: str(raw.value(node, DCT.identifier)) for node in raw.subjects(RDF.type, DCAT.Dataset)}
        out = self.import_records(raw, run)
        minted = {str(ident): iri for iri, ident in out.subject_objects(DCT.identifier)
                  if (iri, HDCAT.localId, None) in out}
        for part, whole in links:
            a, b = minted.get(idents.get(part)), minted.get(idents.get(whole))
            if a is not None and b is not None:
                out.add((a, DCT.isPartOf, b))
        return out


def _redact(message: str, password: str | None) -> str:
    return message.replace(password, "***") if password else message


def _fmt(n) -> str:
    return f"{n:,}" if isinstance(n, int) else "?"


class _Mapper:
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
            note = f" (tables with fewer than {self.t} rows not counted: {', '.join(suppressed)})" if suppressed else ""
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
        for title, version in (("OMOP Common Data Model", src.get("cdm_version")),
                               ("OMOP Standardized Vocabularies", src.get("vocabulary_version"))):
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
        text += f"{_fmt(rows)} rows" if isinstance(rows, int) else f"fewer than {self.t} rows (count suppressed)"
        if isinstance(persons, int):
            text += f" about {_fmt(persons)} persons"
        elif persons == SUPPRESSED:
            text += f" about fewer than {self.t} persons"
        text += f". Column completeness is in the table schema; counts below {self.t} are not published."
        top = next((t for t in (self.f.get("top") or {}).values() if t and t["table"] == name), None)
        if top and top.get("other_records"):
            text += f" Concepts not listed on the database's record account for {_fmt(top['other_records'])} rows."
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


def _day(value) -> str:
    """A date from any driver: a date object (PostgreSQL) or ISO text (SQLite)."""
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]
