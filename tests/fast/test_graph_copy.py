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
