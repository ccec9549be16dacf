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
    assert {"/api/v1/datasets", "/api/v1/datasets/{local_id}", "/api/v1/search", "/api/v1/harvests"} <= set(
        spec["paths"]
    )


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

    documented = {
        (re.sub(r"\{[^}]+\}", "{}", path), method.upper())
        for path, ops in spec["paths"].items()
        for method in ops
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in ("/api/openapi.json", "/api/v1/<path:rest>"):
            continue  # the document itself, and the catch-all that answers 404 for unknown paths
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "{}", rule.rule)
        missing += [
            f"{m} {rule.rule}"
            for m in sorted(rule.methods - {"HEAD", "OPTIONS"})
            if (path, m) not in documented
        ]
    assert not missing, missing


def test_a_new_route_is_documented_from_its_decorators(catalog):
    """Adding an endpoint needs no edit of the document's code: the route, its @documented record and
    web.auth's decorator are all it takes, path and query parameters, body, security and errors included."""
    from flask import Blueprint
    from hdcat.web.apidoc import documented
    from hdcat.web.app import create_app
    from hdcat.web.auth import require_scope
    from marshmallow import Schema, fields
    from marshmallow.validate import OneOf, Range

    class WidgetArgs(Schema):
        colour = fields.String(required=True, validate=OneOf(["red", "blue"]))
        limit = fields.Integer(validate=Range(min=1, max=9))

    class Widget(Schema):
        name = fields.String(required=True)

    bp = Blueprint("widgets_test", __name__, url_prefix="/api/v1/widgets")

    @bp.get("/<int:number>")
    @documented("One widget", query=WidgetArgs, responses={200: Widget})
    def widget(number):
        return {"name": str(number)}

    @bp.post("")
    @documented("Make a widget", body=Widget, responses={201: Widget, 409: "the widget exists"})
    @require_scope("widgets:write")
    def make_widget():
        return {"name": "new"}, 201

    app = create_app(catalog=catalog)
    app.register_blueprint(bp)
    spec = app.test_client().get("/api/openapi.json").get_json()
    validate(spec)
    get = spec["paths"]["/api/v1/widgets/{number}"]["get"]
    params = {p["name"]: p for p in get["parameters"]}
    assert params["number"] == {
        "name": "number",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    assert params["colour"]["in"] == "query" and params["colour"]["required"] is True
    assert params["colour"]["schema"]["enum"] == ["red", "blue"]
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 9}
    assert get["summary"] == "One widget" and get["tags"] == ["widgets"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Widget"
    }
    assert set(get["responses"]) == {"200", "400", "404"}  # 400: a bad parameter; 404: no such widget
    post = spec["paths"]["/api/v1/widgets"]["post"]
    assert post["security"] == [{"bearer": []}]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Widget"
    }
    assert set(post["responses"]) == {"201", "400", "401", "403", "409"}
    assert "widgets:write" in post["responses"]["403"]["description"]
    assert post["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
