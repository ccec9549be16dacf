"""GraphCopy (catalog/resources.py) answers closure's lookups exactly as the rdflib graph it copies."""

from pathlib import Path

import pytest
from hdcat.catalog.resources import GraphCopy, closure
from hdcat.ontology import DCAT
from rdflib import Graph
from rdflib.namespace import FOAF, RDF

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "harvesters/samples/consortium").rglob("*.ttl"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_closures_match_the_graph(path):
    graph = Graph().parse(path)
    copy = GraphCopy(iter(graph))
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    assert datasets
    for ds in datasets:
        assert sorted(closure(copy, ds)) == sorted(closure(graph, ds))
    for s, p, o in list(graph)[:50]:
        assert (
            (s, p, o) in copy
            and (None, p, o) in copy
            and set(copy.subjects(p, o)) == set(graph.subjects(p, o))
        )
        assert copy.value(s, p) in set(graph.objects(s, p))
    assert ((datasets[0], FOAF.name, None) in copy) == ((datasets[0], FOAF.name, None) in graph)


def test_set_and_subject_objects_match_rdflib():
    """A commit gives datasets their short ids on the copy (SourceGraphs._dedupe_local_ids) as it did on
    the rdflib graph: `set` replaces every value of the predicate, and the lookups follow."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS

    ident = DCTERMS.identifier
    graph = Graph().parse(SAMPLES[0])
    copy = GraphCopy(iter(graph))
    pairs = sorted(graph.subject_objects(ident))
    assert pairs and sorted(copy.subject_objects(ident)) == pairs
    ds, old = pairs[0]
    extra = URIRef("http://t.example/ds")
    for g in (graph, copy):
        g.add((ds, ident, Literal("second")))
        g.set((ds, ident, Literal("renamed")))
        g.set((extra, ident, Literal("new")))
    assert sorted(copy.subject_objects(ident)) == sorted(graph.subject_objects(ident))
    assert sorted(copy) == sorted(graph)
    assert (None, ident, old) not in copy
    assert set(copy.subjects(ident, Literal("renamed"))) == {ds}
