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


def test_every_api_route_is_in_the_spec(app, spec):
    """Schemathesis reaches only what the document names: a route missing from it is never fuzzed."""
    import re
    documented = {(re.sub(r"\{[^}]+\}", "{}", path), method.upper())
                  for path, ops in spec["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in ("/api/openapi.json", "/api/v1/<path:rest>"):
            continue  # the document itself, and the catch-all that answers 404 for unknown paths
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "{}", rule.rule)
        missing += [f"{m} {rule.rule}" for m in sorted(rule.methods - {"HEAD", "OPTIONS"})
                    if (path, m) not in documented]
    assert not missing, missing
