"""The SQL schema harvester on real databases: SQLite here, PostgreSQL when the test service runs."""

from __future__ import annotations

import os
import re
import sqlite3

from hdcat.catalog.runs import Outcome
from hdcat.harvesters.runner import harvest_source

from tests.conftest import require_service, source

DDL = """
CREATE TABLE person (person_id INTEGER PRIMARY KEY, year_of_birth INTEGER, gender_concept_id INTEGER);
CREATE TABLE condition_occurrence (condition_occurrence_id INTEGER PRIMARY KEY,
  person_id INTEGER REFERENCES person(person_id), condition_concept_id INTEGER, condition_start_date DATE);
CREATE VIEW lung_cancer_cohort AS SELECT p.person_id, c.condition_start_date
  FROM person p JOIN condition_occurrence c ON c.person_id = p.person_id
  WHERE c.condition_concept_id = 4112752;
INSERT INTO person VALUES (1, 1950, 8507);
"""


def test_sqlite_schema_becomes_datasets_with_view_lineage(catalog, tmp_path):
    db = tmp_path / "emr.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript(DDL)
    conn.close()
    run = harvest_source(catalog, source(f"sqlite:///{db}", kind="sql", hospital="mirae", name="emr"))
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 3
    view = catalog.datasets.get("mirae-main-lung-cancer-cohort")
    tables = {
        catalog.datasets.get(i)["iri"] for i in ("mirae-main-person", "mirae-main-condition-occurrence")
    }
    assert set(view["derived_from"]) == tables
    person = catalog.datasets.get("mirae-main-person")
    assert [c["name"] for c in person["columns"]] == ["person_id", "year_of_birth", "gender_concept_id"]
    dump = catalog.store.graph(catalog.graphs.public_graph("emr")).serialize(format="nt")
    # the schema, never the rows: no value 1950 or 8507 anywhere (as a whole token: a content hash such as
    # "c142d428507e…" may hold the digits by chance)
    assert not re.search(r"\b(1950|8507)\b", dump), re.search(r".{0,60}\b(1950|8507)\b.{0,60}", dump).group(0)
    node = catalog.lineage.node_for("mirae-main-lung-cancer-cohort")
    upstream = {n["id"] for n in catalog.lineage.index.marquez(node, 1, "upstream")["graph"]}
    assert "dataset:mirae:mirae-main-person" in upstream


def test_bad_database_urls_fail_clearly(catalog, tmp_path):
    run = harvest_source(catalog, source("postgresql://hdcat:secret@127.0.0.1:1/none", kind="sql"))
    assert (
        run.outcome is Outcome.FAILED
        and "cannot read the database" in run.error
        and "secret" not in run.error
    )
    run = harvest_source(catalog, source("nosuchdb://x", kind="sql"))
    assert run.outcome is Outcome.FAILED and "not a usable database URL" in run.error
    db = tmp_path / "e.sqlite"
    sqlite3.connect(db).close()
    run = harvest_source(catalog, source(f"sqlite:///{db}", kind="sql", schemas=["clinical"]))
    assert run.outcome is Outcome.FAILED and "schema 'clinical' does not exist" in run.error


def test_postgres_view_dependencies(catalog):
    url = os.environ.get("HDCAT_TEST_POSTGRES_URL")
    require_service(bool(url), "PostgreSQL (scripts/services start postgres)")
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS hdcat_sql_test CASCADE; CREATE SCHEMA hdcat_sql_test"))
        conn.execute(
            text("CREATE TABLE hdcat_sql_test.visits (id int primary key, person_id int, kind text)")
        )
        conn.execute(text("COMMENT ON TABLE hdcat_sql_test.visits IS '외래 방문 기록'"))
        conn.execute(
            text(
                "CREATE VIEW hdcat_sql_test.outpatient AS SELECT id, person_id FROM hdcat_sql_test.visits "
                "WHERE kind = 'OP'"
            )
        )
    engine.dispose()
    run = harvest_source(
        catalog,
        source(
            url.replace("postgresql://", "postgresql+psycopg://"),
            kind="sql",
            hospital="gaon",
            schemas=["hdcat_sql_test"],
        ),
    )
    assert run.outcome is Outcome.CHANGED, run.error
    view = catalog.datasets.get("gaon-hdcat-sql-test-outpatient")
    assert view["derived_from"] == [catalog.datasets.get("gaon-hdcat-sql-test-visits")["iri"]]
    assert catalog.datasets.get("gaon-hdcat-sql-test-visits")["description"] == "외래 방문 기록"
