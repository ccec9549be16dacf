"""Harvest workers on a queue against one in-process harvest, into Fuseki, beside the raw floor (issue 17).

The same S sources (seeded synthetic HealthDCAT-AP Turtle, N datasets each, written as
bench/pipeline_bench.py writes them) are harvested into an emptied Fuseki dataset:

* **floor**: each file sent straight to Fuseki with one Graph Store Protocol PUT (Fuseki parses and
  stores it; nothing of hdcat's), one after another, timed inside this process;
* **in-process**: one process harvesting every source on 4 threads, as `hdcat harvest` and `hdcat serve`
  do (parse, checks, commit, run record, conformance, audit; the search index is left out here and in the
  workers alike: with workers it is the server's or a shared engine's work);
* **W workers** (each W of --workers): one job per source enqueued on a fresh PostgreSQL database, then W
  `hdcat worker --until-empty --concurrency 1` processes started together; wall time from their start
  until the last one exits (interpreter start and imports included, as in-process).

Peak memory is each process's maximum resident set (wait4); for workers the largest and the sum.

    .venv/bin/python bench/worker_bench.py --sources 8 --datasets 500 --workers 1,2,4 \\
        --out bench/results/workers.md

Needs HDCAT_TEST_FUSEKI_URL (or HDCAT_STORE=sparql+http://…; `scripts/services start fuseki`) and
HDCAT_TEST_POSTGRES_URL (`scripts/services start postgres`). The Fuseki dataset is emptied before each
round: point it at a throw-away one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from pipeline_bench import PREFIXES, SITE, _lit, records, turtle  # noqa: E402


def generate(folder: Path, sources: int, per_source: int) -> list[Path]:
    """One Turtle file a source, `per_source` datasets each; no dataset is in two files."""
    folder.mkdir(parents=True, exist_ok=True)
    every = list(records(sources * per_source))
    paths = []
    for k in range(sources):
        batch = every[k * per_source : (k + 1) * per_source]
        head = [
            PREFIXES,
            f"<{SITE}/catalog/{k}>\n    a dcat:Catalog ;",
            f"    dct:title {_lit(f'Bench catalogue {k}', 'en')} ;",
            f"    dct:publisher <{SITE}/org/bench> ;",
            "    dcat:dataset " + " ,\n        ".join(f"<{r['iri']}>" for r in batch) + " .\n",
            f"<{SITE}/org/bench>\n    a foaf:Organization ;",
            f"    foaf:name {_lit('Bench Hospital', 'en')} .\n",
        ]
        path = folder / f"source-{k}.ttl"
        path.write_text("\n".join(head) + "\n" + "\n".join(turtle(r) for r in batch), "utf-8")
        paths.append(path)
    return paths


def write_config(folder: Path, files: list[Path]) -> Path:
    config = folder / "hdcat.toml"
    config.write_text(
        "".join(
            f'[[sources]]\nname = "bench-{k}"\nhospital = "hanbit"\nkind = "dcat"\nlocation = "{p}"\n'
            'schedule = "manual"\n'
            for k, p in enumerate(files)
        )
        + "\n[service]\nscheduler = false\n",
        "utf-8",
    )
    return config


def empty(store: str) -> None:
    from hdcat.catalog.stores import open_store

    s = open_store(store)
    try:
        s.clear()
    finally:
        s.close()


def floor(store: str, files: list[Path]) -> float:
    """One Graph Store PUT a file, each into its own named graph."""
    import httpx

    endpoint = store.removeprefix("sparql+")
    t = time.perf_counter()
    with httpx.Client(timeout=600) as http:
        for k, path in enumerate(files):
            r = http.put(
                endpoint,
                params={"graph": f"urn:bench:floor:{k}"},
                content=path.read_bytes(),
                headers={"Content-Type": "text/turtle"},
            )
            r.raise_for_status()
    return time.perf_counter() - t


def start(cmd: list[str], env: dict, log: Path) -> tuple[subprocess.Popen, object]:
    fh = log.open("wb")
    return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT), fh


def finish(proc: subprocess.Popen, fh, timeout: float) -> tuple[float, int]:
    """Wait for `proc`; (peak MiB, exit code). Killed past `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            fh.close()
            return usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.05)


def in_process_driver(config: str) -> None:
    """The in-process harvest, in a process of its own: every source on 4 threads, then what follows a
    harvest (conformance, audit), as `hdcat harvest` does without the search index."""
    from hdcat.catalog import Accounts, Catalog
    from hdcat.catalog.config import load_settings
    from hdcat.harvesters.runner import harvest_all
    from hdcat.web import operations

    settings = load_settings(config)
    catalog = Catalog(settings)
    runs = harvest_all(catalog, settings.sources, workers=4)
    accounts = Accounts.for_settings(settings)
    operations.after_harvest(catalog, accounts, runs, actor="bench")
    accounts.close()
    catalog.close()
    bad = [r.source for r in runs if not r.outcome or r.outcome.value != "changed"]
    if bad:
        sys.exit(f"not harvested: {bad}")


def hdcat(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hdcat.web.console_script import run; run()", *args]


def new_queue(base: str) -> str:
    import psycopg

    name = f"hdcat_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


def drop_queue(base: str, url: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def count_runs(store: str, folder: Path) -> list[str]:
    from hdcat.catalog import Catalog
    from hdcat.catalog.config import Settings

    catalog = Catalog(Settings(store_url=store, data_dir=folder / "reader"))
    try:
        return [r["status"] for r in catalog.runs.list(limit=1000)]
    finally:
        catalog.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=8)
    parser.add_argument("--datasets", type=int, default=250, help="datasets a source")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", default=None)
    parser.add_argument("--in-process", dest="driver", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        return in_process_driver(args.driver)
    store = os.environ.get("HDCAT_TEST_FUSEKI_URL") or os.environ.get("HDCAT_STORE", "")
    pg = os.environ.get("HDCAT_TEST_POSTGRES_URL", "")
    if not store.startswith("sparql+") or not pg:
        sys.exit("needs HDCAT_TEST_FUSEKI_URL (scripts/services start fuseki) and HDCAT_TEST_POSTGRES_URL")
    folder = Path(tempfile.mkdtemp(prefix="hdcat-worker-bench-"))
    files = generate(folder / "sources", args.sources, args.datasets)
    config = write_config(folder, files)
    triples = None
    began = time.perf_counter()
    rows = []

    empty(store)
    floor_s = floor(store, files)
    with contextlib.suppress(Exception):
        from hdcat.catalog.stores import open_store

        s = open_store(store)
        triples = len(s)
        s.close()
    rows.append(("floor: one Graph Store PUT a file into Fuseki", floor_s, None, None))
    print(f"floor {floor_s:.1f} s ({triples} triples)", flush=True)

    env = {k: v for k, v in os.environ.items() if not k.startswith("HDCAT_")}
    env["HDCAT_STORE"] = store
    empty(store)
    env_in = {**env, "HDCAT_DATA_DIR": str(folder / "in-process")}
    t = time.perf_counter()
    proc, fh = start(
        [sys.executable, __file__, "--in-process", str(config)], env_in, folder / "in-process.log"
    )
    peak, rc = finish(proc, fh, args.timeout)
    seconds = time.perf_counter() - t
    assert rc == 0, (folder / "in-process.log").read_text()[-3000:]
    assert count_runs(store, folder) == ["changed"] * args.sources
    rows.append(("in-process: one process, 4 harvest threads", seconds, peak, None))
    print(f"in-process {seconds:.1f} s, {peak:.0f} MiB", flush=True)

    from hdcat.catalog.config import load_settings
    from hdcat.web.harvest_queue import QueuedHarvests

    for w in [int(x) for x in args.workers.split(",")]:
        empty(store)
        queue = new_queue(pg)
        try:
            settings = load_settings(config, env={"HDCAT_STORE": store, "HDCAT_QUEUE_URL": queue})
            harvests = QueuedHarvests(settings)
            harvests.submit(list(settings.sources), "bench")
            harvests.shutdown()
            t = time.perf_counter()
            procs = []
            for i in range(w):
                wenv = {**env, "HDCAT_QUEUE_URL": queue, "HDCAT_DATA_DIR": str(folder / f"worker-{w}-{i}")}
                procs.append(
                    start(
                        hdcat("--config", str(config), "worker", "--until-empty", "--concurrency", "1"),
                        wenv,
                        folder / f"worker-{w}-{i}.log",
                    )
                )
            peaks = []
            for i, (proc, fh) in enumerate(procs):
                peak, rc = finish(proc, fh, args.timeout)
                assert rc == 0, (folder / f"worker-{w}-{i}.log").read_text()[-3000:]
                peaks.append(peak)
            seconds = time.perf_counter() - t
            statuses = count_runs(store, folder)
            assert statuses == ["changed"] * args.sources, statuses
        finally:
            drop_queue(pg, queue)
        rows.append(
            (f"{w} worker process{'es' if w > 1 else ''} (`hdcat worker`)", seconds, max(peaks), sum(peaks))
        )
        print(f"{w} workers {seconds:.1f} s, peak {max(peaks):.0f} MiB, sum {sum(peaks):.0f} MiB", flush=True)
    empty(store)

    total = args.sources * args.datasets
    lines = [
        f"| {args.sources} sources × {args.datasets} datasets ({total:,} datasets, "
        f"{triples:,} triples in Fuseki) | wall s | × floor | peak MiB (largest process) "
        "| MiB all processes |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, seconds, peak, summed in rows:
        lines.append(
            f"| {label} | {seconds:.1f} | {seconds / floor_s:.1f}× | "
            f"{'' if peak is None else f'{peak:.0f}'} | {'' if summed is None else f'{summed:.0f}'} |"
        )
    table = "\n".join(lines)
    print(table)
    print(f"({time.perf_counter() - began:.0f} s in all)")
    if args.out:
        Path(args.out).write_text(
            "# Harvest workers on a queue\n\nGenerated by `bench/worker_bench.py "
            f"--sources {args.sources} --datasets {args.datasets} --workers {args.workers}` on "
            f"{time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores shared with other work, so noisy; "
            f"{time.perf_counter() - began:.0f} s in all). Fuseki 5.6.0 (TDB2) and PostgreSQL on the "
            "same machine. Wall seconds include interpreter start and imports for hdcat's processes; the "
            "floor is timed around its PUTs alone.\n\n" + table + "\n"
        )


if __name__ == "__main__":
    main()
