"""hdcat serve as a service: harvests while it serves, a scheduler, health and metrics, clean stops.

Each test runs the real `hdcat serve` as a separate process on a throw-away data folder (the embedded
Oxigraph store and search index), talks to it over HTTP on 127.0.0.1, and runs `hdcat harvest` beside
it as another process, as an operator would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from datetime import UTC
from pathlib import Path

import httpx
import pytest

from tests.conftest import HDCAT, ROOT, LocalHospital

SAMPLES = ROOT / "harvesters" / "samples" / "consortium"
pytestmark = pytest.mark.timeout(300)

ZEBRAFISH = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://data.example.org/ds/zebrafish-heart> a dcat:Dataset ;
  dct:title "Zebrafish heart regeneration imaging"@en ;
  dct:description "Aggregate metadata about zebrafish cardiac imaging."@en .
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(folder: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDCAT_")}
    return {**env, "HDCAT_DATA_DIR": str(folder / "var"), "COLUMNS": "200", **extra}


def hdcat(folder: Path, *args, env=None, timeout=240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            *HDCAT,
            "--config",
            str(folder / "hdcat.toml"),
            *args,
        ],
        cwd=folder,
        env=env or _env(folder),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def source_toml(name: str, location: str, hospital: str = "balgeun", schedule: str = "manual") -> str:
    return (
        f'[[sources]]\nname = "{name}"\nhospital = "{hospital}"\nkind = "dcat"\nlocation = "{location}"\n'
        f'schedule = "{schedule}"\n'
    )


def write_config(folder: Path, sources: str, service: str = "scheduler = false\nshutdown_grace = 1") -> None:
    (folder / "hdcat.toml").write_text(f"{sources}\n[service]\n{service}\n", "utf-8")


class Server:
    """`hdcat serve` in its own process, stopped with SIGTERM."""

    def __init__(self, folder: Path, env=None):
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"serve-{self.port}.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    *HDCAT,
                    "--config",
                    str(folder / "hdcat.toml"),
                    "serve",
                    "--port",
                    str(self.port),
                ],
                cwd=folder,
                env=env or _env(folder),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while not self._healthy():
            assert self.proc.poll() is None, f"hdcat serve exited:\n{self.output()}"
            assert time.monotonic() < deadline, f"hdcat serve did not start:\n{self.output()}"
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            return httpx.get(self.url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")[-4000:]

    def get(self, path, **kw):
        return httpx.get(self.url + path, timeout=30, **kw)

    def post(self, path, **kw):
        return httpx.post(self.url + path, timeout=30, **kw)

    def stop(self, timeout: float = 90) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                pytest.fail(f"hdcat serve ignored SIGTERM for {timeout} s:\n{self.output()}")
        return self.proc.returncode


@pytest.fixture
def folder(tmp_path) -> Path:
    shutil.copy(SAMPLES / "balgeun" / "catalog.ttl", tmp_path / "balgeun.ttl")
    write_config(tmp_path, source_toml("balgeun-dcat", "balgeun.ttl"))
    return tmp_path


@pytest.fixture
def server(folder):
    s = Server(folder)
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def refusing(tmp_path_factory):
    """One running `hdcat serve` and a steward's harvest:run token for the requests its harvest API refuses.
    A refusal starts and changes nothing, so these tests share the server (each asks that nothing started)
    instead of starting one apiece: that was 13 servers and 26 CLI runs, 5–13 s each on 2 busy cores."""
    folder = tmp_path_factory.mktemp("refusing")
    shutil.copy(SAMPLES / "balgeun" / "catalog.ttl", folder / "balgeun.ttl")
    write_config(folder, source_toml("balgeun-dcat", "balgeun.ttl"))
    s = Server(folder)
    try:
        yield s, {"Authorization": f"Bearer {token(folder)}"}
    finally:
        assert s.stop() == 0, s.output()


def wait_for(check, timeout=60, every=0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(every)


def token(folder, user="ops", role="steward", hospital="balgeun", scope="harvest:run") -> str:
    r = hdcat(folder, "users", "add", user, "--role", role, *(["--hospital", hospital] if hospital else []))
    assert r.returncode == 0, r.stderr
    r = hdcat(folder, "tokens", "issue", "--user", user, "--scope", scope)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def test_health_readiness_and_metrics(server):
    assert server.get("/healthz").json() == {"status": "ok"}
    ready = server.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["store"]["ok"] and body["search"]["ok"]
    assert [s["source"] for s in body["sources"]] == ["balgeun-dcat"]
    assert body["sources"][0]["last_run"] is None  # never harvested: reported, still ready
    server.get("/datasets")
    server.get("/api/v1/datasets/no-such-dataset")
    metrics = server.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'hdcat_http_requests_total{method="GET",route="/datasets",status="200"} 1.0' in text
    assert 'route="/api/v1/datasets/<local_id>",status="404"' in text  # one series per route, not per id
    assert "hdcat_http_request_duration_seconds_bucket" in text
    assert "hdcat_search_errors_total 0.0" in text and "hdcat_lineage_events_total" in text
    assert server.get("/healthz").headers["X-Request-ID"]


def test_a_harvest_from_another_shell_goes_through_the_running_server(server, folder):
    (folder / "zebrafish.ttl").write_text(ZEBRAFISH, "utf-8")
    started = time.monotonic()
    # with an option: the server gets it in the request (its API refuses a field it does not know)
    r = hdcat(folder, "harvest", "dcat:zebrafish.ttl", "--hospital", "hanbit", "-o", "max_pages=3")
    assert r.returncode == 0, r.stderr + server.output()
    assert "a server holds this catalogue" in r.stderr and "Harvest summary" in r.stderr
    assert "lock" not in r.stderr.lower()
    # the running site shows it at once, the search index within seconds
    page = server.get("/api/v1/datasets", params={"size": 50}).json()
    assert any("zebrafish" in h["title"].lower() for h in page["hits"]), page
    hits = wait_for(
        lambda: server.get("/api/v1/search", params={"q": "zebrafish"}).json().get("total"), timeout=60
    )
    assert hits == 1
    print(
        f"one-off harvest visible in search {time.monotonic() - started:.1f} s after `hdcat harvest` started"
    )
    runs = server.get("/api/v1/harvests").json()["runs"]
    assert runs[0]["status"] == "changed" and runs[0]["hospital"] == "hanbit"
    metrics = server.get("/metrics").text
    assert 'hdcat_harvest_runs_total{outcome="changed",source="' in metrics
    # the CLI that opened nothing itself: the audit trail names the server's local door
    trail = hdcat(folder, "audit", "list", "--size", "5").stdout
    assert "local-cli" in trail


def test_api_harvest_answers_202_and_the_run_completes(server, folder):
    secret = token(folder)
    auth = {"Authorization": f"Bearer {secret}"}
    r = server.post("/api/v1/harvests", json={"source": "balgeun-dcat"}, headers=auth)
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["Location"] == job["url"] == f"/api/v1/harvests/{job['id']}"
    assert job["state"] in ("queued", "running", "committing", "done")
    done = wait_for(
        lambda: (lambda j: j if j["status"] not in ("queued", "running", "committing") else None)(
            server.get(job["url"]).json()
        )
    )
    assert done["status"] == "changed" and done["found"] > 10
    public = server.get("/api/v1/datasets", params={"hospital": "balgeun"}).json()["total"]
    assert (
        0 < public <= done["found"]
    )  # consortium-only datasets are counted by the run, hidden from anonymous
    # the same source asked for twice while it runs is one run
    a = server.post("/api/v1/harvests", json={"source": "balgeun-dcat", "full": True}, headers=auth).json()
    b = server.post("/api/v1/harvests", json={"source": "balgeun-dcat", "full": True}, headers=auth).json()
    if b["state"] != "done" and a["state"] != "done":
        assert a["id"] == b["id"]


@pytest.mark.parametrize(
    "body, status, says",
    [
        ({}, 400, "missing: kind"),
        ({"source": "nope"}, 404, "no configured source is named 'nope'"),
        ({"kind": "dcat", "location": "/etc/passwd", "hospital": "balgeun"}, 400, "http(s) URLs only"),
        (
            {"kind": "teleport", "location": "http://127.0.0.1:9/x", "hospital": "balgeun"},
            400,
            "not a harvester kind",
        ),
        (
            {"kind": "dcat", "location": "http://127.0.0.1:9/x", "hospital": "atlantis"},
            400,
            "not a member hospital",
        ),
        # an API caller never makes the server reach an internal address, not even the first page
        (
            {"kind": "dcat", "location": "http://127.0.0.1:9/admin", "hospital": "balgeun"},
            400,
            "internal address",
        ),
        (
            {"kind": "dcat", "location": "http://169.254.169.254/latest/meta-data", "hospital": "balgeun"},
            400,
            "internal address",
        ),
        ({"source": "balgeun-dcat", "colour": "red"}, 400, "colour"),
        (
            {
                "kind": "ckan",
                "location": "https://ckan.example/",
                "hospital": "balgeun",
                "options": {"rowz": 5},
            },
            400,
            "ckan sources have no option 'rowz'; the options are: fq, max_pages, rows",
        ),
        (
            {
                "kind": "ckan",
                "location": "https://ckan.example/",
                "hospital": "balgeun",
                "options": {"rows": 0},
            },
            400,
            "option rows=0",
        ),
        ({"source": "balgeun-dcat", "options": {"max_pages": 1}}, 400, "'options' are for one-off sources"),
        (["balgeun-dcat"], 400, "JSON object"),
    ],
)
def test_api_harvest_requests_that_are_wrong_say_why(refusing, body, status, says):
    server, auth = refusing
    r = server.post("/api/v1/harvests", json=body, headers=auth)
    assert r.status_code == status, r.text
    assert says in r.json()["message"]
    assert server.get("/api/v1/harvests").json()["active"] == []  # refused: nothing was started


def test_api_harvest_needs_the_scope_and_the_hospital(refusing):
    server, _ = refusing
    folder = server.folder
    assert server.post("/api/v1/harvests", json={"source": "balgeun-dcat"}).status_code == 401
    other = token(folder, user="gaon-steward", hospital="gaon")
    r = server.post(
        "/api/v1/harvests", json={"source": "balgeun-dcat"}, headers={"Authorization": f"Bearer {other}"}
    )
    assert r.status_code == 403 and "does not act for balgeun" in r.json()["message"]
    wrong_scope = token(folder, user="lineage-only", scope="lineage:write")
    r = server.post(
        "/api/v1/harvests",
        json={"source": "balgeun-dcat"},
        headers={"Authorization": f"Bearer {wrong_scope}"},
    )
    assert r.status_code == 403


def test_a_source_is_harvested_on_its_cron_schedule(tmp_path):
    shutil.copy(SAMPLES / "balgeun" / "catalog.ttl", tmp_path / "balgeun.ttl")
    write_config(
        tmp_path,
        source_toml("every-two-seconds", "balgeun.ttl", schedule="*/2 * * * * *"),
        service="scheduler = true\nshutdown_grace = 1",
    )
    s = Server(tmp_path)
    try:
        # the first run is the catch-up (never harvested), the next ones come from the schedule
        runs = wait_for(
            lambda: (lambda r: r if len(r) >= 3 else None)(
                s.get("/api/v1/harvests", params={"source": "every-two-seconds"}).json()["runs"]
            ),
            timeout=45,
        )
        assert {r["status"] for r in runs} <= {"changed", "unchanged"} and runs[-1]["status"] == "changed"
        trail = hdcat(tmp_path, "audit", "list", "--size", "20").stdout
        assert "scheduler" in trail
    finally:
        assert s.stop() == 0, s.output()


class SlowCatalogue(LocalHospital):
    """A hospital server whose second page hangs until released: a harvest that is still running."""

    def __init__(self):
        self.hits = 0
        super().__init__(self._answer)

    def _answer(self, path: str) -> tuple[str, bytes]:
        self.hits += 1
        if path == "/page-2.ttl":
            self.release.wait(30)  # bounded: the test never waits longer than this
            return "text/turtle", ZEBRAFISH.encode()
        return "text/turtle", (SAMPLES / "balgeun" / "catalog.ttl").read_bytes() + (
            f"\n<{self.url}/page-1.ttl> <http://www.w3.org/ns/hydra/core#next> <{self.url}/page-2.ttl> .\n"
        ).encode()


def test_sigterm_during_a_harvest_records_it_interrupted_and_the_next_start_resumes(tmp_path):
    slow = SlowCatalogue()
    try:
        write_config(tmp_path, source_toml("slow-dcat", f"{slow.url}/page-1.ttl"))
        s = Server(tmp_path)
        secret = token(tmp_path, hospital="balgeun")
        r = s.post(
            "/api/v1/harvests", json={"source": "slow-dcat"}, headers={"Authorization": f"Bearer {secret}"}
        )
        assert r.status_code == 202
        run_id = r.json()["id"]
        wait_for(lambda: s.get(f"/api/v1/harvests/{run_id}").json().get("pages", 0) >= 1 and slow.hits >= 2)
        progress = s.get(f"/api/v1/harvests/{run_id}").json()
        assert progress["state"] == "running" and progress["pages"] == 1
        assert s.stop() == 0, s.output()

        # nothing of the source was committed, the run says it was interrupted, the trail is whole
        dump = hdcat(tmp_path, "export", "--format", "nquads")
        assert dump.returncode == 0, dump.stderr
        from rdflib import Dataset

        graphs = {
            str(g.identifier) for g in Dataset().parse(data=dump.stdout, format="nquads").graphs() if len(g)
        }
        assert not [g for g in graphs if g.endswith("/slow-dcat")], graphs
        assert "zebrafish" not in dump.stdout.lower()
        assert '"interrupted"' in dump.stdout
        verify = hdcat(tmp_path, "audit", "verify")
        assert verify.returncode == 0 and "intact" in verify.stdout
        pending = json.loads((tmp_path / "var" / "harvest-queue.json").read_text())
        assert [p["name"] for p in pending] == ["slow-dcat"]

        # started again (and the hospital's server answers now): the source is harvested to the end
        slow.release.set()
        again = Server(tmp_path)
        try:
            runs = wait_for(
                lambda: (lambda rs: rs if rs and rs[0]["status"] == "changed" else None)(
                    again.get("/api/v1/harvests", params={"source": "slow-dcat"}).json()["runs"]
                ),
                timeout=60,
            )
            assert [r["status"] for r in runs] == ["changed", "interrupted"]
            assert runs[1]["id"] == run_id
            found = wait_for(
                lambda: again.get("/api/v1/search", params={"q": "zebrafish"}).json().get("total"), 60
            )
            hits = again.get("/api/v1/search", params={"q": "zebrafish"}).json()
            assert found == 1 and hits["total"] == 1, (
                [(h["id"], h.get("score")) for h in hits["hits"]],
                again.output(),
            )
        finally:
            assert again.stop() == 0, again.output()
        assert json.loads((tmp_path / "var" / "harvest-queue.json").read_text()) == []
    finally:
        slow.close()


def test_json_logs_carry_request_ids(folder):
    s = Server(folder, env=_env(folder, HDCAT_LOG_FORMAT="json"))
    try:
        answer = s.get("/datasets", headers={"X-Request-ID": "proxy-abc-12345"})
        assert answer.headers["X-Request-ID"] == "proxy-abc-12345"
        s.get("/healthz", headers={"X-Request-ID": "<script>"})  # not sane: replaced by a fresh id
    finally:
        assert s.stop() == 0
    lines = [json.loads(line) for line in s.log.read_text("utf-8").splitlines() if line.startswith("{")]
    access = [entry for entry in lines if entry.get("logger") == "hdcat.access"]
    assert any(
        e["request_id"] == "proxy-abc-12345" and e["path"] == "/datasets" and e["status"] == 200
        for e in access
    ), access
    health = next(e for e in access if e["path"] == "/healthz")
    assert health["request_id"] != "<script>" and len(health["request_id"]) == 32
    assert {"time", "level", "message"} <= set(health)


def test_a_second_server_on_the_same_catalogue_is_refused(refusing):
    server, _ = refusing
    r = hdcat(server.folder, "serve", "--port", str(_free_port()))
    assert r.returncode != 0 and f"already serving this catalogue at {server.url}" in r.stderr


def test_forwarded_headers_count_only_behind_a_configured_proxy(folder):
    """With proxy_hops = 0 (the default) a client cannot claim another address through X-Forwarded-For;
    with proxy_hops = 1 the proxy's header is the client's address (rate limits, audit origins, logs)."""
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}

    def remote_seen(service: str) -> str:
        config = (folder / "hdcat.toml").read_text("utf-8").split("[service]")[0]
        (folder / "hdcat.toml").write_text(config + "[service]\n" + service + "\n", "utf-8")
        s = Server(folder, env=_env(folder, HDCAT_LOG_FORMAT="json"))
        try:
            s.get("/datasets", headers={**forged, "X-Request-ID": "proxy-test-0001"})
        finally:
            assert s.stop() == 0
        entries = [json.loads(line) for line in s.log.read_text("utf-8").splitlines() if line.startswith("{")]
        return next(e["remote"] for e in entries if e.get("request_id") == "proxy-test-0001" and "path" in e)

    assert remote_seen("scheduler = false\nshutdown_grace = 1") == "127.0.0.1"
    assert remote_seen("scheduler = false\nshutdown_grace = 1\nproxy_hops = 1") == "203.0.113.9"


@pytest.mark.parametrize(
    "schedule, says",
    [
        ("every tuesday", "is not hourly, daily, weekly, monthly, manual or a cron expression"),
        ("61 * * * *", "is not a valid cron expression"),
    ],
)
def test_a_bad_schedule_is_a_config_error_naming_it(tmp_path, schedule, says):
    from hdcat.catalog.config import load_settings
    from hdcat.catalog.errors import ConfigError

    write_config(tmp_path, source_toml("s", "x.ttl", hospital="hanbit", schedule=schedule))
    with pytest.raises(ConfigError, match="source s: schedule") as err:
        load_settings(tmp_path / "hdcat.toml", env={})
    assert says in err.value.message


def test_standard_cron_weekdays_count_from_sunday():
    from datetime import datetime

    from hdcat.web.scheduler import trigger_for

    monday = datetime(2026, 11, 30, 12, tzinfo=UTC)  # a Monday
    assert trigger_for("0 9 * * 0", UTC).get_next_fire_time(None, monday).weekday() == 6  # Sunday
    assert trigger_for("weekly", UTC).get_next_fire_time(None, monday).weekday() == 6
    assert trigger_for("0 9 * * 1-5", UTC).get_next_fire_time(None, monday).weekday() == 1  # Tuesday 9:00
    assert trigger_for("manual", UTC) is None
