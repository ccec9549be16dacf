"""catalog/shacl_core.py must report exactly what pyshacl reports for hdcat's record shapes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyshacl
import pytest
from hdcat.catalog.shacl_core import Unsupported, compile_shapes, validate
from hdcat.ontology import DCAT, DCT, HEALTH, shapes_graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SH, XSD

SAMPLES = Path(__file__).resolve().parents[2] / "harvesters" / "samples" / "consortium"


def _pyshacl(data: Graph, shapes: Graph) -> Counter:
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=False, advanced=False
    )
    return Counter(
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.resultSeverity)),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    )


def _ours(data: Graph, shapes: Graph) -> Counter:
    return Counter(
        (str(r.focus), str(r.path), str(r.severity), r.message)
        for r in validate(data, compile_shapes(shapes))
    )


@pytest.mark.parametrize("path", sorted(SAMPLES.rglob("*.ttl")), ids=lambda p: p.name)
def test_same_results_as_pyshacl_on_the_sample_catalogues(path):
    data = Graph().parse(path)
    assert _ours(data, shapes_graph()) == _pyshacl(data, shapes_graph())


DATES = [
    Literal("2020-01-01", datatype=XSD.date),
    Literal("2020-01-01T00:00:00Z", datatype=XSD.dateTime),
    Literal("2020", datatype=XSD.gYear),
    Literal("2020-13-45", datatype=XSD.date),
    Literal("2020"),
    Literal("yesterday", lang="en"),
    URIRef("https://example.org/date"),
]
COUNTS = [
    Literal("12", datatype=XSD.nonNegativeInteger),
    Literal("-3", datatype=XSD.nonNegativeInteger),
    Literal("12", datatype=XSD.integer),
    Literal("twelve"),
    Literal("7", datatype=XSD.nonNegativeInteger),
]
TEXT = [Literal("Lung CT", lang="en"), Literal("폐 CT"), URIRef("https://example.org/title"), BNode()]


@st.composite
def catalogues(draw):
    g = Graph()
    for i in range(draw(st.integers(1, 4))):
        ds = URIRef(f"https://example.org/ds/{i}") if draw(st.booleans()) else BNode()
        g.add(
            (
                ds,
                RDF.type,
                draw(st.sampled_from([DCAT.Dataset, DCAT.Dataset, URIRef("https://example.org/Sub")])),
            )
        )
        for prop, pool in (
            (DCT.title, TEXT),
            (DCT.description, TEXT),
            (DCT.issued, DATES),
            (DCT.modified, DATES),
            (HEALTH.numberOfRecords, COUNTS),
            (HEALTH.numberOfUniqueIndividuals, COUNTS),
            (DCAT.keyword, TEXT),
            (DCT.accessRights, TEXT),
        ):
            for value in draw(st.lists(st.sampled_from(pool), max_size=2, unique=True)):
                g.add((ds, prop, value))
        for j in range(draw(st.integers(0, 2))):
            publisher = URIRef(f"https://example.org/agent/{i}-{j}")
            g.add((ds, DCT.publisher, publisher))
            if draw(st.booleans()):
                g.add((publisher, FOAF.name, Literal("Hanbit")))
        for _j in range(draw(st.integers(0, 2))):
            dist = BNode()
            g.add((ds, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            for url in draw(
                st.lists(
                    st.sampled_from([URIRef("https://example.org/f.csv"), Literal("f.csv")]),
                    max_size=2,
                    unique=True,
                )
            ):
                g.add((dist, DCAT.accessURL, url))
    if draw(st.booleans()):
        g.add((URIRef("https://example.org/Sub"), RDFS.subClassOf, DCAT.Dataset))
    return g


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_same_results_as_pyshacl_on_generated_catalogues(data):
    assert _ours(data, shapes_graph()) == _pyshacl(data, shapes_graph())


def test_shapes_beyond_the_subset_are_refused():
    shapes = Graph()
    shapes.parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ; sh:message "x" ] .
    """,
        format="turtle",
    )
    with pytest.raises(Unsupported):
        compile_shapes(shapes)


def test_the_comparison_sees_every_kind_of_failure():
    """Not a vacuous match: a catalogue that breaks each constraint gets the same, non-empty results."""
    data = Graph()
    ds, dist, agent = URIRef("https://example.org/ds"), BNode(), URIRef("https://example.org/agent")
    data.add((ds, RDF.type, DCAT.Dataset))
    data.add((ds, DCT.title, URIRef("https://example.org/not-a-literal")))  # nodeKind
    data.add((ds, DCT.issued, Literal("2020-13-45", datatype=XSD.date)))  # ill-typed date
    data.add((ds, DCT.modified, Literal("2020")))  # sh:or datatypes
    data.add((ds, DCT.modified, Literal("2021", datatype=XSD.gYear)))  # maxCount
    data.add((ds, HEALTH.numberOfRecords, Literal("-3", datatype=XSD.nonNegativeInteger)))  # datatype
    data.add((ds, DCT.publisher, agent))  # no foaf:name
    data.add((ds, DCAT.distribution, dist))
    data.add((dist, RDF.type, DCAT.Distribution))  # no accessURL
    ours, theirs = _ours(data, shapes_graph()), _pyshacl(data, shapes_graph())
    assert ours == theirs
    messages = " ".join(m for *_, m in ours)
    for expected in (
        "dct:title",
        "dct:description",
        "dct:issued",
        "dct:modified",
        "numberOfRecords",
        "foaf:name",
        "accessURL",
        "dcat:keyword",
    ):
        assert expected in messages, expected
