"""The audit trail cannot be cut, emptied, re-chained or forged without `hdcat audit verify` saying so,
and writers in several processes never fork it."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sqlite3
import subprocess
import sys

import pytest
from hdcat.catalog.accounts import GENESIS, Accounts
from hdcat.catalog.audit_anchor import checkpoints, write_checkpoint
from hdcat.catalog.config import Settings
from hdcat.catalog.service import Catalog


@pytest.fixture
def trail(tmp_path):
    """A trail of 20 entries anchored by a checkpoint, in a real store on disk."""
    cat = Catalog(Settings(store_url=f"oxigraph:{tmp_path / 'store'}", data_dir=tmp_path))
    acc = Accounts(tmp_path / "state.sqlite")
    for i in range(20):
        acc.audit("sam", "definition.publish", f"d{i}", {"i": i})
    assert write_checkpoint(cat.store, cat.base, acc) == acc.head()
    yield cat, acc, tmp_path / "state.sqlite"
    acc.close()
    cat.close()


def verify(cat, acc):
    return acc.verify_audit(checkpoints(cat.store, cat.base))


def tamper(path, *statements):
    """What someone with write access to state.sqlite can do: drop the append-only triggers and rewrite."""
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER IF EXISTS audit_no_update")
    db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    for s in statements:
        db.execute(*s) if isinstance(s, tuple) else db.execute(s)
    db.commit()
    db.close()


def rechain(path):
    """Recompute every hash after an edit, as an attacker without a key would."""
    db = sqlite3.connect(path)
    prev = GENESIS
    for seq, at, actor, action, target, detail, origin in db.execute(
        "SELECT seq, at, actor, action, target, detail, origin FROM audit ORDER BY seq"
    ).fetchall():
        body = json.dumps([prev, at, actor, action, target, detail, origin], ensure_ascii=False)
        digest = hashlib.sha256(body.encode()).hexdigest()
        db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest
    db.commit()
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
    tamper(path, ("UPDATE audit SET actor = 'someone-else' WHERE seq = 7",))
    assert not verify(cat, acc)[0]  # the chain alone catches the edit…
    rechain(path)
    assert acc.verify_audit() == (True, 20, None)  # …and misses it once re-chained, without the anchor
    intact, _, problem = verify(cat, acc)
    assert not intact and "entry 20 is not the entry the checkpoint saw" in problem


def test_a_forged_entry_fails_with_a_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HDCAT_AUDIT_KEY", "k" * 32)
    acc = Accounts(tmp_path / "state.sqlite")
    for i in range(5):
        acc.audit("sam", "x", str(i), {})
    assert acc.verify_audit() == (True, 5, None)
    seq, head = acc.head()
    forged = hashlib.sha256(b"anything").hexdigest()
    tamper(
        tmp_path / "state.sqlite",
        (
            "INSERT INTO audit (at, actor, action, target, detail, origin, prev_hash, hash) "
            "VALUES ('2026-12-01T00:00:00+00:00', 'adm', 'user.add', 'mallory', '{}', "
            "'local', ?, ?)",
            (head, forged),
        ),
    )
    intact, _, problem = acc.verify_audit()
    assert not intact and "entry 6" in problem and "forged" in problem
    monkeypatch.delenv("HDCAT_AUDIT_KEY")
    intact, _, problem = acc.verify_audit()
    assert not intact and "HDCAT_AUDIT_KEY" in problem  # keyed entries cannot be checked without the key
    acc.close()


def _writer(path, name, count):
    acc = Accounts(path)
    for i in range(count):
        acc.audit(name, "x", str(i), {})
    acc.close()


def test_writers_in_three_processes_never_fork_the_chain(tmp_path):
    path = tmp_path / "state.sqlite"
    Accounts(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, f"p{i}", 60)) for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    acc = Accounts(path)
    assert acc.verify_audit() == (True, 180, None)
    acc.close()


def test_the_command_line_verifies_against_the_checkpoints(tmp_path):
    env = {"HDCAT_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"}

    def hdcat(*args):
        return subprocess.run(
            [sys.executable, "-c", "from hdcat.web.cli import run; run()", *args],
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
            sys.executable,
            "-c",
            "from hdcat.web.cli import run; run()",
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
