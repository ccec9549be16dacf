"""Harvested metadata carries no direct identifiers and no small counts."""

from __future__ import annotations

from hdcat.catalog.readmodel import Suppressed
from hdcat.harvesters.runner import harvest_source

from tests.conftest import source

CATALOGUE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix health: <http://healthdataportal.eu/ns/health#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<http://h.example/rare> a dcat:Dataset ; dct:title "Rare disease registry"@en ;
  dct:description "문의: 담당자 010-1234-5678. 예시 환자 850101-1234567 의 기록."@ko ;
  health:numberOfUniqueIndividuals "4"^^xsd:nonNegativeInteger ;
  health:numberOfRecords "250"^^xsd:nonNegativeInteger .
"""


def test_identifiers_redacted_and_small_counts_suppressed(catalog, tmp_path, client):
    f = tmp_path / "c.ttl"
    f.write_text(CATALOGUE)
    run = harvest_source(catalog, source(f))
    d = catalog.datasets.get(catalog.datasets.locate_iri("http://h.example/rare")[0])
    assert "850101-1234567" not in d["description"] and "010-1234-5678" not in d["description"]
    assert "[redacted]" in d["description"] and d["redacted"] is True
    assert isinstance(d["number_of_individuals"], Suppressed) and d["number_of_records"] == 250
    dump = catalog.store.graph(catalog.graphs.public_graph("src")).serialize(format="nt")
    assert "850101-1234567" not in dump and '"4"^^' not in dump
    assert any("resident registration number" in w for w in run.warnings)
    assert any("numberOfUniqueIndividuals below 10 suppressed" in w for w in run.warnings)
    from hdcat.catalog.schemas import DatasetSchema

    assert DatasetSchema().dump(d)["number_of_individuals"] == "<10"
