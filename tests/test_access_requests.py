"""Access requests: a researcher asks from a dataset's page, the hospital's stewards question, approve or
reject with a reason, every step is on the audit trail and the researcher follows it on their account."""

from __future__ import annotations

import re

import pytest
from hdcat.catalog.access_requests import AccessRequests, Application
from hdcat.catalog.accounts import Principal
from hdcat.catalog.errors import Conflict, Forbidden, Invalid, NotFound

from tests.conftest import csrf_token, sign_in

ANA = Principal("ana", "researcher", hospitals=frozenset({"hanbit"}))
SAM = Principal("sam", "steward", hospitals=frozenset({"hanbit"}))
SOL = Principal("sol", "steward", hospitals=frozenset({"gaon"}))
AUD = Principal("aud", "auditor")
ADM = Principal("adm", "admin")
DATASET = {"id": "hanbit-echo", "title": "Echo 2019", "hospital": {"id": "hanbit"}}
GOOD = Application(purpose="Heart failure outcomes", project="HF-2027", irb="HB-2026-0142", columns=("ef",))


@pytest.fixture
def store(state_location):
    """On each kind of state database (a SQLite file, PostgreSQL)."""
    s = AccessRequests(state_location)
    yield s
    s.close()


def test_a_request_goes_from_question_and_answer_to_a_decision_with_its_reason(store):
    r = store.submit(ANA, DATASET, GOOD)
    assert r["status"] == "submitted" and r["hospital"] == "hanbit" and r["columns"] == ["ef"]
    assert [x["id"] for x in store.inbox(SAM)] == [r["id"]] and store.inbox(SOL) == []
    assert store.inbox(ADM) and store.inbox(ANA) == []
    store.step(r["id"], SAM, "question", "Which years of echo do you need?")
    assert store.get(r["id"], ANA)["status"] == "questioned"
    with pytest.raises(Forbidden, match="only ana"):
        store.step(r["id"], SAM, "answer", "2019-2023")
    store.step(r["id"], ANA, "answer", "2019-2023")
    with pytest.raises(NotFound):  # a steward of another hospital does not even see it
        store.step(r["id"], SOL, "approve", "fine")
    with pytest.raises(Forbidden, match="only stewards of hanbit"):  # its author cannot decide on it
        store.step(r["id"], ANA, "approve", "fine")
    with pytest.raises(Invalid, match="reason") as missing:
        store.step(r["id"], SAM, "approve", "  ")
    assert missing.value.field == "body"
    done = store.step(r["id"], SAM, "approve", "IRB and purpose match the data use agreement")
    assert done["status"] == "approved" and done["decided_by"] == "sam" and "IRB" in done["reason"]
    assert [m["kind"] for m in done["messages"]] == ["question", "answer", "approve"]
    with pytest.raises(Conflict, match="approved"):
        store.step(r["id"], SAM, "reject", "changed my mind")
    with pytest.raises(Conflict):
        store.step(r["id"], ANA, "withdraw", "")
    assert store.mine(ANA)[0]["status"] == "approved"


def test_who_may_ask_and_who_may_see(store):
    with pytest.raises(Forbidden, match="auditor"):
        store.submit(AUD, DATASET, GOOD)
    r = store.submit(ANA, DATASET, GOOD)
    # another researcher of the same hospital is an outsider too
    for outsider in (SOL, AUD, Principal("bo", "researcher", hospitals=frozenset({"hanbit"}))):
        with pytest.raises(NotFound):  # not "forbidden": ids do not tell who asked for what
            store.get(r["id"], outsider)
    with pytest.raises(Invalid) as bad:
        store.step(r["id"], ANA, "grant", "x")
    assert bad.value.field == "step"
    assert store.step(r["id"], ANA, "withdraw", "")["status"] == "withdrawn"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"purpose": " "}, "purpose"),
        ({"project": ""}, "project"),
        ({"irb": ""}, "irb"),
        ({"purpose": "x" * 4001}, "purpose"),
        ({"columns": tuple(f"c{i}" for i in range(201))}, "columns"),
    ],
)
def test_an_incomplete_application_names_what_is_missing(store, change, field):
    with pytest.raises(Invalid) as exc:
        store.submit(ANA, DATASET, Application(**{**GOOD.__dict__, **change}))
    assert exc.value.field == field and field in exc.value.message
    assert store.mine(ANA) == []  # nothing half-written


def _hanbit_dataset(app) -> str:
    total, rows = app.extensions["hdcat"].datasets.page(1, 50, hospital="hanbit", members=True)
    return rows[0]["id"]


def test_the_journey_on_the_site_with_every_step_on_the_trail(app, people):
    local_id = _hanbit_dataset(app)
    anonymous = app.test_client().get(f"/datasets/{local_id}").get_data(as_text=True)
    assert "Sign in to request access" in anonymous
    ana = sign_in(app, "ana")
    page = ana.get(f"/datasets/{local_id}").get_data(as_text=True)
    assert f'href="/datasets/{local_id}/access-request"' in page
    form = ana.get(f"/datasets/{local_id}/access-request").get_data(as_text=True)
    incomplete = ana.post(
        f"/datasets/{local_id}/access-request",
        data={"csrf_token": csrf_token(form), "purpose": "Outcomes study", "project": "HF-2027", "irb": ""},
    )
    assert incomplete.status_code == 400 and "IRB" in incomplete.get_data(as_text=True)
    sent = ana.post(
        f"/datasets/{local_id}/access-request",
        data={
            "csrf_token": csrf_token(form),
            "purpose": "Outcomes study",
            "project": "HF-2027",
            "irb": "HB-2026-0142",
            "columns": "ef, lvedd\nbnp",
            "period": "2019-2023",
        },
    )
    assert sent.status_code == 302
    request_id = sent.headers["Location"].rsplit("/", 1)[-1]
    # the steward of the dataset's hospital has it in the inbox; a steward of another hospital cannot see it
    sam = sign_in(app, "sam")
    inbox = sam.get("/access-requests").get_data(as_text=True)
    assert request_id in inbox.split('id="inbox"')[1].split("</table>")[0]
    sol = sign_in(app, "sol")
    assert request_id not in sol.get("/access-requests").get_data(as_text=True)
    assert sol.get(f"/access-requests/{request_id}").status_code == 404
    shown = sam.get(f"/access-requests/{request_id}").get_data(as_text=True)
    assert "ef, lvedd, bnp" in shown and 'id="step-approve"' in shown and 'id="step-answer"' not in shown
    assert (
        sam.post(
            f"/access-requests/{request_id}/question",
            data={"csrf_token": csrf_token(shown), "body": "Do you need BNP?"},
        ).status_code
        == 302
    )
    mine = ana.get(f"/access-requests/{request_id}").get_data(as_text=True)
    assert "Do you need BNP?" in mine and 'id="step-answer"' in mine and 'id="step-approve"' not in mine
    ana.post(f"/access-requests/{request_id}/answer", data={"csrf_token": csrf_token(mine), "body": "Yes"})
    shown = sam.get(f"/access-requests/{request_id}").get_data(as_text=True)
    no_reason = sam.post(
        f"/access-requests/{request_id}/reject", data={"csrf_token": csrf_token(shown), "body": ""}
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.get_data(as_text=True)
    sam.post(
        f"/access-requests/{request_id}/approve",
        data={"csrf_token": csrf_token(shown), "body": "Matches the data use agreement"},
    )
    twice = sam.post(
        f"/access-requests/{request_id}/approve", data={"csrf_token": csrf_token(shown), "body": "x"}
    )
    assert twice.status_code == 409
    account = ana.get("/account").get_data(as_text=True)
    row = account.split('id="my-access-requests"')[1].split("</tr>", 2)[1]
    assert request_id in row and "approved" in row and "Matches the data use agreement" in row
    # every step on the tamper-evident trail, with who took it
    trail = app.extensions["hdcat.accounts"].audit_entries(200)
    steps = [(e["actor"], e["action"]) for e in reversed(trail) if e["target"] == request_id]
    assert steps == [
        ("ana", "access.submit"),
        ("sam", "access.question"),
        ("ana", "access.answer"),
        ("sam", "access.approve"),
    ]
    assert app.extensions["hdcat.accounts"].verify_audit()[0]


def test_an_auditor_is_refused_and_anonymous_visitors_are_sent_to_sign_in(app, people):
    local_id = _hanbit_dataset(app)
    r = app.test_client().get(f"/datasets/{local_id}/access-request")
    assert r.status_code in (302, 401) and "signin" in r.headers.get("Location", "signin")
    aud = sign_in(app, "aud")
    form = aud.get(f"/datasets/{local_id}/access-request").get_data(as_text=True)
    refused = aud.post(
        f"/datasets/{local_id}/access-request",
        data={"csrf_token": csrf_token(form), "purpose": "p", "project": "p", "irb": "i"},
    )
    assert refused.status_code == 403 and "auditor" in refused.get_data(as_text=True)
    assert not re.search(r'id="request-access"', aud.get(f"/datasets/{local_id}").get_data(as_text=True))


def test_the_timeline_lists_each_step_newest_first_for_those_who_take_part(store):
    first = store.submit(ANA, DATASET, GOOD)
    store.step(first["id"], SAM, "question", "Which years?")
    store.step(first["id"], ANA, "answer", "2019-2023")
    store.step(first["id"], SAM, "approve", "Fine")
    other = store.submit(Principal("bo", "researcher", hospitals=frozenset({"hanbit"})), DATASET, GOOD)
    steps = [(e["request"]["id"], e["kind"], e["status"]) for e in store.timeline(ANA)]
    assert steps == [
        (first["id"], "approve", "approved"),
        (first["id"], "answer", "submitted"),
        (first["id"], "question", "questioned"),
        (first["id"], "submit", "submitted"),
    ]
    assert {e["request"]["id"] for e in store.timeline(SAM)} == {first["id"], other["id"]}
    assert store.timeline(SOL) == [] and len(store.timeline(SAM, limit=2)) == 2
