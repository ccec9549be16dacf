"""The shared state under load (issue 17): two `hdcat serve` processes on one PostgreSQL state against one
process on its own SQLite state, the same clients and the same requests.

Every request needs the state: a bearer token is looked up (and its last use written) on each API call, and
each accepted lineage event appends to the hash-chained audit trail. The mix, from C client threads for S
seconds a setup:

* `GET /api/v1/datasets?size=5` with the token (4 in 5 requests);
* `POST /api/v1/lineage` with the token (1 in 5), a new run each time.

Setups, one after another in the same run:

* **sqlite, 1 process**: `hdcat serve` with the default state (SQLite in its data folder);
* **postgresql, 2 processes**: two `hdcat serve`, each with a data folder of its own and
  `HDCAT_STATE_URL` on one fresh PostgreSQL database; the clients alternate between them.

Afterwards `hdcat audit verify` checks that the trail is one unbroken chain with every accepted event.
Everything goes to 127.0.0.1; an error is a status >= 500, a refused connection or a time-out.

    .venv/bin/python bench/state_bench.py --clients 16 --seconds 15 --out bench/results/state.md

Needs HDCAT_TEST_POSTGRES_URL (`scripts/services start postgres`); a database is made and dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from load_bench import free_port, pct, run_event, run_for  # noqa: E402

HDCAT = [sys.executable, "-c", "from hdcat.web.console_script import run; run()"]
PASSWORD = "correct horse battery staple"


def env_for(folder: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDCAT_")}
    return {**env, "HDCAT_DATA_DIR": str(folder / "var"), "COLUMNS": "200", **extra}


def hdcat(folder: Path, env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run(
        [*HDCAT, "--config", str(folder / "hdcat.toml"), *args],
        cwd=folder,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if r.returncode:
        raise SystemExit(f"hdcat {' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return r


class Site:
    """One `hdcat serve` with 16 threads, stopped with SIGTERM."""

    def __init__(self, folder: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (folder / f"serve-{self.port}.log").open("w")
        self.proc = subprocess.Popen(
            [*HDCAT, "--config", str(folder / "hdcat.toml"), "serve", "--port", str(self.port)],
            cwd=folder,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"hdcat serve did not start; see {self.log.name}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(120)
        self.log.close()


def load(urls: list[str], secret: str, clients: int, seconds: float) -> dict:
    results: dict[str, list] = {}
    lock = threading.Lock()
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {secret}"}

    def client(i: int):
        rng = random.Random(i)
        with httpx.Client(base_url=urls[i % len(urls)], timeout=60, headers=headers) as http:
            while not stop.is_set():
                kind = "lineage post" if rng.random() < 0.2 else "dataset list"
                started = time.perf_counter()
                try:
                    if kind == "lineage post":
                        status = http.post("/api/v1/lineage", json=run_event(f"job_{i}")).status_code
                    else:
                        status = http.get("/api/v1/datasets", params={"size": 5}).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    results.setdefault(kind, []).append((time.perf_counter() - started, status))

    run_for([threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)], seconds, stop)
    return results


def setup(base: Path, name: str, processes: int, state_url: str | None) -> tuple[list[Path], list[dict]]:
    folders, envs = [], []
    extra = {"HDCAT_SECRET_KEY": "s" * 64, **({"HDCAT_STATE_URL": state_url} if state_url else {})}
    for k in range(processes):
        folder = base / f"{name}-{k}"
        folder.mkdir()
        (folder / "hdcat.toml").write_text("[service]\nscheduler = false\nshutdown_grace = 1\n", "utf-8")
        folders.append(folder)
        envs.append(env_for(folder, **extra))
    return folders, envs


def run_setup(base: Path, name: str, processes: int, state_url, clients: int, seconds: float) -> dict:
    folders, envs = setup(base, name, processes, state_url)
    hdcat(folders[0], envs[0], "users", "add", "etl", "--role", "steward", "--hospital", "hanbit",
          "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    issued = hdcat(folders[0], envs[0], "tokens", "issue", "--user", "etl", "--scope", "lineage:write")
    secret = issued.stdout.strip().splitlines()[-1]
    with ExitStack() as stack:
        sites = []
        for folder, env in zip(folders, envs, strict=True):
            site = Site(folder, env)
            stack.callback(site.stop)
            sites.append(site)
        results = load([s.url for s in sites], secret, clients, seconds)
    accepted = sum(1 for _, status in results.get("lineage post", []) if status == 201)
    verified = hdcat(folders[0], envs[0], "audit", "verify")
    said = (verified.stdout + verified.stderr).strip().splitlines()
    return {"results": results, "accepted": accepted, "verify": said[-1] if said else "(nothing said)"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    base_url = os.environ.get("HDCAT_TEST_POSTGRES_URL")
    if not base_url:
        raise SystemExit("HDCAT_TEST_POSTGRES_URL is not set: `scripts/services start postgres` prints it")
    import psycopg

    db = f"hdcat_state_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {db}")
    state_url = base_url.rsplit("/", 1)[0] + "/" + db
    base = Path(tempfile.mkdtemp(prefix="hdcat-state-bench-"))
    lines = [
        f"# The shared state under load, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"{args.clients} clients, {args.seconds:.0f} s a setup, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the start. Every request uses a bearer token; a lineage post also "
        "appends to the audit trail. Errors: status >= 500, refused or timed out.",
        "",
        "| setup | request | requests | req/s | errors | p50 ms | p95 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    verdicts = []
    try:
        for name, processes, url in (
            ("sqlite, 1 process", 1, None),
            ("postgresql, 2 processes", 2, state_url),
        ):
            got = run_setup(base, name.split(",")[0], processes, url, args.clients, args.seconds)
            for kind in ("dataset list", "lineage post"):
                v = got["results"].get(kind, [])
                times = [d for d, _ in v]
                errors = sum(1 for _, s in v if s == 0 or s >= 500)
                lines.append(
                    f"| {name} | {kind} | {len(v)} | {len(v) / args.seconds:.1f} | {errors} | "
                    + " | ".join(f"{pct(times, q) * 1000:.1f}" for q in (50, 95, 99))
                    + " |"
                )
            verdicts.append(
                f"- {name}: {got['accepted']} events accepted; `hdcat audit verify`: {got['verify']}"
            )
            print("\n".join(lines), flush=True)
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        shutil.rmtree(base, ignore_errors=True)
    text = "\n".join([*lines, "", *verdicts]) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, "utf-8")


if __name__ == "__main__":
    main()
