"""Requests for access to a dataset: a researcher asks, the dataset's hospital decides.

The catalogue holds metadata only, so granting access happens at the hospital; what hdcat keeps is the
conversation that leads there (purpose, project, IRB approval, the columns and period wanted, the
stewards' questions and the decision with its reason), so a researcher can follow where a request stands
and an auditor can see who decided what. It lives beside the accounts and the audit trail in the state
database ({data_dir}/state.sqlite, or PostgreSQL shared by every process), never in the RDF graph.
Callers write each step to the audit trail.

A request moves: submitted → (question ↔ answer) → approved | rejected, or withdrawn by its author while
it is open. The EHDS data permit application and CKAN's ckanext-datarequests ask for the same things.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from hdcat.catalog.accounts import Principal
from hdcat.catalog.errors import Conflict, Forbidden, Invalid, NotFound
from hdcat.catalog.state_db import StatePart, sql

_TABLES = (
    """CREATE TABLE IF NOT EXISTS access_request (
    id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    dataset_title TEXT NOT NULL,
    hospital TEXT NOT NULL,
    requester TEXT NOT NULL,
    purpose TEXT NOT NULL,
    project TEXT NOT NULL,
    irb TEXT NOT NULL,
    columns TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    decided_by TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS access_request_by_hospital ON access_request (hospital, status)",
    "CREATE INDEX IF NOT EXISTS access_request_by_requester ON access_request (requester)",
    """CREATE TABLE IF NOT EXISTS access_message (
    seq {serial_key},
    request TEXT NOT NULL REFERENCES access_request (id),
    author TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
)""",
)

OPEN = ("submitted", "questioned")
STATUSES = (*OPEN, "approved", "rejected", "withdrawn")
#: what each step may follow, and who takes it: "steward" = a steward of the dataset's hospital (or an
#: admin), "requester" = the person who asked
STEPS = {
    "question": ("steward", ("submitted", "questioned"), "questioned"),
    "answer": ("requester", ("questioned",), "submitted"),
    "approve": ("steward", OPEN, "approved"),
    "reject": ("steward", OPEN, "rejected"),
    "withdraw": ("requester", OPEN, "withdrawn"),
}
LIMITS = {"purpose": 4000, "project": 300, "irb": 100, "period": 40, "body": 4000, "columns": 200}
#: who may ask: people of the consortium who read its data (auditors inspect, they do not request)
REQUESTER_ROLES = ("researcher", "steward", "admin")
DECIDER_ROLES = ("steward", "admin")


@dataclass(frozen=True)
class Application:
    """What a researcher fills in; checked before anything is written."""

    purpose: str
    project: str
    irb: str
    columns: tuple[str, ...] = ()
    period: str = ""

    def check(self) -> None:
        for name in ("purpose", "project", "irb"):
            if not getattr(self, name).strip():
                raise Invalid(f"{name!r} is required: {_WHY[name]}", field=name)
        for name in ("purpose", "project", "irb", "period"):
            if len(getattr(self, name)) > LIMITS[name]:
                raise Invalid(f"{name!r}: at most {LIMITS[name]} characters", field=name)
        if len(self.columns) > LIMITS["columns"]:
            raise Invalid(f"'columns': at most {LIMITS['columns']} columns", field="columns")


_WHY = {
    "purpose": "what the data will be used for",
    "project": "the research project's name",
    "irb": "the IRB (institutional review board) approval number",
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class AccessRequests(StatePart):
    TABLES = _TABLES

    def _rows(self, statement: str, **params) -> list:
        with self._db.connect() as conn:
            return conn.execute(sql(statement), params).all()

    # ---- writes ------------------------------------------------------------------------------
    def submit(self, who: Principal, dataset: dict, application: Application) -> dict:
        """A new request for `dataset` (its read-model record, as the requester may see it)."""
        if who.role not in REQUESTER_ROLES:
            raise Forbidden(f"{who.user} is a {who.role}; access is requested by researchers and stewards")
        hospital = (dataset.get("hospital") or {}).get("id")
        if not hospital:
            raise Invalid(f"dataset {dataset['id']!r} has no member hospital to ask", field="dataset")
        application.check()
        request_id = "ar-" + secrets.token_hex(6)
        at = _now()
        record = {
            "id": request_id,
            "dataset": dataset["id"],
            "dataset_title": dataset.get("title") or dataset["id"],
            "hospital": hospital,
            "requester": who.user,
            "purpose": application.purpose.strip(),
            "project": application.project.strip(),
            "irb": application.irb.strip(),
            "columns": json.dumps(list(application.columns), ensure_ascii=False),
            "period": application.period.strip(),
            "status": "submitted",
            "reason": None,
            "decided_by": None,
            "created": at,
            "updated": at,
        }
        with self._db.connect() as conn:
            conn.execute(
                sql(f"INSERT INTO access_request ({_COLUMNS}) VALUES ({_PLACES})"),
                record,
            )
        return self.get(request_id, who)

    def step(self, request_id: str, who: Principal, step: str, body: str) -> dict:
        """A question, an answer, a decision or a withdrawal, with its text (a decision's reason)."""
        if step not in STEPS:
            raise Invalid(f"step {step!r}: use one of {', '.join(STEPS)}", field="step")
        actor, allowed_from, to = STEPS[step]
        body = (body or "").strip()
        if not body and step != "withdraw":
            reason = " (the reason)" if step in ("approve", "reject") else ""
            raise Invalid(f"a {step} needs a text{reason}", field="body")
        if len(body) > LIMITS["body"]:
            raise Invalid(f"'body': at most {LIMITS['body']} characters", field="body")
        # checked and written in one writing transaction: two stewards deciding at once, in two
        # processes, cannot both find the request open
        with self._db.writing() as conn:
            current = self._get(conn, request_id, who)
            if not takes_part(who, current, actor):
                if actor == "steward":
                    raise Forbidden(f"only stewards of {current['hospital']} decide on this request")
                raise Forbidden(f"only {current['requester']}, who asked, can {step} this request")
            if current["status"] not in allowed_from:
                raise Conflict(f"the request is {current['status']}: it cannot be {_PAST[step]} now")
            at = _now()
            conn.execute(
                sql(
                    "INSERT INTO access_message (request, author, kind, body, at) "
                    "VALUES (:request, :author, :kind, :body, :at)"
                ),
                {"request": request_id, "author": who.user, "kind": step, "body": body, "at": at},
            )
            decided = step in ("approve", "reject")
            conn.execute(
                sql(
                    "UPDATE access_request SET status = :status, updated = :at, reason = COALESCE(:reason, "
                    "reason), decided_by = COALESCE(:decided_by, decided_by) WHERE id = :id"
                ),
                {
                    "status": to,
                    "at": at,
                    "reason": body if decided else None,
                    "decided_by": who.user if decided else None,
                    "id": request_id,
                },
            )
        return self.get(request_id, who)

    # ---- reads -------------------------------------------------------------------------------
    def get(self, request_id: str, who: Principal) -> dict:
        """One request with its conversation, for its author and the stewards who decide on it (anyone
        else is told it does not exist, so ids do not leak who asked for what)."""
        with self._db.connect() as conn:
            return self._get(conn, request_id, who)

    def _get(self, conn, request_id: str, who: Principal) -> dict:
        row = conn.execute(
            sql(f"SELECT {_COLUMNS} FROM access_request WHERE id = :id"), {"id": request_id}
        ).first()
        record = _record(row) if row else None
        if record is None or not (record["requester"] == who.user or decides(who, record["hospital"])):
            raise NotFound(f"no access request {request_id!r}")
        record["messages"] = [
            {"author": a, "kind": k, "body": b, "at": at}
            for a, k, b, at in conn.execute(
                sql("SELECT author, kind, body, at FROM access_message WHERE request = :id ORDER BY seq"),
                {"id": request_id},
            )
        ]
        return record

    def mine(self, who: Principal) -> list[dict]:
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM access_request WHERE requester = :user ORDER BY updated DESC",
            user=who.user,
        )
        return [_record(r) for r in rows]

    def inbox(self, who: Principal, status: str | None = None) -> list[dict]:
        """The requests a steward decides on (an admin: all), open ones first, newest first."""
        if status is not None and status not in STATUSES:
            raise Invalid(f"status {status!r}: use one of {', '.join(STATUSES)}", field="status")
        if who.role not in DECIDER_ROLES:
            return []
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM access_request "
            + ("WHERE status = :status " if status is not None else "")
            + "ORDER BY status NOT IN ('submitted', 'questioned'), updated DESC",
            status=status,
        )
        return [r for r in map(_record, rows) if decides(who, r["hospital"])]

    def timeline(self, who: Principal, limit: int = 50) -> list[dict]:
        """What happened to the requests `who` asked or decides on, newest first: each submission and each
        later step, with the status it left the request in (for the person's feed)."""
        requests = {r["id"]: r for r in (*self.mine(who), *self.inbox(who))}
        events = [
            {"request": r, "seq": 0, "kind": "submit", "author": r["requester"], "at": r["created"]}
            for r in requests.values()
        ]
        from sqlalchemy import bindparam

        ids = list(requests)
        in_ids = sql(
            "SELECT seq, request, author, kind, at FROM access_message WHERE request IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        with self._db.connect() as conn:
            for start in range(0, len(ids), 500):  # SQLite's bound on parameters a statement
                rows = conn.execute(in_ids, {"ids": ids[start : start + 500]})
                events += [
                    {"request": requests[rid], "seq": seq, "kind": kind, "author": author, "at": at}
                    for seq, rid, author, kind, at in rows
                ]
        for event in events:
            event["status"] = "submitted" if event["kind"] == "submit" else STEPS[event["kind"]][2]
        events.sort(key=lambda e: (e["at"], e["seq"]), reverse=True)
        return events[:limit]


def decides(who: Principal, hospital: str) -> bool:
    """Stewards of the dataset's hospital and admins decide; a researcher of that hospital does not."""
    return who.role in DECIDER_ROLES and who.acts_for(hospital)


def takes_part(who: Principal, record: dict, actor: str) -> bool:
    """Is `who` the request's `actor` ("steward": decides for its hospital; "requester": asked)?"""
    return decides(who, record["hospital"]) if actor == "steward" else who.user == record["requester"]


def next_steps(who: Principal, record: dict) -> list[str]:
    """The steps `who` may take on the request now, in the order a page offers them."""
    return [
        step
        for step, (actor, allowed_from, _to) in STEPS.items()
        if record["status"] in allowed_from and takes_part(who, record, actor)
    ]


_PAST = {"question": "questioned", "answer": "answered", "approve": "approved", "reject": "rejected"}
_PAST["withdraw"] = "withdrawn"
#: a request's columns, in the order its table has them (catalog/state_copy.py copies them too)
REQUEST_FIELDS = (
    "id",
    "dataset",
    "dataset_title",
    "hospital",
    "requester",
    "purpose",
    "project",
    "irb",
    "columns",
    "period",
    "status",
    "reason",
    "decided_by",
    "created",
    "updated",
)
_COLUMNS = ", ".join(REQUEST_FIELDS)
_PLACES = ", ".join(f":{f}" for f in REQUEST_FIELDS)


def _record(row) -> dict:
    record = dict(zip(REQUEST_FIELDS, row, strict=True))
    record["columns"] = json.loads(record["columns"])
    return record
