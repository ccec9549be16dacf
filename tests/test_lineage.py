"""Lineage: OpenLineage events in (real example files and the official client over HTTP), PROV-O in
the graph, Marquez-shaped answers out, idempotent, and 400s that name the field."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.service import Catalog
from hdcat.ontology import PROV
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from tests.conftest import EXTERNAL, LiveServer

APPLES = sorted((EXTERNAL / "marquez" / "apples").glob("*.json"))
OL_EXAMPLES = [
    EXTERNAL / "openlineage" / n
    for n in (
        "run_event_complete_full.json",
        "run_event_minimal.json",
        "run_event_complete_sql_datasource_dq.json",
        "dataset_event.json",
        "job_event.json",
    )
]


def writer_token(data_dir, scopes=("lineage:write",)) -> str:
    from hdcat.catalog.accounts import Accounts

    acc = Accounts.for_settings(Settings(data_dir=data_dir))
    if not any(u["name"] == "etl-bot" for u in acc.users()):
        acc.add_user("etl-bot", "steward", ["hanbit"])
    _, secret = acc.issue_token("etl-bot", list(scopes))
    acc.close()
    return secret


@pytest.fixture
def lineage_app(tmp_path, store_url):
    """The app with a pipeline's token; its test clients send it (lineage is for members only). Once per
    store kind (store_url: memory, embedded Oxigraph, Fuseki)."""
    from flask.testing import FlaskClient
    from hdcat.web.app import create_app

    cat = Catalog(Settings(store_url=store_url, data_dir=tmp_path))
    app = create_app(catalog=cat)
    app.token = writer_token(tmp_path)

    class PipelineClient(FlaskClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.token}"

    app.test_client_class = PipelineClient
    yield app
    cat.close()


def post(client, event, token=None):
    token = token or client.application.token
    return client.post(
        "/api/v1/lineage",
        data=json.dumps(event),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.conformance
def test_real_events_are_accepted(lineage_app):
    c = lineage_app.test_client()
    for path in APPLES + OL_EXAMPLES + [EXTERNAL / "marquez" / "event_full.json"]:
        r = post(c, json.loads(path.read_text()))
        assert r.status_code in (200, 201), (path.name, r.get_json())
    # Marquez's apples omit schemaURL: accepted, and the answer says so
    r = post(c, dict(json.loads(APPLES[0].read_text()), eventTime="2020-08-30T10:00:00.000+10:00"))
    assert any("schemaURL" in note for note in r.get_json()["lenient"])


@pytest.mark.conformance
def test_real_facets_are_checked_against_the_spec_facet_schemas(lineage_app):
    """Real events' facets: those naming the facet version hdcat ships pass silently; those naming an
    older spec are checked against the shipped schema and what they lack is reported, not refused
    (Marquez's own event_full.json has a 1-0-1 dataQualityMetrics without the required
    columnMetrics); custom facets (fluentd's additionalProp1..3) are kept unchecked."""
    c = lineage_app.test_client()
    full = post(c, json.loads((EXTERNAL / "openlineage" / "run_event_complete_full.json").read_text()))
    assert full.status_code == 201 and full.get_json()["lenient"] == [], full.get_json()
    marquez = post(c, json.loads((EXTERNAL / "marquez" / "event_full.json").read_text())).get_json()
    dq = [n for n in marquez["lenient"] if n.startswith("inputs.0.inputFacets.dataQualityMetrics")]
    assert dq and "of spec 1-0-1" in dq[0] and "'columnMetrics' is a required property" in dq[0], marquez
    fluentd = json.loads((EXTERNAL / "openlineage" / "run_event_complete_sql_datasource_dq.json").read_text())
    r = post(c, fluentd)
    assert r.status_code == 201 and not any("additionalProp" in n for n in r.get_json()["lenient"])
    job = fluentd["job"]
    prov = c.get(f"/api/v1/lineage/prov?nodeId=job:{job['namespace']}:{job['name']}&format=nt").data
    assert b"additionalProp1" in prov
    # the same facet, broken, naming the version hdcat ships: refused, naming the facet
    broken = json.loads((EXTERNAL / "openlineage" / "run_event_complete_full.json").read_text())
    broken["run"]["runId"] = str(uuid.uuid4())
    schema = broken["inputs"][0]["facets"]["schema"]
    schema["_schemaURL"] = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json"
    schema["fields"][0].pop("name")
    bad = post(c, broken)
    assert bad.status_code == 400 and bad.get_json()["field"] == "inputs.0.facets.schema.fields.0.name"


@pytest.mark.conformance
def test_marquez_shaped_lineage_of_the_apples(lineage_app):
    c = lineage_app.test_client()
    for path in APPLES:
        post(c, json.loads(path.read_text()))
    body = c.get("/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples&depth=20").get_json()
    ids = {n["id"] for n in body["graph"]}
    assert {
        "dataset:laurents-orchard:red.delicious",
        "job:grandmas.kitchen:gather_apples",
        "dataset:grandmas.kitchen:apples",
    } <= ids
    assert any(i.startswith("dataset:") and "pie" in i for i in ids)
    node = next(n for n in body["graph"] if n["id"] == "dataset:grandmas.kitchen:apples")
    assert node["type"] == "DATASET" and node["data"]["id"] == {
        "namespace": "grandmas.kitchen",
        "name": "apples",
    }
    assert {"origin": "job:grandmas.kitchen:gather_apples", "destination": node["id"]} in node["inEdges"]
    up = c.get(
        "/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples&depth=20&direction=upstream"
    ).get_json()
    assert not any("pie" in n["id"] for n in up["graph"])
    one = c.get("/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples&depth=1").get_json()
    assert all(
        n["id"].startswith("job:") or n["id"] == "dataset:grandmas.kitchen:apples" for n in one["graph"]
    )


@pytest.mark.conformance
def test_events_twice_or_out_of_order_are_idempotent(lineage_app):
    c = lineage_app.test_client()
    events = [json.loads(p.read_text()) for p in APPLES]
    for e in reversed(events):
        post(c, e)
    first = c.get("/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples").get_json()
    for e in events:
        r = post(c, e)
        assert r.status_code == 200 and r.get_json()["status"] == "duplicate"
    assert c.get("/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples").get_json() == first


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
@pytest.mark.conformance
def test_bad_events_are_400_naming_the_field(lineage_app, change, field):
    event = json.loads(APPLES[0].read_text())
    event.update(change)
    r = post(lineage_app.test_client(), event)
    assert r.status_code == 400 and r.get_json()["field"] == field, r.get_json()


def test_non_json_bodies(lineage_app):
    c = lineage_app.test_client()
    auth = {"Authorization": f"Bearer {lineage_app.token}"}
    assert (
        c.post("/api/v1/lineage", data="not json", content_type="application/json", headers=auth).status_code
        == 400
    )
    assert (
        c.post("/api/v1/lineage", data="[1]", content_type="application/json", headers=auth).status_code
        == 400
    )
    assert c.get("/api/v1/lineage?nodeId=dataset:nope:nothing").status_code == 404
    assert c.get("/api/v1/lineage?nodeId=x&depth=99").status_code == 400


@pytest.mark.conformance
def test_prov_o_in_the_graph_and_export(lineage_app):
    c = lineage_app.test_client()
    for path in APPLES:
        post(c, json.loads(path.read_text()))
    r = c.get("/api/v1/lineage/prov?nodeId=dataset:grandmas.kitchen:apples&depth=2&format=ttl")
    g = Graph().parse(data=r.data, format="turtle")
    runs = set(g.subjects(RDF.type, PROV.Activity))
    assert runs and all(g.value(run, PROV.qualifiedAssociation) is not None for run in runs)
    apples = next(
        s
        for s, o in g.subject_objects(URIRef("http://purl.org/dc/terms/identifier"))
        if str(o) == "dataset:grandmas.kitchen:apples"
    )
    assert g.value(apples, PROV.wasGeneratedBy) in runs
    assert (apples, PROV.wasDerivedFrom, None) in g
    jr = c.get("/api/v1/lineage/prov?nodeId=dataset:grandmas.kitchen:apples&format=jsonld")
    assert len(Graph().parse(data=jr.data, format="json-ld")) > 10


@pytest.mark.conformance
def test_lineage_survives_a_restart(tmp_path):
    url = f"oxigraph:{tmp_path / 'store'}"
    cat = Catalog(Settings(store_url=url, data_dir=tmp_path))
    for path in APPLES:
        cat.lineage.ingest(json.loads(path.read_text()))
    before = cat.lineage.index.marquez("dataset:grandmas.kitchen:apples")
    cat.close()
    again = Catalog(Settings(store_url=url, data_dir=tmp_path))
    assert again.lineage.index.marquez("dataset:grandmas.kitchen:apples") == before
    assert again.lineage.ingest(json.loads(APPLES[0].read_text()))["status"] == "duplicate"
    again.close()


@pytest.mark.conformance
def test_column_lineage_from_the_facet(lineage_app):
    c = lineage_app.test_client()
    facet = json.loads((EXTERNAL / "openlineage" / "facets" / "ColumnLineageDatasetFacet.json").read_text())
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": "https://example.org/etl",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "etl", "name": "build"},
        "inputs": [{"namespace": "src", "name": "in"}],
        "outputs": [{"namespace": "dst", "name": "out", "facets": facet}],
    }
    assert post(c, event).status_code == 201
    body = c.get("/api/v1/column-lineage?nodeId=dataset:dst:out").get_json()
    assert body["graph"] and any(n["inEdges"] for n in body["graph"])


def test_official_openlineage_client_round_trip(tmp_path):
    """The official openlineage-python client posts to a running hdcat; the run shows in lineage and
    PROV-O."""
    from hdcat.web.app import create_app
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import schema_dataset
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    server = LiveServer(create_app(catalog=cat))
    token = writer_token(tmp_path)
    try:
        client = OpenLineageClient(
            transport=HttpTransport(
                HttpConfig(
                    url=server.url, endpoint="api/v1/lineage", auth=ApiKeyTokenProvider({"apiKey": token})
                )
            )
        )
        run = Run(runId=str(uuid.uuid4()))
        job = Job(namespace="hanbit-etl", name="omop_condition_load")
        src = InputDataset(namespace="postgres://hanbit-db:5432", name="raw.diagnosis")
        schema = schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name="condition_concept_id", type="INTEGER")]
        )
        dst = OutputDataset(
            namespace="postgres://hanbit-db:5432", name="cdm.condition_occurrence", facets={"schema": schema}
        )
        now = datetime.now(UTC).isoformat()
        client.emit(
            RunEvent(
                eventType=RunState.START,
                eventTime=now,
                run=run,
                job=job,
                producer="https://hdcat.test",
                inputs=[src],
                outputs=[dst],
            )
        )
        client.emit(
            RunEvent(
                eventType=RunState.COMPLETE,
                eventTime=datetime.now(UTC).isoformat(),
                run=run,
                job=job,
                producer="https://hdcat.test",
                inputs=[src],
                outputs=[dst],
            )
        )
        graph = cat.lineage.index.marquez("dataset:postgres://hanbit-db:5432:cdm.condition_occurrence")
        ids = {n["id"] for n in graph["graph"]}
        assert (
            "job:hanbit-etl:omop_condition_load" in ids
            and "dataset:postgres://hanbit-db:5432:raw.diagnosis" in ids
        )
        node = next(n for n in graph["graph"] if n["id"].endswith("cdm.condition_occurrence"))
        assert node["data"]["fields"][0]["name"] == "condition_concept_id"
        job_node = next(n for n in graph["graph"] if n["type"] == "JOB")
        assert job_node["data"]["latestRun"]["state"] in ("START", "COMPLETE")
        prov = cat.lineage.prov("dataset:postgres://hanbit-db:5432:cdm.condition_occurrence")
        assert any(
            str(o) == "COMPLETE" for o in prov.objects(None, URIRef("https://w3id.org/hdcat/ns#eventState"))
        )
    finally:
        server.stop()
        cat.close()


@pytest.mark.conformance
def test_paths_impact_and_as_of(lineage_app):
    c = lineage_app.test_client()
    for path in APPLES:
        post(c, json.loads(path.read_text()))
    body = c.get(
        "/api/v1/lineage/paths?from=dataset:laurents-orchard:red.delicious"
        "&to=dataset:grandmas.kitchen:apple.pie"
    ).get_json()
    pie = [p for p in body["paths"]]
    if not pie:  # the pie dataset's exact name comes from the Marquez example
        names = [
            n["id"]
            for n in c.get(
                "/api/v1/lineage?nodeId=dataset:laurents-orchard:red.delicious&direction=downstream"
            ).get_json()["graph"]
        ]
        target = next(n for n in names if "pie" in n and n.startswith("dataset:"))
        pie = c.get(
            f"/api/v1/lineage/paths?from=dataset:laurents-orchard:red.delicious&to={target}"
        ).get_json()["paths"]
    assert (
        pie
        and pie[0][0] == "dataset:laurents-orchard:red.delicious"
        and "job:grandmas.kitchen:gather_apples" in pie[0]
    )
    impact = c.get("/api/v1/lineage/impact?nodeId=dataset:laurents-orchard:red.delicious").get_json()
    assert impact["datasets"] >= 3 and "job:grandmas.kitchen:gather_apples" in impact["jobs"]
    assert sum(len(v) for v in impact["byHospital"].values()) == impact["datasets"]
    # as of a date before the re-runs (events 7-9 are later), the second apple source is absent
    times = sorted(json.loads(p.read_text())["eventTime"] for p in APPLES)
    from urllib.parse import quote

    early = c.get(f"/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples&asOf={quote(times[1])}").get_json()
    late = c.get("/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples").get_json()
    assert len(early["graph"]) < len(late["graph"])
    assert c.get("/api/v1/lineage?nodeId=dataset:grandmas.kitchen:apples&asOf=soon").status_code == 400


def test_harvested_derivations_and_namespace_rules(sample_catalog, tmp_path):
    lineage = sample_catalog.lineage.index
    derived = [d for _, d in lineage.graph.nodes(data=True) if d.get("catalogId")]
    assert len(derived) >= 40  # the sample consortium's prov:wasDerivedFrom links
    local_id = derived[0]["catalogId"]
    node = sample_catalog.lineage.node_for(local_id)
    assert node and lineage.marquez(node, 1)["graph"]
    # an OpenLineage namespace mapped to a hospital links an event's dataset to the catalogue's dataset
    from dataclasses import replace

    target = sample_catalog.datasets.get(local_id, members=True)
    cat = Catalog(
        replace(
            sample_catalog.settings, lineage_namespaces=(("postgres://hanbit-db", target["hospital"]["id"]),)
        ),
        store=sample_catalog.store,
    )
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2025-01-01T00:00:00Z",
        "producer": "https://example.org/etl",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "etl", "name": "export"},
        "inputs": [{"namespace": "postgres://hanbit-db:5432", "name": target["identifier"]}],
        "outputs": [{"namespace": "s3://research", "name": "extract"}],
    }
    cat.lineage.ingest(event)
    node = f"dataset:postgres://hanbit-db:5432:{target['identifier']}"
    assert cat.lineage.index.graph.nodes[node]["catalogId"] == local_id
    assert cat.lineage.index.graph.nodes[node]["hospital"] == target["hospital"]["id"]


def big_neighbourhood_events(n_up=48, n_down=50, jobs=10):
    """A dataset with ten jobs upstream and ten downstream: 1,001 nodes within depth 2."""
    events = []
    base = {
        "eventType": "COMPLETE",
        "eventTime": "2025-03-01T00:00:00Z",
        "producer": "https://example.org/etl",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    root = {"namespace": "postgres://hanbit-db:5432", "name": "cdm.person"}
    for j in range(jobs):
        events.append(
            dict(
                base,
                run={"runId": str(uuid.UUID(int=j + 1))},
                job={"namespace": "etl", "name": f"load_{j}"},
                inputs=[{"namespace": "hospital-emr", "name": f"src_{j}_{i}"} for i in range(n_up)],
                outputs=[root],
            )
        )
        events.append(
            dict(
                base,
                run={"runId": str(uuid.UUID(int=1000 + j))},
                job={"namespace": "research", "name": f"extract_{j}"},
                inputs=[root],
                outputs=[{"namespace": "s3://research", "name": f"cohort_{j}_{i}"} for i in range(n_down)],
            )
        )
    return events


def test_lineage_page_at_a_thousand_nodes_in_chromium(tmp_path):
    import time

    from hdcat.catalog.accounts import Accounts
    from hdcat.web.app import create_app

    from tests.browser import Browser, chromium_path
    from tests.conftest import PASSWORD, require_service

    require_service(chromium_path() is not None, "Chromium (scripts/services start browser)")
    settings = Settings(store_url="memory:", data_dir=tmp_path)
    cat = Catalog(settings)
    for e in big_neighbourhood_events():
        cat.lineage.ingest(e)
    Accounts.for_settings(settings).add_user("ana", "researcher", [], PASSWORD)
    server = LiveServer(create_app(catalog=cat))
    try:
        url = f"{server.url}/lineage?node=dataset:postgres://hanbit-db:5432:cdm.person&depth=2"
        with Browser(1400, 1000) as b:
            b.open(url)
            assert "/signin" in b.url  # lineage of clinical pipelines is for members
            b.sign_in(server.url, "ana", PASSWORD)
            started = time.perf_counter()
            dom = b.open(url).html
            seconds = time.perf_counter() - started
            assert dom.count('<g class="node') == 1001
            assert "1001 nodes" in dom and seconds < 30
            shot = tmp_path / "lineage.png"
            b.driver.save_screenshot(str(shot))
            assert shot.stat().st_size > 20_000
            one = b.open(url.replace("depth=2", "depth=1")).html
            assert one.count('<g class="node') == 21 and "more neighbours hidden" in one
            collapsed = b.open(url + "&collapse=job").html
            assert collapsed.count('<g class="node') == 981  # the twenty jobs fold into edges
            table = b.open(url + "&view=table").html
            assert table.count("<tr>") >= 1001
    finally:
        server.stop()


def test_dataset_page_shows_its_lineage(client, member, sample_catalog):
    local_id = next(
        i
        for i in sorted(sample_catalog.lineage.index.by_catalog)
        if sample_catalog.datasets.get(i, members=True)["visibility"] == "public"
    )
    html = member.get(f"/datasets/{local_id}").data.decode()
    assert "Open the lineage graph" in html and "/lineage?node=" in html
    assert "Open the lineage graph" not in client.get(f"/datasets/{local_id}").data.decode()  # members only
    assert client.get(f"/lineage?node={sample_catalog.lineage.node_for(local_id)}").status_code == 302
    page = member.get(f"/lineage?node={sample_catalog.lineage.node_for(local_id)}")
    assert page.status_code == 200 and page.data.count(b'<g class="node') >= 2
    hit = member.get("/api/v1/search?has_lineage=yes&size=100").get_json()
    assert hit["total"] == len(sample_catalog.lineage.index.by_catalog)
