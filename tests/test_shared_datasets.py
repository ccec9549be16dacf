"""A dataset IRI published by several sources, paging by distinct dataset, and data services kept.

Files are written here: two sources (a hospital's own catalogue and a portal that re-publishes part of
it, with some values changed) and a catalogue with data services. README: "Datasets published by
several sources, paging, data services".
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.runs import Outcome
from hdcat.catalog.service import Catalog
from hdcat.harvesters.runner import harvest_source
from hdcat.ontology import DCAT, DCT, HYDRA
from hdcat.web.app import create_app
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from tests.conftest import EXTERNAL, copy_external, source

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
EX = "http://data.example.kr/dataset/"


def _dataset(slug: str, title: str, modified: str = "2024-01-01", extra: str = "") -> str:
    return (
        f'<{EX}{slug}> a dcat:Dataset ; dct:title "{title}"@en ; dct:description "About {slug}."@en ;\n'
        f'  dct:modified "{modified}"^^xsd:date {extra}.\n'
    )


#: the hospital's own catalogue: six datasets, three of which the portal publishes too
OWN = PREFIXES + "".join(
    [
        _dataset("own-1", "Own one"),
        _dataset("own-2", "Own two"),
        _dataset("own-3", "Own three"),
        _dataset("shared-1", "Shared one", "2024-03-01"),
        _dataset("shared-2", "Shared two"),
        _dataset("shared-3", "Shared three"),
    ]
)
#: the portal: the three shared datasets (one retitled, one with another date) and three of its own
PORTAL = PREFIXES + "".join(
    [
        _dataset("shared-1", "Shared one", "2024-05-09"),
        _dataset("shared-2", "Shared two (portal copy)"),
        _dataset("shared-3", "Shared three", extra='; dcat:keyword "portal-only"@en '),
        _dataset("portal-1", "Portal one"),
        _dataset("portal-2", "Portal two"),
        _dataset("portal-3", "Portal three"),
    ]
)
DISTINCT = 9


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def shared(request, tmp_path_factory):
    """Sources `a-hospital` (hanbit) and `b-portal` (haneul) harvested into one catalogue, on both stores."""
    folder = tmp_path_factory.mktemp("shared")
    store = "memory:" if request.param == "memory" else f"oxigraph:{folder / 'store'}"
    cat = Catalog(Settings(store_url=store, data_dir=str(folder / "data")))
    (folder / "own.ttl").write_text(OWN)
    (folder / "portal.ttl").write_text(PORTAL)
    runs = {
        "a": harvest_source(cat, source(folder / "own.ttl", name="a-hospital", hospital="hanbit")),
        "b": harvest_source(cat, source(folder / "portal.ttl", name="b-portal", hospital="haneul")),
    }
    assert all(r.outcome is Outcome.CHANGED for r in runs.values()), [r.error for r in runs.values()]
    cat.shared_runs = runs
    yield cat
    cat.close()


@pytest.fixture(scope="module")
def shared_client(shared):
    return create_app(catalog=shared).test_client()


def test_a_dataset_of_two_sources_is_one_record_naming_both(shared):
    assert shared.datasets.count() == DISTINCT
    local_id, graphs = shared.datasets.locate_iri(EX + "shared-2")
    assert [str(g).rsplit("/", 1)[-1] for g in graphs] == ["a-hospital", "b-portal"]
    record = shared.datasets.get(local_id)
    assert local_id == "hanbit-shared-2"  # the portal's harvest kept the id the dataset already had
    assert [s["source"] for s in record["sources"]] == ["a-hospital", "b-portal"]
    assert [s["hospital"] for s in record["sources"]] == ["hanbit", "haneul"]
    assert all(s["run_id"] and s["first_seen"] for s in record["sources"])
    assert {s["run_id"] for s in record["sources"]} == {r.id for r in shared.shared_runs.values()}
    assert record["title"] == "Shared two"  # the first source by name speaks where they disagree
    # what only one source says is kept: the record holds both sources' statements
    assert "portal-only" in shared.datasets.get("hanbit-shared-3")["keywords"]
    # the RDF of the dataset holds both sources' catalogue records, one each
    rdf = shared.datasets.resource_graph(local_id)
    records = set(rdf.subjects(URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), URIRef(EX + "shared-2")))
    assert len(records) == 2 and all(len(list(rdf.objects(r, DCT.modified))) == 1 for r in records)


def test_conflicting_single_values_are_warned_on_the_run(shared):
    warnings = shared.shared_runs["b"].warnings
    conflicts = [w for w in warnings if "which publishes the same dataset" in w]
    title = [w for w in conflicts if w.startswith(EX + "shared-2: dct:title@en")]
    assert len(title) == 1 and "'Shared two (portal copy)'@en here" in title[0]
    assert "'Shared two'@en in source 'a-hospital'" in title[0]
    assert any(w.startswith(EX + "shared-1: dct:modified") and "2024-05-09" in w for w in conflicts)
    # equal values are no conflict; the first source's run saw no other source yet
    assert not any(w.startswith(EX + "shared-3: dct:title") for w in conflicts)
    assert not [w for w in shared.shared_runs["a"].warnings if "which publishes the same dataset" in w]
    # the warnings are stored with the run, as every warning is
    stored = shared.runs.get(shared.shared_runs["b"].id)["warnings"]
    assert title[0] in stored


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_catalog_walked_by_hydra_next_has_every_dataset_once(shared, shared_client, size):
    seen = []
    url = f"/catalog?size={size}&format=ttl"
    pages = 0
    while url:
        r = shared_client.get(url)
        assert r.status_code == 200
        g = Graph().parse(data=r.data, format="turtle")
        cat = next(g.subjects(RDF.type, DCAT.Catalog))
        on_page = list(g.objects(cat, DCAT.dataset))
        assert 1 <= len(on_page) <= size
        seen += on_page
        total = int(g.value(cat, HYDRA.totalItems))
        nxt = next(g.objects(None, HYDRA.next), None)
        url = f"{urlsplit(str(nxt)).path}?{urlsplit(str(nxt)).query}" if nxt else None
        pages += 1
    assert total == DISTINCT
    assert len(seen) == len(set(seen)) == DISTINCT
    assert pages == -(-DISTINCT // size)


@pytest.mark.parametrize("size", [1, 2, 3, 7])
@pytest.mark.parametrize("hospital", [None, "haneul"])
def test_api_pages_add_up_to_the_total(shared, shared_client, size, hospital):
    url = f"/api/v1/datasets?size={size}" + (f"&hospital={hospital}" if hospital else "")
    ids = []
    while url:
        body = shared_client.get(url).get_json()
        ids += [h["id"] for h in body["hits"]]
        url = body["links"].get("next")
    expected = 6 if hospital else DISTINCT  # the portal's hospital: its three and the three shared
    assert body["total"] == expected
    assert len(ids) == len(set(ids)) == expected
    assert ids == sorted(ids)


def test_api_record_lists_its_sources(shared_client):
    body = shared_client.get("/api/v1/datasets/hanbit-shared-1").get_json()
    assert [s["source"] for s in body["sources"]] == ["a-hospital", "b-portal"]
    assert body["harvest"]["source"] == "a-hospital"
    page = shared_client.get("/datasets/hanbit-shared-1").get_data(as_text=True)
    assert "Published by 2 sources" in page and "<code>b-portal</code>" in page


def test_consortium_only_copy_is_read_by_members_only(tmp_path):
    """A source that publishes a shared dataset as restricted: members read it with the other sources'
    statements (and the record is then consortium-only), everyone else reads the public sources alone."""
    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "data")))
    (tmp_path / "own.ttl").write_text(OWN)
    restricted = PREFIXES + _dataset(
        "shared-1",
        "Shared one",
        "2024-03-01",
        "; dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED> ; "
        'dcat:keyword "members-only-word"@en ',
    )
    (tmp_path / "restricted.ttl").write_text(restricted)
    harvest_source(cat, source(tmp_path / "own.ttl", name="a-hospital"))
    harvest_source(cat, source(tmp_path / "restricted.ttl", name="c-restricted"))
    assert cat.datasets.count() == cat.datasets.count(members=True) == 6
    public = cat.datasets.get("hanbit-shared-1")
    member = cat.datasets.get("hanbit-shared-1", members=True)
    assert [s["source"] for s in public["sources"]] == ["a-hospital"] and public["visibility"] == "public"
    assert "members-only-word" not in public["keywords"]
    assert [s["source"] for s in member["sources"]] == ["a-hospital", "c-restricted"]
    assert member["sources"][1]["visibility"] == "consortium" and member["visibility"] == "consortium"
    assert "members-only-word" in member["keywords"]
    cat.close()


SERVICES = (
    PREFIXES
    + """
<http://data.example.kr/catalog> a dcat:Catalog ; dct:title "Services"@en ;
  dcat:dataset <http://data.example.kr/dataset/cohort>, <http://data.example.kr/dataset/registry> ;
  dcat:service <http://data.example.kr/service/fhir> .
<http://data.example.kr/dataset/cohort> a dcat:Dataset ; dct:title "Cohort"@en ;
  dcat:distribution [ a dcat:Distribution ; dct:title "Through SPARQL"@en ;
    dcat:accessURL <http://data.example.kr/sparql> ;
    dcat:accessService <http://data.example.kr/service/sparql> ] .
<http://data.example.kr/dataset/registry> a dcat:Dataset ; dct:title "Registry"@en .
<http://data.example.kr/service/sparql> a dcat:DataService ; dct:title "SPARQL endpoint"@en ;
  dcat:endpointURL <http://data.example.kr/sparql> ;
  dcat:endpointDescription <http://data.example.kr/sparql/description> ;
  dct:conformsTo <https://www.w3.org/TR/sparql11-protocol/> ;
  dcat:servesDataset <http://data.example.kr/dataset/cohort> .
<http://data.example.kr/service/fhir> a dcat:DataService ; dct:title "FHIR server"@en ;
  dcat:endpointURL <http://data.example.kr/fhir> ;
  dct:conformsTo <http://hl7.org/fhir/R4> ;
  dcat:servesDataset <http://data.example.kr/dataset/cohort>, <http://data.example.kr/dataset/registry> .
"""
)
SPARQL_SVC = URIRef("http://data.example.kr/service/sparql")
FHIR_SVC = URIRef("http://data.example.kr/service/fhir")


def test_data_services_are_kept_exported_and_shown(tmp_path):
    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "data")))
    (tmp_path / "services.ttl").write_text(SERVICES)
    run = harvest_source(cat, source(tmp_path / "services.ttl", name="svc"))
    assert run.outcome is Outcome.CHANGED, run.error
    stored = cat.store.graph(cat.graphs.public_graph("svc"))
    src = Graph().parse(data=SERVICES, format="turtle")
    for svc in (SPARQL_SVC, FHIR_SVC):  # every statement about both services reaches the store
        assert set(src.triples((svc, None, None))) <= set(stored.triples((svc, None, None))), svc
    # the dataset's RDF and the whole-catalogue export carry them
    rdf = cat.datasets.resource_graph("hanbit-cohort")
    assert (SPARQL_SVC, DCAT.endpointURL, URIRef("http://data.example.kr/sparql")) in rdf
    assert (FHIR_SVC, DCAT.servesDataset, URIRef("http://data.example.kr/dataset/cohort")) in rdf
    export, _ = cat.datasets.catalog_graph(1, 10, URIRef("http://x/catalog"))
    assert (SPARQL_SVC, DCT.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")) in export
    assert (FHIR_SVC, DCAT.endpointURL, URIRef("http://data.example.kr/fhir")) in export
    # the record: the distribution's access service, and both services of the dataset
    client = create_app(catalog=cat).test_client()
    body = client.get("/api/v1/datasets/hanbit-cohort").get_json()
    (access,) = body["distributions"][0]["access_services"]
    assert access["iri"] == str(SPARQL_SVC) and access["endpoint_urls"] == ["http://data.example.kr/sparql"]
    assert access["endpoint_descriptions"] == ["http://data.example.kr/sparql/description"]
    assert access["conforms_to"] == ["https://www.w3.org/TR/sparql11-protocol/"]
    assert {s["title"] for s in body["services"]} == {"SPARQL endpoint", "FHIR server"}
    registry = client.get("/api/v1/datasets/hanbit-registry").get_json()
    assert [s["iri"] for s in registry["services"]] == [str(FHIR_SVC)]
    assert registry["services"][0]["serves_datasets"] == [
        "http://data.example.kr/dataset/cohort",
        "http://data.example.kr/dataset/registry",
    ]
    page = client.get("/datasets/hanbit-cohort").get_data(as_text=True)
    assert 'id="dataset-services"' in page and "FHIR server" in page
    assert 'href="http://data.example.kr/sparql/description"' in page
    cat.close()


@pytest.mark.conformance
def test_access_service_of_a_real_dcat_ap_file_is_kept(tmp_path):
    """ckanext-dcat's DCAT-AP example: a distribution's dcat:accessService is a blank-node DataService."""
    cat = Catalog(Settings(store_url="memory:", data_dir=str(tmp_path / "data")))
    path = copy_external("ckan/ckanext-dcat-examples/dcat_dataset.rdf", tmp_path)
    run = harvest_source(cat, source(path, name="ckan"))
    assert run.outcome is Outcome.CHANGED, run.error
    src = Graph().parse(EXTERNAL / "ckan/ckanext-dcat-examples/dcat_dataset.rdf")
    (service,) = set(src.subjects(None, DCAT.DataService))
    ((ds, _),) = {(d, 1) for d in src.subjects(None, DCAT.Dataset)}
    local_id, _ = cat.datasets.locate_iri(str(ds))
    rdf = cat.datasets.resource_graph(local_id)
    (stored,) = set(rdf.subjects(None, DCAT.DataService))
    # every statement of the service, up to blank-node labels (values compared lexically: how plain literals
    # are written back is README "Literals and datatypes")
    assert {(p, str(o)) for p, o in src.predicate_objects(service)} == {
        (p, str(o)) for p, o in rdf.predicate_objects(stored)
    }
    record = cat.datasets.get(local_id)
    services = record["services"]
    assert [s["title"] for s in services] == ["Sparql-end Point"]
    assert services[0]["endpoint_urls"] == ["http://publications.europa.eu/webapi/rdf/sparql"]
    assert services[0]["endpoint_descriptions"] == ["SPARQL url description"]
    cat.close()


@pytest.mark.stores
@pytest.mark.parametrize("at_once", [None, 1])
def test_a_commit_finds_short_ids_held_elsewhere_by_naming_its_own(
    tmp_path, store_kind, at_once, monkeypatch
):
    """A dataset another source publishes keeps the short id it has there; another dataset whose short id
    another source's dataset holds takes a suffix. The commit finds both by naming its own datasets and ids
    (VALUES blocks), not by reading every short id of the catalogue: with 1,000,000 datasets in many
    sources, the commit of any source read a million rows (bench/results/scale.md)."""
    from hdcat.catalog import values_blocks

    from tests.conftest import fresh_store_url

    if at_once:
        monkeypatch.setattr(values_blocks, "VALUES_AT_ONCE", at_once)
    files = {
        "own": OWN,  # hanbit: own-1..3, shared-1..3
        "unrelated": PREFIXES + "".join(_dataset(f"far-{i}", f"Far {i}") for i in range(4)),
        "portal": PREFIXES + _dataset("shared-1", "Shared one") + _dataset("portal-9", "Portal nine"),
        # the same hospital, another namespace: `own-2` mints the short id hanbit-own-2 again
        "mirror": PREFIXES
        + _dataset("own-1", "Own one")
        + _dataset("own-2", "Own two, elsewhere").replace(EX, "http://mirror.example.kr/dataset/"),
    }
    for name, text in files.items():
        (tmp_path / f"{name}.ttl").write_text(text)
    cat = Catalog(Settings(store_url=fresh_store_url(store_kind, tmp_path), data_dir=str(tmp_path / "data")))
    try:
        harvest_source(cat, source(tmp_path / "own.ttl", name="a-own", hospital="hanbit"))
        harvest_source(cat, source(tmp_path / "unrelated.ttl", name="c-unrelated", hospital="gaon"))
        sent: list[str] = []
        real = cat.store.select_text

        def select_text(sparql):
            sent.append(sparql)
            return real(sparql)

        monkeypatch.setattr(cat.store, "select_text", select_text)
        runs = [
            harvest_source(cat, source(tmp_path / "portal.ttl", name="b-portal", hospital="haneul")),
            harvest_source(cat, source(tmp_path / "mirror.ttl", name="d-mirror", hospital="hanbit")),
        ]
        assert all(r.outcome is Outcome.CHANGED for r in runs), [r.error for r in runs]
        asked = [q for q in sent if "hdcat:localId ?id }" in q and "NOT IN" in q]  # LOCAL_IDS_ELSEWHERE
        # each commit names its two datasets and two ids: one block, or one a term
        assert len(asked) == (4 if at_once is None else 8), asked
        assert all("VALUES ?ds" in q or "VALUES ?id" in q for q in asked)
        assert not any("far-" in q for q in asked)  # nothing of the unrelated source was named
        ids = {str(iri): local for iri, (_graphs, local) in cat.datasets._graph_map(True).items()}
        assert ids[EX + "shared-1"] == "hanbit-shared-1"  # the portal kept the id the dataset had
        assert ids[EX + "portal-9"] == "haneul-portal-9"
        assert ids[EX + "own-1"] == "hanbit-own-1"  # the mirror publishes the same dataset: same id
        suffixed = ids["http://mirror.example.kr/dataset/own-2"]
        assert suffixed.startswith("hanbit-own-2-") and len(suffixed) == len("hanbit-own-2-") + 6
        assert ids[EX + "own-2"] == "hanbit-own-2"
        assert cat.datasets.get(suffixed)["title"] == "Own two, elsewhere"
    finally:
        cat.close()
