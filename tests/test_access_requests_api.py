"""/api/v1/access-requests: the site's access requests over JSON, with the site's rules and audit trail,
token scopes like the rest of the API, 4xx with JSON bodies for bad input, and answers that conform to
the OpenAPI document."""

from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30Validator

from tests.test_access_requests import _hanbit_dataset

URL = "/api/v1/access-requests"
APPLICATION = {
    "purpose": "Heart failure outcomes after echo",
    "project": "HF-2027",
    "irb": "HB-2026-0142",
    "columns": ["ef", "lvedd"],
    "period": "2019-2023",
}


@pytest.fixture
def tokens(app, people):
    from hdcat.web.auth import accounts

    with app.app_context():
        acc = accounts()
        issued = {name: acc.issue_token(name, ["access:write"])[1] for name in ("ana", "sam", "sol", "adm")}
        issued["sam-definitions"] = acc.issue_token("sam", ["definitions:write"])[1]
    return issued


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def conforms(app, body, component):
    spec = app.test_client().get("/api/openapi.json").get_json()
    OAS30Validator({"$ref": f"#/components/schemas/{component}", "components": spec["components"]}).validate(
        body
    )


def test_ask_question_answer_approve_over_json_with_the_sites_trail(app, tokens):
    c = app.test_client()
    local_id = _hanbit_dataset(app)
    r = c.post(URL, json=dict(APPLICATION, dataset=local_id), headers=bearer(tokens["ana"]))
    assert r.status_code == 201, r.get_json()
    asked = r.get_json()
    assert r.headers["Location"] == asked["url"] == f"{URL}/{asked['id']}"
    assert asked["status"] == "submitted" and asked["hospital"] == "hanbit" and asked["requester"] == "ana"
    assert asked["columns"] == ["ef", "lvedd"] and asked["steps"] == ["withdraw"]
    conforms(app, asked, "AccessRequest")
    request_id = asked["id"]
    # the steward of the dataset's hospital has it in the inbox; another hospital's steward does not
    inbox = c.get(f"{URL}?box=inbox", headers=bearer(tokens["sam"])).get_json()
    conforms(app, inbox, "AccessRequestList")
    assert request_id in [x["id"] for x in inbox["requests"]] and inbox["box"] == "inbox"
    assert request_id not in [
        x["id"] for x in c.get(f"{URL}?box=inbox", headers=bearer(tokens["sol"])).get_json()["requests"]
    ]
    assert c.get(f"{URL}/{request_id}", headers=bearer(tokens["sol"])).status_code == 404
    mine = c.get(URL, headers=bearer(tokens["ana"])).get_json()
    assert mine["box"] == "mine" and request_id in [x["id"] for x in mine["requests"]]
    assert c.get(f"{URL}/{request_id}", headers=bearer(tokens["sam"])).get_json()["steps"] == [
        "question",
        "approve",
        "reject",
    ]
    # the conversation: question, answer; the requester may not decide, the steward may not answer
    step = c.post(
        f"{URL}/{request_id}/question", json={"body": "Do you need BNP?"}, headers=bearer(tokens["sam"])
    )
    assert step.status_code == 200 and step.get_json()["status"] == "questioned"
    refused = c.post(f"{URL}/{request_id}/approve", json={"body": "fine"}, headers=bearer(tokens["ana"]))
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    assert (
        c.post(f"{URL}/{request_id}/answer", json={"body": "Yes"}, headers=bearer(tokens["ana"])).status_code
        == 200
    )
    no_reason = c.post(f"{URL}/{request_id}/approve", json={}, headers=bearer(tokens["sam"]))
    assert no_reason.status_code == 400 and no_reason.get_json()["field"] == "body"
    done = c.post(
        f"{URL}/{request_id}/approve",
        json={"body": "Matches the data use agreement"},
        headers=bearer(tokens["sam"]),
    ).get_json()
    assert done["status"] == "approved" and done["decided_by"] == "sam" and done["steps"] == []
    assert [m["kind"] for m in done["messages"]] == ["question", "answer", "approve"]
    conforms(app, done, "AccessRequest")
    twice = c.post(f"{URL}/{request_id}/reject", json={"body": "no"}, headers=bearer(tokens["sam"]))
    assert twice.status_code == 409 and twice.get_json()["error"] == "conflict"
    approved = c.get(f"{URL}?status=approved", headers=bearer(tokens["ana"])).get_json()["requests"]
    assert request_id in [x["id"] for x in approved] and {x["status"] for x in approved} == {"approved"}
    assert request_id not in [
        x["id"]
        for x in c.get(f"{URL}?status=submitted", headers=bearer(tokens["ana"])).get_json()["requests"]
    ]
    # the same audit entries as the site, with the token that took each step
    trail = app.extensions["hdcat.accounts"].audit_entries(500)
    steps = [(e["actor"].split(" ")[0], e["action"]) for e in reversed(trail) if e["target"] == request_id]
    assert steps == [
        ("ana", "access.submit"),
        ("sam", "access.question"),
        ("ana", "access.answer"),
        ("sam", "access.approve"),
    ]
    assert all("(token " in e["actor"] for e in trail if e["target"] == request_id)


def test_withdraw_needs_no_text_and_ends_the_request(app, tokens):
    c = app.test_client()
    r = c.post(URL, json=dict(APPLICATION, dataset=_hanbit_dataset(app)), headers=bearer(tokens["ana"]))
    request_id = r.get_json()["id"]
    out = c.post(f"{URL}/{request_id}/withdraw", headers=bearer(tokens["ana"]))
    assert out.status_code == 200 and out.get_json()["status"] == "withdrawn"
    late = c.post(f"{URL}/{request_id}/approve", json={"body": "ok"}, headers=bearer(tokens["adm"]))
    assert late.status_code == 409


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"purpose": "x", "project": "p", "irb": ""}, 400, "dataset"),
        (dict(APPLICATION, irb="  "), 400, "irb"),
        (dict(APPLICATION, purpose="x" * 4001), 400, "purpose"),
        (dict(APPLICATION, columns="ef"), 400, "columns"),
        (dict(APPLICATION, columns=[f"c{i}" for i in range(201)]), 400, "columns"),
        (dict(APPLICATION, colour="red"), 400, "colour"),
        (dict(APPLICATION, dataset="no-such-dataset"), 404, None),
    ],
)
def test_bad_applications_are_4xx_with_a_json_body_naming_the_field(app, tokens, body, status, field):
    if "dataset" not in body:
        body = dict(body, dataset=_hanbit_dataset(app)) if field != "dataset" else body
    before = app.test_client().get(URL, headers=bearer(tokens["ana"])).get_json()["total"]
    r = app.test_client().post(URL, json=body, headers=bearer(tokens["ana"]))
    assert r.status_code == status and r.is_json, r.get_data(as_text=True)[:300]
    assert r.get_json()["status"] == status and r.get_json()["message"]
    if field:
        assert r.get_json()["field"] == field, r.get_json()
    assert app.test_client().get(URL, headers=bearer(tokens["ana"])).get_json()["total"] == before


def test_scopes_roles_and_bodies_like_the_rest_of_the_api(app, tokens, people):
    from hdcat.web.auth import accounts

    c = app.test_client()
    local_id = _hanbit_dataset(app)
    anon = c.get(URL)
    assert anon.status_code == 401 and anon.get_json()["error"] == "unauthorized"
    assert c.post(URL, json=dict(APPLICATION, dataset=local_id)).status_code == 401
    wrong_scope = c.post(
        URL, json=dict(APPLICATION, dataset=local_id), headers=bearer(tokens["sam-definitions"])
    )
    assert wrong_scope.status_code == 403 and "access:write" in wrong_scope.get_json()["message"]
    with app.app_context():  # an auditor cannot even hold the scope: auditors inspect, they do not ask
        from hdcat.catalog import Invalid

        with pytest.raises(Invalid, match="auditor may not hold"):
            accounts().issue_token("aud", ["access:write"])
    for raw in ("[1, 2]", "not json", '"text"'):
        r = c.post(URL, data=raw, content_type="application/json", headers=bearer(tokens["ana"]))
        assert r.status_code == 400 and r.get_json()["field"] == "(body)"
    assert c.get(f"{URL}?box=outbox", headers=bearer(tokens["ana"])).get_json()["field"] == "box"
    assert c.get(f"{URL}?status=granted", headers=bearer(tokens["ana"])).status_code == 400
    assert c.get(f"{URL}/ar-000000000000", headers=bearer(tokens["ana"])).status_code == 404
    r = c.post(URL, json=dict(APPLICATION, dataset=local_id), headers=bearer(tokens["ana"]))
    assert (
        c.post(f"{r.get_json()['url']}/grant", json={"body": "x"}, headers=bearer(tokens["sam"])).status_code
        == 404
    )
    # a session (the site's cookie) reads, but never writes: writes take bearer tokens only
    from tests.conftest import sign_in

    ana = sign_in(app, "ana")
    assert r.get_json()["id"] in [x["id"] for x in ana.get(URL).get_json()["requests"]]
    assert ana.post(URL, json=dict(APPLICATION, dataset=local_id)).status_code == 401


def test_every_access_request_route_is_documented(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"][URL])
    assert "get" in spec["paths"][f"{URL}/{{request_id}}"]
    step = spec["paths"][f"{URL}/{{request_id}}/{{step}}"]["post"]
    assert step["security"] == [{"bearer": []}] and {"400", "401", "403", "404", "409"} <= set(
        step["responses"]
    )
    enum = next(p for p in step["parameters"] if p["name"] == "step")["schema"]["enum"]
    assert enum == ["question", "answer", "approve", "reject", "withdraw"]
