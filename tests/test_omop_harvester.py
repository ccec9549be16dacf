"""The OMOP harvester against a real PostgreSQL with the OMOP CDM 5.4 DDL and the Synthea27Nj sample.

`scripts/services start postgres` starts the database and prints HDCAT_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import uuid
import zipfile

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.iris import runs_graph_iri
from hdcat.catalog.readmodel import Suppressed
from hdcat.catalog.runs import Outcome
from hdcat.catalog.service import Catalog
from hdcat.harvesters.runner import harvest_source
from hdcat.ontology import CODING_SYSTEM, DCAT, DCT, HDCAT, HEALTH
from rdflib import Literal
from rdflib.namespace import XSD

from tests.conftest import EXTERNAL, require_service, source

pytestmark = pytest.mark.conformance  # every test here reads files from ../shared/external

URL = os.environ.get("HDCAT_TEST_POSTGRES_URL", "")
ZIP = EXTERNAL / "omop-synthea27nj/Synthea27Nj_5.4.zip"
INSTANCE = "hanbit-omop-omop-test-cdm"
#: Row counts of the sample, from docs/external-files.md
ROWS = {
    "person": 28,
    "observation_period": 28,
    "visit_occurrence": 1791,
    "visit_detail": 1791,
    "condition_occurrence": 470,
    "condition_era": 469,
    "drug_exposure": 883,
    "procedure_occurrence": 1649,
    "measurement": 10040,
    "observation": 8099,
}
SMALL = {"death": 3, "device_exposure": 1}  # below the threshold of 10: counts suppressed
EMPTY = ("note", "specimen", "drug_era", "dose_era", "cost", "payer_plan_period", "episode")


def table_id(table: str) -> str:
    return f"{INSTANCE}-{table.replace('_', '-')}"


def csv_rows(name: str) -> list[dict]:
    with zipfile.ZipFile(ZIP) as z:
        member = next(
            n
            for n in z.namelist()
            if n.endswith(f"/{name}.csv") or n == f"{name}.csv"
            if not n.startswith("__MACOSX")
        )
        return list(csv.DictReader(io.TextIOWrapper(z.open(member), encoding="utf-8")))


@pytest.fixture(scope="module")
def pg_url() -> str:
    require_service(bool(URL), "PostgreSQL (scripts/services start postgres)")
    return URL


@pytest.fixture(scope="module")
def admin(pg_url):
    """A writable superuser connection for setting up roles (the harvester never writes)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(
        pg_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    yield engine
    engine.dispose()


def role_url(pg_url: str, role: str, password: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    return make_url(pg_url).set(username=role, password=password).render_as_string(hide_password=False)


@pytest.fixture
def role(admin):
    """A fresh login role, dropped afterwards; yields (name, execute)."""
    from sqlalchemy import text

    name = f"hdcat_t_{uuid.uuid4().hex[:10]}"

    def execute(sql: str):
        with admin.connect() as conn:
            conn.execute(text(sql.format(role=name)))

    yield name, execute
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).first():
            conn.execute(text(f"DROP OWNED BY {name}"))
            conn.execute(text(f"DROP ROLE {name}"))


@pytest.fixture(scope="module")
def harvested(pg_url):
    cat = Catalog(Settings(store_url="memory:"))
    run = harvest_source(cat, source(pg_url, kind="omop"))
    yield cat, run
    cat.close()


def test_harvest_finds_the_instance_and_every_table_with_rows(harvested):
    cat, run = harvested
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.skipped == []
    ids = {h["id"] for h in cat.datasets.page(1, 100)[1]}
    assert ids == {INSTANCE} | {table_id(t) for t in [*ROWS, *SMALL]}
    assert run.found == 1 + len(ROWS) + len(SMALL)
    for empty in EMPTY:
        assert table_id(empty) not in ids


def test_instance_dataset(harvested):
    cat, _ = harvested
    d = cat.datasets.get(INSTANCE)
    assert d["identifier"] == "omop:omop_test:cdm"
    assert d["title"] == "NJ — OMOP CDM 5.4"
    assert "SyntheaTM is a Synthetic Patient Population Simulator" in d["description"]
    assert d["publisher"]["name"] == "OHDSI"
    assert d["issued"] == "2022-10-10"
    assert d["number_of_individuals"] == 28  # 28 ≥ 10: published
    # records: the tables whose count is published; DEATH and DEVICE_EXPOSURE are left out of the sum
    assert d["number_of_records"] == sum(ROWS.values())
    periods = csv_rows("OBSERVATION_PERIOD")
    # published as years only: the earliest observation start is a birth date in Synthea
    assert str(d["temporal_start"])[:4] == min(p["observation_period_start_date"] for p in periods)[:4]
    assert str(d["temporal_end"])[:4] == max(p["observation_period_end_date"] for p in periods)[:4]
    assert min(p["observation_period_start_date"] for p in periods) not in json.dumps(d)
    systems = {c["iri"] for c in d["coding_systems"]}
    assert {str(CODING_SYSTEM["snomed-ct"]), str(CODING_SYSTEM.loinc), str(CODING_SYSTEM.omop)} <= systems
    assert "RxNorm" in {c["label"] for c in d["coding_systems"]}  # no concept of ours: kept as text
    assert d["access_rights"]["notation"] == "NON_PUBLIC"
    g = cat.datasets.resource_graph(INSTANCE)
    assert {str(v) for v in g.objects(None, DCAT.version)} == {"5.4", "v5.0 09-APR-22*"}  # CDM, vocabulary


def test_top_concepts_have_names_codes_and_only_large_counts(harvested):
    cat, _ = harvested
    d = cat.datasets.get(INSTANCE)
    values = {c["notation"]: c for c in d["code_values"]}
    assert values["444814009"]["label"] == "Viral sinusitis" and values["444814009"]["scheme"] == "SNOMED CT"
    assert values["313782"]["label"] == "acetaminophen 325 MG Oral Tablet"  # the one drug with ≥ 10 persons
    assert values["8302-2"]["label"] == "Body height" and values["8302-2"]["scheme"] == "LOINC"
    conditions = [c for c in values.values() if c["scheme"] == "SNOMED CT"]
    assert len(conditions) == 7  # the conditions with at least 10 persons
    g = cat.datasets.resource_graph(INSTANCE)
    counts = [
        o
        for cv in g.objects(None, HEALTH.hasCodeValues)
        for p in (HEALTH.numberOfUniqueIndividuals, HEALTH.numberOfRecords)
        for o in g.objects(cv, p)
    ]
    assert counts and all(int(c) >= 10 for c in counts)


@pytest.mark.parametrize("table", sorted(ROWS))
def test_table_dataset_row_counts_match_the_sample(harvested, table):
    cat, _ = harvested
    d = cat.datasets.get(table_id(table))
    assert d["identifier"] == f"omop:omop_test:cdm.{table}"
    assert d["number_of_records"] == ROWS[table]
    g = cat.datasets.resource_graph(table_id(table))
    instance_iri = cat.datasets.get(INSTANCE)["iri"]
    assert [str(o) for o in g.objects(None, DCT.isPartOf)] == [instance_iri]
    assert d["derived_from"] == []
    assert d["columns"] and all(
        c["datatype"] and c["description"].startswith("Completeness:") for c in d["columns"]
    )


def test_columns_carry_db_types_and_completeness(harvested):
    cat, _ = harvested
    cols = {c["name"]: c for c in cat.datasets.get(table_id("visit_occurrence"))["columns"]}
    assert cols["visit_start_date"]["datatype"] == "date"
    assert cols["visit_start_datetime"]["datatype"] == "datetime"
    assert cols["person_id"]["datatype"] == "integer"
    assert cols["visit_source_value"]["datatype"] == "string"
    assert cols["person_id"]["description"] == "Completeness: 100%: every row has a value."
    assert cols["care_site_id"]["description"] == "Completeness: 0%: no row has a value."
    filled = sum(1 for r in csv_rows("VISIT_OCCURRENCE") if r["preceding_visit_occurrence_id"])
    share = int(1000 * filled / ROWS["visit_occurrence"]) / 10
    assert (
        cols["preceding_visit_occurrence_id"]["description"]
        == f"Completeness: {share:.1f}% of rows have a value."
    )
    measurement = {c["name"]: c for c in cat.datasets.get(table_id("measurement"))["columns"]}
    assert measurement["value_as_number"]["datatype"] == "decimal"
    assert cat.datasets.get(table_id("person"))["number_of_individuals"] == 28


@pytest.mark.parametrize("table", sorted(SMALL))
def test_small_tables_are_listed_with_their_counts_suppressed(harvested, table):
    cat, _ = harvested
    d = cat.datasets.get(table_id(table))
    assert d["number_of_records"] == Suppressed(10)
    assert d["number_of_individuals"] == Suppressed(10)
    g = cat.datasets.resource_graph(table_id(table))
    iri = g.value(None, DCT.identifier, Literal(f"omop:omop_test:cdm.{table}"))
    assert set(g.objects(iri, HDCAT.suppressed)) == {HEALTH.numberOfRecords, HEALTH.numberOfUniqueIndividuals}
    assert all("fewer than 10 rows" in c["description"] for c in d["columns"])  # no completeness shares


def test_no_count_below_the_threshold_and_no_patient_values_are_stored(harvested):
    cat, _ = harvested
    g = cat.store.graph(cat.graphs.public_graph("src"))
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype in (XSD.nonNegativeInteger, XSD.integer):
            assert int(o) == 0 or int(o) >= 10, (s, p, o)
    text = g.serialize(format="nt")
    persons = csv_rows("PERSON")
    assert persons and all(p["person_source_value"] not in text for p in persons)
    assert all(
        p["birth_datetime"] not in text and p["birth_datetime"].replace(" ", "T") not in text for p in persons
    )
    for death in csv_rows("DEATH"):
        assert death["death_date"] not in text
    for visit in csv_rows("VISIT_DETAIL")[:200]:
        assert visit["visit_detail_source_value"] not in text


def test_reharvest_of_the_same_database_is_unchanged(harvested, pg_url):
    cat, _ = harvested
    again = harvest_source(cat, source(pg_url, kind="omop"))
    assert again.outcome is Outcome.UNCHANGED, again.error


def test_table_the_user_may_not_read_is_skipped_and_the_rest_harvested(pg_url, role):
    name, execute = role
    execute("CREATE ROLE {role} LOGIN")
    execute("GRANT USAGE ON SCHEMA cdm TO {role}")
    execute("GRANT SELECT ON ALL TABLES IN SCHEMA cdm TO {role}")
    execute("REVOKE SELECT ON cdm.measurement FROM {role}")
    cat = Catalog(Settings(store_url="memory:"))
    try:
        run = harvest_source(cat, source(role_url(pg_url, name), kind="omop"))
        assert run.outcome is Outcome.CHANGED, run.error
        assert [s.record for s in run.skipped] == ["cdm.measurement"]
        reason = run.skipped[0].reason
        assert "permission denied" in reason and f"GRANT SELECT on it to {name}" in reason
        ids = {h["id"] for h in cat.datasets.page(1, 100)[1]}
        assert table_id("measurement") not in ids
        assert ids == {INSTANCE} | {table_id(t) for t in [*ROWS, *SMALL] if t != "measurement"}
        d = cat.datasets.get(INSTANCE)
        assert d["number_of_individuals"] == 28
        assert "8302-2" not in {c["notation"] for c in d["code_values"]}  # no measurement concepts
        assert "Viral sinusitis" in {c["label"] for c in d["code_values"]}
    finally:
        cat.close()


def test_wrong_password_fails_clearly_without_showing_it(pg_url, role, admin):
    from sqlalchemy import text

    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = 'hdcat_password_auth'")).first() is None:
            pytest.skip("this server has no password-checked role group (start it with scripts/services)")
    name, execute = role
    execute("CREATE ROLE {role} LOGIN PASSWORD 'right-Horse-battery-9' IN ROLE hdcat_password_auth")
    wrong = "wrong-Staple-7731"
    cat = Catalog(Settings(store_url="memory:"))
    try:
        run = harvest_source(cat, source(role_url(pg_url, name, wrong), kind="omop"))
        assert run.outcome is Outcome.FAILED
        assert (
            "password authentication failed" in run.error and "check the user name and password" in run.error
        )
        assert "cannot connect" in run.error and "127.0.0.1" in run.error
        assert wrong not in run.error and wrong not in run.location
        runs = cat.store.graph(runs_graph_iri(cat.base)).serialize(format="nt")
        assert wrong not in runs and name in runs
        assert cat.datasets.count() == 0
    finally:
        cat.close()


def test_wrong_password_on_the_command_line_never_prints_it(pg_url, role, tmp_path):
    from tests.test_cli import hdcat

    name, execute = role
    execute("CREATE ROLE {role} LOGIN PASSWORD 'right-Horse-battery-9' IN ROLE hdcat_password_auth")
    wrong = "wrong-Staple-7731"
    r = hdcat("harvest", f"omop:{role_url(pg_url, name, wrong)}", "--hospital", "hanbit", cwd=tmp_path)
    assert r.returncode != 0
    said = " ".join((r.stdout + r.stderr).split())  # the table wraps long lines
    assert "password authentication failed" in said and "check the user name and password" in said
    assert wrong not in said and wrong not in r.stdout + r.stderr


def test_unreachable_server_fails_clearly(pg_url):
    from sqlalchemy.engine import make_url

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = make_url(pg_url).set(port=port).render_as_string(hide_password=False)
    cat = Catalog(Settings(store_url="memory:"))
    try:
        run = harvest_source(cat, source(url, kind="omop"))
        assert run.outcome is Outcome.FAILED
        assert f"127.0.0.1:{port}" in run.error and "cannot connect" in run.error
        assert "is the server up" in run.error
    finally:
        cat.close()


@pytest.mark.parametrize(
    "schema, says",
    [
        (
            "public",
            [
                "schema public: not an OMOP CDM schema",
                "no person table",
                "schemas with a person table: cdm",
                "`schema` option",
            ],
        ),
        (
            "cdm_missing",
            ["schema 'cdm_missing' does not exist in database 'omop_test'", "`schema` option", "cdm"],
        ),
        ("CDM", ["did you mean 'cdm'?"]),
    ],
)
def test_wrong_or_non_omop_schema_fails_clearly(pg_url, schema, says):
    cat = Catalog(Settings(store_url="memory:"))
    try:
        run = harvest_source(cat, source(pg_url, kind="omop", schema=schema))
        assert run.outcome is Outcome.FAILED
        for words in says:
            assert words in run.error, run.error
        assert cat.datasets.count() == 0
    finally:
        cat.close()


def test_bad_options_and_locations_are_config_errors(pg_url):
    cat = Catalog(Settings(store_url="memory:"))
    try:
        run = harvest_source(cat, source(pg_url, kind="omop", suppression_threshold=0))
        assert run.outcome is Outcome.FAILED and "suppression_threshold" in run.error
        run = harvest_source(cat, source("not a url", kind="omop"))
        assert run.outcome is Outcome.FAILED and "is not a database URL" in run.error
    finally:
        cat.close()


# ---- finding the CDM schema ------------------------------------------------------------------
DDL = EXTERNAL / "omop-cdm-5.4-ddl/OMOPCDM_postgresql_5.4_ddl.sql"


@pytest.fixture
def scratch_db(admin, pg_url):
    """A database of its own (dropped afterwards), so a second CDM never disturbs the shared `cdm`."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = f"hdcat_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )

    def load_cdm(schema: str, person_rows: int = 0):
        """The CDM 5.4 DDL in `schema`, with `person_rows` persons (no values of anyone real)."""
        ddl = DDL.read_text("utf-8").replace("@cdmDatabaseSchema", schema)
        with engine.connect() as conn:
            if schema != "public":
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            conn.exec_driver_sql(ddl)
            for i in range(1, person_rows + 1):
                conn.execute(
                    text(
                        f"INSERT INTO {schema}.person (person_id, gender_concept_id, year_of_birth, "
                        "race_concept_id, ethnicity_concept_id) VALUES (:i, 0, 1970, 0, 0)"
                    ),
                    {"i": i},
                )

    yield url, load_cdm
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_without_a_schema_option_the_cdm_schema_is_found(harvested):
    cat, run = harvested  # the module's harvest names no schema: the shared database's CDM is in `cdm`
    assert run.outcome is Outcome.CHANGED, run.error
    assert cat.datasets.get(INSTANCE)["identifier"] == "omop:omop_test:cdm"
    assert not any("schema" in w for w in run.warnings), run.warnings


def test_a_cdm_in_public_harvests_with_no_options(scratch_db):
    url, load_cdm = scratch_db
    load_cdm("public", person_rows=12)
    cat = Catalog(Settings(store_url="memory:"))
    try:
        run = harvest_source(cat, source(url, kind="omop"))
        assert run.outcome is Outcome.CHANGED, run.error
        db = url.rsplit("/", 1)[1]
        found = {
            d["identifier"]: d for d in map(cat.datasets.get, (h["id"] for h in cat.datasets.page(1, 100)[1]))
        }
        assert f"omop:{db}:public" in found, sorted(found)
        assert found[f"omop:{db}:public.person"]["number_of_records"] == 12
    finally:
        cat.close()


def test_two_cdm_schemas_or_none_is_an_error_naming_the_schemas(scratch_db):
    url, load_cdm = scratch_db
    cat = Catalog(Settings(store_url="memory:"))
    try:
        run = harvest_source(cat, source(url, kind="omop"))  # an empty database: no CDM anywhere
        assert run.outcome is Outcome.FAILED
        assert "no schema holds the OMOP CDM tables" in run.error and "public" in run.error, run.error
        assert "`schema` option" in run.error
        load_cdm("cdm_a")
        load_cdm("cdm_b")
        run = harvest_source(cat, source(url, kind="omop"))
        assert run.outcome is Outcome.FAILED
        assert "several schemas hold the OMOP CDM tables" in run.error, run.error
        assert "cdm_a, cdm_b" in run.error and "`schema` option" in run.error
        assert cat.datasets.count() == 0
        run = harvest_source(cat, source(url, kind="omop", schema="cdm_b"))  # the option still decides
        assert run.outcome is Outcome.CHANGED, run.error
    finally:
        cat.close()
