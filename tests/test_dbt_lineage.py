"""A real producer: a dbt project over the OMOP tables, run through OpenLineage's `dbt-ol`, into hdcat.

The project (tests/data/dbt: three staging views over cdm.person, cdm.condition_occurrence and
cdm.visit_occurrence, one aggregate table over them) runs with dbt-core and dbt-postgres against the test
PostgreSQL (HDCAT_TEST_POSTGRES_URL, OMOP CDM 5.4 with the Synthea27Nj sample in schema `cdm`), writing
into a scratch schema that the test drops afterwards. `dbt-ol` sends its OpenLineage events over HTTP to
`hdcat serve` in its own process, with a hanbit steward's token; hdcat.toml's `[lineage] namespaces`
makes the database's OpenLineage namespace hanbit's, so the tenancy check lets the events in. The test
then reads the models' lineage back the way Marquez's clients do, down to the OMOP columns.

dbt lives in .venv-dbt (scripts/dbt-venv; scripts/test installs it when PostgreSQL runs) because its pins
clash with hdcat's; HDCAT_DBT_BIN names its bin folder. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ROOT, require_service
from tests.test_service import Server, token

# conformance: the database is loaded from ../shared/external
pytestmark = [pytest.mark.conformance, pytest.mark.timeout(600)]

URL = os.environ.get("HDCAT_TEST_POSTGRES_URL", "")
PROJECT = ROOT / "tests" / "data" / "dbt"
STAGING = {
    "stg_person": "person",
    "stg_condition_occurrence": "condition_occurrence",
    "stg_visit_occurrence": "visit_occurrence",
}


def dbt_bin() -> Path | None:
    for candidate in (os.environ.get("HDCAT_DBT_BIN"), ROOT / ".venv-dbt" / "bin"):
        if candidate and (Path(candidate) / "dbt-ol").is_file() and (Path(candidate) / "dbt").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="module")
def database():
    """The test database's connection parts and a scratch schema, dropped afterwards."""
    require_service(bool(URL), "PostgreSQL (scripts/services start postgres)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(URL)
    schema = f"dbt_hdcat_{uuid.uuid4().hex[:10]}"
    engine = create_engine(
        URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    yield {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password or "",
        "dbname": url.database,
        "schema": schema,
    }
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        left = conn.execute(
            text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
        ).scalar()
    engine.dispose()
    assert left == 0, f"scratch schema {schema} was not dropped"


def profiles_yml(db: dict) -> str:
    return (
        "hdcat_omop:\n  target: test\n  outputs:\n    test:\n      type: postgres\n"
        f"      host: {db['host']}\n      port: {db['port']}\n      user: {db['user']}\n"
        f'      password: "{db["password"]}"\n      dbname: {db["dbname"]}\n'
        f"      schema: {db['schema']}\n      threads: 1\n"
    )


@pytest.fixture(scope="module")
def dbt_run(database, tmp_path_factory):
    """`dbt docs generate` (so the OMOP sources carry their columns), then `dbt-ol run` into hdcat."""
    bin_dir = dbt_bin()
    require_service(bin_dir is not None, "dbt and dbt-ol in .venv-dbt (scripts/dbt-venv)")
    namespace = f"postgres://{database['host']}:{database['port']}"
    folder = tmp_path_factory.mktemp("hdcat")
    (folder / "hdcat.toml").write_text(
        f'[lineage]\nnamespaces = {{"{namespace}" = "hanbit"}}\n\n'
        "[service]\nscheduler = false\nshutdown_grace = 1\n",
        "utf-8",
    )
    secret = token(folder, user="etl", role="steward", hospital="hanbit", scope="lineage:write")
    server = Server(folder)
    project = tmp_path_factory.mktemp("dbt") / "project"
    shutil.copytree(PROJECT, project)
    (project / "profiles.yml").write_text(profiles_yml(database), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENLINEAGE", "DBT_", "HDCAT_"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",  # dbt-ol runs `dbt` from PATH
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_VERSION_CHECK="false",
        OPENLINEAGE_URL=server.url,
        OPENLINEAGE_ENDPOINT="api/v1/lineage",
        OPENLINEAGE_API_KEY=secret,
        OPENLINEAGE_NAMESPACE="hanbit",  # the jobs' namespace: the hospital id, so the token may write it
    )
    args = ["--project-dir", str(project), "--profiles-dir", str(project)]
    try:
        docs = subprocess.run(
            [bin_dir / "dbt", "docs", "generate", *args], env=env, capture_output=True, text=True, timeout=240
        )
        assert docs.returncode == 0, docs.stdout[-3000:] + docs.stderr[-3000:]
        run = subprocess.run(
            [bin_dir / "dbt-ol", "run", *args], env=env, capture_output=True, text=True, timeout=240
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        yield {
            "server": server,
            "token": secret,
            "namespace": namespace,
            "schema": f"{database['dbname']}.{database['schema']}",
            "cdm": f"{database['dbname']}.cdm",
            "output": run.stdout + run.stderr,
        }
    finally:
        assert server.stop() == 0, server.output()


def get(run, path: str, **params):
    r = run["server"].get(path, params=params, headers={"Authorization": f"Bearer {run['token']}"})
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:500]}"
    return r.json()


def test_dbt_ol_posts_every_model_and_hdcat_stores_them(dbt_run):
    out = dbt_run["output"]
    assert "PASS=4" in out and "ERROR=0" in out, out[-2000:]
    # a START and a COMPLETE for each of the 4 models and for the dbt run itself, all accepted: an event that
    # hdcat refused (401, 403, 400) makes the client log an error instead of counting it
    assert "Emitted 10 OpenLineage events" in out, out[-2000:]
    assert "403" not in out and "Traceback" not in out, out[-2000:]


def test_model_lineage_reaches_the_omop_tables(dbt_run):
    ns, schema, cdm = dbt_run["namespace"], dbt_run["schema"], dbt_run["cdm"]
    mart = f"dataset:{ns}:{schema}.condition_counts"
    graph = get(dbt_run, "/api/v1/lineage", nodeId=mart, depth=10, direction="upstream")["graph"]
    ids = {n["id"] for n in graph}
    for staging, table in STAGING.items():
        assert f"dataset:{ns}:{cdm}.{table}" in ids
        assert f"dataset:{ns}:{schema}.{staging}" in ids
        assert f"job:hanbit:{schema}.hdcat_omop_marts.{staging}" in ids
    assert f"job:hanbit:{schema}.hdcat_omop_marts.condition_counts" in ids
    # the OMOP tables carry their columns from dbt's catalog (docs generate), as Marquez shows them
    person = next(n for n in graph if n["id"] == f"dataset:{ns}:{cdm}.person")
    names = {f["name"] for f in person["data"]["fields"]}
    assert {"person_id", "gender_concept_id", "year_of_birth"} <= names
    # the mart's job reads the three staging views and writes the mart
    job = next(n for n in graph if n["id"] == f"job:hanbit:{schema}.hdcat_omop_marts.condition_counts")
    assert {e["origin"] for e in job["inEdges"]} == {f"dataset:{ns}:{schema}.{s}" for s in STAGING}
    assert {e["destination"] for e in job["outEdges"]} == {mart}


def test_column_lineage_reaches_omop_columns(dbt_run):
    ns, schema, cdm = dbt_run["namespace"], dbt_run["schema"], dbt_run["cdm"]
    expected = {
        "condition_concept_id": f"datasetField:{ns}:{cdm}.condition_occurrence:condition_concept_id",
        "person_count": f"datasetField:{ns}:{cdm}.condition_occurrence:person_id",
        "gender_concept_id": f"datasetField:{ns}:{cdm}.person:gender_concept_id",
        "visit_concept_id": f"datasetField:{ns}:{cdm}.visit_occurrence:visit_concept_id",
    }
    for column, omop in expected.items():
        node = f"datasetField:{ns}:{schema}.condition_counts:{column}"
        graph = {n["id"]: n for n in get(dbt_run, "/api/v1/column-lineage", nodeId=node, depth=10)["graph"]}
        assert omop in graph, f"{column}: {sorted(graph)}"
        # through the staging view's column, with Marquez's edges: OMOP column -> staging -> mart
        staging = next(o["destination"] for o in graph[omop]["outEdges"])
        assert staging.startswith(f"datasetField:{ns}:{schema}.stg_"), staging
        assert node in {e["destination"] for e in graph[staging]["outEdges"]}
    # downstream from an OMOP column: what a change to it touches
    omop = f"datasetField:{ns}:{cdm}.person:gender_concept_id"
    down = get(dbt_run, "/api/v1/column-lineage", nodeId=omop, depth=10, withDownstream="true")["graph"]
    assert f"datasetField:{ns}:{schema}.condition_counts:gender_concept_id" in {n["id"] for n in down}


def test_marquez_endpoints_show_the_completed_runs(dbt_run):
    schema = dbt_run["schema"]
    jobs = get(dbt_run, "/api/v1/namespaces/hanbit/jobs")["jobs"]
    names = {j["name"] for j in jobs}
    assert {f"{schema}.hdcat_omop_marts.{m}" for m in [*STAGING, "condition_counts"]} <= names
    job_name = f"{schema}.hdcat_omop_marts.condition_counts"
    job = get(dbt_run, f"/api/v1/namespaces/hanbit/jobs/{quote(job_name, safe='')}")
    assert job["latestRun"]["state"] == "COMPLETED"
    assert job["latestRun"]["durationMs"] >= 0 and job["latestRun"]["endedAt"]
    runs = get(dbt_run, f"/api/v1/namespaces/hanbit/jobs/{quote(job_name, safe='')}/runs")["runs"]
    assert [r["state"] for r in runs] == ["COMPLETED"]
    # the OMOP table as a Marquez dataset in the database's namespace, with its columns
    ns = quote(dbt_run["namespace"], safe="")
    person = get(dbt_run, f"/api/v1/namespaces/{ns}/datasets/{quote(dbt_run['cdm'] + '.person', safe='')}")
    assert person["physicalName"] == f"{dbt_run['cdm']}.person"
    assert "person_id" in {f["name"] for f in person["fields"]}
