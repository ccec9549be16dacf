"""Tokens, scopes and the tamper-evident audit trail, on each kind of state database (a SQLite file,
PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from hdcat.catalog.accounts import Accounts
from hdcat.catalog.config import Settings
from hdcat.catalog.errors import Conflict, Invalid
from hdcat.catalog.service import Catalog

#: an OpenLineage run event as a hospital's ETL sends it (written here; the real-world ones are in
#: test_lineage)
APPLE = {
    "eventType": "COMPLETE",
    "eventTime": "2026-11-02T03:00:00Z",
    "producer": "https://hanbit.example/etl",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "0193c2a4-8f6e-7c3a-9d55-3f2b1e0a6b11"},
    "job": {"namespace": "hanbit-etl", "name": "load_visits"},
    "inputs": [{"namespace": "postgres://hanbit-db:5432", "name": "emr.visits"}],
    "outputs": [{"namespace": "postgres://hanbit-db:5432", "name": "cdm.visit_occurrence"}],
}


@pytest.fixture
def acc(state_location):
    a = Accounts(state_location)
    yield a
    a.close()


def raw_sql(location, statement: str, **params) -> None:
    """What someone with write access to the state database can run, beside hdcat."""
    from hdcat.catalog.state_db import StateDatabase

    db = StateDatabase(location)
    try:
        with db.connect() as conn:
            conn.execute(sqlalchemy.text(statement), params)
    finally:
        db.close()


def stored_text(location) -> str:
    """Everything the state holds, as text: the file's bytes, or every row of the tables with secrets."""
    if isinstance(location, Path):  # the file and its write-ahead log, where recent writes are
        files = [location, location.with_name(location.name + "-wal")]
        return "".join(f.read_bytes().decode("utf-8", errors="replace") for f in files if f.exists())
    from hdcat.catalog.state_db import StateDatabase

    db = StateDatabase(location)
    try:
        with db.connect() as conn:
            return repr([conn.exec_driver_sql(f"SELECT * FROM {t}").all() for t in ("tokens", "audit")])
    finally:
        db.close()


@pytest.fixture
def app(tmp_path, acc):
    from hdcat.web.app import create_app

    cat = Catalog(Settings(store_url="memory:", data_dir=tmp_path))
    return create_app(catalog=cat, accounts=acc)


def test_lineage_writes_need_a_token_with_the_scope(app, acc):
    c = app.test_client()
    r = c.post("/api/v1/lineage", json=APPLE)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "lineage:write" in r.get_json()["message"]
    acc.add_user("reader", "auditor")
    _, audit_only = acc.issue_token("reader", ["audit:read"])
    r = c.post("/api/v1/lineage", json=APPLE, headers={"Authorization": f"Bearer {audit_only}"})
    assert r.status_code == 403
    acc.add_user("etl", "steward", ["hanbit"])
    token_id, writer = acc.issue_token("etl", ["lineage:write"])
    assert (
        c.post("/api/v1/lineage", json=APPLE, headers={"Authorization": f"Bearer {writer}"}).status_code
        == 201
    )
    acc.revoke_token(token_id)
    assert (
        c.post("/api/v1/lineage", json=APPLE, headers={"Authorization": f"Bearer {writer}"}).status_code
        == 401
    )
    _, second = acc.issue_token("etl", ["lineage:write"])
    acc.disable_user("etl")
    assert (
        c.post("/api/v1/lineage", json=APPLE, headers={"Authorization": f"Bearer {second}"}).status_code
        == 401
    )
    assert (
        c.post("/api/v1/lineage", json=APPLE, headers={"Authorization": "Bearer hdcat_guess"}).status_code
        == 401
    )


def test_tokens_are_stored_hashed_and_scoped(acc, state_location):
    acc.add_user("s1", "steward", ["hanbit"])
    token_id, secret = acc.issue_token("s1", ["lineage:write"])
    raw = stored_text(state_location)
    assert token_id in raw and secret not in raw and secret[len("hdcat_") :] not in raw
    with pytest.raises(Invalid, match="scope"):
        acc.issue_token("s1", ["everything"])
    with pytest.raises(Invalid, match="may not act for"):
        acc.issue_token("s1", ["lineage:write"], hospitals=["gaon"])
    with pytest.raises(Conflict):
        acc.add_user("s1", "steward")
    principal = acc.authenticate(secret)
    assert principal.user == "s1" and principal.hospitals == {"hanbit"} and principal.token_id == token_id


def test_a_tokens_last_use_is_written_at_most_once_a_minute(acc, state_location):
    """Every authentication used to write `last_used` (a disk sync a request); now a minute apart at most."""
    acc.add_user("s1", "steward", ["hanbit"])
    token_id, secret = acc.issue_token("s1", ["lineage:write"])

    def last_used():
        return next(t for t in acc.tokens("s1") if t["id"] == token_id)["last_used"]

    assert last_used() is None
    acc.authenticate(secret)
    first = last_used()
    assert first is not None
    acc.authenticate(secret)
    assert last_used() == first  # within the minute: not written again
    earlier = (datetime.fromisoformat(first) - timedelta(minutes=2)).isoformat()
    raw_sql(state_location, "UPDATE tokens SET last_used = :at WHERE id = :id", at=earlier, id=token_id)
    acc.authenticate(secret)
    assert datetime.fromisoformat(last_used()) > datetime.fromisoformat(earlier) + timedelta(minutes=1)


#: the append-only guards, as each database names them (catalog.state_db)
GUARDS = {
    "sqlite": ("DROP TRIGGER audit_no_update",),
    "postgresql": ("DROP TRIGGER audit_no_change ON audit",),
}


def test_audit_chain_detects_edits_and_deletions(app, acc, state_location):
    acc.add_user("etl", "steward", ["hanbit"])
    _, writer = acc.issue_token("etl", ["lineage:write"])
    app.test_client().post("/api/v1/lineage", json=APPLE, headers={"Authorization": f"Bearer {writer}"})
    acc.add_user("aud", "auditor")
    _, reader = acc.issue_token("aud", ["audit:read"])
    body = app.test_client().get("/api/v1/audit", headers={"Authorization": f"Bearer {reader}"}).get_json()
    actions = [e["action"] for e in body["entries"]]
    assert body["intact"] and {"user.add", "token.issue", "lineage.event"} <= set(actions)
    assert actions[0] == "audit.read"  # the auditor's read is itself recorded
    assert acc.verify_audit()[0]
    changes = ["UPDATE audit SET actor = 'someone else' WHERE seq = 1", "DELETE FROM audit WHERE seq = 1"]
    if not isinstance(state_location, Path):
        changes.append("TRUNCATE audit")  # PostgreSQL's way to empty a table without deleting rows
    for change in changes:
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
            raw_sql(state_location, change)
    # someone with write access drops the guard and edits an entry: the chain shows it
    for statement in GUARDS["sqlite" if isinstance(state_location, Path) else "postgresql"]:
        raw_sql(state_location, statement)
    raw_sql(state_location, "UPDATE audit SET actor = 'someone else' WHERE seq = 2")
    intact, _, problem = acc.verify_audit()
    assert not intact and "entry 2 was changed" in problem


def test_audit_export_csv_and_prov(app, acc):
    import csv
    import io

    from hdcat.ontology import PROV
    from rdflib import Graph
    from rdflib.namespace import RDF

    acc.add_user("aud", "auditor")
    _, reader = acc.issue_token("aud", ["audit:read"])
    c = app.test_client()
    auth = {"Authorization": f"Bearer {reader}"}
    rows = list(csv.DictReader(io.StringIO(c.get("/api/v1/audit/export.csv", headers=auth).data.decode())))
    assert [r["action"] for r in rows][:2] == ["user.add", "token.issue"]
    g = Graph().parse(data=c.get("/api/v1/audit/export.ttl", headers=auth).data, format="turtle")
    assert len(list(g.subjects(RDF.type, PROV.Activity))) >= 3  # the first export is recorded too
    assert c.get("/api/v1/audit/export.csv").status_code == 401
    assert c.get("/api/v1/audit/export.xml", headers=auth).status_code == 400


def test_oversized_requests_get_413_json(app, acc):
    acc.add_user("etl", "steward", ["hanbit"])
    _, writer = acc.issue_token("etl", ["lineage:write"])
    r = app.test_client().post(
        "/api/v1/lineage",
        data=b"x" * (3 * 1024 * 1024),
        content_type="application/json",
        headers={"Authorization": f"Bearer {writer}"},
    )
    assert r.status_code in (400, 413) and r.is_json and "bytes" in r.get_json()["message"]


def test_the_trail_is_filtered_by_person_action_and_days(app, acc, monkeypatch):
    acc.add_user("aud", "auditor")
    acc.add_user("sam", "steward", ["hanbit"])
    _, reader = acc.issue_token("aud", ["audit:read"])
    acc.issue_token("sam", ["lineage:write"])
    # an entry written on another day (the clock set back while it is written; the chain stays whole)
    from datetime import UTC, datetime

    from hdcat.catalog import accounts as accounts_module

    with monkeypatch.context() as m:
        m.setattr(accounts_module, "_now", lambda: datetime(2026, 1, 15, 9, tzinfo=UTC))
        acc.audit("sam", "definition.publish", "cardio 1.0.0", {"note": "first"})
    c = app.test_client()
    auth = {"Authorization": f"Bearer {reader}"}

    def entries(**args):
        r = c.get("/api/v1/audit", query_string={"size": 1000, **args}, headers=auth)
        assert r.status_code == 200, r.get_json()
        return [e for e in r.get_json()["entries"] if e["action"] != "audit.read"]

    everything = entries()
    by_sam = entries(actor="sam")
    assert by_sam and {e["actor"] for e in by_sam} == {"sam"} and len(by_sam) < len(everything)
    issued = entries(action="token.issue")
    assert {e["action"] for e in issued} == {"token.issue"} and len(issued) == 2
    january = entries(since="2026-01-01", until="2026-01-31")
    assert [e["detail"].get("note") for e in january] == ["first"]
    assert "first" not in [e["detail"].get("note") for e in entries(since="2026-01-16")]
    assert [e["detail"].get("note") for e in entries(until="2026-01-15")] == ["first"]  # the whole last day
    for bad, field in (
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "until"),
    ):
        r = c.get("/api/v1/audit", query_string=bad, headers=auth)
        assert r.status_code == 400 and r.get_json()["field"] == field
    # the page: the lists name who and what the trail holds, times say their zone, details are readable
    from tests.conftest import csrf_token

    acc.add_user("aud2", "auditor", password="correct horse battery staple")
    site = app.test_client()
    token = csrf_token(site.get("/signin").get_data(as_text=True))
    site.post(
        "/signin", data={"name": "aud2", "password": "correct horse battery staple", "csrf_token": token}
    )
    html = site.get("/audit", query_string={"actor": "sam", "since": "2026-01-01"}).get_data(as_text=True)
    assert '<option value="sam" selected>sam</option>' in html and '<option value="token.issue">' in html
    assert (
        'id="chain" class="ok"' in html
        and "2026-01-15 09:00:00 UTC" in html
        and "<dt>note</dt><dd>first</dd>" in html
    )
    assert 'href="/audit?page=2' not in html or "actor=sam" in html


#: the accounts' tables as hdcat wrote them before the state could live in PostgreSQL (sqlite3's own
#: script, `user` unquoted): a deployment's existing state.sqlite
SCHEMA_BEFORE = """
CREATE TABLE users (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, hospitals TEXT NOT NULL, password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), secret_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL, hospitals TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL,
  revoked TEXT, last_used TEXT);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT NOT NULL, detail TEXT NOT NULL, origin TEXT NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), started TEXT NOT NULL, ended TEXT);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""


def test_a_state_file_from_before_keeps_working_with_the_same_tables(tmp_path):
    import contextlib
    import sqlite3

    path = tmp_path / "state.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(SCHEMA_BEFORE)
        db.execute("INSERT INTO users VALUES ('old', 'steward', '[\"hanbit\"]', NULL, 0, '2026-01-01')")
        db.commit()
    acc = Accounts(path)
    try:
        _, secret = acc.issue_token("old", ["lineage:write"])
        assert acc.authenticate(secret).user == "old" and acc.verify_audit() == (True, 1, None)
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
            raw_sql(path, "DELETE FROM audit")
    finally:
        acc.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"users", "tokens", "audit", "sessions", "sqlite_sequence"}
