"""Lineage on the project's own events: a hospital ETL written here, so a clone tests lineage by itself.

test_lineage.py runs the same behaviours on real events from OpenLineage and Marquez (the conformance
tier); this module needs nothing beside the clone.
"""

from __future__ import annotations

import json
import uuid

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.service import Catalog
from hdcat.ontology import PROV
from rdflib import Graph
from rdflib.namespace import RDF

from tests.test_lineage import lineage_app, post  # noqa: F401  (the fixture and helper are shared)

DB = "postgres://hanbit-db:5432"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def event(
    job: str, inputs: list[str], outputs: list[str], at: str, kind: str = "COMPLETE", run: str | None = None
):
    return {
        "eventType": kind,
        "eventTime": at,
        "producer": "https://hanbit.example/etl/1.4",
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run or str(uuid.uuid5(uuid.NAMESPACE_URL, job + at))},
        "job": {"namespace": "hanbit-etl", "name": job},
        "inputs": [{"namespace": DB, "name": n} for n in inputs],
        "outputs": [{"namespace": DB, "name": n} for n in outputs],
    }


#: EMR extract -> OMOP tables -> a lung cancer cohort; the cohort job re-runs later with a second input
ETL = [
    event("extract_visits", ["emr.visits"], ["staging.visits"], "2026-10-01T01:00:00Z"),
    event("load_visit_occurrence", ["staging.visits"], ["cdm.visit_occurrence"], "2026-10-01T02:00:00Z"),
    event("load_conditions", ["emr.diagnoses"], ["cdm.condition_occurrence"], "2026-10-01T02:30:00Z"),
    event(
        "build_lung_cancer_cohort",
        ["cdm.condition_occurrence"],
        ["mart.lung_cancer_cohort"],
        "2026-10-01T03:00:00Z",
    ),
    event(
        "build_lung_cancer_cohort",
        ["cdm.condition_occurrence", "cdm.visit_occurrence"],
        ["mart.lung_cancer_cohort"],
        "2026-11-01T03:00:00Z",
    ),
]
COHORT = f"dataset:{DB}:mart.lung_cancer_cohort"
VISITS = f"dataset:{DB}:emr.visits"


def load(app):
    c = app.test_client()
    for e in ETL:
        r = post(c, e)
        assert r.status_code == 201, r.get_json()
    return c


def test_marquez_shaped_graph_up_and_down(lineage_app):  # noqa: F811
    c = load(lineage_app)
    body = c.get(f"/api/v1/lineage?nodeId={COHORT}&depth=10").get_json()
    ids = {n["id"] for n in body["graph"]}
    assert {VISITS, "job:hanbit-etl:build_lung_cancer_cohort", COHORT} <= ids
    node = next(n for n in body["graph"] if n["id"] == COHORT)
    assert node["type"] == "DATASET" and node["data"]["id"] == {
        "namespace": DB,
        "name": "mart.lung_cancer_cohort",
    }
    assert {"origin": "job:hanbit-etl:build_lung_cancer_cohort", "destination": COHORT} in node["inEdges"]
    down = c.get(f"/api/v1/lineage?nodeId={VISITS}&depth=10&direction=downstream").get_json()
    assert COHORT in {n["id"] for n in down["graph"]}
    up = c.get(f"/api/v1/lineage?nodeId={VISITS}&depth=10&direction=upstream").get_json()
    assert COHORT not in {n["id"] for n in up["graph"]}


def test_the_same_events_again_or_reversed_change_nothing(lineage_app):  # noqa: F811
    c = lineage_app.test_client()
    for e in reversed(ETL):
        post(c, e)
    first = c.get(f"/api/v1/lineage?nodeId={COHORT}").get_json()
    for e in ETL:
        r = post(c, e)
        assert r.status_code == 200 and r.get_json()["status"] == "duplicate"
    assert c.get(f"/api/v1/lineage?nodeId={COHORT}").get_json() == first


def test_events_are_duplicates_only_by_content(lineage_app):  # noqa: F811
    """One run, type, time and job sent twice with different outputs is two events, and both outputs
    are kept; the same content resent (keys in another order, other spacing) is a duplicate."""
    c = lineage_app.test_client()
    first = event("split_visits", ["staging.visits"], ["mart.inpatient"], "2026-10-02T01:00:00Z")
    second = {**first, "outputs": [{"namespace": DB, "name": "mart.outpatient"}]}
    a, b = post(c, first), post(c, second)
    assert a.status_code == 201 and b.status_code == 201, (a.get_json(), b.get_json())
    assert a.get_json()["key"] != b.get_json()["key"]
    down = c.get(f"/api/v1/lineage?nodeId=dataset:{DB}:staging.visits&direction=downstream&depth=2")
    ids = {n["id"] for n in down.get_json()["graph"]}
    assert {f"dataset:{DB}:mart.inpatient", f"dataset:{DB}:mart.outpatient"} <= ids
    reordered = json.dumps(dict(reversed(list(second.items()))), indent=3)
    again = c.post(
        "/api/v1/lineage",
        data=reordered,
        content_type="application/json",
        headers={"Authorization": f"Bearer {lineage_app.token}"},
    )
    assert again.status_code == 200 and again.get_json() == {**b.get_json(), "status": "duplicate"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"eventType": "BOGUS"}, "eventType"),
        ({"eventTime": "yesterday"}, "eventTime"),
        ({"run": {"runId": "not-a-uuid"}}, "run.runId"),
        ({"job": {"namespace": "n"}}, "job.name"),
        ({"inputs": [{"namespace": "n"}]}, "inputs.0.name"),
    ],
)
def test_a_bad_event_is_a_400_naming_the_field(lineage_app, change, field):  # noqa: F811
    r = post(lineage_app.test_client(), {**ETL[0], **change})
    assert r.status_code == 400 and r.get_json()["field"] == field, r.get_json()


def test_prov_o_export_paths_impact_and_as_of(lineage_app):  # noqa: F811
    c = load(lineage_app)
    g = Graph().parse(
        data=c.get(f"/api/v1/lineage/prov?nodeId={COHORT}&depth=3&format=ttl").data, format="turtle"
    )
    runs = set(g.subjects(RDF.type, PROV.Activity))
    assert runs and all(g.value(r, PROV.qualifiedAssociation) is not None for r in runs)
    paths = c.get(f"/api/v1/lineage/paths?from={VISITS}&to={COHORT}").get_json()["paths"]
    assert paths and paths[0][0] == VISITS and paths[0][-1] == COHORT
    impact = c.get(f"/api/v1/lineage/impact?nodeId={VISITS}").get_json()
    assert impact["datasets"] >= 3 and "job:hanbit-etl:build_lung_cancer_cohort" in impact["jobs"]
    # before the November re-run the cohort was built from conditions alone
    late_up = c.get(f"/api/v1/lineage?nodeId={COHORT}&direction=upstream&depth=10").get_json()
    early_up = c.get(
        f"/api/v1/lineage?nodeId={COHORT}&direction=upstream&depth=10&asOf=2026-10-15T00:00:00Z"
    ).get_json()
    assert VISITS in {n["id"] for n in late_up["graph"]} and VISITS not in {
        n["id"] for n in early_up["graph"]
    }


def test_lineage_is_kept_across_a_restart(tmp_path):
    url = f"oxigraph:{tmp_path / 'store'}"
    cat = Catalog(Settings(store_url=url, data_dir=tmp_path))
    for e in ETL:
        cat.lineage.ingest(json.loads(json.dumps(e)))
    before = cat.lineage.index.marquez(COHORT)
    cat.close()
    again = Catalog(Settings(store_url=url, data_dir=tmp_path))
    try:
        assert again.lineage.index.marquez(COHORT) == before
        assert again.lineage.ingest(ETL[0])["status"] == "duplicate"
    finally:
        again.close()


def test_a_token_writes_lineage_only_into_its_own_hospitals_namespaces(tmp_path):
    """A hanbit steward's lineage:write token cannot write gaon's datasets or jobs (which would hang a
    job on gaon's dataset page); it may read gaon's data as an input; an admin's token writes anywhere."""
    from hdcat.catalog.accounts import Accounts
    from hdcat.web.app import create_app

    settings = Settings(
        store_url="memory:",
        data_dir=tmp_path,
        lineage_namespaces=(("postgres://gaon-db", "gaon"), ("postgres://hanbit-db", "hanbit")),
    )
    cat = Catalog(settings)
    acc = Accounts.for_settings(settings)
    acc.add_user("sam", "steward", ["hanbit"])
    acc.add_user("root", "admin", [])
    _, hanbit = acc.issue_token("sam", ["lineage:write"])
    _, admin = acc.issue_token("root", ["lineage:write"])
    c = create_app(catalog=cat, accounts=acc).test_client()

    def send(e, token):
        return c.post("/api/v1/lineage", json=e, headers={"Authorization": f"Bearer {token}"})

    into_gaon = dict(
        ETL[0],
        run={"runId": str(uuid.uuid4())},
        outputs=[{"namespace": "postgres://gaon-db:5432", "name": "cdm.person"}],
    )
    r = send(into_gaon, hanbit)
    assert r.status_code == 403 and "gaon" in r.get_json()["message"]
    gaon_job = dict(ETL[0], job={"namespace": "gaon", "name": "nightly"})
    assert send(gaon_job, hanbit).status_code == 403
    reads_gaon = dict(ETL[1], inputs=[{"namespace": "postgres://gaon-db:5432", "name": "cdm.person"}])
    assert send(reads_gaon, hanbit).status_code == 201
    assert send(ETL[0], hanbit).status_code == 201
    assert send(into_gaon, admin).status_code == 201
    cat.close()
    acc.close()


def test_an_input_from_another_hospital_cannot_rewrite_its_dataset(tmp_path):
    """Inputs are references: their facets (description, schema, owners) from a token of another hospital
    are dropped, so gaon's dataset keeps what gaon said about it."""
    from hdcat.catalog.accounts import Accounts
    from hdcat.web.app import create_app

    settings = Settings(store_url="memory:", data_dir=tmp_path, lineage_namespaces=(("gaon-db", "gaon"),))
    cat, acc = Catalog(settings), Accounts.for_settings(settings)
    acc.add_user("sam", "steward", ["hanbit"])
    _, hanbit = acc.issue_token("sam", ["lineage:write"])
    c = create_app(catalog=cat, accounts=acc).test_client()
    doc = {
        "documentation": {
            "_producer": "x",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DocumentationDatasetFacet.json",
            "description": "REWRITTEN BY HANBIT",
        }
    }
    event = dict(
        ETL[0],
        run={"runId": str(uuid.uuid4())},
        inputs=[{"namespace": "gaon-db", "name": "cohort", "facets": doc}],
    )
    r = c.post("/api/v1/lineage", json=event, headers={"Authorization": f"Bearer {hanbit}"})
    assert r.status_code == 201, r.get_json()
    assert "REWRITTEN BY HANBIT" not in json.dumps(cat.lineage.index.marquez("dataset:gaon-db:cohort"))
    assert "REWRITTEN BY HANBIT" not in cat.store.dataset.serialize(format="nquads")
    cat.close()
    acc.close()


FACETS = "https://openlineage.io/spec/facets"
PRODUCER = "https://hanbit.example/etl/1.4"


def with_facets(where: str, facets: dict) -> dict:
    """ETL[1] with facets on its run, job or output."""
    e = json.loads(json.dumps(ETL[1]))
    e["run"]["runId"] = str(uuid.uuid4())
    if where == "outputs":
        e["outputs"][0]["facets"] = facets
    else:
        e[where]["facets"] = facets
    return e


@pytest.mark.parametrize(
    "where, facets, field",
    [
        (
            "outputs",
            {
                "schema": {
                    "_producer": PRODUCER,
                    "_schemaURL": f"{FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
                    "fields": [{"type": "INTEGER"}],
                }
            },
            "outputs.0.facets.schema.fields.0.name",
        ),
        (
            "outputs",
            {
                "columnLineage": {
                    "_producer": PRODUCER,
                    "_schemaURL": f"{FACETS}/1-2-0/ColumnLineageDatasetFacet.json",
                    "fields": {"person_id": {"inputFields": [{"namespace": DB, "name": "emr.visits"}]}},
                }
            },
            "outputs.0.facets.columnLineage.fields.person_id.inputFields.0.field",
        ),
        (
            "job",
            {
                "sql": {
                    "_producer": PRODUCER,
                    "_schemaURL": f"{FACETS}/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
                    "query": 42,
                }
            },
            "job.facets.sql.query",
        ),
        (
            "run",
            {
                "nominalTime": {
                    "_producer": PRODUCER,
                    "_schemaURL": f"{FACETS}/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet",
                    "nominalStartTime": "yesterday",
                }
            },
            "run.facets.nominalTime.nominalStartTime",
        ),
    ],
)
def test_a_facet_that_breaks_its_spec_schema_is_a_400_naming_it(lineage_app, where, facets, field):  # noqa: F811
    r = post(lineage_app.test_client(), with_facets(where, facets))
    body = r.get_json()
    assert r.status_code == 400 and body["field"] == field, body
    facet = field.split(".facets.")[0] + ".facets." + field.split(".facets.")[1].split(".")[0]
    assert body["detail"]["facet"] == facet and facet in body["message"]
    assert body["detail"]["schema"].startswith(FACETS + "/")


def test_custom_facets_are_kept_and_every_leniency_is_listed(lineage_app):  # noqa: F811
    """A custom facet (its schema not the spec's) is kept unchecked; what the spec would refuse but
    hdcat accepts is each listed in the answer: no time zone, a producer that is not a URI, no
    schemaURL, a facet without _schemaURL, a facet _producer that is not a URI, and a facet checked
    against another version than the one it names."""
    custom = {
        "_producer": PRODUCER,
        "_schemaURL": "https://hanbit.example/facets/Irb.json",
        "irb": "2026-031",
    }
    e = with_facets(
        "run",
        {
            "hanbitIrb": custom,
            "nominalTime": {"_producer": "hanbit etl", "nominalStartTime": "2026-10-01T02:00:00Z"},
        },
    )
    e["outputs"][0]["facets"] = {
        "schema": {
            "_producer": PRODUCER,
            "_schemaURL": f"{FACETS}/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
            "fields": [{"type": "INTEGER"}],
        }
    }
    e.pop("schemaURL")
    e.update(eventTime="2026-10-01T02:00:00", producer="hanbit etl")
    c = lineage_app.test_client()
    r = post(c, e)
    body = r.get_json()
    assert r.status_code == 201, body
    notes = "\n".join(body["lenient"])
    assert "schemaURL missing" in notes and "producer is not a URI" in notes and "no time zone" in notes
    assert "run.facets.nominalTime: _schemaURL missing" in notes
    assert "run.facets.nominalTime._producer: not a URI" in notes
    assert "outputs.0.facets.schema: names SchemaDatasetFacet 1-0-0" in notes and "'name'" in notes
    assert "hanbitIrb" not in notes  # a custom facet is the spec's own way to extend: nothing to excuse
    prov = c.get(f"/api/v1/lineage/prov?nodeId=job:hanbit-etl:{e['job']['name']}&format=nt&depth=1").data
    assert b"2026-031" in prov  # kept verbatim with the run


def test_a_valid_facet_of_the_shipped_version_passes_without_notes(lineage_app):  # noqa: F811
    from openlineage.client.facet_v2 import schema_dataset

    schema = schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name="person_id", type="INTEGER")]
    )
    from openlineage.client.serde import Serde

    r = post(lineage_app.test_client(), with_facets("outputs", {"schema": json.loads(Serde.to_json(schema))}))
    assert r.status_code == 201 and r.get_json()["lenient"] == [], r.get_json()
