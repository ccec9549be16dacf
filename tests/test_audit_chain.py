"""The audit trail cannot be cut, emptied, re-chained or forged without `hdcat audit verify` saying so,
and writers in several processes never fork it: on each kind of state database (a SQLite file,
PostgreSQL), with `state_location`."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import subprocess
from pathlib import Path

import pytest
import sqlalchemy
from hdcat.catalog.accounts import GENESIS, Accounts
from hdcat.catalog.audit_anchor import checkpoints, write_checkpoint
from hdcat.catalog.config import Settings
from hdcat.catalog.service import Catalog

from tests.conftest import HDCAT


@pytest.fixture
def trail(tmp_path, state_location):
    """A trail of 20 entries anchored by a checkpoint, in a real store on disk."""
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    acc = Accounts(state_location)
    for i in range(20):
        acc.audit("sam", "definition.publish", f"d{i}", {"i": i})
    assert write_checkpoint(cat.store, cat.base, acc) == acc.head()
    assert write_checkpoint(cat.store, cat.base, acc) is None  # that head is anchored already
    yield cat, acc, state_location
    acc.close()
    cat.close()


def verify(cat, acc):
    return acc.verify_audit(checkpoints(cat.store, cat.base))


#: dropping the append-only guards, as each database names them (catalog.state_db)
UNGUARD = {
    "sqlite": ("DROP TRIGGER IF EXISTS audit_no_update", "DROP TRIGGER IF EXISTS audit_no_delete"),
    "postgresql": (
        "DROP TRIGGER IF EXISTS audit_no_change ON audit",
        "DROP TRIGGER IF EXISTS audit_no_truncate ON audit",
    ),
}


def tamper(location, *statements):
    """What someone with write access to the state database can do: drop the append-only triggers and
    rewrite (statements: SQL, or (SQL, named parameters))."""
    from hdcat.catalog.state_db import StateDatabase

    db = StateDatabase(location)
    try:
        with db.writing() as conn:
            for s in UNGUARD["sqlite" if isinstance(location, Path) else "postgresql"]:
                conn.exec_driver_sql(s)
            for s in statements:
                sql, params = s if isinstance(s, tuple) else (s, {})
                conn.execute(sqlalchemy.text(sql), params)
    finally:
        db.close()


def rechain(location):
    """Recompute every hash after an edit, as an attacker without a key would."""
    from hdcat.catalog.state_db import StateDatabase

    db = StateDatabase(location)
    try:
        with db.writing() as conn:
            prev = GENESIS
            for seq, at, actor, action, target, detail, origin in conn.exec_driver_sql(
                "SELECT seq, at, actor, action, target, detail, origin FROM audit ORDER BY seq"
            ).all():
                body = json.dumps([prev, at, actor, action, target, detail, origin], ensure_ascii=False)
                digest = hashlib.sha256(body.encode()).hexdigest()
                conn.execute(
                    sqlalchemy.text("UPDATE audit SET prev_hash = :prev, hash = :hash WHERE seq = :seq"),
                    {"prev": prev, "hash": digest, "seq": seq},
                )
                prev = digest
    finally:
        db.close()


def test_an_untouched_trail_verifies(trail):
    cat, acc, _ = trail
    assert verify(cat, acc) == (True, 20, None)


def test_a_cut_tail_is_found(trail):
    cat, acc, path = trail
    tamper(path, "DELETE FROM audit WHERE seq > 15")
    intact, _, problem = verify(cat, acc)
    assert not intact and "entries 16–20 are missing" in problem


def test_an_emptied_trail_is_found(trail):
    cat, acc, path = trail
    tamper(path, "DELETE FROM audit")
    intact, _, problem = verify(cat, acc)
    assert not intact and "entries 1–20 are missing" in problem


def test_an_edit_re_chained_is_found(trail):
    cat, acc, path = trail
    tamper(path, "UPDATE audit SET actor = 'someone-else' WHERE seq = 7")
    assert not verify(cat, acc)[0]  # the chain alone catches the edit…
    rechain(path)
    assert acc.verify_audit() == (True, 20, None)  # …and misses it once re-chained, without the anchor
    intact, _, problem = verify(cat, acc)
    assert not intact and "entry 20 is not the entry the checkpoint saw" in problem


def test_a_forged_entry_fails_with_a_key(state_location, monkeypatch):
    monkeypatch.setenv("HDCAT_AUDIT_KEY", "k" * 32)
    acc = Accounts(state_location)
    for i in range(5):
        acc.audit("sam", "x", str(i), {})
    assert acc.verify_audit() == (True, 5, None)
    seq, head = acc.head()
    forged = hashlib.sha256(b"anything").hexdigest()
    tamper(
        state_location,
        (
            "INSERT INTO audit (at, actor, action, target, detail, origin, prev_hash, hash) "
            "VALUES ('2026-12-01T00:00:00+00:00', 'adm', 'user.add', 'mallory', '{}', "
            "'local', :head, :forged)",
            {"head": head, "forged": forged},
        ),
    )
    intact, _, problem = acc.verify_audit()
    assert not intact and "entry 6" in problem and "forged" in problem
    monkeypatch.delenv("HDCAT_AUDIT_KEY")
    intact, _, problem = acc.verify_audit()
    assert not intact and "HDCAT_AUDIT_KEY" in problem  # keyed entries cannot be checked without the key
    acc.close()


def _writer(location, name, count):
    acc = Accounts(location)
    for i in range(count):
        acc.audit(name, "x", str(i), {})
    acc.close()


def test_writers_in_three_processes_never_fork_the_chain(state_location):
    ctx = multiprocessing.get_context("spawn")
    # each process makes the tables too, at the same time (PostgreSQL: one after the other, under a lock)
    procs = [ctx.Process(target=_writer, args=(state_location, f"p{i}", 60)) for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    acc = Accounts(state_location)
    assert acc.verify_audit() == (True, 180, None)
    assert {e["actor"] for e in acc.audit_entries(-1)} == {"p0", "p1", "p2"}
    acc.close()


def test_a_run_is_recorded_once_whoever_records_it(state_location):
    """A worker writes its run's entry, a server sharing the trail records the same run late: one entry."""
    worker, server = Accounts(state_location), Accounts(state_location)  # as two processes
    try:
        assert worker.audit_run("sam", "balgeun", {"run": "run-1", "status": "changed"}) is not None
        late = {"run": "run-1", "status": "changed", "recorded_late": True}
        assert server.audit_run("hdcat", "balgeun", late) is None
        assert server.audit_run("hdcat", "balgeun", {**late, "run": "run-10"}) is not None  # not a prefix
        assert server.audited_runs() == {"run-1", "run-10"} and len(server.audit_entries(-1)) == 2
    finally:
        worker.close()
        server.close()


def test_the_command_line_verifies_against_the_checkpoints(tmp_path):
    env = {"HDCAT_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}

    def hdcat(*args):
        return subprocess.run(
            [*HDCAT, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for i in range(3):
        assert hdcat("users", "add", f"user{i}", "--role", "researcher").returncode == 0
    made = hdcat("audit", "checkpoint")
    assert made.returncode == 0 and "checkpoint at entry 3" in made.stdout, made.stderr
    ok = hdcat("audit", "verify")
    assert ok.returncode == 0 and "3 entries verified against 1 checkpoints" in ok.stdout
    tamper(tmp_path / "var" / "state.sqlite", "DELETE FROM audit WHERE seq = 3")
    bad = hdcat("audit", "verify")
    assert bad.returncode == 1 and "entries 3–3 are missing" in bad.stderr


def test_a_run_committed_without_its_audit_entry_gets_it_at_the_next_start(tmp_path):
    """The run record lives in the store and the audit entry in state.sqlite: a process killed between the
    two writes leaves a committed run without its entry. The next harvest (or server start) records it."""
    from hdcat.harvesters.runner import harvest_source

    from tests.conftest import ROOT, source

    data = tmp_path / "var"
    cat = Catalog(Settings(store_url=f"oxigraph:{data / 'store'}", data_dir=data))
    run = harvest_source(
        cat, source(ROOT / "harvesters/samples/consortium/balgeun/catalog.ttl", name="balgeun")
    )
    cat.close()  # as if killed here: committed, never audited
    acc = Accounts(data / "state.sqlite")
    assert run.id not in acc.audited_runs()
    acc.close()
    (tmp_path / "z.ttl").write_text(
        "<http://z.example/d> a <http://www.w3.org/ns/dcat#Dataset> ; "
        '<http://purl.org/dc/terms/title> "Z"@en .'
    )
    r = subprocess.run(
        [
            *HDCAT,
            "harvest",
            "dcat:z.ttl",
            "--hospital",
            "hanbit",
        ],
        cwd=tmp_path,
        env={"HDCAT_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    acc = Accounts(data / "state.sqlite")
    late = [e for e in acc.audit_entries(50) if e["action"] == "harvest.run" and e["detail"]["run"] == run.id]
    assert len(late) == 1 and late[0]["detail"]["recorded_late"] is True and late[0]["target"] == "balgeun"
    assert acc.verify_audit() == (True, len(acc.audit_entries(1000)), None)
    acc.close()
