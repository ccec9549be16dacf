"""Lineage at volume: batches of events (POST /api/v1/lineage/batch), the index snapshot a restart reads
back, and Marquez's read model kept in step event by event.

A batch must answer every event in its place, keep the good events when some are bad and still know
a resend by its content; a restart must give the index a rebuild from the RDF gives, and must notice
a snapshot that is damaged or describes other events.
"""

from __future__ import annotations

import json
import pickle
import uuid

import pytest
from hdcat.catalog import lineage_snapshot
from hdcat.catalog.config import Settings
from hdcat.catalog.marquez import MarquezView
from hdcat.catalog.openlineage import canonical_json, event_key, map_event
from hdcat.catalog.service import Catalog
from hdcat.ontology import PROV
from rdflib import BNode, Graph
from rdflib.namespace import RDFS

from tests.conftest import fresh_store_url
from tests.graphs import canonical
from tests.test_lineage import lineage_app  # noqa: F401  (the fixture is shared)
from tests.test_lineage_events import COHORT, DB, ETL, event
from tests.test_marquez_api import pipeline


def batch(client, events, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        "/api/v1/lineage/batch", data=json.dumps(events), content_type="application/json", headers=headers
    )


def job_event(name: str, inputs: list[str], outputs: list[str], at: str) -> dict:
    return {
        "eventTime": at,
        "producer": "https://hanbit.example/etl/1.4",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {"namespace": "hanbit-etl", "name": name},
        "inputs": [{"namespace": DB, "name": n} for n in inputs],
        "outputs": [{"namespace": DB, "name": n} for n in outputs],
    }


def rerun(event: dict, at: str, run: str | None = None) -> dict:
    """`event` again for another run of its job: the same inputs and outputs, facets included."""
    again = json.loads(json.dumps(event))
    again["eventTime"] = at
    again["run"]["runId"] = run or str(uuid.uuid5(uuid.NAMESPACE_URL, event["job"]["name"] + at))
    return again


def dataset_event(name: str, at: str) -> dict:
    return {
        "eventTime": at,
        "producer": "https://hanbit.example/etl/1.4",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {"namespace": DB, "name": name},
    }


# ---- batches ------------------------------------------------------------------------------------
def test_a_batch_answers_each_event_in_its_place_and_keeps_the_good_ones(lineage_app):  # noqa: F811
    c = lineage_app.test_client()
    bogus = {**ETL[1], "eventType": "BOGUS"}
    reordered = dict(reversed(list(ETL[0].items())))  # the same content as ETL[0]: a duplicate
    r = batch(c, [ETL[0], bogus, ETL[2], reordered, "not an event", ETL[3]])
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    got = [(x["index"], x["status"]) for x in body["results"]]
    assert got == [
        (0, "stored"),
        (1, "invalid"),
        (2, "stored"),
        (3, "duplicate"),
        (4, "invalid"),
        (5, "stored"),
    ]
    assert body["results"][1]["field"] == "eventType" and "eventType" in body["results"][1]["message"]
    assert body["results"][3]["key"] == body["results"][0]["key"]
    assert (body["stored"], body["duplicate"], body["invalid"], body["forbidden"]) == (3, 1, 2, 0)
    # what was stored is in the graph; the bad event's outputs are not
    up = c.get(f"/api/v1/lineage?nodeId={COHORT}&direction=upstream&depth=10").get_json()
    ids = {n["id"] for n in up["graph"]}
    assert f"dataset:{DB}:cdm.condition_occurrence" in ids
    assert f"dataset:{DB}:cdm.visit_occurrence" not in ids  # ETL[1] was the bad one
    # one by one after the batch: a resend is a duplicate there too, and the fixed event is stored
    single = c.post("/api/v1/lineage", json=ETL[2])
    assert single.status_code == 200 and single.get_json()["status"] == "duplicate"
    again = batch(c, [ETL[1], ETL[0]]).get_json()
    assert [x["status"] for x in again["results"]] == ["stored", "duplicate"]


def test_a_batch_is_one_write_and_a_failed_write_stores_none_of_it(tmp_path, monkeypatch):
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        cat.lineage.index  # noqa: B018
        writes = []
        real = cat.store.add_to_graph
        monkeypatch.setattr(cat.store, "add_to_graph", lambda name, triples: writes.append(name) or 1 / 0)
        with pytest.raises(ZeroDivisionError):
            cat.lineage.ingest_many(ETL)
        assert writes == [cat.lineage.graph_iri]  # all five events went to one write
        assert cat.lineage.index.stats()["nodes"] == 0 and not cat.lineage._event_keys
        monkeypatch.setattr(cat.store, "add_to_graph", real)
        results = cat.lineage.ingest_many(ETL)
        assert [r["status"] for r in results] == ["stored"] * len(ETL)
        assert COHORT in cat.lineage.index
    finally:
        cat.close()


def test_a_batch_that_is_not_an_array_or_too_long_is_a_400(lineage_app):  # noqa: F811
    from hdcat.catalog.lineage_service import MAX_BATCH

    c = lineage_app.test_client()
    r = batch(c, ETL[0])
    assert r.status_code == 400 and r.get_json()["field"] == "(body)"
    r = batch(c, [{}] * (MAX_BATCH + 1))
    assert r.status_code == 400 and str(MAX_BATCH) in r.get_json()["message"]
    assert batch(c, []).get_json() == {
        "results": [],
        "stored": 0,
        "duplicate": 0,
        "invalid": 0,
        "forbidden": 0,
    }


def test_a_batch_refuses_only_the_events_into_another_hospitals_namespace(tmp_path):
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
    _, token = acc.issue_token("sam", ["lineage:write"])
    c = create_app(catalog=cat, accounts=acc).test_client()
    into_gaon = dict(
        ETL[0],
        run={"runId": str(uuid.uuid4())},
        outputs=[{"namespace": "postgres://gaon-db:5432", "name": "cdm.person"}],
    )
    body = batch(c, [into_gaon, ETL[0]], token).get_json()
    assert [(x["index"], x["status"]) for x in body["results"]] == [(0, "forbidden"), (1, "stored")]
    assert "gaon" in body["results"][0]["message"]
    assert "dataset:postgres://gaon-db:5432:cdm.person" not in cat.lineage.index
    trail = [e for e in acc.audit_entries() if e["action"] == "lineage.batch"]
    assert len(trail) == 1 and trail[0]["detail"]["keys"] == [body["results"][1]["key"]]
    assert trail[0]["actor"] and trail[0]["detail"]["jobs"] == ["hanbit-etl:extract_visits"]


# ---- the snapshot -------------------------------------------------------------------------------
def _catalog(tmp_path, store="store") -> Catalog:
    return Catalog(Settings(store_url=f"oxigraph:{tmp_path / store}", data_dir=tmp_path))


def _rebuilt(tmp_path, store="store"):
    """The index as a rebuild from the RDF makes it (the snapshot moved aside)."""
    path = lineage_snapshot.path_in(tmp_path)
    aside = path.with_name("aside")
    if path.exists():
        path.rename(aside)
    cat = _catalog(tmp_path, store)
    try:
        index = cat.lineage.index
        assert cat.lineage.loaded_from == "rdf"
        return index, set(cat.lineage._event_keys)
    finally:
        cat.store.close()  # not Catalog.close: that would write a snapshot of its own
        if aside.exists():
            aside.replace(path)


def test_a_restart_reads_the_snapshot_and_gets_what_a_rebuild_gets(tmp_path):
    cat = _catalog(tmp_path)
    cat.lineage.ingest_many(pipeline())
    cat.lineage.ingest(job_event("plan_cohort", ["cdm.person"], ["mart.plan"], "2026-12-03T00:00:00Z"))
    before = cat.lineage.index.marquez(COHORT)
    cat.close()  # writes the snapshot
    assert lineage_snapshot.path_in(tmp_path).exists()
    again = _catalog(tmp_path)
    try:
        index = again.lineage.index
        assert again.lineage.loaded_from == "snapshot"
        assert index.marquez(COHORT) == before
        assert index.column_lineage(COHORT)["graph"]
        keys = set(again.lineage._event_keys)
    finally:
        again.store.close()
    rebuilt, rebuilt_keys = _rebuilt(tmp_path)
    assert index.same_as(rebuilt) and keys == rebuilt_keys and len(keys) == len(pipeline()) + 1
    third = _catalog(tmp_path)
    try:
        assert third.lineage.ingest(ETL[0])["status"] == "duplicate"  # duplicates known after a restart
    finally:
        third.close()


def test_events_stored_after_the_snapshot_are_replayed_on_top(tmp_path):
    cat = _catalog(tmp_path)
    cat.lineage.ingest_many(ETL[:3])
    cat.close()
    second = _catalog(tmp_path)
    second.lineage.index  # noqa: B018 - read from the snapshot
    second.lineage.ingest_many(ETL[3:] + pipeline()[len(ETL) :])
    second.store.close()  # as if the process died: no snapshot of the later events
    third = _catalog(tmp_path)
    try:
        index = third.lineage.index
        assert third.lineage.loaded_from == f"snapshot+{len(pipeline()) - 3}"
        keys = set(third.lineage._event_keys)
    finally:
        third.store.close()
    rebuilt, rebuilt_keys = _rebuilt(tmp_path)
    assert index.same_as(rebuilt) and keys == rebuilt_keys
    assert COHORT in index and index.column_lineage(COHORT)["graph"]


def test_a_snapshot_of_other_events_is_not_used(tmp_path):
    """The snapshot of one store beside another store (a restored backup, a store swapped in the
    data folder) names events that store lacks: the index is rebuilt from that store's events."""
    first = _catalog(tmp_path, "store-a")
    first.lineage.ingest_many(ETL)
    first.close()  # a snapshot of store-a's five events
    other = _catalog(tmp_path, "store-b")
    try:
        assert not other.lineage.index.stats()["nodes"] and other.lineage.loaded_from == "rdf"
        other.lineage.ingest(event("elsewhere", ["emr.labs"], ["staging.labs"], "2026-10-05T00:00:00Z"))
    finally:
        other.close()  # now a snapshot of store-b's one event
    first = _catalog(tmp_path, "store-a")
    try:
        index = first.lineage.index
        assert first.lineage.loaded_from == "rdf"
        assert COHORT in index and f"dataset:{DB}:staging.labs" not in index
    finally:
        first.close()


@pytest.mark.parametrize(
    "damage", ["truncated", "flipped", "other base", "object inside", "odd header", "not ours"]
)
def test_a_damaged_snapshot_is_set_aside_and_the_index_rebuilt(tmp_path, damage, caplog):
    cat = _catalog(tmp_path)
    cat.lineage.ingest_many(pipeline())
    cat.close()
    path = lineage_snapshot.path_in(tmp_path)
    raw = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped":
        path.write_bytes(raw[:-100] + bytes([raw[-100] ^ 0xFF]) + raw[-99:])
    elif damage == "other base":
        path.write_bytes(raw.replace(Settings().base_iri.encode(), b"https://elsewhere.example", 1))
    elif damage == "object inside":  # a well-formed file whose checksum matches but that carries code
        body = pickle.dumps({"stored_keys": [], "graph": uuid.UUID(int=1)})
        import hashlib

        header = {
            "format": 1,
            "base": Settings().base_iri,
            "events": 0,
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        path.write_bytes(lineage_snapshot.MAGIC + json.dumps(header).encode() + b"\n" + body)
    elif damage == "odd header":
        path.write_bytes(lineage_snapshot.MAGIC + b"[1, 2]\n" + raw.split(b"\n", 2)[2])
    else:
        path.write_text("something else entirely")
    with pytest.raises(lineage_snapshot.UnusableSnapshot):
        lineage_snapshot.read(path, Settings().base_iri)
    again = _catalog(tmp_path)
    try:
        index = again.lineage.index
        assert again.lineage.loaded_from == "rdf"
        assert "rebuilding the lineage index" in caplog.text
        assert COHORT in index and index.column_lineage(COHORT)["graph"]
    finally:
        again.close()
    # the rebuild wrote a good snapshot in its place
    assert lineage_snapshot.read(path, Settings().base_iri).stored_keys


def test_a_harvest_redoes_catalogue_matches_without_rebuilding_from_events(tmp_path):
    cat = _catalog(tmp_path)
    try:
        cat.lineage.ingest_many(ETL)
        index = cat.lineage.index
        calls = []
        real = cat.lineage._rebuild
        cat.lineage._rebuild = lambda *a: calls.append(a) or real(*a)
        cat.lineage.forget()  # what a harvest commit does
        assert cat.lineage.index is index and not calls
        assert COHORT in index and cat.lineage.index.marquez(COHORT)["graph"]
    finally:
        cat.close()


# ---- Marquez's model, event by event --------------------------------------------------------------
def model(view: MarquezView) -> dict:
    out = {"namespaces": view.namespace_list(), "events": view.lineage_events(False, None, None)}
    for ns in view.namespaces:
        out[f"datasets {ns}"] = view.datasets_in(ns)
        out[f"jobs {ns}"] = view.jobs_in(ns)
    for ns, name in view.jobs:
        out[f"job versions {ns} {name}"] = view.job_versions(ns, name)
        out[f"job runs {ns} {name}"] = view.job_runs(ns, name)
    for ns, name in view.datasets:
        out[f"dataset versions {ns} {name}"] = view.dataset_versions(ns, name)
    return out


def test_marquez_model_is_added_to_in_place_and_equals_a_replay(tmp_path):
    events = (
        pipeline()[:5]
        + [
            dataset_event("cdm.person", "2026-11-15T00:00:00Z"),
            job_event(
                "build_lung_cancer_cohort",
                ["cdm.condition_occurrence"],
                ["mart.lung_cancer_cohort"],
                "2026-11-20T00:00:00Z",
            ),
        ]
        + pipeline()[5:]
    )
    cat = Catalog(Settings(store_url="memory:", data_dir=tmp_path))
    view = cat.lineage.marquez
    hospital_of = view.hospital_of
    for i, e in enumerate(events):
        cat.lineage.ingest(e)
        assert cat.lineage.marquez is view, f"the model was replayed from all events after event {i}"
        assert model(view) == model(MarquezView(events[: i + 1], hospital_of)), i
    # an event earlier than the latest: the model is replayed (and equals a replay)
    late = event("load_conditions", ["emr.diagnoses"], ["cdm.condition_occurrence"], "2026-10-01T02:45:00Z")
    cat.lineage.ingest(late)
    assert cat.lineage.marquez is not view
    assert model(cat.lineage.marquez) == model(MarquezView(events + [late], hospital_of))


def test_a_run_told_in_two_events_has_one_job_version(tmp_path):
    """START names the inputs, COMPLETE the outputs as well: the version made from START alone
    goes, as Marquez versions a job by what its run read and wrote."""
    run = str(uuid.uuid4())
    start = event("nightly", ["emr.visits"], [], "2026-10-01T01:00:00Z", "START", run)
    done = event("nightly", ["emr.visits"], ["staging.visits"], "2026-10-01T01:05:00Z", "COMPLETE", run)
    view = MarquezView([start], lambda ns: None)
    assert len(view.job_versions("hanbit-etl", "nightly")) == 1
    assert view.add(done)
    versions = view.job_versions("hanbit-etl", "nightly")
    assert len(versions) == 1 and versions[0]["outputs"] == [{"namespace": DB, "name": "staging.visits"}]
    assert view.job("hanbit-etl", "nightly")["currentVersion"] == versions[0]["version"]


def test_redone_derivations_equal_a_fresh_build():
    """After a harvest the index drops the derivations and catalogue matches it had and takes the
    new ones; the result must be what a build from the same events and the new derivations gives,
    also where a derivation and an event share an edge or a node."""
    from hdcat.catalog.lineage import LineageGraph
    from hdcat.catalog.openlineage import map_event

    base = Settings().base_iri
    mapped = [map_event(e, base, rdf=False) for e in ETL]
    visits, cohort = f"dataset:{DB}:staging.visits", COHORT
    catalogue = {
        "type": "DATASET",
        "namespace": "hanbit",
        "name": "c1",
        "catalogId": "c1",
        "hospital": "hanbit",
    }
    old = [  # an event edge marked as a derivation, and a node only a derivation made
        (visits, "job:hanbit-etl:load_visit_occurrence", {}, {}),
        ("dataset:hanbit:c1", cohort, catalogue, {"catalogId": "cohort"}),
    ]
    new = [("dataset:hanbit:c2", visits, {**catalogue, "name": "c2", "catalogId": "c2"}, {"catalogId": "v"})]

    def annotate(data):
        if data.get("name") == "mart.lung_cancer_cohort":
            data["catalogId"] = "cohort-now"

    kept = LineageGraph()
    for m in mapped:
        kept.apply(m)
    for a, b, da, db in old:
        kept.add_derivation(a, b, da, db)
    kept.reannotate(annotate)
    for a, b, da, db in new:
        kept.add_derivation(a, b, da, db)
    fresh = LineageGraph()
    for m in mapped:
        fresh.apply(m)
    fresh.reannotate(annotate)
    for a, b, da, db in new:
        fresh.add_derivation(a, b, da, db)
    assert kept.same_as(fresh)
    assert (
        "dataset:hanbit:c1" not in kept
        and "kind" not in kept.graph.edges[visits, "job:hanbit-etl:load_visit_occurrence"]
    )
    assert (
        kept.by_catalog["cohort-now"] == cohort
        and kept.graph.edges["dataset:hanbit:c2", visits]["kind"] == "derivation"
    )
    # an event naming a node only a derivation made takes it over, with the event's data
    kept.add_derivation("dataset:hanbit:c3", visits, {**catalogue, "name": "c3", "catalogId": "c3"}, {})
    e = event("x", [], ["mart.x"], "2026-10-09T00:00:00Z")
    e["inputs"] = [{"namespace": "hanbit", "name": "c3"}]
    kept.apply(map_event(e, base, rdf=False))
    assert "dataset:hanbit:c3" not in kept.derived_nodes
    assert "catalogId" not in kept.graph.nodes["dataset:hanbit:c3"]
    assert kept.graph.nodes["dataset:hanbit:c3"]["iri"].startswith(base)


def test_the_batch_path_is_openlineages(lineage_app):  # noqa: F811
    """OpenLineage's own API description names /lineage/batch, a JSON array of events: hdcat serves it
    under /api/v1, documents its body as an array, and takes a batch of all three kinds of event."""
    from pathlib import Path

    import yaml

    spec = yaml.safe_load((Path(__file__).parent / "data" / "openlineage" / "OpenLineage.yml").read_text())
    body = spec["paths"]["/lineage/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array" and len(body["items"]["oneOf"]) == 3
    c = lineage_app.test_client()
    ours = c.get("/api/openapi.json").get_json()["paths"]["/api/v1/lineage/batch"]["post"]
    assert ours["requestBody"]["content"]["application/json"]["schema"]["type"] == "array"
    kinds = [
        ETL[0],
        job_event("plan", ["emr.visits"], ["staging.plan"], "2026-10-02T00:00:00Z"),
        dataset_event("emr.visits", "2026-10-02T00:00:00Z"),
    ]
    r = batch(c, kinds)
    assert r.status_code == 200 and [x["status"] for x in r.get_json()["results"]] == ["stored"] * 3


# ---- the same graph however the events come ------------------------------------------------------
def _stored_lineage(kind: str, folder, send) -> Graph:
    """The lineage graph a fresh catalogue of `kind` stores after `send(lineage)`, without the storage
    times (the one thing that differs between two ingestions of the same events)."""
    folder.mkdir()
    cat = Catalog(Settings(store_url=fresh_store_url(kind, folder), data_dir=folder))
    try:
        send(cat.lineage)
        out = Graph()
        for t in cat.store.graph(cat.lineage.graph_iri).triples((None, None, None)):
            if t[1] != PROV.generatedAtTime:
                out.add(t)
        return out
    finally:
        cat.close()


@pytest.mark.stores
def test_batches_store_the_graph_that_events_one_by_one_and_each_events_own_prov_make(store_kind, tmp_path):
    """Datasets and jobs are described once, by the first event that names them, and a job's derivations
    once, by the first of its runs that makes them: a later event, in its own batch or the same one,
    leaves them out of its write. The stored graph must still be the one every event's full PROV-O
    gives."""
    events = pipeline() + [job_event("refresh_cohort", ["cdm.visit_occurrence"], [], "2026-11-02T00:00:00Z")]
    events.append(dataset_event("mart.lung_cancer_cohort", "2026-11-03T00:00:00Z"))
    events.insert(1, rerun(events[0], "2026-10-02T01:00:00Z"))  # the next night, in the same batch
    start, complete = events[-5], events[-4]  # the cohort's run told start to finish, column lineage included
    assert (
        complete["outputs"][0]["facets"]["columnLineage"]
        and start["run"]["runId"] == complete["run"]["runId"]
    )
    again = str(uuid.UUID(int=9))
    events += [rerun(start, "2026-12-02T03:00:00Z", again), rerun(complete, "2026-12-02T03:02:00Z", again)]
    half = len(events) // 2

    def one_by_one(lineage):
        for e in events:
            assert lineage.ingest(e)["status"] == "stored"

    def in_batches(lineage):
        for part in (events[:half], events[half:]):
            assert {r["status"] for r in lineage.ingest_many(part)} == {"stored"}

    def each_on_its_own(lineage):  # every event's full PROV-O and its record, written as it maps
        for e in events:
            key = event_key(e)
            mapped = map_event(e, lineage.base, key=key)
            lineage.store.add_to_graph(
                lineage.graph_iri, list(mapped.graph) + lineage._event_record(key, canonical_json(e))
            )

    one = _stored_lineage(store_kind, tmp_path / "one", one_by_one)
    batched = _stored_lineage(store_kind, tmp_path / "batches", in_batches)
    full = _stored_lineage(store_kind, tmp_path / "full", each_on_its_own)
    assert len(one) > 100
    for other in (batched, full):
        assert canonical(one) == canonical(other), sorted(canonical(one) ^ canonical(other))[:5]


def test_a_jobs_next_run_writes_its_run_and_not_the_derivations_again(tmp_path):
    """A nightly job's derivations are the same every night: the first run writes them, the next writes
    only its own run (what it used and generated, its state and times). A run that reads another input
    or gains column lineage makes derivations of its own, and writes them."""
    from pyoxigraph import NamedNode

    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        writes = []
        real = cat.store.add_to_graph
        cat.store.add_to_graph = lambda name, triples: writes.append(list(triples)) or real(name, triples)
        first = pipeline()[-2]  # the cohort's COMPLETE, with column lineage
        derived_from = NamedNode(str(PROV.wasDerivedFrom))
        nightly = [rerun(first, f"2026-12-0{d}T03:02:00Z", str(uuid.UUID(int=100 + d))) for d in (2, 3)]
        wider = rerun(first, "2026-12-04T03:02:00Z", str(uuid.UUID(int=200)))
        wider["inputs"].append({"namespace": DB, "name": "cdm.visit_occurrence"})
        for e in [first, *nightly, wider]:
            assert cat.lineage.ingest(e)["status"] == "stored"
        made = [[t for t in w if t[1] == derived_from] for w in writes]
        assert len(made[0]) == 2  # the cohort from its input, its person_id column from the input's
        assert made[1] == made[2] == []
        assert len(made[3]) == 3  # the new input's derivation, and the two before with it
        used = NamedNode(str(PROV.used))
        assert all(sum(t[1] == used for t in w) >= 1 for w in writes)  # every run's own PROV-O is written
        stored = cat.store.graph(cat.lineage.graph_iri)
        assert len({run for run, _, _ in stored.triples((None, PROV.used, None))}) == 4
    finally:
        cat.close()


def test_a_failed_write_leaves_its_datasets_to_be_described_by_the_next(tmp_path, monkeypatch):
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        real = cat.store.add_to_graph
        monkeypatch.setattr(cat.store, "add_to_graph", lambda name, triples: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            cat.lineage.ingest(ETL[0])
        monkeypatch.setattr(cat.store, "add_to_graph", real)
        cat.lineage.ingest(ETL[0])
        stored = cat.store.graph(cat.lineage.graph_iri)
        labels = {str(o) for o in stored.objects(None, RDFS.label)}
        assert {"emr.visits", "staging.visits", "extract_visits"} <= labels
    finally:
        cat.close()


@pytest.mark.stores
def test_a_producer_that_is_not_a_valid_iri_is_stored_as_a_named_agent(store_kind, tmp_path):
    """`http://…` that Oxigraph will not take as an IRI (braces, a bad %-escape) made the write fail
    before; the event is stored, its producer a blank-node agent labelled with the text."""
    e = {**ETL[0], "producer": "http://x/{y}|%zz"}

    def send(lineage):
        assert lineage.ingest(e)["status"] == "stored"

    stored = _stored_lineage(store_kind, tmp_path / "odd", send)
    agents = [s for s, o in stored.subject_objects(RDFS.label) if str(o) == e["producer"]]
    assert len(agents) == 1 and isinstance(agents[0], BNode)
    assert (None, PROV.wasAssociatedWith, agents[0]) in stored
