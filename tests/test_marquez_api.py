"""Marquez's read API on hdcat: every answer validated against Marquez's own OpenAPI spec
(tests/data/marquez/openapi.yml, copied from MarquezProject/marquez), nodes compared with Marquez's
example answers, and the values (run states, durations, versions) checked on a pipeline written here.
The conformance test at the end runs the same checks over Marquez's own example events."""

from __future__ import annotations

import copy
import json
import uuid
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from tests.test_lineage import APPLES, lineage_app, post  # noqa: F401  (the fixture is shared)
from tests.test_lineage_events import DB, ETL, event

MARQUEZ = Path(__file__).parent / "data" / "marquez"
FACETS = "https://openlineage.io/spec/facets"
PRODUCER = "https://hanbit.example/etl/1.4"


@lru_cache(maxsize=1)
def marquez_spec() -> dict:
    spec = yaml.safe_load((MARQUEZ / "openapi.yml").read_text())
    # GraphNode.data is oneOf [Dataset, Job]; neither forbids the other's properties, so every
    # node matches both and oneOf fails on any answer, Marquez's own included: read it as anyOf
    data = spec["components"]["schemas"]["GraphNode"]["properties"]["data"]
    data["anyOf"] = data.pop("oneOf")
    # its discriminator maps data.type DATASET/JOB, but a dataset's data.type is DB_TABLE (as in
    # Marquez's own example node) and a job's BATCH: the node's own `type` says which it is
    data.pop("discriminator")
    # column-lineage answers are GraphNodes of type DATASET_FIELD (Marquez's own example node is),
    # which the spec's NodeType enum omits
    spec["components"]["schemas"]["NodeType"]["enum"].append("DATASET_FIELD")
    # FacetsResult.facets is typed as one CustomFacet, but Marquez answers a map of facets by name
    # (as its own api/src/test/resources/facets/run_facets.json is): read it as RunFacets
    spec["components"]["schemas"]["FacetsResult"]["properties"]["facets"] = {
        "$ref": "#/components/schemas/RunFacets"
    }
    # Run is `anyOf: [IncompleteRun, {jobVersion, inputDatasetVersions, ...}]`: the second branch
    # constrains neither state nor id, so anyOf would pass any run; a run is both (allOf), as meant
    run_schema = spec["components"]["schemas"]["Run"]
    run_schema["allOf"] = run_schema.pop("anyOf")
    # SearchResult's name and updatedAt have an empty `type:` (YAML null), which no validator
    # accepts: both are strings in Marquez's answers
    for prop in spec["components"]["schemas"]["SearchResult"]["properties"].values():
        if "type" in prop and prop["type"] is None:
            prop["type"] = "string"
    return spec


def conforms(template: str, body) -> None:
    """The body is what Marquez's spec says GET `template` answers with 200."""
    spec = marquez_spec()
    responses = spec["paths"][template]["get"]["responses"]
    schema = responses.get("200", responses.get(200))["content"]["application/json"]["schema"]
    OAS30Validator(
        {**copy.deepcopy(schema), "components": spec["components"]}, format_checker=oas30_format_checker
    ).validate(body)


def facet(schema: str, version: str, **values) -> dict:
    url = f"{FACETS}/{version}/{schema}.json#/$defs/{schema}"
    return {"_producer": PRODUCER, "_schemaURL": url, **values}


RUN = str(uuid.UUID(int=7))
FAILED = str(uuid.UUID(int=8))
JOB = "build_lung_cancer_cohort"


def pipeline() -> list[dict]:
    """The ETL of test_lineage_events, plus one run told start to finish with facets (schema,
    column lineage, documentation, data source, SQL, nominal time) and one run that fails."""
    cohort_facets = {
        "schema": facet(
            "SchemaDatasetFacet",
            "1-2-0",
            fields=[{"name": "person_id", "type": "INTEGER"}, {"name": "diagnosed_on", "type": "DATE"}],
        ),
        "documentation": facet("DocumentationDatasetFacet", "1-1-0", description="lung cancer cohort"),
        "dataSource": facet(
            "DatasourceDatasetFacet", "1-0-1", name="hanbit-db", uri="postgres://hanbit-db:5432"
        ),
        "columnLineage": facet(
            "ColumnLineageDatasetFacet",
            "1-2-0",
            fields={
                "person_id": {
                    "inputFields": [
                        {
                            "namespace": DB,
                            "name": "cdm.condition_occurrence",
                            "field": "person_id",
                            "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}],
                        }
                    ]
                }
            },
        ),
    }
    start = event(
        JOB, ["cdm.condition_occurrence"], ["mart.lung_cancer_cohort"], "2026-12-01T03:00:00Z", "START", RUN
    )
    start["run"]["facets"] = {
        "nominalTime": facet("NominalTimeRunFacet", "1-0-1", nominalStartTime="2026-12-01T03:00:00Z")
    }
    start["job"]["facets"] = {
        "sql": facet("SQLJobFacet", "1-1-0", query="SELECT person_id FROM cdm.condition_occurrence")
    }
    complete = event(
        JOB,
        ["cdm.condition_occurrence"],
        ["mart.lung_cancer_cohort"],
        "2026-12-01T03:02:30.500Z",
        "COMPLETE",
        RUN,
    )
    complete["outputs"][0]["facets"] = cohort_facets
    fail = event(
        "load_conditions",
        ["emr.diagnoses"],
        ["cdm.condition_occurrence"],
        "2026-12-02T02:30:00Z",
        "FAIL",
        FAILED,
    )
    return ETL + [start, complete, fail]


@pytest.fixture
def loaded(lineage_app):  # noqa: F811
    c = lineage_app.test_client()
    for e in pipeline():
        assert post(c, e).status_code == 201
    return c


def ns_path(namespace: str) -> str:
    return f"/api/v1/namespaces/{quote(namespace, safe='')}"


def test_namespaces_datasets_and_versions_follow_marquez_spec(loaded):
    c = loaded
    body = c.get("/api/v1/namespaces").get_json()
    conforms("/namespaces", body)
    assert {n["name"] for n in body["namespaces"]} == {DB, "hanbit-etl"}
    one = c.get(ns_path(DB)).get_json()
    conforms("/namespaces/{namespace}", one)
    assert one["name"] == DB and one["createdAt"] == "2026-10-01T01:00:00Z"

    listed = c.get(f"{ns_path(DB)}/datasets?limit=2").get_json()
    conforms("/namespaces/{namespace}/datasets", listed)
    assert len(listed["datasets"]) == 2 and listed["totalCount"] == 6
    cohort = c.get(f"{ns_path(DB)}/datasets/mart.lung_cancer_cohort").get_json()
    conforms("/namespaces/{namespace}/datasets/{dataset}", cohort)
    assert cohort["id"] == {"namespace": DB, "name": "mart.lung_cancer_cohort"}
    assert cohort["physicalName"] == "mart.lung_cancer_cohort" and cohort["sourceName"] == "hanbit-db"
    assert [f["name"] for f in cohort["fields"]] == ["person_id", "diagnosed_on"]
    assert cohort["description"] == "lung cancer cohort"
    assert cohort["lastModifiedAt"] == "2026-12-01T03:02:30.500000Z"

    versions = c.get(f"{ns_path(DB)}/datasets/mart.lung_cancer_cohort/versions").get_json()
    conforms("/namespaces/{namespace}/datasets/{dataset}/versions", versions)
    assert len(versions["versions"]) == 3  # written by three runs
    assert versions["versions"][0]["version"] == cohort["currentVersion"]
    latest = versions["versions"][0]
    assert latest["createdByRun"]["id"] == RUN and latest["fields"][1]["type"] == "DATE"
    assert versions["versions"][-1]["fields"] == []  # the first run sent no schema
    one_version = c.get(
        f"{ns_path(DB)}/datasets/mart.lung_cancer_cohort/versions/{cohort['currentVersion']}"
    ).get_json()
    conforms("/namespaces/{namespace}/datasets/{dataset}/versions/{version}", one_version)
    assert one_version == latest


def test_jobs_versions_and_runs_follow_marquez_spec(loaded):
    c = loaded
    jobs = c.get(f"{ns_path('hanbit-etl')}/jobs").get_json()
    conforms("/namespaces/{namespace}/jobs", jobs)
    assert jobs["totalCount"] == 4
    job = c.get(f"{ns_path('hanbit-etl')}/jobs/{JOB}").get_json()
    conforms("/namespaces/{namespace}/jobs/{job}", job)
    run = job["latestRun"]
    assert run["id"] == RUN and run["state"] == "COMPLETED"
    assert run["startedAt"] == "2026-12-01T03:00:00Z" and run["endedAt"] == "2026-12-01T03:02:30.500000Z"
    assert run["durationMs"] == 150_500 and run["nominalStartTime"] == "2026-12-01T03:00:00Z"
    assert job["inputs"] == [{"namespace": DB, "name": "cdm.condition_occurrence"}]

    versions = c.get(f"{ns_path('hanbit-etl')}/jobs/{JOB}/versions").get_json()
    conforms("/namespaces/{namespace}/jobs/{job}/versions", versions)
    # October read conditions, November conditions and visits, December conditions again
    assert len(versions["versions"]) == 2
    assert job["currentVersion"] == run["jobVersion"]["version"]  # December reads as October did
    by_id = {v["version"]: v for v in versions["versions"]}
    assert by_id[job["currentVersion"]]["inputs"] == job["inputs"]
    assert [len(v["inputs"]) for v in versions["versions"]] == [2, 1]  # newest first
    v = c.get(f"{ns_path('hanbit-etl')}/jobs/{JOB}/versions/{job['currentVersion']}").get_json()
    conforms("/namespaces/{namespace}/jobs/{job}/versions/{version}", v)

    runs = c.get(f"{ns_path('hanbit-etl')}/jobs/{JOB}/runs").get_json()
    conforms("/namespaces/{namespace}/jobs/{job}/runs", runs)
    assert [r["id"] for r in runs["runs"]][0] == RUN and len(runs["runs"]) == 3
    failed = c.get(f"/api/v1/jobs/runs/{FAILED}").get_json()
    conforms("/jobs/runs/{id}", failed)
    assert failed["state"] == "FAILED" and "startedAt" not in failed and "durationMs" not in failed
    loads = c.get(f"{ns_path('hanbit-etl')}/jobs/load_conditions").get_json()
    assert loads["latestRun"]["state"] == "FAILED"

    run_facets = c.get(f"/api/v1/jobs/runs/{RUN}/facets?type=run").get_json()
    conforms("/jobs/runs/{id}/facets", run_facets)
    assert run_facets["facets"]["nominalTime"]["nominalStartTime"] == "2026-12-01T03:00:00Z"
    job_facets = c.get(f"/api/v1/jobs/runs/{RUN}/facets?type=job").get_json()
    assert job_facets["facets"]["sql"]["query"].startswith("SELECT person_id")
    assert c.get(f"/api/v1/jobs/runs/{RUN}/facets?type=dataset").status_code == 400


def test_a_run_in_progress_is_running(lineage_app):  # noqa: F811
    c = lineage_app.test_client()
    started = event("nightly_export", ["cdm.person"], ["export.person"], "2026-12-03T01:00:00Z", "START")
    post(c, started)
    run = c.get(f"/api/v1/jobs/runs/{started['run']['runId']}").get_json()
    conforms("/jobs/runs/{id}", run)
    assert run["state"] == "RUNNING" and "endedAt" not in run


def test_search_and_events_follow_marquez_spec(loaded):
    c = loaded
    found = c.get("/api/v1/lineage/search?q=cdm.%25occurrence&filter=dataset").get_json()
    conforms("/search", found)
    assert {r["name"] for r in found["results"]} == {"cdm.visit_occurrence", "cdm.condition_occurrence"}
    assert found["results"][0]["nodeId"] == f"dataset:{DB}:{found['results'][0]['name']}"
    jobs = c.get("/api/v1/lineage/search?q=LOAD_&filter=job&sort=name").get_json()
    assert [r["name"] for r in jobs["results"]] == ["load_conditions", "load_visit_occurrence"]
    assert c.get("/api/v1/lineage/search?q=x&filter=table").status_code == 400
    assert c.get("/api/v1/lineage/search").status_code == 400

    events = c.get("/api/v1/events/lineage?limit=3").get_json()
    conforms("/events/lineage", events)
    assert events["totalCount"] == len(pipeline()) and len(events["events"]) == 3
    assert events["events"][0]["eventType"] == "FAIL"  # newest first by default
    oldest = c.get("/api/v1/events/lineage?sortDirection=asc&limit=1").get_json()["events"][0]
    assert oldest == ETL[0]
    late = c.get("/api/v1/events/lineage?after=2026-11-15T00:00:00Z").get_json()
    assert late["totalCount"] == 3


def test_lineage_and_column_lineage_nodes_are_marquez_nodes(loaded):
    c = loaded
    cohort = f"dataset:{DB}:mart.lung_cancer_cohort"
    body = c.get(f"/api/v1/lineage?nodeId={cohort}&depth=100").get_json()  # clamped to 20, as Marquez
    conforms("/lineage", body)
    assert body == c.get(f"/api/v1/lineage?nodeId={cohort}&depth=20").get_json()
    example = json.loads((MARQUEZ / "lineage-node.json").read_text())
    node = next(n for n in body["graph"] if n["id"] == cohort)
    assert set(node) == set(example)
    assert {k for k, v in example["data"].items() if v is not None} <= set(node["data"])
    job = next(n for n in body["graph"] if n["id"] == f"job:hanbit-etl:{JOB}")
    assert job["data"]["latestRun"]["state"] == "COMPLETED"
    assert c.get(f"/api/v1/lineage?nodeId={cohort}&depth=-1").status_code == 400

    columns = c.get(f"/api/v1/column-lineage?nodeId={cohort}&depth=50").get_json()
    conforms("/column-lineage", columns)
    column_example = json.loads((MARQUEZ / "column-lineage-node.json").read_text())
    field = next(
        n for n in columns["graph"] if n["id"] == f"datasetField:{DB}:mart.lung_cancer_cohort:person_id"
    )
    assert set(field) == set(column_example)
    assert field["data"]["fieldType"] == "INTEGER" and field["data"]["inputFields"] == [
        {
            "namespace": DB,
            "dataset": "cdm.condition_occurrence",
            "field": "person_id",
            "transformationType": "DIRECT",
        }
    ]
    source = f"datasetField:{DB}:cdm.condition_occurrence:person_id"
    up = next(n for n in columns["graph"] if n["id"] == source)
    assert up["outEdges"][0]["destination"] == field["id"]
    down = c.get(f"/api/v1/column-lineage?nodeId={source}&withDownstream=true").get_json()
    assert field["id"] in {n["id"] for n in down["graph"]}
    assert c.get(f"/api/v1/column-lineage?nodeId={source}").get_json()["graph"][0]["outEdges"] == []


def test_percent_encoded_namespaces_unknown_names_and_anonymous_readers(loaded, lineage_app):  # noqa: F811
    c = loaded
    assert c.get(ns_path(DB)).status_code == 200
    r = c.get(f"{ns_path(DB)}/datasets/no.such.table")
    assert r.status_code == 404 and "no.such.table" in r.get_json()["message"]
    assert c.get(ns_path("nowhere")).status_code == 404
    assert c.get(f"/api/v1/jobs/runs/{uuid.uuid4()}").status_code == 404
    assert c.get("/api/v1/namespaces?limit=-1").get_json()["field"] == "limit"
    from flask.testing import FlaskClient

    anonymous = FlaskClient(lineage_app, lineage_app.response_class)
    for path in (
        "/api/v1/namespaces",
        f"{ns_path(DB)}/datasets",
        "/api/v1/events/lineage",
        "/api/v1/lineage/search?q=a",
    ):
        assert anonymous.get(path).status_code == 401, path


@pytest.mark.conformance
def test_marquez_example_events_answer_to_marquez_spec(lineage_app):  # noqa: F811
    """Marquez's own apples events, then every namespace, dataset, version, job, version and run
    hdcat derives from them, each validated against the spec."""
    c = lineage_app.test_client()
    for path in APPLES:
        post(c, json.loads(path.read_text()))
    checked = 0
    for ns in c.get("/api/v1/namespaces").get_json()["namespaces"]:
        base = ns_path(ns["name"])
        datasets = c.get(f"{base}/datasets").get_json()
        conforms("/namespaces/{namespace}/datasets", datasets)
        for d in datasets["datasets"]:
            versions = c.get(f"{base}/datasets/{quote(d['name'], safe='')}/versions").get_json()
            conforms("/namespaces/{namespace}/datasets/{dataset}/versions", versions)
            checked += 1 + len(versions["versions"])
        jobs = c.get(f"{base}/jobs").get_json()
        conforms("/namespaces/{namespace}/jobs", jobs)
        for j in jobs["jobs"]:
            name = quote(j["name"], safe="")
            conforms(
                "/namespaces/{namespace}/jobs/{job}/versions",
                c.get(f"{base}/jobs/{name}/versions").get_json(),
            )
            runs = c.get(f"{base}/jobs/{name}/runs").get_json()
            conforms("/namespaces/{namespace}/jobs/{job}/runs", runs)
            assert all(r["state"] == "COMPLETED" for r in runs["runs"])
            checked += 1 + len(runs["runs"])
    assert checked > 20
    gather = c.get(f"{ns_path('grandmas.kitchen')}/jobs/gather_apples/versions").get_json()["versions"]
    assert len(gather) == 2  # events 7-9 re-run the job with different apples
    graph = c.get("/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples&depth=100").get_json()
    conforms("/lineage", graph)


def test_the_spec_check_has_teeth(loaded):
    """OpenLineage's event types are not Marquez's run states: an answer giving COMPLETE, or a run id
    that is not a UUID, fails the check."""
    from jsonschema.exceptions import ValidationError

    run = loaded.get(f"/api/v1/jobs/runs/{RUN}").get_json()
    for broken in ({**run, "state": "COMPLETE"}, {**run, "id": "run-7"}, {**run, "durationMs": "150s"}):
        with pytest.raises(ValidationError):
            conforms("/jobs/runs/{id}", broken)
