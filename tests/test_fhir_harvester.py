"""The FHIR harvester against a small FHIR server over real HTTP, serving HL7's own R4 examples.

Counts come from the Synthea bulk export (13 Patient, 555 Condition); the
server answers `_summary=count` the way real ones do (sometimes without
Bundle.type, sometimes ignoring `_summary` and sending the patients too).
"""

from __future__ import annotations

import json
import re

import pytest
from hdcat.catalog.readmodel import Suppressed
from hdcat.catalog.runs import Outcome
from hdcat.harvesters.fetch import Fetcher
from hdcat.harvesters.runner import harvest_source
from hdcat.ontology import DATA_TYPE, DCT, HDCAT, HEALTH
from rdflib import URIRef
from werkzeug.wrappers import Request, Response

from tests.conftest import EXTERNAL, HAVE_EXTERNAL, LiveServer, source

pytestmark = pytest.mark.conformance  # every test here reads files from ../shared/external

FHIR = EXTERNAL / "fhir-r4"
BULK = EXTERNAL / "fhir-r4-bulk-synthea"
FHIR_JSON = "application/fhir+json"


def example(name: str) -> dict:
    return json.loads((FHIR / name).read_text("utf-8"))


def ndjson(name: str) -> list[dict]:
    return [json.loads(line) for line in (BULK / name).read_text("utf-8").splitlines() if line.strip()]


PATIENTS = ndjson("Patient.000.ndjson") if HAVE_EXTERNAL else []
CONDITIONS = (BULK / "Condition.000.ndjson").read_text("utf-8").count("\n") if HAVE_EXTERNAL else 0
#: What must never reach the store: names and ids of patients in the examples and the bulk export.
PATIENT_VALUES = [
    "Pieter",
    "van de Heuvel",
    "Chalmers",
    "Windsor",
    "Patient/pat1",
    "pat1",
    "1974-12-25",
    *(p["name"][0]["family"] for p in PATIENTS[:3]),
    *(p["id"] for p in PATIENTS[:3]),
]


def adapted_capability() -> dict:
    """HL7's example CapabilityStatement, listing the types a research FHIR server offers."""
    cap = example("capabilitystatement-example.json")
    patient = cap["rest"][0]["resource"][0]
    patient["interaction"].append({"code": "search-type"})
    for rtype in ("Condition", "Observation", "Group", "ResearchStudy"):
        cap["rest"][0]["resource"].append(
            {"type": rtype, "interaction": [{"code": "read"}, {"code": "search-type"}]}
        )
    return cap


def full_study() -> dict:
    """researchstudy-example.json with the elements a study registry fills in."""
    study = example("researchstudy-example.json")
    study.update(
        id="diabetes-2019",
        title="Type 2 diabetes outcomes",
        description="Follow-up of adults with type 2 diabetes.",
        period={"start": "2019-01-01", "end": "2023-06-30"},
        condition=[
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "44054006",
                        "display": "Diabetes mellitus type 2",
                    }
                ]
            }
        ],
        keyword=[{"text": "HbA1c"}],
        enrollment=[{"reference": "Group/102"}],
        principalInvestigator={"reference": "Practitioner/f001", "display": "Dr. Pieter Voigt"},
    )
    return study


class FhirServer:
    """A FHIR server in a few lines: each answer can be swapped by a test."""

    def __init__(self):
        self.capability: object = adapted_capability()
        self.counts: dict[str, object] = {
            "Patient": len(PATIENTS),
            "Condition": CONDITIONS,
            "Observation": 3,
            "Group": 2,
            "ResearchStudy": 2,
        }
        groups = [example("group-example.json"), example("group-example-member.json")]
        patients = [example("patient-example.json"), example("patient-example-f001-pieter.json")]
        self.pages: dict[str, object] = {
            "Group": searchset([groups[0]], next_url="{base}/Group?page=2"),  # absolute next link
            "Group?page=2": searchset([groups[1]], included=patients),  # ends; Patients _included
            "ResearchStudy": searchset([example("researchstudy-example.json"), full_study()]),
        }
        self.requests: list[str] = []
        self.server = LiveServer(self)
        self.base = f"{self.server.url}/fhir"

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path.removeprefix("/fhir/")
        key = path + (f"?{request.query_string.decode()}" if request.query_string else "")
        self.requests.append(key)
        if path == "metadata":
            answer = self.capability
        elif request.args.get("_summary") == "count":
            answer = self.counts.get(path, 404)
            if (
                isinstance(answer, int)
                and not isinstance(answer, bool)
                and answer >= 0
                and path in self.counts
            ):
                answer = count_bundle(answer, with_type=path != "Condition", patients=path == "Patient")
        else:
            answer = self.pages.get(key, 404)
        return respond(answer, self.base)(environ, start_response)


def respond(answer, base) -> Response:
    if isinstance(answer, Response):
        return answer
    if answer == 404:
        return Response(
            json.dumps(outcome("not-found", "Resource type not supported")), 404, mimetype=FHIR_JSON
        )
    if isinstance(answer, bytes):
        return Response(answer, 200, mimetype=FHIR_JSON)
    return Response(json.dumps(answer).replace("{base}", base), 200, mimetype=FHIR_JSON)


def searchset(resources, next_url=None, included=()) -> dict:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": "{base}/x"}],
        "entry": [
            {"fullUrl": f"{{base}}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ]
        + [{"resource": r, "search": {"mode": "include"}} for r in included],
    }
    if next_url:
        bundle["link"].append({"relation": "next", "url": next_url})
    return bundle


def count_bundle(total: int, with_type=True, patients=False) -> dict:
    bundle = {"resourceType": "Bundle", "total": total}
    if with_type:
        bundle["type"] = "searchset"
    if patients:  # a server that ignores _summary=count and sends the resources too
        bundle["entry"] = [{"resource": p} for p in PATIENTS[:3]]
    return bundle


def outcome(code: str, diagnostics: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }


@pytest.fixture
def fhir():
    server = FhirServer()
    yield server
    server.server.stop()


def harvest(catalog, fhir, location=None, **options):
    return harvest_source(
        catalog,
        source(location or fhir.base, name="fhir", kind="fhir", **options),
        fetcher=Fetcher(timeout=5, retries=1, backoff=0.01),
    )


def record(catalog, iri: str) -> dict:
    found = catalog.datasets.locate_iri(iri)
    assert found, f"no dataset {iri}"
    return catalog.datasets.get(found[0])


def stored_text(catalog) -> str:
    return catalog.store.dataset.serialize(format="nquads")


# ---- the whole server ---------------------------------------------------------------
def test_harvests_server_groups_and_studies(catalog, fhir):
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 5 and not run.skipped
    assert len(PATIENTS) == 13 and CONDITIONS == 555
    for rtype in ("Patient", "Condition", "Observation", "Group", "ResearchStudy"):
        assert f"{rtype}?_summary=count" in fhir.requests
    assert "Group?page=2" in fhir.requests

    server = record(catalog, f"{fhir.base}/metadata")
    assert server["title"] == "ACME-EHR FHIR server"
    assert server["number_of_records"] == 13 + 555  # the suppressed Observation, Group, Study left out
    assert server["number_of_individuals"] == 13  # the Patient count
    assert "Condition 555" in server["description"] and "Patient 13" in server["description"]
    assert "Observation <10" in server["description"] and "FHIR 4.0.1" in server["description"]
    assert server["data_types"][0]["iri"] == str(DATA_TYPE.ehr)
    assert server["publisher"]["name"] == "ACME Corporation"
    assert {"Patient", "Condition", "Observation", "FHIR"} <= set(server["keywords"])
    [dist] = server["distributions"]
    assert dist["access_url"] == fhir.base and dist["media_type"].endswith("application/fhir+json")
    graph = catalog.datasets.resource_graph(server["id"])
    assert (None, DCT.conformsTo, URIRef("http://hl7.org/fhir/R4")) in graph
    assert (None, DCT.conformsTo, URIRef("http://hl7.org/fhir/us/lab")) in graph  # implementationGuide
    assert (
        None,
        DCT.conformsTo,
        URIRef(  # Patient's profile
            "http://registry.fhir.org/r4/StructureDefinition/7896271d-57f6-4231-89dc-dcc91eab2416"
        ),
    ) in graph
    assert (URIRef(f"{fhir.base}/metadata"), HDCAT.suppressed, HEALTH.numberOfRecords) not in graph


def test_groups_become_cohort_datasets(catalog, fhir):
    run = harvest(catalog, fhir)
    herd = record(catalog, f"{fhir.base}/Group/101")
    # HL7's example names the owner in an uncoded characteristic ("owner": "John Smith") and in the
    # Group's name ("John's herd"): neither is copied, the title is made from the id
    assert herd["title"] == "FHIR Group 101 (animal)"
    assert herd["number_of_individuals"] == 25
    assert {"gender", "owner", "Horse"} <= set(herd["keywords"])
    assert "Actual group of type animal (Horse)" in herd["description"]
    assert "John" not in json.dumps(herd) and "Smith" not in json.dumps(herd)
    assert "Group/101: its name mentions a person's name; left out" in run.warnings
    members = record(catalog, f"{fhir.base}/Group/102")
    assert members["title"] == "FHIR Group 102 (person)"
    assert isinstance(members["number_of_individuals"], Suppressed)  # 4 members: below 10, not stored
    graph = catalog.datasets.resource_graph(members["id"])
    assert (URIRef(f"{fhir.base}/Group/102"), HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals) in graph
    assert not list(graph.objects(URIRef(f"{fhir.base}/Group/102"), HEALTH.numberOfUniqueIndividuals))
    assert any(
        w.startswith("Group/102: fewer than 10 members") and w.endswith("count suppressed")
        for w in run.warnings
    )
    assert not any(
        re.search(r"\b4\b", w) for w in run.warnings if w.startswith("Group/102")
    )  # never the number


def test_research_studies(catalog, fhir):
    harvest(catalog, fhir)
    minimal = record(catalog, f"{fhir.base}/ResearchStudy/example")
    assert minimal["title"] == "FHIR ResearchStudy example"
    assert "Status: completed." in minimal["description"]
    study = record(catalog, f"{fhir.base}/ResearchStudy/diabetes-2019")
    assert study["title"] == "Type 2 diabetes outcomes"
    assert (study["temporal_start"], study["temporal_end"]) == ("2019-01-01", "2023-06-30")
    assert {"Diabetes mellitus type 2", "HbA1c"} <= set(study["keywords"])
    graph = catalog.datasets.resource_graph(study["id"])
    assert (URIRef(study["iri"]), DCT.relation, URIRef(f"{fhir.base}/Group/102")) in graph


def test_suppressed_counts_are_warned_and_never_stored(catalog, fhir):
    run = harvest(catalog, fhir)
    assert any(
        w.startswith("Observation: fewer than 10") and w.endswith("count suppressed") for w in run.warnings
    )
    graph = catalog.datasets.resource_graph(record(catalog, f"{fhir.base}/metadata")["id"])
    values = {int(o) for o in graph.objects(None, HEALTH.numberOfRecords)} | {
        int(o) for o in graph.objects(None, HEALTH.numberOfUniqueIndividuals)
    }
    assert values == {568, 13}
    assert "Observation 3" not in stored_text(catalog)


def test_a_higher_threshold_suppresses_more(catalog, fhir):
    harvest(catalog, fhir, suppression_threshold=20)
    server = record(catalog, f"{fhir.base}/metadata")
    assert server["number_of_records"] == 555 and isinstance(server["number_of_individuals"], Suppressed)
    assert "Patient <20" in server["description"]


def test_the_option_cannot_lower_the_consortium_threshold(catalog, fhir):
    run = harvest(catalog, fhir, suppression_threshold=2)
    assert "Observation 3" not in stored_text(catalog)
    assert any(w.startswith("Observation: fewer than 10") for w in run.warnings)


def test_no_patient_data_reaches_the_store(catalog, fhir):
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.CHANGED
    text = stored_text(catalog)
    for value in PATIENT_VALUES:
        assert value not in text, value
    assert "Practitioner/f001" not in text and "Voigt" not in text
    assert "John" not in text and "Smith" not in text  # the herd's owner (group-example.json)
    assert not any(word in w for w in run.warnings for word in ("John", "Smith", "Chalmers", "Pieter"))


def test_free_text_naming_an_included_patient_is_left_out(catalog, fhir):
    """The server includes patient-example.json (Peter James Chalmers) on page 2; a Group on page 1 whose
    name and code text mention him is written without them once the run has met the name."""
    herd = example("group-example.json")
    herd.update(name="Chalmers family cohort", code={"text": "relatives of Peter Chalmers"})
    fhir.pages["Group"]["entry"][0]["resource"] = herd
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.CHANGED, run.error
    group = record(catalog, f"{fhir.base}/Group/101")
    assert group["title"] == "FHIR Group 101 (animal)"
    assert "Chalmers" not in stored_text(catalog) and "Peter" not in stored_text(catalog)
    assert "Group/101: its title mentions a person's name; left out" in run.warnings
    assert "Group/101: its keyword mentions a person's name; left out" in run.warnings


def test_a_resource_repeated_across_pages_is_reported_and_counted_once(catalog, fhir):
    page2 = fhir.pages["Group?page=2"]
    page2["entry"].insert(0, {"resource": example("group-example.json"), "search": {"mode": "match"}})
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 5  # the server, two Groups, two studies: Group/101 once
    repeated = [w for w in run.warnings if w.startswith("Group/101 appears again")]
    assert len(repeated) == 1 and f"{fhir.base}/Group?page=2" in repeated[0] and "counted once" in repeated[0]
    listed = [h["id"] for h in catalog.datasets.page(1, 100)[1]]
    assert len(listed) == len(set(listed)) == 5


def test_unmodified_hl7_capability_statement(catalog, fhir):
    fhir.capability = example("capabilitystatement-example.json")  # lists Patient only
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.CHANGED, run.error
    assert run.found == 1
    assert [r for r in fhir.requests if "_summary" in r] == ["Patient?_summary=count"]
    assert record(catalog, f"{fhir.base}/metadata")["number_of_records"] == 13


def test_resources_option_and_location_with_metadata(catalog, fhir):
    run = harvest(catalog, fhir, location=f"{fhir.base}/metadata/", resources=["Condition"], cohorts=False)
    assert run.outcome is Outcome.CHANGED, run.error
    assert [r for r in fhir.requests if r != "metadata"] == ["Condition?_summary=count"]
    assert record(catalog, f"{fhir.base}/metadata")["number_of_records"] == 555


def test_second_harvest_is_unchanged(catalog, fhir):
    fhir.counts["Observation"] = Response("down", 404)  # a failing count reads the same each time
    assert harvest(catalog, fhir).outcome is Outcome.CHANGED
    again = harvest(catalog, fhir)  # incremental: pages compared, nothing parsed
    assert again.outcome is Outcome.UNCHANGED, again.error
    full = harvest_source(
        catalog,
        source(fhir.base, name="fhir", kind="fhir"),
        incremental=False,
        fetcher=Fetcher(timeout=5, retries=1, backoff=0.01),
    )
    assert full.outcome is Outcome.UNCHANGED, full.error  # parsed again: the same records
    fhir.counts["Condition"] = 556
    changed = harvest(catalog, fhir)
    assert changed.outcome is Outcome.CHANGED and changed.changed == 1


# ---- bad input --------------------------------------------------------------------------
def test_html_instead_of_capability_statement(catalog, fhir):
    fhir.capability = Response("<!DOCTYPE html><html><body>Sign in</body></html>", 200, mimetype="text/html")
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.FAILED
    assert f"{fhir.base}/metadata" in run.error and "HTML page" in run.error and "FHIR base URL" in run.error
    assert catalog.datasets.count() == 0


def test_json_that_is_not_a_capability_statement(catalog, fhir):
    fhir.capability = {"status": "ok", "version": "2.1"}
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.FAILED
    assert f"{fhir.base}/metadata" in run.error and "not a CapabilityStatement" in run.error
    fhir.capability = example("patient-example.json")
    run = harvest(catalog, fhir)
    assert "a FHIR Patient, not a CapabilityStatement" in run.error and "Chalmers" not in run.error


def test_operation_outcome_diagnostics_are_reported(catalog, fhir):
    fhir.capability = outcome("security", "Authentication required: send a bearer token")
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.FAILED
    assert "OperationOutcome" in run.error and "Authentication required: send a bearer token" in run.error
    fhir.capability = Response(json.dumps(outcome("login", "Token expired")), 401, mimetype=FHIR_JSON)
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.FAILED
    assert "HTTP 401" in run.error and "error login: Token expired" in run.error


def test_truncated_answers_fail_clearly(catalog, fhir):
    full = json.dumps(adapted_capability()).encode()
    fhir.capability = full[: len(full) // 2]
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.FAILED
    assert f"{fhir.base}/metadata" in run.error and "cut off" in run.error
    fhir.capability = adapted_capability()
    page = json.dumps(searchset([example("group-example.json")])).encode()
    fhir.pages["Group"] = page[: len(page) - 40]
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.FAILED and f"{fhir.base}/Group" in run.error and "cut off" in run.error


def test_a_failing_count_is_a_warning(catalog, fhir):
    fhir.counts["Observation"] = Response(
        json.dumps(outcome("not-supported", "_summary=count is not supported")), 400, mimetype=FHIR_JSON
    )
    fhir.counts["Condition"] = b'{"resourceType": "Bundle", "tot'
    fhir.counts["Group"] = {"resourceType": "Bundle", "type": "searchset"}
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.CHANGED, run.error
    warnings = "\n".join(run.warnings)
    assert "Observation: count not read" in warnings and "HTTP 400" in warnings
    assert "_summary=count is not supported" in warnings
    assert "Condition: count not read" in warnings and "cut off" in warnings
    assert "Group: count not read" in warnings and "without a Bundle.total" in warnings
    server = record(catalog, f"{fhir.base}/metadata")
    assert server["number_of_records"] == 13
    assert "Count not available: Condition, Group, Observation." in server["description"]


def test_paging_loop_stops_with_a_warning(catalog, fhir):
    page2 = fhir.pages["Group?page=2"]
    page2["link"].append({"relation": "next", "url": "Group"})  # relative, back to the first page
    run = harvest(catalog, fhir)
    assert run.outcome is Outcome.CHANGED, run.error
    assert any("paging loop" in w and f"{fhir.base}/Group?page=2" in w for w in run.warnings)
    assert fhir.requests.count("Group") == 1
    assert record(catalog, f"{fhir.base}/Group/102")


def test_relative_next_links_are_followed(catalog, fhir):
    fhir.pages["Group"]["link"][-1]["url"] = "Group?page=2"
    run = harvest(catalog, fhir)
    assert "Group?page=2" in fhir.requests and run.found == 5


def test_bad_configuration_is_rejected(catalog, fhir):
    run = harvest(catalog, fhir, resources=["Patient/../x"])
    assert run.outcome is Outcome.FAILED
    assert "option resources: 'Patient/../x' is not a FHIR resource type" in run.error
    run = harvest(catalog, fhir, location="/tmp/fhir")
    assert run.outcome is Outcome.FAILED and "not an http(s) URL" in run.error
