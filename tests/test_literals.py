"""Literals come out lexically as they came in: in the store, in /catalog in every format, in each dataset's
RDF. A value not valid for its datatype is dropped with a warning; its dataset is kept."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.runs import Outcome
from hdcat.catalog.service import Catalog
from hdcat.harvesters.runner import harvest_source
from hdcat.ontology import DCAT, literal_problem, plain
from hdcat.web.app import create_app
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from tests.conftest import EXTERNAL, source

CASES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://h.example/ns#> .
@prefix healthdcatap: <http://healthdataportal.eu/ns/health#> .
<http://h.example/cases> a dcat:Dataset ;
  dct:title "Every datatype"@en, "모든 데이터형"@ko ;
  dct:description "plain text, no datatype" ;
  ex:explicitString "the same term as a plain literal"^^xsd:string ;
  healthdcatap:numberOfRecords "123456789"^^xsd:nonNegativeInteger ;
  healthdcatap:minTypicalAge "+018"^^xsd:nonNegativeInteger ;
  dcat:byteSize "0042"^^xsd:nonNegativeInteger ;
  ex:decimal "1.50"^^xsd:decimal ;
  ex:double "1.0E3"^^xsd:double ;
  ex:integer "007"^^xsd:integer ;
  ex:boolean "1"^^xsd:boolean ;
  dct:issued "2024-01-02T03:04:05Z"^^xsd:dateTime ;
  dct:modified "2024-01-02T03:04:05+09:00"^^xsd:dateTime ;
  ex:fraction "2024-01-02T03:04:05.500-00:00"^^xsd:dateTime ;
  ex:noZone "2024-01-02T03:04:05"^^xsd:dateTime ;
  ex:year "2024"^^xsd:gYear ;
  ex:date "2024-02-29"^^xsd:date ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-03-01Z"^^xsd:date ;
                 dcat:endDate "2024-12-31T00:00:00.000+00:00"^^xsd:dateTime ] ;
  ex:badDateTime "20240102T030405Z"^^xsd:dateTime ;
  ex:badDateTime "2024-13-02T25:00:00Z"^^xsd:dateTime ;
  ex:badInteger "12x"^^xsd:integer ;
  ex:badDate "2021-02-30"^^xsd:date ;
  ex:badBoolean "yes"^^xsd:boolean ;
  ex:badCount "-5"^^xsd:nonNegativeInteger .
"""
DS = URIRef("http://h.example/cases")
MALFORMED = {
    ("badDateTime", "20240102T030405Z", "xsd:dateTime"),
    ("badDateTime", "2024-13-02T25:00:00Z", "xsd:dateTime"),
    ("badInteger", "12x", "xsd:integer"),
    ("badDate", "2021-02-30", "xsd:date"),
    ("badBoolean", "yes", "xsd:boolean"),
    ("badCount", "-5", "xsd:nonNegativeInteger"),
}
#: what hdcat serves, and how rdflib reads it back
FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdf": "xml"}


def literals(graph, node) -> set:
    """(predicate, literal) for every literal of `node` and its blank nodes, simple literals written plain.
    rdflib's Literal == is RDF term equality: "1.50"^^xsd:decimal is not "1.5"^^xsd:decimal."""
    out, todo, seen = set(), [node], set()
    while todo:
        n = todo.pop()
        seen.add(n)
        for p, o in graph.predicate_objects(n):
            if isinstance(o, Literal):
                out.add((p, plain(o)))
            elif isinstance(o, BNode) and o not in seen:
                todo.append(o)
    return out


@pytest.fixture(params=["memory", "oxigraph"])
def harvested(request, tmp_path):
    (tmp_path / "cases.ttl").write_text(CASES)
    url = "memory:" if request.param == "memory" else f"oxigraph:{tmp_path / 'store'}"
    cat = Catalog(Settings(store_url=url, data_dir=tmp_path))
    run = harvest_source(cat, source(tmp_path / "cases.ttl"))
    yield cat, run
    cat.close()


def expected() -> set:
    src = Graph().parse(data=CASES, format="turtle")
    return {t for t in literals(src, DS) if not literal_problem(t[1])}


def test_malformed_values_are_dropped_with_a_warning_and_the_dataset_kept(harvested):
    cat, run = harvested
    assert run.outcome is Outcome.CHANGED and run.found == 1 and not run.skipped
    for name, value, dtype in MALFORMED:
        line = f"http://h.example/cases: <http://h.example/ns#{name}> value {value!r} is not a valid {dtype}"
        assert any(w.startswith(line) and w.endswith("the value was dropped") for w in run.warnings), line
    stored = cat.runs.get(run.id)
    assert sum("the value was dropped" in w for w in stored["warnings"]) == len(MALFORMED)
    graph = cat.datasets.resource_graph(cat.datasets.locate_iri(str(DS))[0])
    assert not [o for _, o in literals(graph, DS) if literal_problem(o)]
    assert not any(str(p).startswith("http://h.example/ns#bad") for p, _ in graph.predicate_objects(DS))


def test_store_gives_every_literal_back_as_it_came(harvested):
    cat, _ = harvested
    graph = cat.datasets.resource_graph(cat.datasets.locate_iri(str(DS))[0])
    want = expected()
    assert len(want) == 19
    assert want <= literals(graph, DS), want - literals(graph, DS)
    # the read model and whole-graph passes read the same terms
    (name,) = [g for g in cat.store.graph_names() if (DS, None, None) in cat.store.graph(g)]
    triples = set(cat.store.graph_triples(name))
    by_pass = Graph()
    by_pass += triples
    assert want <= literals(by_pass, DS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_catalog_and_dataset_rdf_write_every_literal_as_it_came(harvested, fmt):
    cat, _ = harvested
    client = create_app(catalog=cat).test_client()
    local_id = cat.datasets.locate_iri(str(DS))[0]
    for url in (f"/catalog?format={fmt}", f"/datasets/{local_id}?format={fmt}"):
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.get_data(as_text=True)
        got = literals(Graph().parse(data=body, format=FORMATS[fmt]), DS)
        assert expected() <= got, (url, expected() - got)
        # RDF 1.1: "x" and "x"^^xsd:string are one term; hdcat writes the plain form
        assert "XMLSchema#string" not in body and "xsd:string" not in body, url
        if fmt == "ttl":
            assert "1.50" in body and "1.0E3" in body and "1e+03" not in body


def test_lexical_checks_follow_xml_schema():
    ok = {
        "dateTime": ["2024-01-02T03:04:05Z", "2024-01-02T24:00:00", "-0044-03-15T12:00:00+14:00"],
        "date": ["2024-02-29", "2000-02-29Z"],
        "nonNegativeInteger": ["0", "-0", "+5"],
        "decimal": ["1.50", ".5", "1."],
        "double": ["1.0E3", "INF", "NaN", "-1e-3"],
        "duration": ["P1Y2MT3H", "PT0.5S"],
        "gYear": ["2024", "2024+09:00"],
    }
    bad = {
        "dateTime": ["20240102T030405Z", "2024-01-02 03:04:05", "2024-01-02T03:04:05+15:00"],
        "date": ["2023-02-29", "1900-02-29", "2024-04-31"],
        "nonNegativeInteger": ["-1", "1.0"],
        "decimal": ["1,5", "1e3"],
        "double": ["inf", "1.0E"],
        "duration": ["P", "PT", "P1YT"],
        "gYear": ["24", "02024x"],
    }
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for dtype, values in ok.items():
        for v in values:
            assert literal_problem(Literal(v, datatype=URIRef(xsd + dtype))) is None, (dtype, v)
    for dtype, values in bad.items():
        for v in values:
            assert literal_problem(Literal(v, datatype=URIRef(xsd + dtype))) == f"not a valid xsd:{dtype}"
    assert literal_problem(Literal("anything", datatype=URIRef("http://h.example/own-type"))) is None


ROUND_TRIP = [
    "healthdcat-ap/ckanext-dcat_dataset_health.ttl",
    "healthdcat-ap/ckanext-dcat_dataset_health_no_blank.ttl",
    "healthdcat-ap/ckanext-dcat_dataset_health_multilingual.ttl",
    "dcat-ap-3.0.1/example-bee-population.ttl",
    "dcat-ap-3.0.1/example-bee-population-2022-2023.ttl",
    "dcat-ap-3.0.1/example-bee-population-dataset-series.ttl",
    "ckan/ckanext-dcat-examples/dcat_dataset_health.ttl",
]


@pytest.mark.conformance
@pytest.mark.parametrize("rel", ROUND_TRIP)
def test_real_catalogues_round_trip_every_literal(tmp_path, rel):
    """Every literal of the real files' datasets comes out of the Oxigraph store, /catalog (Turtle and
    JSON-LD) and the dataset's Turtle lexically as the file wrote it."""
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    try:
        run = harvest_source(cat, source(EXTERNAL / rel))
        assert run.outcome is Outcome.CHANGED, run.error
        src = Graph().parse(EXTERNAL / rel)
        skipped = {r.record for r in run.skipped}  # untitled: the one reason a dataset is not kept
        datasets = {
            d
            for t in (DCAT.Dataset, DCAT.DatasetSeries)
            for d in src.subjects(RDF.type, t)
            if isinstance(d, URIRef) and str(d) not in skipped
        }
        assert datasets
        client = create_app(catalog=cat).test_client()
        outputs = {
            "catalog ttl": Graph().parse(data=client.get("/catalog?format=ttl").data, format="turtle"),
            "catalog jsonld": Graph().parse(data=client.get("/catalog?format=jsonld").data, format="json-ld"),
        }
        checked: set = set()
        for ds in datasets:
            want = {t for t in literals(src, ds) if not literal_problem(t[1])}
            local_id = cat.datasets.locate_iri(str(ds))[0]
            mine = {
                **outputs,
                "store": cat.datasets.resource_graph(local_id),
                "dataset ttl": Graph().parse(data=client.get(f"/datasets/{local_id}?format=ttl").data),
            }
            for where, graph in mine.items():
                got = literals(graph, ds)
                assert want <= got, (rel, str(ds), where, sorted(want - got)[:5])
            checked |= want
        assert checked
        if rel.endswith(
            ("dataset_health.ttl", "health_no_blank.ttl")
        ):  # HealthDCAT-AP's counts and ages: Oxigraph alone would make them xsd:integer
            assert {o.datatype for _, o in checked} >= {XSD.nonNegativeInteger, XSD.dateTime}
    finally:
        cat.close()


def test_jsonld_writes_native_json_only_for_canonical_forms(harvested):
    cat, _ = harvested
    client = create_app(catalog=cat).test_client()
    doc = json.loads(client.get("/catalog?format=jsonld").data)
    (node,) = [n for n in doc["@graph"] if n.get("@id") == str(DS)]
    assert node["http://h.example/ns#integer"] == {"@type": "xsd:integer", "@value": "007"}
    assert node["http://h.example/ns#boolean"] == {"@type": "xsd:boolean", "@value": "1"}
    assert node["http://h.example/ns#double"] == {"@type": "xsd:double", "@value": "1.0E3"}


def test_a_shacl_check_leaves_literals_alone():
    """pyshacl switches rdflib's literal normalisation back on after validating; hdcat's SHACL checks
    (`shacl_validate`) keep it off. In a new interpreter, since the patch is made on first use: importing
    the command line does not import pyshacl (0.2 s a command)."""
    code = (
        "import sys\n"
        "import hdcat.web.cli\n"
        "assert 'pyshacl' not in sys.modules, 'the command line imported pyshacl'\n"
        "from hdcat.ontology import shacl_validate\n"
        "from rdflib import Graph, Literal\n"
        "from rdflib.namespace import XSD\n"
        "shacl_validate(Graph(), shacl_graph=Graph())\n"
        "print(Literal('007', datatype=XSD.integer))\n"
        "print(Literal('2024-01-02T03:04:05Z', datatype=XSD.dateTime))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["007", "2024-01-02T03:04:05Z"]
