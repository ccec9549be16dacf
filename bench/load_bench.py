"""Load on a running `hdcat serve`: throughput and p50/p95/p99 of search, the dataset list, a dataset page
and lineage at 16 and 64 concurrent clients, with OpenLineage posts running alongside. Errors are counted
(any status >= 500, a refused connection or a time-out is an error).

Every request goes to 127.0.0.1; each level runs for a bounded time and stops by itself. The figures are
also given as ratios to /healthz measured at the same concurrency in the same run (the floor of the HTTP
stack on this machine), because these machines are noisy.

    python bench/load_bench.py --clients 16,64 --seconds 20 --out bench/results/load.md
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HDCAT = [sys.executable, "-c", "from hdcat.web.console_script import run; run()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def prepare(folder: Path, env: dict) -> str:
    """The sample consortium harvested into a fresh data folder; returns a lineage:write token."""
    subprocess.run(
        [*HDCAT, "demo", "--no-serve"], cwd=folder, env=env, check=True, capture_output=True, timeout=900
    )
    subprocess.run(
        [*HDCAT, "users", "add", "etl", "--role", "steward", "--hospital", "hanbit"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
    token = (
        subprocess.run(
            [*HDCAT, "tokens", "issue", "--user", "etl", "--scope", "lineage:write"],
            cwd=folder,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return token


def start_server(folder: Path, env: dict, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (folder / "serve.log").open("w")
    proc = subprocess.Popen(
        [*HDCAT, "serve", "--port", str(port), "--threads", str(threads)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("hdcat serve did not start; see serve.log")


def workload(url: str):
    """The read mix a researcher's session makes, as (name, path) choices."""
    ids = [
        h["id"] for h in httpx.get(url + "/api/v1/datasets", params={"size": 200}, timeout=120).json()["hits"]
    ]
    node = None
    queries = [
        "lung cancer",
        "폐암",
        "heart failure echo",
        "copd",
        "C34",
        "diabetes",
        "심부전",
        "stroke registry",
    ]

    def pick(rng):
        kind = rng.choice(["search", "search", "list", "dataset", "lineage"])
        if kind == "search":
            return kind, "/api/v1/search", {"q": rng.choice(queries)}
        if kind == "list":
            return kind, "/api/v1/datasets", {"page": rng.randint(1, 10), "size": 20}
        if kind == "dataset":
            return kind, f"/api/v1/datasets/{rng.choice(ids)}", None
        return (
            kind,
            "/api/v1/lineage",
            {"nodeId": node or "dataset:postgres://hanbit-db:5432:cdm.visit_occurrence", "depth": 3},
        )

    return pick


def run_event(job: str, source_table: str = "emr.visits", when: str = "2026-11-01T00:00:00Z") -> dict:
    """A hanbit ETL run's COMPLETE event (a new run each time): `source_table` into cdm.visit_occurrence."""
    return {
        "eventType": "COMPLETE",
        "eventTime": when,
        "producer": "https://hanbit.example/etl",
        "run": {"runId": str(uuid.uuid4())},
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "job": {"namespace": "hanbit-etl", "name": job},
        "inputs": [{"namespace": "postgres://hanbit-db:5432", "name": source_table}],
        "outputs": [{"namespace": "postgres://hanbit-db:5432", "name": "cdm.visit_occurrence"}],
    }


def run_for(threads: list[threading.Thread], seconds: float, stop: threading.Event) -> None:
    """Start the client threads, let them run `seconds`, then stop them and wait for each."""
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(90)


def post_events(url: str, token: str, stop: threading.Event, out: dict) -> None:
    """OpenLineage posts alongside the reads: a hanbit ETL emitting an event every 50 ms."""
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
        i = 0
        while not stop.is_set():
            i += 1
            when = f"2026-11-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"
            event = run_event(f"load_{i % 7}", f"emr.t{i % 11}", when)
            started = time.perf_counter()
            try:
                status = http.post("/api/v1/lineage", json=event).status_code
            except httpx.HTTPError:
                status = 0
            out.setdefault("post", []).append((time.perf_counter() - started, status))
            stop.wait(0.05)


def run_level(url: str, token: str, clients: int, seconds: float, only_health: bool = False) -> dict:
    pick = workload(url)
    results: dict[str, list] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(seed):
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=60) as http:
            while not stop.is_set():
                kind, path, params = ("health", "/healthz", None) if only_health else pick(rng)
                started = time.perf_counter()
                try:
                    status = http.get(path, params=params).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    results.setdefault(kind, []).append((time.perf_counter() - started, status))

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    if not only_health:
        threads.append(threading.Thread(target=post_events, args=(url, token, stop, results), daemon=True))
    run_for(threads, seconds, stop)
    return {
        kind: {
            "n": len(v),
            "rps": len(v) / seconds,
            "errors": sum(1 for _, s in v if s == 0 or s >= 500),
            "p50": pct([d for d, _ in v], 50) * 1000,
            "p95": pct([d for d, _ in v], 95) * 1000,
            "p99": pct([d for d, _ in v], 99) * 1000,
        }
        for kind, v in results.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", default="16,64")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--threads", type=int, default=16, help="hdcat serve --threads")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hdcat-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDCAT_")}
    env.update(HDCAT_DATA_DIR=str(folder / "var"), COLUMNS="200")
    token = prepare(folder, env)
    proc, url = start_server(folder, env, args.threads)
    lines = [
        f"# Load on `hdcat serve` ({args.threads} threads), sample consortium, {args.seconds:.0f} s a level",
        "",
        f"Machine: {os.cpu_count()} cores. Requests to "
        "127.0.0.1. Errors: status >= 500, refused or timed out.",
        "",
        "| clients | request | requests | req/s | errors | p50 ms | p95 ms | p99 ms | p50 ÷ /healthz p50 |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    try:
        for clients in [int(c) for c in args.clients.split(",")]:
            floor = run_level(url, token, clients, max(5.0, args.seconds / 4), only_health=True)["health"]
            level = run_level(url, token, clients, args.seconds)
            level["health (floor)"] = floor
            for kind in ("search", "list", "dataset", "lineage", "post", "health (floor)"):
                r = level.get(kind)
                if not r:
                    continue
                lines.append(
                    f"| {clients} | {kind} | {r['n']} | {r['rps']:.1f} | {r['errors']} | {r['p50']:.1f} | "
                    f"{r['p95']:.1f} | {r['p99']:.1f} | {r['p50'] / floor['p50']:.1f}× |"
                )
            print("\n".join(lines), flush=True)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
    text = "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
