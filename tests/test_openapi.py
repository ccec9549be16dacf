"""/api/openapi.json is a valid OpenAPI 3 document and the API's answers conform to it."""
from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def spec(app):
    with app.test_client() as c:
        return c.get("/api/openapi.json").get_json()


def conforms(spec, body, component):
    schema = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    OAS30Validator(schema).validate(body)


def test_spec_is_valid_openapi(spec):
    validate(spec)
    assert {"/api/v1/datasets", "/api/v1/datasets/{id}", "/api/v1/search", "/api/v1/harvests"} <= set(spec["paths"])


def test_answers_conform(spec, client):
    page = client.get("/api/v1/datasets?size=5").get_json()
    conforms(spec, page, "DatasetPage")
    conforms(spec, client.get(f"/api/v1/datasets/{page['hits'][0]['id']}").get_json(), "Dataset")
    conforms(spec, client.get("/api/v1/search?q=폐암&hospital=hanbit").get_json(), "SearchResponse")
    runs = client.get("/api/v1/harvests").get_json()
    conforms(spec, runs, "RunPage")
    conforms(spec, client.get(f"/api/v1/harvests/{runs['runs'][0]['id']}").get_json(), "HarvestRun")
    conforms(spec, client.get("/api/v1/datasets?size=999").get_json(), "Error")


def test_a_broken_answer_would_be_caught(spec):
    from jsonschema.exceptions import ValidationError
    with pytest.raises(ValidationError):
        conforms(spec, {"total": "many", "page": 1, "size": 1, "hits": []}, "DatasetPage")
