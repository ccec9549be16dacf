"""FHIR map and import stages fed CapabilityStatements, Bundles and Groups written here (no server)."""

from __future__ import annotations

import json

import pytest
from hdcat.harvesters.fhir import FhirHarvester, FhirMap, FhirRun
from hdcat.ontology import DCAT, DCT, HDCAT, HEALTH, IANA_MEDIA_TYPES
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from tests.fast.support import SAMPLES, AnswersFromMemory, harvester, new_run

FHIR = "https://fhir.example/r4"
CAPABILITY = {
    "resourceType": "CapabilityStatement",
    "name": "ExampleFHIR",
    "publisher": "Example Hospital",
    "fhirVersion": "4.0.1",
    "format": ["json"],
    "contact": [{"name": "Data office", "telecom": [{"system": "email", "value": "data@hospital.example"}]}],
    "rest": [
        {
            "mode": "server",
            "resource": [{"type": t} for t in ("Patient", "Condition", "Observation", "Group")],
        }
    ],
}
COUNTS = {"Patient": 15, "Condition": 240, "Observation": 0}


def mapped_server(threshold: int) -> tuple[Graph, object]:
    run, raw = new_run("fhir"), Graph()
    mapper = FhirMap(server_base=FHIR, iri_base=FHIR, threshold=threshold, capability=CAPABILITY)
    mapper.server(raw)
    mapper.counts(raw, run, sorted(COUNTS), COUNTS)
    return raw, run


def test_the_server_dataset_is_titled_and_described_from_its_capability_statement():
    raw, _ = mapped_server(threshold=10)
    server = URIRef(f"{FHIR}/metadata")
    assert raw.value(server, DCT.title) == Literal("ExampleFHIR FHIR server")
    dist = raw.value(server, DCAT.distribution)
    assert raw.value(dist, DCAT.mediaType) == IANA_MEDIA_TYPES["application/fhir+json"]
    assert raw.value(dist, DCAT.accessURL) == URIRef(FHIR)
    description = str(raw.value(server, DCT.description))
    assert "Condition 240" in description and "No resources of 1 other type(s): Observation" in description
    assert {str(k) for k in raw.objects(server, DCAT.keyword)} >= {"Patient", "Condition"}
    assert Literal("Observation") not in set(raw.objects(server, DCAT.keyword))  # empty types are no keyword


def test_a_count_of_15_is_published_at_threshold_10():
    raw, _ = mapped_server(threshold=10)
    server = URIRef(f"{FHIR}/metadata")
    assert raw.value(server, HEALTH.numberOfUniqueIndividuals) == Literal(15, datatype=XSD.nonNegativeInteger)
    assert raw.value(server, HEALTH.numberOfRecords) == Literal(255, datatype=XSD.nonNegativeInteger)


def test_a_consortium_threshold_of_20_suppresses_a_count_of_15():
    raw, run = mapped_server(threshold=20)
    server = URIRef(f"{FHIR}/metadata")
    assert raw.value(server, HEALTH.numberOfUniqueIndividuals) is None
    assert (server, HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals) in raw
    # the total leaves the small type out, so 15 cannot be worked out as total minus the others
    assert raw.value(server, HEALTH.numberOfRecords) == Literal(240, datatype=XSD.nonNegativeInteger)
    description = str(raw.value(server, DCT.description))
    assert "Patient <20" in description and "15" not in description
    assert any("Patient: fewer than 20" in w for w in run.warnings)


GROUP = {
    "resourceType": "Group",
    "id": "small-cohort",
    "type": "person",
    "actual": True,
    "name": "Rare disease cohort",
    "code": {"text": "E75.2"},
    "characteristic": [
        {
            "code": {"text": "diagnosis"},
            "valueCodeableConcept": {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "16652001", "display": "Fabry's disease"}
                ],
                "text": "Fabry disease",
            },
        },
        {
            "code": {"text": "enrolled by"},
            "valueReference": {"reference": "Practitioner/dr-kim", "display": "Dr Kim Minsu"},
        },
    ],
    "member": [{"entity": {"reference": f"Patient/p{i}", "display": f"Hong Gildong {i}"}} for i in range(15)],
}


@pytest.mark.parametrize("threshold, published", [(10, True), (20, False)])
def test_a_group_of_15_members_is_counted_only_below_a_threshold_above_15(threshold, published):
    run, raw = new_run("fhir"), Graph()
    iri = URIRef(f"{FHIR}/Group/small-cohort")
    FhirMap(server_base=FHIR, iri_base=FHIR, threshold=threshold, capability=CAPABILITY).group(
        GROUP, iri, run, raw
    )
    assert raw.value(iri, DCT.title) == Literal("Rare disease cohort")
    assert raw.value(iri, DCT.isPartOf) == URIRef(f"{FHIR}/metadata")
    count = raw.value(iri, HEALTH.numberOfUniqueIndividuals)
    if published:
        assert count == Literal(15, datatype=XSD.nonNegativeInteger)
    else:
        assert count is None and (iri, HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals) in raw
        assert run.warnings == ["Group/small-cohort: fewer than 20 members; count suppressed"]


def test_no_member_reference_name_or_practitioner_of_a_group_reaches_the_graph():
    run, raw = new_run("fhir"), Graph()
    iri = URIRef(f"{FHIR}/Group/small-cohort")
    FhirMap(server_base=FHIR, iri_base=FHIR, threshold=10, capability=CAPABILITY).group(GROUP, iri, run, raw)
    text = raw.serialize(format="nt")
    assert "Fabry's disease" in text  # the characteristic's coded value is kept…
    for personal in ("Patient/p", "Hong Gildong", "dr-kim", "Dr Kim"):  # …never whom it points at
        assert personal not in text


def test_a_research_study_links_its_enrolled_group_and_its_period():
    study = {
        "resourceType": "ResearchStudy",
        "id": "noac",
        "title": "NOAC outcomes",
        "status": "active",
        "period": {"start": "2019-01-01", "end": "2025"},
        "enrollment": [{"reference": "Group/small-cohort"}],
    }
    run, raw = new_run("fhir"), Graph()
    iri = URIRef(f"{FHIR}/ResearchStudy/noac")
    FhirMap(server_base=FHIR, iri_base=FHIR, threshold=10).study(study, iri, run, raw)
    assert raw.value(iri, DCT.title) == Literal("NOAC outcomes")
    assert raw.value(iri, DCT.relation) == URIRef(f"{FHIR}/Group/small-cohort")
    period = raw.value(iri, DCT.temporal)
    assert raw.value(period, DCAT.startDate) == Literal("2019-01-01", datatype=XSD.date)
    assert raw.value(period, DCAT.endDate) == Literal("2025", datatype=XSD.gYear)
    assert "Status: active." in str(raw.value(iri, DCT.description))


def sample_server_answers(counts: dict | None = None) -> dict:
    """The bundled Dasom sample as a FHIR server would answer it (as harvesters/samples/servers.py does)."""
    folder = SAMPLES.joinpath("dasom", "fhir")
    load = lambda name: json.loads(folder.joinpath(name).read_text("utf-8"))  # noqa: E731
    counts = counts or load("counts.json")
    answers = {f"{FHIR}/metadata": load("metadata.json")}
    for rtype, n in counts.items():
        answers[f"{FHIR}/{rtype}?_summary=count"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": n,
        }
    for rtype, name in (("Group", "groups.json"), ("ResearchStudy", "studies.json")):
        answers[f"{FHIR}/{rtype}"] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in load(name)],
        }
    return answers


def test_the_import_stage_keeps_the_samples_datasets_and_suppresses_a_15_at_threshold_20():
    counts = {"Patient": 15, "Condition": 51277, "Group": 2, "ResearchStudy": 1}
    h = harvester(
        FhirHarvester,
        FHIR,
        threshold=20,
        fetcher=AnswersFromMemory(sample_server_answers(counts)),
        resources=sorted(counts),
    )
    run = new_run("fhir", FHIR)
    out = h.harvest(run)
    titles = {str(t) for t in out.objects(None, DCT.title)}
    assert any("FHIR server" in t for t in titles)
    assert any("Heart failure" in t for t in titles) and any("NOAC" in t for t in titles)
    assert len(set(out.subjects(HDCAT.localId, None))) == 1 + 2 + 1  # the server, two Groups, one study
    numbers = {
        int(v)
        for p in (HEALTH.numberOfUniqueIndividuals, HEALTH.numberOfRecords)
        for v in out.objects(None, p)
    }
    assert 15 not in numbers and all(n >= 20 for n in numbers)
    assert "Patient 15" not in out.serialize(format="nt")


def test_the_run_context_is_what_the_stages_share():
    h = harvester(FhirHarvester, FHIR, fetcher=AnswersFromMemory(sample_server_answers()))
    ctx = h.new_context(new_run("fhir", FHIR))
    assert isinstance(ctx, FhirRun) and ctx.counts == {} and ctx.capability is None
    [first] = h.gather(ctx)
    ctx.job = first
    jobs = h.parse(h.fetch(first, ctx), ctx, Graph())
    assert ctx.capability["name"] == "DasomHeartFHIR"
    assert f"{FHIR}/Patient?_summary=count" in jobs and ctx.jobs[f"{FHIR}/Group"] == ("search", "Group")


# ---- people's names never reach the graph ---------------------------------------------------------
def herd() -> dict:
    """HL7's group-example.json as the R4 spec publishes it: the owner's name is an uncoded value."""
    return {
        "resourceType": "Group",
        "id": "101",
        "type": "animal",
        "actual": True,
        "code": {"text": "Horse"},
        "name": "John's herd",
        "quantity": 25,
        "characteristic": [
            {"code": {"text": "gender"}, "valueCodeableConcept": {"text": "mixed"}, "exclude": False},
            {"code": {"text": "owner"}, "valueCodeableConcept": {"text": "John Smith"}, "exclude": False},
        ],
    }


def test_a_name_in_a_group_characteristic_never_reaches_the_graph_nor_the_run():
    run, raw = new_run("fhir"), Graph()
    iri = URIRef(f"{FHIR}/Group/101")
    FhirMap(server_base=FHIR, iri_base=FHIR, threshold=10, capability=CAPABILITY).group(herd(), iri, run, raw)
    text = raw.serialize(format="nt")
    assert "John" not in text and "Smith" not in text
    assert raw.value(iri, DCT.title) == Literal("FHIR Group 101 (animal)")  # "John's herd" names the owner
    description = str(raw.value(iri, DCT.description))
    assert "Actual group of type animal (Horse)" in description and "owner" in description
    assert {"gender", "owner", "Horse"} <= {str(k) for k in raw.objects(iri, DCAT.keyword)}
    assert not any("John" in w or "Smith" in w for w in run.warnings)  # the run names no one either
    assert any("characteristic 'owner' is free text without a coding; left out" in w for w in run.warnings)
    assert "Group/101: its name mentions a person's name; left out" in run.warnings


def test_names_are_found_by_structure():
    from hdcat.harvesters.fhir.names import names_in

    study = {
        "resourceType": "ResearchStudy",
        "principalInvestigator": {"reference": "Practitioner/f001", "display": "Dr. Pieter Voigt"},
        "sponsor": {"reference": "Organization/acme", "display": "ACME Research"},  # an organisation: no name
        "condition": [{"coding": [{"system": "http://snomed.info/sct", "code": "1", "display": "Asthma"}]}],
        "contained": [
            {"resourceType": "Practitioner", "id": "p", "name": [{"family": "Lee", "given": ["Seo-yeon"]}]},
            {"resourceType": "Patient", "id": "q", "name": [{"text": "김철수"}]},
        ],
        "site": [{"display": "Ward 7"}],  # a display with no reference: it may be anyone, so it counts
    }
    assert names_in(study) == {"Dr. Pieter Voigt", "Lee", "Seo-yeon", "김철수", "Ward 7"}


def test_a_study_description_naming_its_investigator_is_replaced():
    study = {
        "resourceType": "ResearchStudy",
        "id": "noac",
        "title": "NOAC outcomes",
        "description": "Led by Pieter Voigt (cardiology).",
        "principalInvestigator": {"reference": "Practitioner/f001", "display": "Dr. Pieter Voigt"},
        "keyword": [{"text": "anticoagulation"}, {"text": "Voigt cohort"}],
    }
    run, raw = new_run("fhir"), Graph()
    iri = URIRef(f"{FHIR}/ResearchStudy/noac")
    FhirMap(server_base=FHIR, iri_base=FHIR, threshold=10).study(study, iri, run, raw)
    text = raw.serialize(format="nt")
    assert "Pieter" not in text and "Voigt" not in text
    assert raw.value(iri, DCT.title) == Literal("NOAC outcomes")  # mentions no one: kept
    assert str(raw.value(iri, DCT.description)).startswith("Research study noac on the FHIR server")
    assert "anticoagulation" in {str(k) for k in raw.objects(iri, DCAT.keyword)}
    assert not any("Voigt" in w for w in run.warnings) and len(run.warnings) == 2


def test_names_met_on_a_later_page_are_scrubbed_at_the_end():
    run, raw = new_run("fhir"), Graph()
    early = FhirMap(server_base=FHIR, iri_base=FHIR, threshold=10)  # page 1: no names known yet
    iri = URIRef(f"{FHIR}/Group/g1")
    group = {**GROUP, "id": "g1", "name": "김철수님 가족 코호트", "characteristic": []}
    early.group(group, iri, run, raw)
    assert raw.value(iri, DCT.title) == Literal("김철수님 가족 코호트")
    # page 2 included the Patient: its name is known when the run ends
    late = FhirMap(
        server_base=FHIR,
        iri_base=FHIR,
        threshold=10,
        known_names=frozenset({"김철수"}),
        fallback_titles=early.fallback_titles,
    )
    late.scrub(raw, run, [iri])
    assert raw.value(iri, DCT.title) == Literal("FHIR Group g1 (person)")
    assert "김철수" not in raw.serialize(format="nt")
    assert "Group/g1: its title mentions a person's name; left out" in run.warnings
