"""The aggregates an OMOP harvest publishes, read by SQL in one read-only transaction.

Privacy starts here: no row value of a clinical table is ever selected — only COUNT(*),
COUNT(DISTINCT person_id), COUNT(column) and MIN/MAX of observation-period dates — and counts
from 1 to threshold-1 leave the database as the word "suppressed" (the concept lists drop them
in SQL), so they never reach the facts, the graph or a log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from hdcat.harvesters.errors import FetchError, ParseError
from hdcat.harvesters.omop.connect import first_line, safe

#: The tables that hold (or are derived from) patient data, OMOP CDM 5.4 (5.3 has a subset).
CLINICAL_TABLES = (
    "person",
    "observation_period",
    "visit_occurrence",
    "visit_detail",
    "condition_occurrence",
    "drug_exposure",
    "procedure_occurrence",
    "device_exposure",
    "measurement",
    "observation",
    "death",
    "note",
    "note_nlp",
    "specimen",
    "fact_relationship",
    "payer_plan_period",
    "cost",
    "drug_era",
    "dose_era",
    "condition_era",
    "episode",
    "episode_event",
)
#: The tables that mark a schema as an OMOP CDM: every CDM version has both, and nothing else does.
CDM_MARKERS = frozenset({"person", "observation_period"})
#: Where the vocabularies in use show: the concept columns of the event tables.
CONCEPT_COLUMNS = (
    ("condition_occurrence", "condition_concept_id"),
    ("condition_occurrence", "condition_source_concept_id"),
    ("drug_exposure", "drug_concept_id"),
    ("drug_exposure", "drug_source_concept_id"),
    ("procedure_occurrence", "procedure_concept_id"),
    ("procedure_occurrence", "procedure_source_concept_id"),
    ("measurement", "measurement_concept_id"),
    ("measurement", "measurement_source_concept_id"),
    ("observation", "observation_concept_id"),
    ("observation", "observation_source_concept_id"),
    ("device_exposure", "device_concept_id"),
    ("device_exposure", "device_source_concept_id"),
)
#: The concept lists published as healthdcatap:hasCodeValues: (kind, table, concept column).
TOP_LISTS = (
    ("condition", "condition_occurrence", "condition_concept_id"),
    ("drug", "drug_exposure", "drug_concept_id"),
    ("measurement", "measurement", "measurement_concept_id"),
)
#: Vocabularies that are not coding systems of clinical content.
NOT_CODING_SYSTEMS = {
    "None",
    "Metadata",
    "Domain",
    "Vocabulary",
    "Type Concept",
    "Gender",
    "Race",
    "Ethnicity",
    "Visit",
    "UCUM",
    "Condition Status",
    "Meas Type",
    "Observation Type",
}
SUPPRESSED = "suppressed"  # a count from 1 to threshold-1, in the fetched aggregates


@dataclass
class _Skip(Exception):
    """One table or query left out (refused, timed out): reported on the run, the rest goes on."""

    reason: str  # what went wrong and how to fix it
    message: str = ""  # the database's own words


class Collector:
    """Everything the harvest publishes, read in one read-only transaction."""

    def __init__(self, conn, url, options: dict, threshold: int):
        from sqlalchemy import inspect

        self.conn = conn
        self.url = url
        self.schema = options["schema"]  # None: found by `find_schema` when the harvest starts
        self.vocab_option = options["vocabulary_schema"]
        self.vocab = self.vocab_option or self.schema
        self.where = f"{safe(url)} schema {self.schema}" if self.schema else safe(url)
        self.threshold = threshold  # the higher of the consortium's and the source's
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
                raise FetchError(
                    f"{self.where}: lost the connection ({first_line(exc)}); is the server up?"
                ) from None
            raise _Skip(self._reason(exc), first_line(exc)) from None

    def _reason(self, exc) -> str:
        state = getattr(getattr(exc, "orig", None), "sqlstate", None)
        message = first_line(exc)
        if state == "42501" or "permission denied" in message.lower():
            return (
                f"permission denied ({message}); GRANT SELECT on it to {self.user or 'the harvest user'} "
                "to include it"
            )
        if state == "57014" or "statement timeout" in message.lower():
            return f"timed out after {self.timeout:g} s ({message}); raise the timeout_s option to include it"
        return message

    # ---- the harvest ----------------------------------------------------------
    def find_schema(self, schemas: list[str]) -> str:
        """The one schema holding the CDM tables, for a source that names none.

        An OMOP database loaded into `public` (or `cdm`, or `omop`) then harvests without options;
        guessing between two CDMs would publish the wrong one, so several (or none) is an error that
        names what was found.
        """
        cdms = [s for s in schemas if self._tables_of(s) >= CDM_MARKERS]
        if len(cdms) == 1:
            return cdms[0]
        markers = " and ".join(sorted(CDM_MARKERS))
        if not cdms:
            raise ParseError(
                f"{self.where}: no schema holds the OMOP CDM tables ({markers}); schemas found: "
                f"{', '.join(sorted(schemas)) or 'none'}; load the CDM or set the source's `schema` option"
            )
        raise ParseError(
            f"{self.where}: several schemas hold the OMOP CDM tables ({markers}): "
            f"{', '.join(sorted(cdms))}; set the source's `schema` option to the one to harvest"
        )

    def _tables_of(self, schema: str) -> set[str]:
        return {t.lower() for t in self.inspector.get_table_names(schema=schema)}

    def collect(self) -> dict:
        schemas = [
            s
            for s in self.inspector.get_schema_names()
            if s != "information_schema" and not s.startswith("pg_")
        ]
        if self.schema is None:
            self.schema = self.find_schema(schemas)
            self.vocab = self.vocab_option or self.schema
            self.where = f"{safe(self.url)} schema {self.schema}"
        if self.schema not in schemas:
            near = [s for s in schemas if s.lower() == self.schema.lower()]
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise FetchError(
                f"{self.where}: schema {self.schema!r} does not exist in database "
                f"{self.url.database!r}; {hint}set the source's `schema` option to one of: "
                f"{', '.join(sorted(schemas))}"
            )
        if self.vocab not in schemas:
            raise FetchError(
                f"{self.where}: vocabulary schema {self.vocab!r} does not exist; set the source's "
                f"`vocabulary_schema` option to one of: {', '.join(sorted(schemas))}"
            )
        tables = {t.lower(): t for t in self.inspector.get_table_names(schema=self.schema)}
        if "person" not in tables:
            with_person = [
                s
                for s in schemas
                if s != self.schema
                and "person" in {t.lower() for t in self.inspector.get_table_names(schema=s)}
            ]
            found = ", ".join(sorted(tables)[:10]) or "no tables"
            hint = f"schemas with a person table: {', '.join(sorted(with_person))}; " if with_person else ""
            raise ParseError(
                f"{self.where}: not an OMOP CDM schema: it has no person table (found: {found}); "
                f"{hint}point the source's `schema` option at the CDM schema"
            )
        self.tables = tables
        vocab_tables = {t.lower(): t for t in self.inspector.get_table_names(schema=self.vocab)}
        self.concept = vocab_tables.get("concept")
        if self.concept is None:
            self.warnings.append(
                f"{self.where}: no concept table in schema {self.vocab!r}; concept names and "
                "coding systems are missing (set the `vocabulary_schema` option)"
            )
        facts = {
            "database": Path(self.url.database).stem
            if self.url.get_backend_name() == "sqlite" and self.url.database
            else (self.url.database or self.url.host or "db"),
            "schema": self.schema,
            "threshold": self.threshold,
            "cdm_source": self.cdm_source(),
            "tables": self.table_facts(),
        }
        if not facts["tables"]:
            first = (
                f"{self.skipped[0][0]}: {self.refused}" if self.skipped else "no clinical table has columns"
            )
            raise FetchError(
                f"{self.where}: cannot read any clinical table ({first}); GRANT USAGE ON SCHEMA "
                f"{self.schema} and SELECT ON ALL TABLES IN SCHEMA {self.schema} to "
                f"{self.user or 'the harvest user'}"
            )
        facts["observation_period"] = self.observation_period()
        facts["vocabularies"] = self.vocabularies() if self.concept else []
        facts["top"] = {kind: self.top_concepts(table, column, facts) for kind, table, column in TOP_LISTS}
        facts["skipped"] = self.skipped
        facts["warnings"] = self.warnings
        return facts

    def cdm_source(self) -> dict | None:
        table = self.tables.get("cdm_source")
        if table is None:
            self.warnings.append(
                f"{self.where}: no cdm_source table; the title and description fall back to "
                "the database and schema names"
            )
            return None
        columns = {
            c["name"].lower(): c["name"] for c in self.inspector.get_columns(table, schema=self.schema)
        }
        wanted = [
            "cdm_source_name",
            "cdm_source_abbreviation",
            "cdm_holder",
            "source_description",
            "source_documentation_reference",
            "cdm_etl_reference",
            "source_release_date",
            "cdm_release_date",
            "cdm_version",
            "vocabulary_version",
        ]
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
            self.warnings.append(
                f"{self.where}: cdm_source is empty; the title falls back to the schema name"
            )
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
            elif has_person:
                persons = int(row["persons"])
            else:
                persons = None
            fact = {"name": name.lower(), "rows": self.cell(n), "persons": self.cell(persons), "columns": []}
            for i, col in enumerate(columns):
                filled = int(row[f"c{i}"])
                fact["columns"].append(
                    {
                        "name": col["name"],
                        "datatype": _csvw_datatype(col["type"]),
                        "required": not col.get("nullable", True),
                        "completeness": self._completeness(filled, n),
                    }
                )
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
                "SELECT MIN(observation_period_start_date) AS "
                "start, MAX(observation_period_end_date) AS stop "
                f"FROM {self.qualified(self.schema, table)}"
            )[0]
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
                    "SELECT c.vocabulary_id AS vocabulary FROM "
                    f"{self.qualified(self.schema, self.tables[table])} x "
                    f"JOIN {concept} c ON c.concept_id = x.{col} WHERE x.{col} <> 0 "
                    f"GROUP BY c.vocabulary_id HAVING COUNT(*) >= :threshold",
                    threshold=self.threshold,
                )
            except _Skip as skip:
                self.warnings.append(
                    f"{self.where}: vocabularies of {table}.{column} not read: {skip.reason}"
                )
                continue
            found.update(str(r["vocabulary"]) for r in rows if r["vocabulary"] is not None)
        return sorted(found - NOT_CODING_SYSTEMS)

    def top_concepts(self, table: str, column: str, facts: dict) -> dict | None:
        """The most frequent concepts by persons (at least threshold persons each)."""
        if self.top == 0 or not self._has_column(table, column):
            return None
        col = self.quote(column)
        inner = (
            f"SELECT {col} AS concept_id, COUNT(DISTINCT person_id) AS persons, COUNT(*) AS records "
            f"FROM {self.qualified(self.schema, self.tables[table])} WHERE {col} <> 0 GROUP BY {col} "
            f"HAVING COUNT(DISTINCT person_id) >= :threshold"
        )
        order = "ORDER BY t.persons DESC, t.records DESC, t.concept_id"
        try:
            if self.concept:
                try:
                    rows = self.query(
                        "SELECT t.concept_id, t.persons, t.records, "
                        "c.concept_name, c.concept_code, c.vocabulary_id "
                        f"FROM ({inner}) t LEFT JOIN {self.qualified(self.vocab, self.concept)} c "
                        f"ON c.concept_id = t.concept_id {order}",
                        threshold=self.threshold,
                    )
                except _Skip as skip:
                    self.warnings.append(f"{self.where}: concept names not read: {skip.reason}")
                    rows = self.query(f"SELECT * FROM ({inner}) t {order}", threshold=self.threshold)
            else:
                rows = self.query(f"SELECT * FROM ({inner}) t {order}", threshold=self.threshold)
        except _Skip as skip:
            self.warnings.append(f"{self.where}: top {table} concepts not read: {skip.reason}")
            return None
        concepts = [
            {
                "concept_id": int(r["concept_id"]),
                "persons": int(r["persons"]),
                "records": int(r["records"]),
                "name": r.get("concept_name"),
                "code": r.get("concept_code"),
                "vocabulary": r.get("vocabulary_id"),
            }
            for r in rows[: self.top]
        ]
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

    checks = (
        (t.Boolean, "boolean"),
        (t.DateTime, "datetime"),
        (t.Date, "date"),
        (t.Time, "time"),
        (t.Integer, "integer"),
        (t.Float, "double"),
        (t.Numeric, "decimal"),
        (t.LargeBinary, "binary"),
        (t.String, "string"),
    )
    for cls, name in checks:
        if isinstance(sqltype, cls):
            return name
    return "string"


def _day(value) -> str:
    """A date from any driver: a date object (PostgreSQL) or ISO text (SQLite)."""
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]
