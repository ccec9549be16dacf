"""Harvest jobs on a PostgreSQL queue taken by `hdcat worker` processes, the graph on Fuseki.

Real services (scripts/services start postgres, start fuseki), real processes: `hdcat worker`s, `hdcat
harvest` enqueuing, `hdcat serve` with its scheduler. Each test gets a database of its own for the queue.
The sources are the sample consortium's catalogues, served over HTTP on 127.0.0.1 by a server that answers
slowly (so two workers share the work) and can hold one source's first request (a worker busy with it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import HDCAT, LocalHospital, fresh_store_url, require_service
from tests.test_service import SAMPLES, Server, _env, hdcat, wait_for

pytestmark = pytest.mark.timeout(300)

#: (source, hospital, sample file): catalogues that share no dataset
CATALOGUES = (
    ("balgeun-dcat", "balgeun", "balgeun/catalog.ttl"),
    ("purun-dcat", "purun", "purun/catalog.ttl"),
    ("mirae-dcat", "mirae", "mirae/catalog.nt"),
    ("dasom-dcat", "dasom", "dasom/catalog.ttl"),
)
TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples"}


class HospitalServers(LocalHospital):
    """The sample catalogues over HTTP, each answer `delay` seconds late; the first request for `hold`
    waits until `release` (or 60 s), later ones answer at once."""

    def __init__(self, delay: float = 1.0, hold: str | None = None):
        self.requests: list[str] = []
        self.delay, self.hold = delay, hold
        super().__init__(self._answer)

    def _answer(self, path: str) -> tuple[str, bytes]:
        name = path.strip("/")
        first = name not in self.requests
        self.requests.append(name)
        if name == self.hold and first:
            self.release.wait(60)
        else:
            time.sleep(self.delay)
        file = SAMPLES / next(f for s, _, f in CATALOGUES if s == name)
        return TYPES[file.suffix], file.read_bytes()


@pytest.fixture
def queue_url():
    """A fresh PostgreSQL database for this test's queue, dropped afterwards."""
    base = os.environ.get("HDCAT_TEST_POSTGRES_URL", "")
    require_service(bool(base), "PostgreSQL (HDCAT_TEST_POSTGRES_URL; scripts/services start postgres)")
    import psycopg

    name = f"hdcat_queue_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield base.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def hospitals():
    servers = HospitalServers(hold="dasom-dcat")
    yield servers
    servers.close()


def write_config(folder: Path, base_url: str, service: str = "scheduler = false", schedule="manual") -> None:
    sources = "".join(
        f'[[sources]]\nname = "{s}"\nhospital = "{h}"\nkind = "dcat"\nlocation = "{base_url}/{s}"\n'
        f'schedule = "{schedule}"\n'
        for s, h, _ in CATALOGUES
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hdcat.toml").write_text(f"{sources}\n[service]\n{service}\n", "utf-8")


class Worker:
    """`hdcat worker` in its own process and data folder, JSON logs in a file."""

    def __init__(self, folder: Path, env: dict, *args: str):
        self.folder = folder
        self.log = folder / "worker.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    *HDCAT,
                    "--config",
                    str(folder / "hdcat.toml"),
                    "worker",
                    "--concurrency",
                    "1",
                    "--heartbeat",
                    "0.5",
                    "--stalled-after",
                    "10",
                    *args,
                ],
                cwd=folder,
                env={**env, "HDCAT_DATA_DIR": str(folder / "var"), "HDCAT_LOG_FORMAT": "json"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def events(self, message: str) -> list[dict]:
        found = []
        for line in self.log.read_text("utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if isinstance(event, dict) and str(event.get("message")).startswith(message):
                    found.append(event)
        return found

    def started(self) -> list[str]:
        return [e["source"] for e in self.events("harvest started")]

    def wait_ready(self):
        wait_for(lambda: self.events("worker started") or self._dead(), timeout=90)
        assert self.proc.poll() is None, self.output()

    def _dead(self):
        return self.proc.poll() is not None

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")[-4000:]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _workers(tmp_path, env, n=2) -> list[Worker]:
    workers = []
    for i in range(n):
        folder = tmp_path / f"worker-{i + 1}"  # each its own data folder: as on another machine
        folder.mkdir()
        (folder / "hdcat.toml").write_text((tmp_path / "hdcat.toml").read_text("utf-8"), "utf-8")
        workers.append(Worker(folder, env))
    for w in workers:
        w.wait_ready()
    return workers


def _runs(store: str, tmp_path) -> list[dict]:
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog

    catalog = Catalog(Settings(store_url=store, data_dir=tmp_path / "reader"))
    try:
        return catalog.runs.list(limit=100)
    finally:
        catalog.close()


def _enqueue(tmp_path, env, *sources: str) -> subprocess.Popen:
    """`hdcat harvest` (of every configured source by default): with a queue and no server, it enqueues and
    waits; beside a server, the server enqueues."""
    return subprocess.Popen(
        [
            *HDCAT,
            "--config",
            str(tmp_path / "hdcat.toml"),
        ]
        + ["harvest", *sources],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_workers_share_one_run_and_harvest_each_source_once(tmp_path, queue_url):
    store = fresh_store_url("fuseki", tmp_path)
    servers = HospitalServers(delay=1.5)
    workers = []
    try:
        write_config(tmp_path, servers.url)
        env = _env(tmp_path, HDCAT_STORE=store, HDCAT_QUEUE_URL=queue_url)
        workers = _workers(tmp_path, env)
        harvest = _enqueue(tmp_path, env)
        _, err = harvest.communicate(timeout=180)
        assert harvest.returncode == 0, err + "".join(w.output() for w in workers)
        assert "queued 4 harvest jobs" in " ".join(err.split())

        names = [s for s, _, _ in CATALOGUES]
        started = [w.started() for w in workers]
        assert sorted(started[0] + started[1]) == sorted(names), started  # each source exactly once
        assert started[0] and started[1], started  # and the work spread over both workers
        assert sorted(servers.requests) == sorted(names)

        runs = _runs(store, tmp_path)
        assert sorted(r["source"] for r in runs) == sorted(names)
        assert {r["status"] for r in runs} == {"changed"}
        for name in names:
            assert name in err  # the summary table `hdcat harvest` printed (on stderr, as the CLI does)

        # what follows a harvest ran in the worker that did it: its audit trail names its runs
        # (both at once: each is a process start-up of seconds)
        trails = [
            subprocess.Popen(
                [*HDCAT, "--config"] + [str(w.folder / "hdcat.toml"), "audit", "list", "--size", "50"],
                cwd=w.folder,
                env={**env, "HDCAT_DATA_DIR": str(w.folder / "var")},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in workers
        ]
        for trail, did in zip(trails, started, strict=True):
            out, err = trail.communicate(timeout=240)
            assert trail.returncode == 0, err
            assert all(name in out for name in did), out
    finally:
        for w in workers:
            assert w.stop() == 0, w.output()
        servers.close()


def test_a_worker_killed_mid_job_leaves_it_to_the_other_and_finished_sources_stay_done(
    tmp_path, queue_url, hospitals
):
    store = fresh_store_url("fuseki", tmp_path)
    workers = []
    try:
        write_config(tmp_path, hospitals.url)
        env = _env(tmp_path, HDCAT_STORE=store, HDCAT_QUEUE_URL=queue_url)
        workers = _workers(tmp_path, env)
        harvest = _enqueue(tmp_path, env)
        holder = wait_for(
            lambda: next((w for w in workers if "dasom-dcat" in w.started()), None), timeout=120
        )
        other = next(w for w in workers if w is not holder)
        wait_for(lambda: "dasom-dcat" in hospitals.requests)  # mid-job: its first page is being read
        done_before = [e["source"] for e in holder.events("harvest finished")]
        holder.proc.send_signal(signal.SIGKILL)
        holder.proc.wait(30)

        _, err = harvest.communicate(timeout=180)
        assert harvest.returncode == 0, err + other.output()
        assert done_before, holder.output()  # the killed worker had finished a source before
        assert "dasom-dcat" in other.started()  # the stalled job was put back and taken by the other
        assert other.events("harvest job put back")
        every = holder.started() + other.started()
        for name, _, _ in CATALOGUES:
            assert every.count(name) == (2 if name == "dasom-dcat" else 1), every  # none redone
        runs = _runs(store, tmp_path)
        assert sorted(r["source"] for r in runs) == sorted(s for s, _, _ in CATALOGUES)  # one run each
        assert {r["status"] for r in runs} == {"changed"}
        assert hospitals.requests.count("dasom-dcat") == 2
    finally:
        for w in workers:
            if w.proc.poll() is None:
                assert w.stop() == 0, w.output()


def test_a_worker_stopped_past_its_grace_interrupts_the_harvest_and_the_job_runs_again(
    tmp_path, queue_url, hospitals
):
    store = fresh_store_url("fuseki", tmp_path)
    workers = []
    try:
        write_config(tmp_path, hospitals.url, service="scheduler = false\nshutdown_grace = 1")
        env = _env(tmp_path, HDCAT_STORE=store, HDCAT_QUEUE_URL=queue_url)
        first = _workers(tmp_path, env, n=1)[0]
        workers.append(first)
        harvest = _enqueue(tmp_path, env, "dasom-dcat")
        wait_for(lambda: "dasom-dcat" in hospitals.requests, timeout=120)  # its hospital holds the page
        first.proc.send_signal(signal.SIGTERM)
        time.sleep(3)  # past its shutdown_grace (1 s): procrastinate asks the running job to stop
        hospitals.release.set()  # the page arrives; the harvest stops there, before anything is written
        assert first.proc.wait(60) == 0, first.output()
        stopped = _runs(store, tmp_path)
        assert [(r["source"], r["status"]) for r in stopped] == [("dasom-dcat", "interrupted")], stopped
        assert "went back on the queue" in stopped[0]["error"]

        second = Worker(tmp_path / "worker-1", env)  # the same worker started again takes the job back
        workers.append(second)
        _, err = harvest.communicate(timeout=180)
        assert harvest.returncode == 0, err + second.output()
        said = " ".join(err.split())
        assert "dasom-dcat" in said and "changed" in said  # `hdcat harvest` reports the run that finished
        runs = _runs(store, tmp_path)
        assert sorted(r["status"] for r in runs) == ["changed", "interrupted"], runs
        resumed = next(r for r in runs if r["status"] == "changed")
        assert resumed["id"] != stopped[0]["id"]  # a run of its own; the interrupted one stays on record
        assert [e.get("resumes") for e in second.events("harvest started")] == [stopped[0]["id"]]
        assert not first.events("harvest job put back")  # a stopping worker never takes its own job for lost
        assert hospitals.requests.count("dasom-dcat") == 2
    finally:
        for w in workers:
            if w.proc.poll() is None:
                assert w.stop() == 0, w.output()


def test_the_server_enqueues_on_its_schedule_and_shows_the_job_until_a_worker_runs_it(tmp_path, queue_url):
    store = fresh_store_url("fuseki", tmp_path)
    servers = HospitalServers(delay=0, hold="dasom-dcat")
    s = None
    try:
        # every source is due at start (never harvested): the scheduler's catch-up enqueues each once
        write_config(tmp_path, servers.url, service="scheduler = true\nshutdown_grace = 1", schedule="daily")
        env = _env(tmp_path, HDCAT_STORE=store, HDCAT_QUEUE_URL=queue_url)
        s = Server(tmp_path, env=env)
        active = wait_for(
            lambda: (lambda a: a if len(a) == len(CATALOGUES) else None)(
                s.get("/api/v1/harvests").json()["active"]
            )
        )
        assert {a["state"] for a in active} == {"queued"}
        assert sorted(a["source"] for a in active) == sorted(n for n, _, _ in CATALOGUES)
        one = active[0]["id"]
        assert s.get(f"/api/v1/harvests/{one}").json()["state"] == "queued"
        assert active[0]["source"] in s.get("/harvests").text
        assert servers.requests == []  # the server harvested nothing itself
        # `hdcat harvest` beside the server asks it, which finds the source queued already and follows it
        beside = _enqueue(tmp_path, env, "purun-dcat")
        time.sleep(2)
        assert len(s.get("/api/v1/harvests").json()["active"]) == len(CATALOGUES)  # not queued twice

        (tmp_path / "worker").mkdir()
        (tmp_path / "worker" / "hdcat.toml").write_text((tmp_path / "hdcat.toml").read_text("utf-8"), "utf-8")
        worker = Worker(tmp_path / "worker", env, "--until-empty")
        wait_for(lambda: "dasom-dcat" in servers.requests, timeout=120)  # held by its hospital: running
        held = next(a["id"] for a in active if a["source"] == "dasom-dcat")
        assert s.get(f"/api/v1/harvests/{held}").json()["state"] == "running"
        assert "status-running" in s.get("/harvests").text  # the harvests page shows it running
        servers.release.set()
        assert worker.proc.wait(120) == 0, worker.output()
        _, err = beside.communicate(timeout=120)
        assert beside.returncode == 0 and "a server holds this catalogue" in err, err
        assert "purun-dcat" in err and "changed" in err
        run = s.get(f"/api/v1/harvests/{one}").json()
        assert run["status"] == "changed" and run["id"] == one, run
        assert s.get("/api/v1/harvests").json()["active"] == []
        assert sorted(servers.requests) == sorted(n for n, _, _ in CATALOGUES)
        # the server's own (embedded) search index, which workers cannot reach, is rebuilt by the server
        listed = s.get("/api/v1/datasets").json()["total"]
        assert listed > 0
        wait_for(lambda: s.get("/api/v1/search").json().get("total") == listed, timeout=120, every=0.25)

        # the worker kept its own trail (its own state file); the server's trail gets those runs too
        def server_trail() -> dict:
            s.get("/healthz")  # the server looks when it serves
            return _harvest_entries(tmp_path / "var" / "state.sqlite")

        runs = {r["id"]: r["source"] for r in _runs(store, tmp_path)}
        trail = wait_for(lambda: (lambda t: t if set(t) >= set(runs) else None)(server_trail()), timeout=60)
        for run_id, source in runs.items():
            entry = trail[run_id]
            assert entry["target"] == source and entry["origin"] == "worker", entry
            assert entry["detail"]["harvested_by"] == "another process" and entry["detail"]["recorded_late"]
        assert set(_harvest_entries(tmp_path / "worker" / "var" / "state.sqlite")) == set(runs)
        time.sleep(6)  # past the next look (every 5 s): nothing is recorded twice
        s.get("/healthz")
        assert len(_harvest_entries(tmp_path / "var" / "state.sqlite", every=True)) == len(runs)
    finally:
        if s is not None:
            assert s.stop() == 0, s.output()
        servers.close()


def _harvest_entries(state: Path, every: bool = False):
    """The `harvest.run` entries of a state file's audit trail, by run id (or all of them, as a list)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(state, timeout=30)) as db:
        rows = db.execute("SELECT target, detail, origin FROM audit WHERE action = 'harvest.run'").fetchall()
    entries = [{"target": t, "detail": json.loads(d), "origin": o} for t, d, o in rows]
    return entries if every else {e["detail"]["run"]: e for e in entries}


def _said(r: subprocess.CompletedProcess) -> str:
    return " ".join((r.stdout + r.stderr).split())


def test_bad_queue_settings_are_clear_errors(tmp_path):
    write_config(tmp_path, "http://127.0.0.1:9")
    # the graph in the embedded store: workers could not share it
    r = hdcat(tmp_path, "worker", env=_env(tmp_path, HDCAT_QUEUE_URL="postgresql://postgres@127.0.0.1:9/q"))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "embedded in one process" in _said(r) and "HDCAT_STORE=sparql+http://" in _said(r)
    r = hdcat(tmp_path, "serve", env=_env(tmp_path, HDCAT_QUEUE_URL="postgresql://postgres@127.0.0.1:9/q"))
    assert r.returncode == 2 and "embedded in one process" in _said(r), r.stderr
    # no queue configured
    r = hdcat(tmp_path, "worker", env=_env(tmp_path, HDCAT_STORE="sparql+http://127.0.0.1:9/hdcat"))
    assert r.returncode == 2 and "none is configured" in _said(r), r.stderr
    # a queue nobody answers at: named (without its password), and what to correct
    r = hdcat(
        tmp_path,
        "worker",
        env=_env(
            tmp_path,
            HDCAT_STORE="sparql+http://127.0.0.1:9/hdcat",
            HDCAT_QUEUE_URL="postgresql://hdcat:secret@127.0.0.1:9/queue",
        ),
    )
    said = _said(r)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "the harvest queue at postgresql://hdcat:***@127.0.0.1:9/queue cannot be used" in said, said
    assert "secret" not in said and "HDCAT_QUEUE_URL" in said
    # not a PostgreSQL URL at all
    r = hdcat(tmp_path, "worker", env=_env(tmp_path, HDCAT_QUEUE_URL="redis://127.0.0.1:9"))
    assert r.returncode == 2 and "HDCAT_QUEUE_URL" in _said(r) and "postgresql://" in _said(r), r.stderr


def test_the_queue_setting_is_read_from_hdcat_toml_and_the_environment(tmp_path):
    from hdcat.catalog import ConfigError
    from hdcat.catalog.config import load_settings

    path = tmp_path / "hdcat.toml"
    path.write_text('[service]\nqueue = "postgresql://q@127.0.0.1:5432/jobs"\n')
    assert load_settings(path, env={}).service.queue == "postgresql://q@127.0.0.1:5432/jobs"
    assert load_settings(path, env={"HDCAT_QUEUE_URL": "postgresql://o@127.0.0.1/x"}).service.queue == (
        "postgresql://o@127.0.0.1/x"
    )
    assert load_settings(None, env={}).service.queue == ""
    path.write_text('[service]\nqueue = "amqp://127.0.0.1"\n')
    with pytest.raises(ConfigError, match="queue"):
        load_settings(path, env={})


def test_workers_keep_a_shared_search_index_up_to_date(tmp_path, queue_url):
    """With Elasticsearch every process reaches, each worker updates the index after its harvest, as the
    server does after its own."""
    engine = os.environ.get("HDCAT_SEARCH_URL", "")
    require_service(bool(engine), "Elasticsearch (HDCAT_SEARCH_URL; scripts/services start elasticsearch)")
    index = engine.rstrip("/") + f"/hdcat-test-queue-{uuid.uuid4().hex[:8]}"
    store = fresh_store_url("fuseki", tmp_path)
    servers = HospitalServers(delay=1.0)
    workers = []
    try:
        write_config(tmp_path, servers.url)
        env = _env(tmp_path, HDCAT_STORE=store, HDCAT_QUEUE_URL=queue_url, HDCAT_SEARCH_URL=index)
        workers = _workers(tmp_path, env)
        harvest = _enqueue(tmp_path, env)
        _, err = harvest.communicate(timeout=180)
        assert harvest.returncode == 0, err + "".join(w.output() for w in workers)
        assert all(w.started() for w in workers)

        from hdcat.catalog.config import Settings
        from hdcat.catalog.service import Catalog
        from hdcat.search.service import Search

        catalog = Catalog(Settings(store_url=store, search_url=index, data_dir=tmp_path / "reader"))
        search = Search(catalog)
        try:
            total = catalog.datasets.count(members=True)
            # `hdcat harvest` returns once the runs are in the store; each worker updates the index right
            # after its commit, so the last one may still be writing (as in the server: "in search seconds
            # later")
            deadline = time.monotonic() + 60
            while search.count() != total and time.monotonic() < deadline:
                time.sleep(0.1)
            # the workers' logs say why if not (an update that failed marks the index stale, see _after)
            assert total > 0 and search.count() == total, (
                f"{search.count()} of {total} datasets indexed\n" + "".join(w.output() for w in workers)
            )
            for _, hospital, _ in CATALOGUES:  # every source's datasets are found
                assert search.search({"hospital": hospital}, members=True)["total"] > 0, hospital
        finally:
            search.close()
            catalog.close()
    finally:
        for w in workers:
            assert w.stop() == 0, w.output()
        servers.close()


def test_a_queue_gone_away_is_a_503_naming_it(tmp_path, queue_url, monkeypatch):
    """The queue's database lost while the server runs: asking for or listing harvests says so."""
    import psycopg
    from hdcat.catalog.config import load_settings
    from hdcat.web import harvest_queue
    from hdcat.web.harvest_queue import QueuedHarvests, QueueUnavailable

    # each ask below waits this long for a connection before the 503 (10 s in service: 20 s of this test)
    monkeypatch.setattr(harvest_queue, "POOL_TIMEOUT", 2.0)

    store = fresh_store_url("fuseki", tmp_path)
    write_config(tmp_path, "http://127.0.0.1:9")
    settings = load_settings(
        tmp_path / "hdcat.toml", env={"HDCAT_STORE": store, "HDCAT_QUEUE_URL": queue_url}
    )
    harvests = QueuedHarvests(settings)
    try:
        job = harvests.submit([settings.sources[0]], "test")[0]
        assert [j.id for j in harvests.active()] == [job.id] and job.state == "queued"
        base = os.environ["HDCAT_TEST_POSTGRES_URL"]
        with psycopg.connect(base, autocommit=True) as conn:  # the database goes away
            conn.execute(f"DROP DATABASE {queue_url.rsplit('/', 1)[1]} WITH (FORCE)")
        for ask in (harvests.active, lambda: harvests.submit([settings.sources[1]], "test")):
            with pytest.raises(QueueUnavailable, match="the harvest queue at postgresql://") as caught:
                ask()
            assert caught.value.status == 503
    finally:
        harvests.shutdown()
