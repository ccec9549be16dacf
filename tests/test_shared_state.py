"""Two `hdcat serve` processes with data folders of their own and one PostgreSQL state ([service] state):
a user added once signs in on either, a token revoked through one is refused by the other, and what both
write to the audit trail is one chain `hdcat audit verify` accepts.

Real processes (the embedded store and index in each folder, as on two machines) and the real PostgreSQL
of `scripts/services start postgres`, a database of its own for the test.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hdcat.catalog.accounts import Accounts
from hdcat.catalog.config import load_settings
from hdcat.catalog.errors import ConfigError

from tests.conftest import HDCAT, csrf_token, fresh_database, postgres_url
from tests.test_service import Server, _env, write_config

pytestmark = pytest.mark.timeout(300)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def state_url():
    with fresh_database("hdcat_state") as url:
        yield url


def hdcat(folder, env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*HDCAT, "--config", str(folder / "hdcat.toml")] + list(args),
        cwd=folder,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def lineage_event(job: str) -> dict:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-02T03:00:00Z",
        "producer": "https://hanbit.example/etl",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "hanbit-etl", "name": job},
        "inputs": [{"namespace": "postgres://hanbit-db:5432", "name": "emr.visits"}],
        "outputs": [{"namespace": "postgres://hanbit-db:5432", "name": "cdm.visit_occurrence"}],
    }


def test_two_site_processes_share_users_tokens_sessions_and_one_audit_trail(tmp_path, state_url):
    folders = [tmp_path / "site-a", tmp_path / "site-b"]
    envs = []
    for folder in folders:
        folder.mkdir()
        write_config(folder, "")
        envs.append(_env(folder, HDCAT_STATE_URL=state_url, HDCAT_SECRET_KEY="s" * 64))
    # both start at once on the empty database: one creates the tables, the other waits for it
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(Server, folders, envs)
    try:
        assert a.get("/readyz").json()["state"] == {"ok": True, "kind": "postgresql"}
        r = hdcat(folders[0], envs[0], "users", "add", "sam", "--role", "steward", "--hospital", "hanbit",
                  "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
        assert r.returncode == 0, r.stderr
        r = hdcat(folders[1], envs[1], "tokens", "issue", "--user", "sam", "--scope", "lineage:write")
        assert r.returncode == 0, r.stderr
        secret = r.stdout.strip().splitlines()[-1]
        token_id = re.search(r"token (\w+) for sam", r.stderr).group(1)
        bearer = {"Authorization": f"Bearer {secret}"}

        # the token works on both; writes from both processes at once go on the one trail
        def post(server_and_job):
            server, job = server_and_job
            return server.post("/api/v1/lineage", json=lineage_event(job), headers=bearer).status_code

        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(post, [(a, "load_a"), (b, "load_b")] * 6))
        assert codes == [201] * 12

        # signed in on A, the session is good on B (shared sessions table and HDCAT_SECRET_KEY)
        with httpx.Client(timeout=30) as browser:  # both sites are 127.0.0.1: one cookie jar
            token = csrf_token(browser.get(a.url + "/signin").text)
            signed_in = browser.post(
                a.url + "/signin", data={"name": "sam", "password": PASSWORD, "csrf_token": token}
            )
            assert signed_in.status_code == 302, signed_in.text[:500]
            page = browser.get(b.url + "/account")
            assert page.status_code == 200 and "sam" in page.text
            assert token_id in page.text  # B lists the token the CLI issued
            # revoked through A's account page…
            revoked = browser.post(
                f"{a.url}/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page.text)}
            )
            assert revoked.status_code == 302
            # signed out on B, the session is over on A as well: the cookie from before, replayed, is refused
            page = browser.get(b.url + "/account")
            before = dict(browser.cookies)
            assert httpx.get(a.url + "/account", cookies=before).status_code == 200
            signed_out = browser.post(b.url + "/signout", data={"csrf_token": csrf_token(page.text)})
            assert signed_out.status_code == 302
        assert httpx.get(a.url + "/account", cookies=before).status_code == 302  # to the sign-in page
        # sign-in attempts are counted by both processes together (10 a minute from one address): one was
        # made above; five wrong ones on A and four on B reach the limit, and both refuse the next
        with httpx.Client(timeout=30) as guesser:
            token = csrf_token(guesser.get(a.url + "/signin").text)
            wrong = {"name": "sam", "password": "wrong horse", "csrf_token": token}
            codes = [guesser.post(site.url + "/signin", data=wrong).status_code for site in [a] * 5 + [b] * 4]
            assert 429 not in codes, codes
            for site in (b, a):
                refused = guesser.post(site.url + "/signin", data=wrong)
                assert refused.status_code == 429 and "Retry-After" in refused.headers, refused.text[:300]
        # …and refused by B
        refused = b.post("/api/v1/lineage", json=lineage_event("load_b"), headers=bearer)
        assert refused.status_code == 401, refused.text
    finally:
        for server in (a, b):
            assert server.stop() == 0, server.output()

    acc = Accounts(state_url)
    try:
        entries = acc.audit_entries(-1)
    finally:
        acc.close()
    targets = [e["target"] for e in entries if e["action"] == "lineage.event"]
    assert sorted(targets) == ["hanbit-etl:load_a"] * 6 + ["hanbit-etl:load_b"] * 6
    assert {"user.add", "token.issue", "session.signin", "token.revoke", "session.signout"} <= {
        e["action"] for e in entries
    }
    for folder, env in zip(folders, envs, strict=True):  # each checks the chain against its own checkpoints
        verified = hdcat(folder, env, "audit", "verify")
        assert verified.returncode == 0, verified.stderr
        said = rf"intact: {len(entries)} entries verified against [1-9]\d* checkpoints"
        assert re.search(said, verified.stdout), verified.stdout


def test_the_state_setting_is_read_from_the_file_and_the_environment(tmp_path):
    path = tmp_path / "hdcat.toml"
    assert load_settings(None, env={}).service.state == ""  # the data folder's state.sqlite
    path.write_text('[service]\nstate = "postgresql://hdcat@127.0.0.1:5432/state"\n')
    assert load_settings(path, env={}).service.state == "postgresql://hdcat@127.0.0.1:5432/state"
    override = {"HDCAT_STATE_URL": "postgresql://other@127.0.0.1/s"}
    assert load_settings(path, env=override).service.state == "postgresql://other@127.0.0.1/s"
    with pytest.raises(ConfigError, match="HDCAT_STATE_URL"):
        load_settings(path, env={"HDCAT_STATE_URL": "sqlite:///x"})
    path.write_text('[service]\nstate = "mysql://x"\n')
    with pytest.raises(ConfigError, match=r"\[service\] state"):
        load_settings(path, env={})


def test_a_state_database_nobody_answers_at_is_said_without_its_password(tmp_path):
    write_config(tmp_path, "")
    env = _env(tmp_path, HDCAT_STATE_URL="postgresql://hdcat:secret@127.0.0.1:9/state")
    r = hdcat(tmp_path, env, "users", "list")
    said = " ".join(r.stderr.split())
    assert r.returncode == 2 and "the state database at postgresql://hdcat:***@127.0.0.1:9/state" in said, (
        said
    )
    assert "secret" not in said and "HDCAT_STATE_URL" in said


def test_a_single_servers_state_is_copied_into_postgresql_with_its_chain(tmp_path, state_url):
    from hdcat.catalog.access_requests import AccessRequests, Application
    from hdcat.catalog.accounts import Principal

    write_config(tmp_path, "")
    env = _env(tmp_path)  # no HDCAT_STATE_URL: the data folder's state.sqlite is the source
    local = tmp_path / "var" / "state.sqlite"
    acc, requests = Accounts(local), AccessRequests(local)
    acc.add_user("ana", "researcher", ["hanbit"], PASSWORD)
    _, secret = acc.issue_token("ana", ["access:write"])
    ana = Principal("ana", "researcher", hospitals=frozenset({"hanbit"}))
    dataset = {"id": "hanbit-echo", "title": "Echo 2019", "hospital": {"id": "hanbit"}}
    asked = requests.submit(ana, dataset, Application(purpose="HF outcomes", project="HF-2027", irb="HB-1"))
    requests.step(
        asked["id"], Principal("sam", "steward", hospitals=frozenset({"hanbit"})), "question", "Years?"
    )
    head = acc.head()
    acc.close()
    requests.close()

    r = hdcat(tmp_path, env, "state", "copy", "--to", state_url)
    assert r.returncode == 0, r.stderr
    assert f"{head[0]} entries, the same head" in " ".join(r.stdout.split())
    copied, copied_requests = Accounts(state_url), AccessRequests(state_url)
    try:
        assert copied.head() == head and copied.verify_audit() == (True, head[0], None)
        assert copied.check_password("ana", PASSWORD) and copied.authenticate(secret).user == "ana"
        copied.audit("adm", "user.disable", "nobody", {})  # the chain and its numbering go on
        assert copied.head()[0] == head[0] + 1 and copied.verify_audit()[0]
        after = copied_requests.step(asked["id"], ana, "answer", "2019-2023")
        assert [m["kind"] for m in after["messages"]] == ["question", "answer"]
    finally:
        copied.close()
        copied_requests.close()
    again = hdcat(tmp_path, env, "state", "copy", "--to", state_url)
    assert again.returncode == 2 and "already holds users" in " ".join(again.stderr.split())


def test_a_state_database_gone_away_is_a_503_naming_it(tmp_path, state_url):
    import psycopg
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog
    from hdcat.web.app import create_app

    acc = Accounts(state_url)
    acc.add_user("aud", "auditor")
    _, secret = acc.issue_token("aud", ["audit:read"])
    app = create_app(catalog=Catalog(Settings(store_url="memory:", data_dir=tmp_path)), accounts=acc)
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/audit", headers=bearer).status_code == 200
    name = state_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
    r = client.get("/api/v1/audit", headers=bearer)
    assert r.status_code == 503 and r.get_json()["error"] == "state_unavailable", r.get_data(as_text=True)
    assert f"the state database at {state_url}" in r.get_json()["message"]
    state = client.get("/readyz").get_json()["state"]
    assert state["ok"] is False and "the state database at" in state["error"]
    assert client.get("/datasets").status_code == 200  # public pages do without it
    acc.close()


def test_a_workers_run_is_on_the_shared_trail_once_naming_who_asked(tmp_path, state_url):
    """`hdcat harvest` enqueues, an `hdcat worker` in a data folder of its own runs the job: with one state
    the worker's entry is on the trail everyone reads, and a server looking for runs other processes
    left unrecorded (web/app.py's _AuditCatchUp) finds none to add."""
    import shutil

    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog
    from hdcat.web import operations

    from tests.conftest import ROOT, fresh_store_url
    from tests.test_harvest_workers import Worker, _enqueue, _runs

    store = fresh_store_url("fuseki", tmp_path)
    shutil.copy(ROOT / "harvesters/samples/consortium/balgeun/catalog.ttl", tmp_path / "balgeun.ttl")
    write_config(
        tmp_path,
        '[[sources]]\nname = "balgeun-dcat"\nhospital = "balgeun"\nkind = "dcat"\nlocation = "balgeun.ttl"\n'
        'schedule = "manual"\n',
    )
    with fresh_database("hdcat_queue") as queue_url:
        env = _env(tmp_path, HDCAT_STORE=store, HDCAT_QUEUE_URL=queue_url, HDCAT_STATE_URL=state_url)
        asking = _enqueue(tmp_path, env, "balgeun-dcat")
        (tmp_path / "worker").mkdir()
        shutil.copy(tmp_path / "hdcat.toml", tmp_path / "worker" / "hdcat.toml")
        shutil.copy(tmp_path / "balgeun.ttl", tmp_path / "worker" / "balgeun.ttl")
        worker = Worker(tmp_path / "worker", env, "--until-empty")
        try:
            _, err = asking.communicate(timeout=180)
            assert asking.returncode == 0, err
            assert worker.proc.wait(120) == 0, worker.output()
        finally:
            worker.stop()
            if asking.poll() is None:
                asking.kill()
    (run,) = _runs(store, tmp_path)
    acc = Accounts(state_url)
    catalog = Catalog(Settings(store_url=store, data_dir=tmp_path / "server"))
    try:
        entries = [e for e in acc.audit_entries(-1) if e["action"] == "harvest.run"]
        assert [e["detail"]["run"] for e in entries] == [run["id"]]
        assert entries[0]["actor"].startswith("cli:") and "recorded_late" not in entries[0]["detail"]
        # what the server does when it sees another process wrote to the graph: nothing left to record
        assert operations.reconcile_harvest_audit(catalog, acc, by_another_process=True) == 0
        assert [e for e in acc.audit_entries(-1) if e["action"] == "harvest.run"] == entries
        assert acc.verify_audit()[0]
    finally:
        catalog.close()
        acc.close()
