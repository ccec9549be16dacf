"""Standard dataset definitions: the starter set, the API (400 naming each field, 409 on published),
versions and supersession, history and diffs, downloads that parse, conformance as DQV, the
search facet, the CLI, and a steward going from a blank form to a published definition in Chromium."""

from __future__ import annotations

import csv
import io
import json
import shutil

import httpx
import pytest
from hdcat.catalog.accounts import Accounts
from hdcat.catalog.config import Settings, SourceConfig
from hdcat.catalog.definitions import content, from_graph, load_definition, to_graph
from hdcat.catalog.errors import Invalid
from hdcat.catalog.service import Catalog
from hdcat.catalog.stores.sparql import endpoints
from hdcat.harvesters.runner import harvest_all
from hdcat.ontology import DCT, DQV, PROV
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from tests.conftest import PASSWORD, ROOT, LiveServer, csrf_token, fresh_store_url, require_service, sign_in

STANDARD = ROOT / "harvesters/samples/consortium/hanbit/standard-datasets.ttl"
CARDIO = "https://hdcat.example.org/id/definition/cardiovascular-core/1.0.0"
RESP = "https://hdcat.example.org/id/definition/respiratory-core/1.0.0"


def starter(name: str) -> dict:
    return json.loads((ROOT / "ontology" / "definitions" / f"{name}-core.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def fuseki_deployment(tmp_path_factory):
    """`_deployment` built once on Fuseki: its data folder (accounts, tokens, harvest state) and every quad
    the server then held. Each test gets a copy of both, loaded into the emptied dataset in one request:
    the same catalogue as a fresh harvest leaves, without harvesting it again (which took 4–10 s a test)."""
    folder = tmp_path_factory.mktemp("fuseki-deployment")
    url = fresh_store_url("fuseki", folder)
    built = _deployment(folder, url)
    app = next(built)
    tokens = (app.sam, app.sol)
    built.close()  # closes the catalogue
    _, _, _, gsp = endpoints(url.removeprefix("sparql+"))
    quads = httpx.get(gsp, headers={"Accept": "application/n-quads"}, timeout=120)
    quads.raise_for_status()
    assert b"hanbit-standard" in quads.content and b"cardiovascular-core" in quads.content
    return folder, gsp, quads.content, tokens


@pytest.fixture
def deployment(request, tmp_path, store_kind, store_url):
    """A fresh catalogue with the starters, the hand-written standard datasets, a steward and their token,
    on every store kind (the store-conformance suite)."""
    if store_kind != "fuseki":
        yield from _deployment(tmp_path, store_url)
        return
    folder, gsp, quads, (sam, sol) = request.getfixturevalue("fuseki_deployment")
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    loaded = httpx.post(gsp, content=quads, headers={"Content-Type": "application/n-quads"}, timeout=120)
    loaded.raise_for_status()
    yield from _open_deployment(tmp_path, store_url, sam, sol)


@pytest.fixture
def page_deployment(tmp_path):
    """`deployment` on the embedded store alone, for tests of the forms and pages: what they check is the
    web layer's, the same on every store, and the store suite runs the definitions API on each."""
    yield from _deployment(tmp_path, f"oxigraph:{tmp_path / 'store'}")


def _deployment(tmp_path, store_url):
    settings = Settings(store_url=store_url, data_dir=tmp_path)
    cat = Catalog(settings)
    cat.definitions.ensure_starters()
    harvest_all(
        cat, [SourceConfig(name="hanbit-standard", hospital="hanbit", kind="dcat", location=str(STANDARD))]
    )
    acc = Accounts.for_settings(settings)
    acc.add_user("sam", "steward", ["hanbit"], PASSWORD)
    acc.add_user("sol", "steward", ["gaon"], PASSWORD)
    from hdcat.web.app import create_app

    app = create_app(catalog=cat, accounts=acc)
    _, app.sam = acc.issue_token("sam", ["definitions:write"])
    _, app.sol = acc.issue_token("sol", ["definitions:write"])
    try:
        yield app
    finally:
        acc.close()
        cat.close()


def _open_deployment(tmp_path, store_url, sam, sol):
    """A deployment's app over a store and data folder that hold one already (see `fuseki_deployment`)."""
    from hdcat.web.app import create_app

    settings = Settings(store_url=store_url, data_dir=tmp_path)
    cat = Catalog(settings)
    acc = Accounts.for_settings(settings)
    app = create_app(catalog=cat, accounts=acc)
    app.sam, app.sol = sam, sol
    try:
        yield app
    finally:
        acc.close()
        cat.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def stroke(**changes) -> dict:
    body = starter("cardiovascular")
    body.update(
        id="stroke-core", hospital="hanbit", title={"en": "Stroke core dataset", "ko": "뇌졸중 핵심 데이터셋"}
    )
    body.update(changes)
    return body


def test_starter_definitions_are_published_with_recognisable_elements(sample_catalog):
    defs = sample_catalog.definitions
    versions = {(v["id"], v["status"]) for v in defs.versions()}
    assert {
        ("cancer-core", "published"),
        ("cardiovascular-core", "published"),
        ("respiratory-core", "published"),
    } <= versions
    cancer, cardio, resp = (defs.get(f"{n}-core") for n in ("cancer", "cardiovascular", "respiratory"))
    names = lambda d: {e["name"] for e in d["elements"]}  # noqa: E731
    assert {"diagnosis_date", "primary_site", "histology", "clinical_stage_group"} <= names(cancer)
    assert {"systolic_bp", "diastolic_bp", "ldl_cholesterol"} <= names(cardio)
    assert {"fev1", "fvc", "fev1_fvc_ratio", "smoking_status"} <= names(resp)
    sbp = next(e for e in cardio["elements"] if e["name"] == "systolic_bp")
    assert sbp["unit"] == "mm[Hg]" and sbp["concept"]["code"] == "8480-6" and sbp["coding_system"] == "LOINC"
    fev1 = next(e for e in resp["elements"] if e["name"] == "fev1")
    assert fev1["concept"]["code"] == "20150-9" and fev1["unit"] == "L"
    assert all(
        e["label"].get("ko") and e["label"].get("en") for d in (cancer, cardio, resp) for e in d["elements"]
    )


def test_json_and_rdf_round_trip():
    data = load_definition(starter("respiratory"))
    iri = URIRef("https://hdcat.example.org/id/definition/respiratory-core/1.0.0")
    back = from_graph(to_graph(data, iri, {"status": "draft"}), iri)
    assert content(back) == content(dict(data, hospital=None, keywords=sorted(data["keywords"])))


def test_invalid_definitions_name_every_field():
    bad = {
        "id": "Bad Id",
        "version": "one",
        "title": {},
        "disease_area": "dentistry",
        "elements": [
            {
                "name": "Has Space",
                "label": {},
                "datatype": "code",
                "unit": "mm Hg",
                "required": True,
                "cardinality": "0..1",
            },
            {"name": "ok_name", "label": {"en": "Fine"}, "datatype": "text"},
        ],
    }
    with pytest.raises(Invalid) as caught:
        load_definition(bad)
    fields = caught.value.detail["fields"]
    for name in (
        "id",
        "version",
        "title",
        "disease_area",
        "elements.0.name",
        "elements.0.label",
        "elements.0.unit",
        "elements.0.coding_system",
        "elements.0.cardinality",
        "elements.1.datatype",
    ):
        assert name in fields, (name, fields)


def test_api_lifecycle_create_edit_publish_revise_supersede(deployment):
    c = deployment.test_client()
    assert c.post("/api/v1/definitions", json=stroke()).status_code == 401
    r = c.post("/api/v1/definitions", json=stroke(), headers=bearer(deployment.sam))
    assert r.status_code == 201 and r.get_json()["status"] == "draft"
    # a draft is work in progress: members see it, anonymous readers do not
    assert c.get("/api/v1/definitions/stroke-core/1.0.0").status_code == 404
    assert c.get("/definitions/stroke-core/1.0.0").status_code == 404
    assert "stroke-core" not in c.get("/definitions").get_data(as_text=True)
    assert c.get("/api/v1/definitions/stroke-core/1.0.0", headers=bearer(deployment.sam)).status_code == 200
    again = c.post("/api/v1/definitions", json=stroke(), headers=bearer(deployment.sam))
    assert again.status_code == 409 and again.is_json
    bad = c.post(
        "/api/v1/definitions", json=stroke(id="x", elements=[]), headers=bearer(deployment.sam)
    ).get_json()
    assert bad["status"] == 400 and set(bad["detail"]["fields"]) == {"id", "elements"}
    # a steward of another hospital may not touch hanbit's definition
    assert (
        c.put(
            "/api/v1/definitions/stroke-core/1.0.0", json=stroke(), headers=bearer(deployment.sol)
        ).status_code
        == 403
    )
    edited = stroke(elements=stroke()["elements"][:5])
    r = c.put("/api/v1/definitions/stroke-core/1.0.0", json=edited, headers=bearer(deployment.sam))
    assert r.status_code == 200 and len(r.get_json()["elements"]) == 5
    assert (
        c.post("/api/v1/definitions/stroke-core/1.0.0/publish", headers=bearer(deployment.sam)).get_json()[
            "status"
        ]
        == "published"
    )
    frozen = c.put("/api/v1/definitions/stroke-core/1.0.0", json=stroke(), headers=bearer(deployment.sam))
    assert frozen.status_code == 409 and "never change" in frozen.get_json()["message"]
    r = c.post(
        "/api/v1/definitions/stroke-core/1.0.0/revise",
        json={"version": "1.1.0"},
        headers=bearer(deployment.sam),
    )
    assert r.status_code == 201 and r.get_json()["revision_of"].endswith("/stroke-core/1.0.0")
    c.put(
        "/api/v1/definitions/stroke-core/1.1.0", json=stroke(version="1.1.0"), headers=bearer(deployment.sam)
    )
    c.post("/api/v1/definitions/stroke-core/1.1.0/publish", headers=bearer(deployment.sam))
    old = c.get("/api/v1/definitions/stroke-core/1.0.0").get_json()
    assert old["status"] == "deprecated" and old["replaced_by"].endswith("/stroke-core/1.1.0")
    assert len(old["elements"]) == 5  # still resolvable, content unchanged
    assert c.get("/api/v1/definitions/stroke-core").get_json()["version"] == "1.1.0"
    # consortium-wide starters are the admins' to change
    assert (
        c.post("/api/v1/definitions/cancer-core/1.0.0/deprecate", headers=bearer(deployment.sam)).status_code
        == 403
    )
    # the history says who did what, and the audit trail has every write
    history = c.get("/definitions/stroke-core/1.1.0").get_data(as_text=True)
    assert "supersede" in history and "added" in history and "sam" in history
    actions = [e["action"] for e in deployment.extensions["hdcat.accounts"].audit_entries(50)]
    assert {"definition.create", "definition.edit", "definition.publish", "definition.revise"} <= set(actions)


def test_what_review_found_stays_fixed(deployment):
    """A steward cannot take over another owner's definition id, odd bodies are 400s, re-saving the
    same content records no change, and publishing supersedes every earlier published version."""
    c = deployment.test_client()
    hijack = dict(starter("cancer"), version="9.0.0", hospital="gaon")
    assert c.post("/api/v1/definitions", json=hijack, headers=bearer(deployment.sol)).status_code == 403
    for body in ("[]", "null", '"x"', "3"):
        r = c.post(
            "/api/v1/definitions", data=body, content_type="application/json", headers=bearer(deployment.sam)
        )
        assert r.status_code == 400 and r.is_json
    bad_rdf = SHAPE.replace("sh:minCount 1 ; sh:maxCount 1 ; sh:order 1", 'sh:minCount "many" ; sh:order 1')
    r = c.post(
        "/api/v1/definitions?id=stroke-core",
        data=bad_rdf,
        content_type="text/turtle",
        headers=bearer(deployment.sam),
    )
    assert r.status_code == 400 and "number" in r.get_json()["message"]
    c.post("/api/v1/definitions", json=stroke(), headers=bearer(deployment.sam))
    same = stroke(
        title={"en": "Stroke core dataset", "ko": "뇌졸중 핵심 데이터셋"},
        keywords=list(reversed(stroke()["keywords"])),
    )
    c.put("/api/v1/definitions/stroke-core/1.0.0", json=same, headers=bearer(deployment.sam))
    history = deployment.extensions["hdcat"].definitions.history("stroke-core")
    assert next(h for h in history if h["action"] == "edit")["note"] == "no change"
    c.post("/api/v1/definitions/stroke-core/1.0.0/publish", headers=bearer(deployment.sam))
    for v in ("1.1.0", "2.0.0"):
        c.post(
            "/api/v1/definitions/stroke-core/1.0.0/revise",
            json={"version": v},
            headers=bearer(deployment.sam),
        )
    c.post("/api/v1/definitions/stroke-core/1.1.0/publish", headers=bearer(deployment.sam))
    c.post("/api/v1/definitions/stroke-core/2.0.0/publish", headers=bearer(deployment.sam))
    statuses = {
        v["version"]: v["status"]
        for v in c.get("/api/v1/definitions").get_json()["definitions"]
        if v["id"] == "stroke-core"
    }
    assert statuses == {"1.0.0": "deprecated", "1.1.0": "deprecated", "2.0.0": "published"}
    # a token does not stand in for a signed-in steward on the site's forms
    anon = deployment.test_client()
    token = csrf_token(anon.get("/signin").get_data(as_text=True))
    r = anon.post(
        "/definitions/new",
        data={"csrf_token": token, "def_id": "x-core", "save": "1"},
        headers=bearer(deployment.sam),
    )
    assert r.status_code == 302 and "/signin" in r.headers["Location"]


def test_drafts_and_history_stay_out_of_anonymous_sparql(deployment):
    c = deployment.test_client()
    c.post(
        "/api/v1/definitions", json=stroke(title={"en": "Secret draft title"}), headers=bearer(deployment.sam)
    )
    q = (
        "SELECT ?t WHERE { GRAPH ?g { ?d <http://purl.org/dc/terms/title> ?t } "
        'FILTER(CONTAINS(STR(?t), "Secret")) }'
    )
    assert c.get("/sparql", query_string={"query": q}).get_json()["results"]["bindings"] == []
    member = sign_in(deployment, "sam")
    assert member.get("/sparql", query_string={"query": q}).get_json()["results"]["bindings"]
    notes = "SELECT ?n WHERE { GRAPH ?g { ?a <https://w3id.org/hdcat/ns#changeNote> ?n } }"
    assert c.get("/sparql", query_string={"query": notes}).get_json()["results"]["bindings"] == []
    for sneaky in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p '\"' . SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } ?s ?p '\"' }",
        "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
        f"SELECT * FROM <{deployment.extensions['hdcat'].definitions.history_graph}> WHERE {{ ?s ?p ?o }}",
    ):
        r = c.get("/sparql", query_string={"query": sneaky})
        assert r.status_code == 400, sneaky


def test_turtle_upload_round_trips_an_export(deployment):
    c = deployment.test_client()
    ttl = c.get("/definitions/respiratory-core/1.0.0/download/ttl").get_data(as_text=True)
    ttl = ttl.replace("respiratory-core", "copd-core")
    r = c.post("/api/v1/definitions", data=ttl, content_type="text/turtle", headers=bearer(deployment.sam))
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    assert got["id"] == "copd-core" and got["hospital"] == "hanbit" and len(got["elements"]) == 16
    broken = c.post(
        "/api/v1/definitions", data="@prefix : <", content_type="text/turtle", headers=bearer(deployment.sam)
    )
    assert broken.status_code == 400 and "turtle" in broken.get_json()["message"]


SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/stroke#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:StrokeShape a sh:NodeShape ; rdfs:label "Stroke registry record"@en , "뇌졸중 등록 레코드"@ko ;
  sh:property [ sh:path ex:onset_date ; sh:datatype xsd:date ; sh:minCount 1 ; sh:maxCount 1 ; sh:order 1 ;
                sh:name "Onset date"@en ] ,
              [ sh:path ex:nihss ; sh:datatype xsd:integer ; sh:maxCount 1 ; sh:name "NIHSS score"@en ;
                sh:order 2 ] ,
              [ sh:path ex:stroke_type ; sh:in ( "ischaemic" "haemorrhagic" ) ; sh:minCount 1 ;
                sh:order 0 ] ."""


def test_shacl_a_steward_already_has_becomes_a_draft(deployment):
    c = deployment.test_client()
    r = c.post(
        "/api/v1/definitions?id=stroke-core&disease_area=cardiovascular",
        data=SHAPE,
        content_type="text/turtle",
        headers=bearer(deployment.sam),
    )
    assert r.status_code == 201, r.get_json()
    d = r.get_json()
    assert (
        d["title"] == {"en": "Stroke registry record", "ko": "뇌졸중 등록 레코드"}
        and d["disease_area"] == "cardiovascular"
    )
    assert [(e["name"], e["datatype"], e["required"]) for e in d["elements"]] == [
        ("stroke_type", "code", True),
        ("onset_date", "date", True),
        ("nihss", "integer", False),
    ]
    assert [v["code"] for v in d["elements"][0]["value_set"]] == ["ischaemic", "haemorrhagic"]


def test_downloads_parse_and_the_shacl_shapes_work(deployment):
    import jsonschema
    import pyshacl

    c = deployment.test_client()
    base = "/definitions/cardiovascular-core/1.0.0/download/"
    g = Graph().parse(data=c.get(base + "ttl").data, format="turtle")
    assert (URIRef(CARDIO), RDF.type, URIRef("http://purl.org/dc/terms/Standard")) in g
    assert len(Graph().parse(data=c.get(base + "jsonld").data, format="json-ld")) == len(g)
    rows = list(csv.DictReader(io.StringIO(c.get(base + "csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 17 and rows[2]["name"] == "systolic_bp" and rows[2]["unit"] == "mm[Hg]"
    schema = json.loads(c.get(base + "schema").data)
    jsonschema.validate(
        {
            "event_type": "I21",
            "event_date": "2024-01-02",
            "systolic_bp": 130,
            "diastolic_bp": 80,
            "heart_rate": 70,
        },
        schema,
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"event_type": "I21"}, schema)
    shapes = Graph().parse(data=c.get(base + "shacl").data, format="turtle")
    data = Graph().parse(STANDARD)
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes)
    # the shapes target every subject of dct:conformsTo: the COPD extract has no cardiovascular elements
    assert not conforms and "event_type" in text and "systolic_bp" in text and "copd-spirometry" in text
    assert "cardiovascular-core-extract" not in text  # the cardiovascular extract meets them


def test_declared_and_suggested_conformance_in_the_graph(sample_catalog):
    cardio = sample_catalog.conformance.of(definition=CARDIO)
    declared = [m for m in cardio if m["declared"]]
    assert len(declared) == 1 and declared[0]["conforms"] and declared[0]["missing"] == []
    resp = sample_catalog.conformance.of(definition=RESP)
    claim = next(m for m in resp if m["declared"])
    assert not claim["conforms"] and {"fev1_fvc_ratio", "spirometry_date"} <= set(claim["missing"])
    assert any("fev1" in p and "unit" in p for p in claim["wrong"])
    assert any(
        not m["declared"] and "copd-pulmonary-function-tests" in m["dataset"] for m in resp
    )  # suggested
    g = sample_catalog.store.graph(sample_catalog.conformance.graph_iri)
    hidden = sample_catalog.store.graph(sample_catalog.conformance.hidden_graph_iri)
    measured = set(g.subjects(RDF.type, DQV.QualityMeasurement)) | set(
        hidden.subjects(RDF.type, DQV.QualityMeasurement)
    )
    assert len(measured) == len(sample_catalog.conformance.of())
    assert (None, DQV.computedOn, URIRef(declared[0]["dataset"])) in g
    # measurements about consortium-only datasets are kept with them, out of anonymous reach
    public = {m["dataset"] for m in sample_catalog.conformance.of(members=False)}
    for ds in hidden.objects(None, DQV.computedOn):
        assert str(ds) not in public


def test_conformance_on_pages_and_as_a_search_facet(client, sample_catalog, sample_search):
    r = client.get("/api/v1/search", query_string={"conforms_to": CARDIO}).get_json()
    assert r["total"] == 1 and "cardiovascular-core-extract" in r["hits"][0]["id"]
    facet = {
        b["value"]: b["label"] for b in client.get("/api/v1/search?q=").get_json()["facets"]["conforms_to"]
    }
    assert facet.get(CARDIO) == "cardiovascular-core 1.0.0"
    page = client.get(f"/datasets/{r['hits'][0]['id']}").get_data(as_text=True)
    assert "dataset-conformance" in page and "cardiovascular-core 1.0.0" in page and "declared" in page
    d = client.get("/definitions/respiratory-core/1.0.0").get_data(as_text=True)
    assert 'id="conformance"' in d and "suggested" in d and "fev1_fvc_ratio" in d


def test_the_form_puts_each_message_beside_its_field(page_deployment):
    deployment = page_deployment
    c = sign_in(deployment, "sam")
    token = csrf_token(c.get("/definitions/new").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "def_id": "Stroke Core",
        "version": "1.0.0",
        "title_en": "",
        "title_ko": "",
        "disease_area": "cardiovascular",
        "hospital": "hanbit",
        "save": "1",
        "elements-0-name": "nihss",
        "elements-0-label_en": "NIHSS score",
        "elements-0-datatype": "code",
        "elements-0-coding_system": "",
        "elements-0-cardinality": "0..1",
        "elements-0-required": "y",
        "elements-1-name": "",
        "elements-1-datatype": "string",
    }
    r = c.post("/definitions/new", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 400

    def beside(field_id, text):
        block = html.split(f'id="{field_id}"', 1)[1].split('class="field', 1)[0]
        assert text in block, (field_id, block[:400])

    beside("def_id", "lower-case letters")
    beside("title_en", "give a title")
    beside("elements-0-coding_system", "needs its coding system")
    beside("elements-0-cardinality", "does not agree")
    assert c.get("/definitions").status_code == 200 and "Stroke" not in c.get("/definitions").get_data(
        as_text=True
    )
    anon = deployment.test_client()
    assert anon.get("/definitions/new").status_code == 302
    assert anon.post("/definitions/cardiovascular-core/1.0.0/deprecate").status_code in (302, 400)


def test_the_form_says_what_to_fix_in_korean_in_the_korean_interface(page_deployment):
    deployment = page_deployment
    c = sign_in(deployment, "sam")
    token = csrf_token(c.get("/definitions/new?lang=ko").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "def_id": "Stroke Core",
        "version": "one",
        "disease_area": "cardiovascular",
        "hospital": "hanbit",
        "save": "1",
        "elements-0-name": "nihss",
        "elements-0-label_en": "NIHSS score",
        "elements-0-datatype": "code",
        "elements-0-unit": "furlongs per fortnight",
        "elements-0-cardinality": "0..1",
        "elements-0-required": "y",
    }
    r = c.post("/definitions/new?lang=ko", data=form)
    assert r.status_code == 400
    html = r.get_data(as_text=True)

    def beside(field_id):
        return html.split(f'id="{field_id}"', 1)[1].split('class="field', 1)[0]

    assert "영문 소문자" in beside("def_id") and "lower-case" not in beside("def_id")
    assert "버전" in beside("version")
    assert "제목" in beside("title_en")
    assert "코드 체계" in beside("elements-0-coding_system")
    assert "UCUM" in beside("elements-0-unit") and "쓰세요" in beside("elements-0-unit")
    assert "0..1" in beside("elements-0-cardinality") and "필수" in beside("elements-0-cardinality")


def test_cli_imports_exports_and_publishes(tmp_path):
    from tests.test_cli import hdcat

    src = tmp_path / "copd.json"
    src.write_text(json.dumps(dict(starter("respiratory"), id="copd-core"), ensure_ascii=False), "utf-8")
    r = hdcat("definitions", "import", str(src), cwd=tmp_path, check=True)
    assert "copd-core 1.0.0: draft (16 elements)" in r.stdout
    hdcat("definitions", "publish", "copd-core", "1.0.0", cwd=tmp_path, check=True)
    listing = hdcat("definitions", "list", cwd=tmp_path, check=True).stdout
    assert "copd-core" in listing and "published" in listing
    for fmt in ("json", "ttl", "shacl", "csv", "jsonschema"):
        out = tmp_path / f"copd.{fmt}"
        hdcat("definitions", "export", "copd-core", "--format", fmt, "-o", str(out), cwd=tmp_path, check=True)
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "copd.json").read_text())["status"] == "published"
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x"}')
    r = hdcat("definitions", "import", str(bad), cwd=tmp_path)
    assert r.returncode != 0 and "version" in (r.stdout + r.stderr)


def test_steward_goes_from_a_blank_form_to_a_published_definition_in_chromium(page_deployment):
    deployment = page_deployment
    from tests.browser import Browser, chromium_path

    require_service(chromium_path() is not None, "Chromium (scripts/services start browser)")
    server = LiveServer(deployment)
    try:
        with Browser() as b:
            b.sign_in(server.url, "sam", PASSWORD)
            b.open(f"{server.url}/definitions").submit("#new-definition")
            assert b.url.endswith("/definitions/new")
            b.fill(
                {
                    "def_id": "stroke-core",
                    "version": "1.0.0",
                    "title_en": "Stroke core dataset",
                    "title_ko": "뇌졸중 핵심 데이터셋",
                    "disease_area": "cardiovascular",
                    "keywords": "stroke, 뇌졸중",
                    "elements-0-name": "stroke_type",
                    "elements-0-label_en": "Stroke type",
                    "elements-0-label_ko": "뇌졸중 유형",
                    "elements-0-datatype": "code",
                    "elements-1-name": "onset_date",
                    "elements-1-label_en": "Onset date",
                    "elements-1-label_ko": "발병일",
                    "elements-1-datatype": "date",
                }
            )
            b.find("[name='elements-0-required']").click()
            b.submit("#save")  # the coded element has no coding system yet
            message = b.find("#elements-0-coding_system-error").text
            assert "coding system" in message
            b.fill(
                {
                    "elements-0-coding_system": "KCD-7",
                    "elements-0-cardinality": "1..1",
                    "elements-0-value_set": "I63 | Cerebral infarction\nI61 | Intracerebral haemorrhage",
                }
            )
            b.submit("#save")
            assert b.url.endswith("/definitions/stroke-core/1.0.0"), b.find("main").text[:500]
            assert b.find("#status").text == "draft"
            b.submit("#publish")  # a link to the confirm page, which says what will change
            assert b.url.endswith("/definitions/stroke-core/1.0.0/confirm/publish")
            assert "No earlier published version is superseded" in b.find("#impact").text
            b.submit("#confirm")
            assert b.find("#status").text == "published"
            assert "I63" in b.find("#elements").text and "발병일" in b.find("#elements").text
            assert not b.find_all("#edit")  # published: no edit button
        record = deployment.extensions["hdcat"].definitions.get("stroke-core", "1.0.0")
        assert record["status"] == "published" and record["hospital"] == "hanbit"
        assert record["elements"][0]["value_set"][0] == {
            "code": "I63",
            "label": "Cerebral infarction",
            "system": "KCD-7",
        }
    finally:
        server.stop()


def test_reads_never_score_and_writes_score_only_what_they_changed(tmp_path):
    """Scoring (SHACL for declared claims) happens after a commit, for the changed source's datasets, and
    after a definition is published, for that definition; a read shows the results as last computed."""
    import shutil

    from hdcat.harvesters.runner import harvest_source
    from hdcat.ontology import DCAT
    from hdcat.web.operations import after_harvest
    from rdflib.namespace import DCTERMS

    settings = Settings(store_url="memory:", data_dir=tmp_path)
    cat = Catalog(settings)
    cat.definitions.ensure_starters()
    standard = tmp_path / "standard.ttl"
    shutil.copy(STANDARD, standard)
    sources = [
        SourceConfig(name="standard", hospital="hanbit", kind="dcat", location=str(standard)),
        SourceConfig(
            name="mirae",
            hospital="mirae",
            kind="dcat",
            location=str(ROOT / "harvesters/samples/consortium/mirae/catalog.nt"),
        ),
    ]
    assert [r.outcome.value for r in harvest_all(cat, sources, workers=1)] == ["changed", "changed"]
    scoring = cat.conformance
    published = len([v for v in cat.definitions.versions() if v["status"] == "published"])
    in_standard = cat.datasets.count(source="standard", members=True)
    in_other = cat.datasets.count(source="mirae", members=True)
    assert published == 3 and in_standard and in_other
    assert scoring.assessed == published * (in_standard + in_other)  # each commit scored its own source
    claim = next(m for m in scoring.of(definition=CARDIO) if m["declared"])
    assert claim["conforms"] and scoring.validated >= 1

    # reads after the source is marked stale: the last results, and nothing scored
    scoring.mark_stale(source="standard")
    counters = (scoring.assessed, scoring.validated)
    local_id, _ = cat.datasets.locate_iri(claim["dataset"])
    record = cat.datasets.get(local_id)
    cat.datasets.page(1, 100, members=True)
    scoring.of()
    assert (scoring.assessed, scoring.validated) == counters and "source:standard" in scoring.pending
    assert any(m["definition"] == CARDIO and m["declared"] for m in record["conformance"])

    # a harvest that changes one source, and what follows it: that source's datasets scored, the other's kept
    def measurements_of(source):
        datasets = {ds for ds, _ in cat.datasets.page_rows(1, 500, source=source, members=True)[1]}
        found = set()
        for name in (scoring.graph_iri, scoring.hidden_graph_iri):
            g = cat.store.graph(name)
            for m, ds in g.subject_objects(DQV.computedOn):
                if ds in datasets:
                    found |= set(g.triples((m, None, None)))
        return found

    other_before = measurements_of("mirae")
    first = next(Graph().parse(standard).subjects(RDF.type, DCAT.Dataset))
    with standard.open("a", encoding="utf-8") as fh:
        fh.write(f'\n<{first}> <{DCTERMS.description}> "Revised by its publisher." .\n')
    run = harvest_source(cat, sources[0])
    assert run.outcome.value == "changed"
    after_harvest(cat, Accounts.for_settings(settings), [run], actor="test")
    assert scoring.assessed - counters[0] == published * in_standard and not scoring.pending
    assert other_before and measurements_of("mirae") == other_before

    # a new published version of one definition: that definition against every dataset, nothing else
    counters = scoring.assessed
    cat.definitions.revise("cardiovascular-core", "1.0.0", "1.1.0", "sam")
    assert scoring.assessed == counters  # a draft is never scored
    cat.definitions.publish("cardiovascular-core", "1.1.0", "sam")
    assert scoring.assessed - counters == in_standard + in_other
    assert scoring.of(definition=CARDIO) == []  # the superseded version's results are gone
    assert scoring.of(definition=CARDIO.replace("1.0.0", "1.1.0"))
    assert scoring.of(definition=RESP)  # other definitions' results are kept
    cat.close()


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_a_re_harvest_scores_only_the_datasets_it_touched(tmp_path, monkeypatch, store):
    """A re-harvest that changes one dataset of a source scores that one; a removed dataset's measurements go;
    the source's other measurements stay exactly as they were. On the embedded store, which patches graphs in
    place, nothing reads the whole source's short ids: the removed dataset's measurements are found by the
    engine."""
    from hdcat.harvesters.runner import harvest_source
    from hdcat.ontology import DCAT

    url = "memory:" if store == "memory" else f"oxigraph:{tmp_path / 'store'}"
    cat = Catalog(Settings(store_url=url, data_dir=tmp_path))
    cat.definitions.ensure_starters()
    standard = tmp_path / "standard.ttl"
    extra = Graph().parse(STANDARD)
    for n in range(2):  # two more datasets that no re-harvest below touches
        ds = URIRef(f"https://data.hanbit-hospital.example/dataset/untouched-{n}")
        extra.add((ds, RDF.type, DCAT.Dataset))
        extra.add((ds, DCT.title, Literal(f"Blood pressure readings {n}", lang="en")))
        extra.add((ds, DCT.description, Literal("Systolic and diastolic blood pressure.", lang="en")))
    extra.serialize(standard, format="turtle")
    config = SourceConfig(name="standard", hospital="hanbit", kind="dcat", location=str(standard))
    assert harvest_source(cat, config).outcome.value == "changed"
    scoring = cat.conformance
    published = len([v for v in cat.definitions.versions() if v["status"] == "published"])
    datasets = sorted(Graph().parse(standard).subjects(RDF.type, DCAT.Dataset), key=str)
    assert len(datasets) == 4

    def measurements():
        out = {}
        for name in (scoring.graph_iri, scoring.hidden_graph_iri):
            g = cat.store.graph(name)
            for m, ds in g.subject_objects(DQV.computedOn):
                out.setdefault(str(ds), set()).update(
                    (p, o) for _, p, o in g.triples((m, None, None)) if p != PROV.generatedAtTime
                )
        return out

    before, counters = measurements(), scoring.assessed
    changed, removed = datasets[0], datasets[1]  # the two standard extracts (sorted before "untouched-")
    g = Graph().parse(standard)
    g.remove((removed, None, None))
    g.add((changed, DCT.description, Literal("Revised by its publisher.", lang="en")))
    g.serialize(standard, format="turtle")
    assert str(removed) in before and str(changed) in before
    if store == "oxigraph":

        def whole_source(*args, **kwargs):
            raise AssertionError("a rescoring of two datasets read every short id of the source")

        monkeypatch.setattr(cat.datasets, "source_ids", whole_source)
    run = harvest_source(cat, config)
    assert run.outcome.value == "changed" and len(run.touched) == 2
    assert scoring.assessed - counters == published  # one dataset, against each published definition
    after = measurements()
    assert str(removed) not in after
    for ds in datasets[2:]:
        assert after.get(str(ds)) == before.get(str(ds))
    cat.close()


@pytest.mark.stores
def test_a_pass_over_many_records_reads_their_measurements_at_once_and_each_gets_its_own(
    catalog, monkeypatch
):
    """Datasets.records (the index's pass) gives every record the measurements one record's read gives it,
    read for all of them by a few queries: two store lookups a record were two requests a record to a
    SPARQL server, most of a reindex on Fuseki. Named 1 a query, the answers are the same."""
    from hdcat.catalog import values_blocks
    from hdcat.harvesters.runner import harvest_source

    catalog.definitions.ensure_starters()
    config = SourceConfig(name="standard", hospital="hanbit", kind="dcat", location=str(STANDARD))
    assert harvest_source(catalog, config).outcome.value == "changed"
    rows = catalog.datasets.all_rows(members=True)
    one_by_one = {str(ds): catalog.datasets.record(ds, graphs)["conformance"] for ds, graphs in rows}
    assert any(one_by_one.values()) and any(m["declared"] for ms in one_by_one.values() for m in ms)
    asked = []
    catalog.datasets.conformance_of = lambda iri: asked.append(iri) or []
    for at_once in (values_blocks.VALUES_AT_ONCE, 1):
        monkeypatch.setattr(values_blocks, "VALUES_AT_ONCE", at_once)
        at_once_records = {r["iri"]: r["conformance"] for r in catalog.datasets.records(rows)}
        assert at_once_records == one_by_one and not asked


def _confirm_token(c, def_id: str, version: str, action: str) -> str:
    page = c.get(f"/definitions/{def_id}/{version}/confirm/{action}")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return csrf_token(page.get_data(as_text=True))


def test_publish_and_deprecate_ask_for_confirmation_saying_what_changes(deployment):
    """One click never publishes or deprecates: the page's buttons lead to a confirm page stating what will
    change (which version is superseded, how many datasets declare it), and only its confirm post acts."""
    cat = deployment.extensions["hdcat"]
    cat.conformance.ensure_computed()
    declaring = [m for m in cat.conformance.of(definition=CARDIO) if m["declared"]]
    assert declaring  # the hand-written standard datasets declare cardiovascular-core 1.0.0
    c = sign_in(deployment, "sam")
    admin_made = c.get("/definitions/cardiovascular-core/1.0.0")
    assert 'id="deprecate"' not in admin_made.get_data(as_text=True)  # consortium-wide: admins' only
    # sam (hanbit) writes a definition of hanbit's own, publishes 1.0.0, then drafts 1.1.0
    assert c.post("/api/v1/definitions", json=stroke(), headers=bearer(deployment.sam)).status_code == 201
    page = c.get("/definitions/stroke-core/1.0.0").get_data(as_text=True)
    assert 'href="/definitions/stroke-core/1.0.0/confirm/publish"' in page
    # a one-click post (an old page, a script riding the session) changes nothing: it is sent to confirm
    token = csrf_token(page)
    r = c.post("/definitions/stroke-core/1.0.0/publish", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].endswith(
        "/definitions/stroke-core/1.0.0/confirm/publish"
    )
    assert cat.definitions.get("stroke-core", "1.0.0")["status"] == "draft"
    # the confirm post without its CSRF token is refused
    r = c.post("/definitions/stroke-core/1.0.0/publish", data={"confirm": "yes"})
    assert r.status_code == 400 and cat.definitions.get("stroke-core", "1.0.0")["status"] == "draft"
    token = _confirm_token(c, "stroke-core", "1.0.0", "publish")
    r = c.post("/definitions/stroke-core/1.0.0/publish", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 302 and cat.definitions.get("stroke-core", "1.0.0")["status"] == "published"
    r = c.post(
        "/api/v1/definitions/stroke-core/1.0.0/revise",
        json={"version": "1.1.0"},
        headers=bearer(deployment.sam),
    )
    assert r.status_code == 201
    confirm = c.get("/definitions/stroke-core/1.1.0/confirm/publish").get_data(as_text=True)
    impact = confirm.split('id="impact"', 1)[1].split("</div>", 1)[0]
    assert "Version 1.0.0 is superseded by it" in impact and "Datasets that declare 1.0.0: 0" in impact
    assert 'name="confirm" type="hidden" value="yes"' in confirm or 'value="yes"' in confirm
    # deprecating says how many datasets declare the version; sol (gaon) may not even see the question
    sol = sign_in(deployment, "sol")
    assert sol.get("/definitions/stroke-core/1.0.0/confirm/deprecate").status_code == 403
    ask = c.get("/definitions/stroke-core/1.0.0/confirm/deprecate").get_data(as_text=True)
    assert "Datasets that declare this version: 0" in ask.split('id="declared-count"', 1)[1]
    # a draft cannot be deprecated, nor a published version published again: 409 before anything is asked
    assert c.get("/definitions/stroke-core/1.1.0/confirm/deprecate").status_code == 409
    assert c.get("/definitions/stroke-core/1.0.0/confirm/publish").status_code == 409
    assert c.get("/definitions/stroke-core/1.0.0/confirm/delete").status_code == 404
    trail = [e["action"] for e in deployment.extensions["hdcat.accounts"].audit_entries()]
    assert trail.count("definition.publish") == 1


def test_a_superseded_version_is_labelled_on_its_page_in_lists_and_on_datasets_that_declare_it(deployment):
    """Publishing 1.1.0 supersedes 1.0.0: its page and the lists say "superseded" with a link to 1.1.0, and
    a dataset that declares 1.0.0 says it declares a superseded version."""
    cat = deployment.extensions["hdcat"]
    acc = deployment.extensions["hdcat.accounts"]
    acc.add_user("ada", "admin", [], PASSWORD)
    c = sign_in(deployment, "ada")
    assert (
        c.post(
            "/definitions/cardiovascular-core/1.0.0/revise",
            data={
                "csrf_token": csrf_token(
                    c.get("/definitions/cardiovascular-core/1.0.0").get_data(as_text=True)
                ),
                "version": "1.1.0",
            },
        ).status_code
        == 302
    )
    confirm = c.get("/definitions/cardiovascular-core/1.1.0/confirm/publish").get_data(as_text=True)
    impact = confirm.split('id="impact"', 1)[1].split("</div>", 1)[0]
    declared = len({m["dataset"] for m in cat.conformance.of(definition=CARDIO) if m["declared"]})
    assert declared >= 1 and f"Datasets that declare 1.0.0: {declared}" in impact
    r = c.post(
        "/definitions/cardiovascular-core/1.1.0/publish",
        data={"csrf_token": csrf_token(confirm), "confirm": "yes"},
    )
    assert r.status_code == 302
    anon = deployment.test_client()
    old = anon.get("/definitions/cardiovascular-core/1.0.0").get_data(as_text=True)
    assert '<span class="tag status-superseded" id="superseded">superseded</span>' in old
    assert 'href="/definitions/cardiovascular-core/1.1.0"' in old.split('id="superseded-by"', 1)[1][:300]
    new = anon.get("/definitions/cardiovascular-core/1.1.0").get_data(as_text=True)
    assert 'id="superseded"' not in new
    listing = anon.get("/definitions").get_data(as_text=True)
    row = listing.split("cardiovascular-core/1.0.0", 1)[1][:400]
    assert "superseded by" in row and 'href="/definitions/cardiovascular-core/1.1.0"' in row
    versions = (
        anon.get("/definitions/cardiovascular-core/1.1.0").get_data(as_text=True).split('id="versions"')[1]
    )
    assert "superseded by" in versions.split("</ul>")[0]
    api = anon.get("/api/v1/definitions").get_json()["definitions"]
    by_version = {(d["id"], d["version"]): d for d in api}
    assert by_version[("cardiovascular-core", "1.0.0")]["replaced_by"].endswith("/cardiovascular-core/1.1.0")
    assert by_version[("cardiovascular-core", "1.1.0")]["replaced_by"] is None
    # a dataset that declares 1.0.0 says so, in Korean too
    local_id = next(
        d["id"]
        for d in cat.datasets.page(1, 200, members=True)[1]
        if CARDIO in cat.datasets.get(d["id"], members=True)["conforms_to"]
    )
    page = anon.get(f"/datasets/{local_id}").get_data(as_text=True)
    notice = page.split('id="retired-definitions"', 1)[1].split("</ul>", 1)[0]
    assert "superseded" in notice and 'href="/definitions/cardiovascular-core/1.1.0"' in notice
    ko = anon.get(f"/datasets/{local_id}?lang=ko").get_data(as_text=True)
    assert "대체" in ko.split('id="retired-definitions"', 1)[1].split("</ul>", 1)[0]
