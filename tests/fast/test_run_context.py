"""One harvester instance, harvested again: each run starts from nothing and leaves nothing behind.

The per-run state lives in a RunContext (harvesters/base.py) that `harvest()` makes anew; these tests
fail if any harvester keeps what a run learnt on `self`, or if two contexts share anything.
"""

from __future__ import annotations

import copy

import pytest
from hdcat.harvesters.ckan import CkanHarvester
from hdcat.harvesters.csv_dictionary import CsvDictionaryHarvester
from hdcat.harvesters.dcat import DcatHarvester
from hdcat.harvesters.fhir import FhirHarvester
from hdcat.harvesters.omop import OmopHarvester
from hdcat.harvesters.sql_schema import SqlSchemaHarvester
from hdcat.ontology import DCT, HDCAT, HEALTH
from rdflib import BNode, Graph, URIRef

from tests.fast.support import SAMPLES, AnswersFromMemory, harvester, new_run

FHIR = "https://fhir.example/r4"


def fhir_answers(patients: int, groups: list[str]) -> dict:
    return {
        f"{FHIR}/metadata": {
            "resourceType": "CapabilityStatement",
            "name": "Example",
            "fhirVersion": "4.0.1",
            "rest": [{"mode": "server", "resource": [{"type": "Patient"}, {"type": "Group"}]}],
        },
        f"{FHIR}/Patient?_summary=count": {"resourceType": "Bundle", "total": patients},
        f"{FHIR}/Group?_summary=count": {"resourceType": "Bundle", "total": len(groups)},
        f"{FHIR}/Group": {
            "resourceType": "Bundle",
            "entry": [
                {"resource": {"resourceType": "Group", "id": g, "type": "person", "quantity": 50, "name": g}}
                for g in groups
            ],
        },
    }


def test_a_fhir_harvester_harvested_twice_in_a_row_reports_only_what_the_second_run_read():
    fetcher = AnswersFromMemory(fhir_answers(patients=15, groups=["old-cohort"]))
    h = harvester(FhirHarvester, FHIR, threshold=20, fetcher=fetcher)
    first_run = new_run("fhir", FHIR)
    first = h.harvest(first_run)
    fetcher.answers = fhir_answers(patients=40, groups=["new-cohort"])
    second_run = new_run("fhir", FHIR)
    second = h.harvest(second_run)

    server = URIRef(f"{FHIR}/metadata")
    assert (server, HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals) in first
    assert int(second.value(server, HEALTH.numberOfUniqueIndividuals)) == 40
    assert (server, HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals) not in second
    assert {str(second.value(d, DCT.title)) for d in second.subjects(HDCAT.localId, None)} == {
        "Example FHIR server",
        "new-cohort",
    }
    assert any("Patient: fewer than 20" in w for w in first_run.warnings)
    assert not any("Patient: fewer than" in w for w in second_run.warnings)
    assert len(second_run.pages) == len(first_run.pages) == 4


def test_two_contexts_of_one_harvester_share_nothing():
    h = harvester(FhirHarvester, FHIR, fetcher=AnswersFromMemory(fhir_answers(patients=40, groups=["a"])))
    a, b = h.new_context(new_run("fhir")), h.new_context(new_run("fhir"))
    [job] = h.gather(a)
    a.job = job
    h.parse(h.fetch(job, a), a, Graph())
    assert a.capability is not None and len(a.jobs) == 4
    assert b.capability is None and b.jobs == {} and b.run is not a.run


def _ckan_answers(h) -> dict:
    package = {"name": "p1", "title": "Registry", "notes": "about"}
    return {h.page_url(0): {"success": True, "result": {"count": 1, "results": [package]}}}


CASES = {
    "dcat": lambda: harvester(
        DcatHarvester,
        "https://data.example/catalog.ttl",
        fetcher=AnswersFromMemory(
            {
                "https://data.example/catalog.ttl": (
                    b"<https://data.example/ds> a <http://www.w3.org/ns/dcat#Dataset> ; "
                    b"<http://purl.org/dc/terms/title> 'Registry' ."
                )
            },
            media_type="text/turtle",
        ),
    ),
    "ckan": lambda: harvester(CkanHarvester, "https://portal.example"),
    "fhir": lambda: harvester(FhirHarvester, FHIR, fetcher=AnswersFromMemory(fhir_answers(40, ["a", "b"]))),
    "csv": lambda: harvester(
        CsvDictionaryHarvester,
        "file:///dd.csv",
        fetcher=AnswersFromMemory({"file:///dd.csv": b"table,column\nt,a\nt,b\n"}),
    ),
    "sql": lambda: harvester(
        SqlSchemaHarvester, "sqlite:///" + str(SAMPLES.joinpath("haneul", "emr.sqlite"))
    ),
    "omop": lambda: harvester(
        OmopHarvester, "sqlite:///" + str(SAMPLES.joinpath("hanbit", "omop.sqlite")), schema="main"
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_no_harvester_keeps_run_state_on_itself(kind):
    h = CASES[kind]()
    if kind == "ckan":
        h.fetcher = AnswersFromMemory(_ckan_answers(h))
    before = {k: copy.deepcopy(v) for k, v in vars(h).items() if k not in ("fetcher", "policy")}
    first, second = h.harvest(new_run(kind)), h.harvest(new_run(kind))
    after = {k: v for k, v in vars(h).items() if k not in ("fetcher", "policy")}
    assert after == before, (
        f"{kind} kept {sorted(set(after) ^ set(before)) or 'changed values'} on the harvester"
    )
    assert len(first) > 0 and len(first) == len(second) and _named(first) == _named(second)


def _named(g: Graph) -> set:
    """The triples without blank nodes: equal in two harvests of the same answers (blank-node labels
    differ)."""
    return {t for t in g if not any(isinstance(x, BNode) for x in t)}
