"""Pick hdcat's default embedded persistent RDF store by measurement.

    python bench/store_compare.py --sizes 10000,100000 --out bench/results/store.md
    python bench/store_compare.py --sizes 1000 --out /tmp/store-quick.md   # quick check

For every size the parent writes one synthetic N-Quads file (bench/synthetic.py,
~97 triples per dataset, 8 named graphs) to a temp dir under /tmp; then every
engine x size runs in its own child process (so its peak RSS is its own, taken
from ``os.wait4``'s rusage) with a wall-clock budget.  Engines:

* ``memory``      rdflib ``Dataset()`` on the default ``Memory`` store, ``ds.parse(format="nquads")``
* ``berkeleydb``  rdflib ``Dataset(store="BerkeleyDB")`` on a directory, same load path
* ``oxrdflib``    rdflib ``Dataset(store="Oxigraph")`` (oxrdflib) on a directory, same
                  rdflib load path (rdflib's N-Quads parser -> ``store.add`` per triple)
* ``oxrdflib-oxparse``  same store, loaded with ``ds.parse(format="ox-nquads")``, which oxrdflib
                  hands to pyoxigraph's own parser / ``Store.load``
* ``oxrdflib-bulk``  same store, ``ds.parse(format="ox-nquads", transactional=False)``, which
                  oxrdflib hands to ``Store.bulk_load``
* ``pyoxigraph``  native ``pyoxigraph.Store(path)``, ``Store.load`` (one transaction)
* ``pyoxigraph-bulk``  native ``pyoxigraph.Store(path)``, ``Store.bulk_load``

Measured per run: load time and triples/s; (a) SPARQL aggregate "count datasets
GROUP BY theme, publisher" over the union of named graphs, median of up to 5;
(b) 200 random "all triples of one dataset + blank-node closure" lookups, p50/p95;
(c) for the oxrdflib engines the aggregate through ``Dataset.query`` and natively
on the wrapped pyoxigraph store; for persistent stores: on-disk size, reopen
(close, open again, first query); the child's peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402

ENGINES = [
    "memory",
    "berkeleydb",
    "oxrdflib",
    "oxrdflib-oxparse",
    "oxrdflib-bulk",
    "pyoxigraph",
    "pyoxigraph-bulk",
]
ENGINE_LABEL = {
    "memory": "rdflib Dataset, Memory (in-memory)",
    "berkeleydb": "rdflib Dataset, BerkeleyDB",
    "oxrdflib": "rdflib Dataset, Oxigraph via oxrdflib (rdflib parser, add per triple)",
    "oxrdflib-oxparse": 'rdflib Dataset, Oxigraph via oxrdflib (`parse(format="ox-nquads")`)',
    "oxrdflib-bulk": (
        'rdflib Dataset, Oxigraph via oxrdflib (`parse(format="ox-nquads", transactional=False)`)'
    ),
    "pyoxigraph": "pyoxigraph Store(path), `load`",
    "pyoxigraph-bulk": "pyoxigraph Store(path), `bulk_load`",
}
PERSISTENT = {"berkeleydb", "oxrdflib", "oxrdflib-oxparse", "oxrdflib-bulk", "pyoxigraph", "pyoxigraph-bulk"}

AGG_QUERY = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?theme ?publisher (COUNT(DISTINCT ?d) AS ?n)
WHERE { ?d a dcat:Dataset ; dcat:theme ?theme ; dct:publisher ?publisher . }
GROUP BY ?theme ?publisher
"""
AGG_REPS = 5
AGG_CAP_S = 180.0  # stop repeating the aggregate once this much time went into it
N_LOOKUPS = 200


def log(msg: str) -> None:
    print(msg, flush=True)


def disk_usage(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(root, f)).st_blocks * 512
    return total


def vm_hwm_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def rchar() -> int:
    with open("/proc/self/io") as fh:
        for line in fh:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- engines


class RdflibEngine:
    """rdflib Dataset on Memory / BerkeleyDB / Oxigraph (oxrdflib)."""

    def __init__(self, name: str, path: Path):
        self.name, self.path = name, path
        self.store_name = {"memory": "default", "berkeleydb": "BerkeleyDB"}.get(name, "Oxigraph")
        self.ds = None

    def _new(self):
        from rdflib import Dataset

        if self.store_name == "default":
            return Dataset(default_union=True)
        return Dataset(store=self.store_name, default_union=True)

    def create(self):
        self.ds = self._new()
        if self.name != "memory":
            rc = self.ds.open(str(self.path), create=True)
            if self.name == "berkeleydb":
                from rdflib.store import VALID_STORE

                if rc != VALID_STORE:
                    raise RuntimeError(f"BerkeleyDB store could not be opened (rc={rc})")

    def load(self, data: Path):
        if self.name == "oxrdflib-oxparse":  # oxrdflib hands the file to Store.load (one transaction)
            self.ds.parse(str(data), format="ox-nquads")
        elif self.name == "oxrdflib-bulk":  # ... or to Store.bulk_load
            self.ds.parse(str(data), format="ox-nquads", transactional=False)
        else:  # rdflib's own N-Quads parser, store.add() per triple
            self.ds.parse(str(data), format="nquads")

    def count(self) -> int:
        if self.store_name == "Oxigraph":  # oxrdflib's __len__ runs COUNT(DISTINCT TRIPLE(...)): slow
            return len(self.ds.store._inner)
        return len(self.ds.store)

    def agg(self):
        return [(str(r[0]), str(r[1]), int(r[2])) for r in self.ds.query(AGG_QUERY)]

    def native_agg(self):
        inner = self.ds.store._inner
        return [
            (s[0].value, s[1].value, int(s[2].value))
            for s in inner.query(AGG_QUERY, use_default_graph_as_union=True)
        ]

    def lookup(self, iri: str) -> int:
        from rdflib import BNode, URIRef

        out = []
        todo, seen = [URIRef(iri)], set()
        quads = self.ds.quads
        while todo:
            x = todo.pop()
            for q in quads((x, None, None, None)):
                out.append(q)
                o = q[2]
                if isinstance(o, BNode) and o not in seen:
                    seen.add(o)
                    todo.append(o)
        return len(out)

    def close(self, flush: bool = False):
        if flush and self.store_name == "Oxigraph":
            self.ds.store._inner.flush()
        self.ds.close()
        self.ds = None
        gc.collect()

    def reopen(self):
        self.ds = self._new()
        self.ds.open(str(self.path), create=False)


class PyoxEngine:
    def __init__(self, name: str, path: Path):
        self.name, self.path = name, path
        self.store = None

    def create(self):
        import pyoxigraph as ox

        self.store = ox.Store(str(self.path))

    def load(self, data: Path):
        import pyoxigraph as ox

        if self.name == "pyoxigraph-bulk":
            self.store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        else:
            self.store.load(path=str(data), format=ox.RdfFormat.N_QUADS)

    def count(self) -> int:
        return len(self.store)

    def agg(self):
        return [
            (s[0].value, s[1].value, int(s[2].value))
            for s in self.store.query(AGG_QUERY, use_default_graph_as_union=True)
        ]

    native_agg = None

    def lookup(self, iri: str) -> int:
        import pyoxigraph as ox

        out = []
        todo, seen = [ox.NamedNode(iri)], set()
        qfp = self.store.quads_for_pattern
        while todo:
            x = todo.pop()
            for q in qfp(x, None, None, None):
                out.append(q)
                o = q.object
                if isinstance(o, ox.BlankNode) and o not in seen:
                    seen.add(o)
                    todo.append(o)
        return len(out)

    def close(self, flush: bool = False):
        if flush:
            self.store.flush()
        self.store = None
        gc.collect()

    def reopen(self):
        import pyoxigraph as ox

        self.store = ox.Store(str(self.path))


# ---------------------------------------------------------------- child


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return time.perf_counter() - t, r


def median_runs(fn, label: str, prefix: str):
    times, result = [], None
    for i in range(AGG_REPS):
        dt, result = timed(fn)
        times.append(dt)
        log(f"{prefix} {label} run {i + 1}: {dt:.3f} s")
        if sum(times) > AGG_CAP_S:
            break
    return statistics.median(times), len(times), result


def child_main(args) -> None:
    res_path = Path(args.json)
    res: dict = {"engine": args.engine, "size": args.size}

    def save():
        res["vm_hwm_kb"] = vm_hwm_kb()
        res_path.write_text(json.dumps(res))

    prefix = f"  [{args.engine} n={args.size}]"
    data = Path(args.data)
    path = Path(args.workdir) / "store"
    eng = (PyoxEngine if args.engine.startswith("pyoxigraph") else RdflibEngine)(args.engine, path)

    # --- load, with a progress thread reading /proc/self/io
    total_bytes = data.stat().st_size
    start_rchar = rchar()
    done = threading.Event()
    t0 = time.perf_counter()

    def progress():
        while not done.wait(30):
            frac = min(1.0, (rchar() - start_rchar) / total_bytes)
            el = time.perf_counter() - t0
            res["load_progress"] = {"fraction_read": frac, "elapsed_s": el}
            save()
            log(f"{prefix} loading... {frac:5.1%} of input read after {el:.0f} s")

    th = threading.Thread(target=progress, daemon=True)
    th.start()
    log(f"{prefix} load start")
    eng.create()
    eng.load(data)
    res["load_s"] = time.perf_counter() - t0
    done.set()
    res.pop("load_progress", None)
    res["triples_expected"] = args.triples
    res["triples_per_s"] = args.triples / res["load_s"]
    log(f"{prefix} load done: {res['load_s']:.1f} s ({res['triples_per_s']:,.0f} triples/s)")
    save()

    dt, n = timed(eng.count)
    res["count"], res["count_s"] = n, dt
    log(f"{prefix} store size {n:,} triples (counted in {dt:.2f} s)")
    save()

    # --- (a) aggregate
    med, runs, rows = median_runs(eng.agg, "aggregate", prefix)
    res["agg_median_s"], res["agg_runs"] = med, runs
    res["agg_rows"], res["agg_total"] = len(rows), sum(r[2] for r in rows)
    log(
        f"{prefix} aggregate median {med:.3f} s over {runs} runs; {len(rows)} groups, "
        f"{res['agg_total']:,} datasets"
    )
    save()

    # --- (c) native aggregate for the oxrdflib engines
    if getattr(eng, "native_agg", None) and eng.name.startswith("oxrdflib"):
        med, runs, rows = median_runs(eng.native_agg, "native aggregate", prefix)
        res["agg_native_median_s"], res["agg_native_runs"] = med, runs
        res["agg_native_total"] = sum(r[2] for r in rows)
        log(f"{prefix} native aggregate median {med:.4f} s")
        save()

    # --- (b) lookups
    rng = random.Random(7)
    picks = [rng.randrange(args.size) for _ in range(N_LOOKUPS)]
    lat, ntrip = [], 0
    for i in picks:
        dt, k = timed(lambda i=i: eng.lookup(synthetic.dataset_iri(i)))
        lat.append(dt)
        ntrip += k
    lat.sort()
    res["lookup_p50_ms"] = 1000 * lat[len(lat) // 2]
    res["lookup_p95_ms"] = 1000 * lat[int(len(lat) * 0.95) - 1]
    res["lookup_triples"] = ntrip
    log(
        f"{prefix} lookups: p50 {res['lookup_p50_ms']:.2f} ms, p95 {res['lookup_p95_ms']:.2f} ms, "
        f"{ntrip / len(picks):.1f} triples each"
    )
    save()

    # --- persistence.  Oxigraph's close (oxrdflib's Dataset.close(), dropping a
    # pyoxigraph Store) does not flush: the next open replays the RocksDB write-ahead
    # log, which takes about as long as the load.  That is measured only up to
    # --wal-reopen-max-size; the figure reported everywhere is flush + close, reopen,
    # first query.
    if args.engine in PERSISTENT:
        if args.size <= args.wal_reopen_max_size:
            dt, _ = timed(eng.close)
            res["disk_bytes_unflushed"] = disk_usage(path)
            dt, _ = timed(eng.reopen)
            res["reopen_unflushed_s"] = dt
            log(
                f"{prefix} plain close -> reopen {dt:.3f} s "
                f"(on disk before reopen {res['disk_bytes_unflushed'] / 2**20:.1f} MiB)"
            )
            save()
        dt, _ = timed(lambda: eng.close(flush=True))
        res["close_s"] = dt
        res["disk_bytes"] = disk_usage(path)
        dt, _ = timed(eng.reopen)
        res["reopen_s"] = dt
        dt, rows = timed(eng.agg)
        res["first_query_s"] = dt
        res["first_query_total"] = sum(r[2] for r in rows)
        dt, k = timed(lambda: eng.lookup(synthetic.dataset_iri(picks[0])))
        res["first_lookup_ms"] = 1000 * dt
        log(
            f"{prefix} flush+close {res['close_s']:.2f} s, on disk {res['disk_bytes'] / 2**20:.1f} MiB; "
            f"reopen {res['reopen_s']:.3f} s, first aggregate {res['first_query_s']:.3f} s, "
            f"first lookup {res['first_lookup_ms']:.2f} ms"
        )
        save()
        # Right after a bulk load RocksDB still compacts in the background, which
        # slows queries run straight after the load: repeat them on the reopened store.
        med, runs, _ = median_runs(eng.agg, "aggregate after reopen", prefix)
        res["agg_reopen_median_s"], res["agg_reopen_runs"] = med, runs
        if eng.name.startswith("oxrdflib"):
            med, runs, _ = median_runs(eng.native_agg, "native aggregate after reopen", prefix)
            res["agg_native_reopen_median_s"], res["agg_native_reopen_runs"] = med, runs
        log(f"{prefix} aggregate after reopen median {res['agg_reopen_median_s']:.3f} s")
        eng.close(flush=True)
    res["complete"] = True
    save()


# ---------------------------------------------------------------- parent


def run_child(
    engine: str, size: int, triples: int, data: Path, tmp: Path, budget: float, wal_reopen_max_size: int
) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"{engine}-{size}-", dir=tmp))
    js = work / "result.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--engine",
        engine,
        "--size",
        str(size),
        "--triples",
        str(triples),
        "--data",
        str(data),
        "--workdir",
        str(work),
        "--json",
        str(js),
        "--wal-reopen-max-size",
        str(wal_reopen_max_size),
    ]
    t0 = time.perf_counter()
    proc = __import__("subprocess").Popen(cmd, start_new_session=True)
    timed_out = False
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > budget:
            timed_out = True
            log(f"  [{engine} n={size}] budget of {budget:.0f} s exceeded: killing child {proc.pid}")
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, ru = os.wait4(proc.pid, 0)
            break
        time.sleep(0.5)
    proc.returncode = 0  # reaped by wait4 already
    wall = time.perf_counter() - t0
    res = json.loads(js.read_text()) if js.exists() else {"engine": engine, "size": size}
    res.update(
        wall_s=wall,
        cpu_s=ru.ru_utime + ru.ru_stime,
        peak_rss_kb=ru.ru_maxrss,
        timed_out=timed_out,
        exit_status=status,
    )
    shutil.rmtree(work, ignore_errors=True)
    log(
        f"  [{engine} n={size}] child done in {wall:.1f} s wall, {res['cpu_s']:.1f} s CPU, "
        f"peak RSS {ru.ru_maxrss / 1024:.0f} MiB{' (TIMED OUT)' if timed_out else ''}"
        f"{'' if res.get('complete') or timed_out else f' (FAILED, exit status {status:d})'}"
    )
    return res


def fmt(v, spec="{:.2f}", none="–"):
    return none if v is None else spec.format(v)


def write_report(out: Path, results: list[dict], skipped: list[dict], meta: dict) -> None:
    L = []
    L.append("# Embedded RDF store comparison\n")
    L.append(
        f"Generated by `bench/store_compare.py` on {meta['date']} — {meta['machine']}. "
        f"Versions: {meta['versions']}. Budget per engine×size run: {meta['budget']:.0f} s. "
        "Each engine×size ran alone in its own child process; peak RSS is that child's "
        "`ru_maxrss` (from `os.wait4`). The machine is shared and noisy, so treat "
        "differences under ~1.5× as noise.\n"
    )
    L.append(
        "Data: `bench/synthetic.py` (seed 42), ~97 triples per dataset "
        "(dcat:Dataset with @ko/@en title and description, 3–6 keywords, theme, publisher, "
        "access rights, dates, numberOfUniqueIndividuals, one blank-node distribution with a "
        "csvw:tableSchema of 5–25 blank-node columns) in 8 named graphs (one per hospital), "
        "loaded from one N-Quads file per size: "
        + ", ".join(
            f"{n:,} datasets = {t:,} quads / {b / 2**20:.0f} MiB"
            for n, (t, b) in sorted(meta["inputs"].items())
        )
        + ".\n"
    )
    L.append(
        "Queries: (a) `SELECT ?theme ?publisher (COUNT(DISTINCT ?d) AS ?n) … GROUP BY ?theme "
        "?publisher` over the union of the named graphs (rdflib `Dataset(default_union=True)`, "
        "pyoxigraph `use_default_graph_as_union=True`), median of up to 5 runs (fewer if "
        f"runs together exceed {AGG_CAP_S:.0f} s; count in brackets); (b) 200 random datasets: "
        "all quads with the dataset IRI as subject plus the blank-node closure (distribution, "
        "schema, columns; ~97 triples), via `Dataset.quads` / `Store.quads_for_pattern`. "
        "Reopen: `Store.flush()` (Oxigraph engines) + close, open the directory again, time the open "
        "and the first aggregate. Separately, up to " + f"{meta['wal_reopen_max_size']:,}" + " datasets, the "
        "open after a plain close (`Dataset.close()` / dropping the pyoxigraph `Store`, which do not "
        "flush, so RocksDB replays its write-ahead log). On-disk size is after the flush "
        "(allocated blocks).\n"
    )
    L.append(
        "| engine | datasets | triples | load s | triples/s | (a) aggregate s: after load (runs) / after "
        "reopen | (b) lookup p50 / p95 ms "
        "| reopen s: open / 1st aggregate (after flush+close) | open after plain close s (WAL replay) | on "
        "disk MiB | peak RSS MiB | child wall / CPU s |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        e = r["engine"]
        if not r.get("complete"):
            if r.get("timed_out"):
                prog = r.get("load_progress")
                why = f"killed at the {meta['budget']:.0f} s budget" + (
                    f" while loading ({prog['fraction_read']:.0%} of input read after "
                    f"{prog['elapsed_s']:.0f} s)"
                    if prog
                    else ""
                )
            else:
                why = f"failed (exit status {r.get('exit_status')})"
            L.append(
                f"| {ENGINE_LABEL[e]} | {r['size']:,} | – | "
                f"{fmt(r.get('load_s'), '{:.1f}')} | {fmt(r.get('triples_per_s'), '{:,.0f}')} | "
                f"{why} | | | | | {r['peak_rss_kb'] / 1024:,.0f} | {r['wall_s']:.0f} / {r['cpu_s']:.0f} |"
            )
            continue
        agg = f"{r['agg_median_s']:.3f} ({r['agg_runs']})"
        if "agg_reopen_median_s" in r:
            agg += f" / {r['agg_reopen_median_s']:.3f}"
        if e not in PERSISTENT:
            reopen = wal = "n/a"
        else:
            reopen = f"{r['reopen_s']:.3f} / {r['first_query_s']:.3f}"
            wal = fmt(r.get("reopen_unflushed_s"), "{:.2f}", "not measured")
        disk = f"{r['disk_bytes'] / 2**20:,.0f}" if "disk_bytes" in r else "n/a"
        L.append(
            f"| {ENGINE_LABEL[e]} | {r['size']:,} | {r['count']:,} | {r['load_s']:.1f} | "
            f"{r['triples_per_s']:,.0f} | {agg} | {r['lookup_p50_ms']:.2f} / {r['lookup_p95_ms']:.2f} | "
            f"{reopen} | {wal} | {disk} | {r['peak_rss_kb'] / 1024:,.0f} | {r['wall_s']:.0f} / "
            f"{r['cpu_s']:.0f} |"
        )
    for s in skipped:
        L.append(f"| {ENGINE_LABEL[s['engine']]} | {s['size']:,} | not run (see below) | | | | | | | | | |")
    L.append("")
    nat = [r for r in results if r.get("complete") and "agg_native_median_s" in r]
    if nat:
        L.append(
            "(c) The aggregate on the oxrdflib-backed Dataset, through rdflib and natively on the "
            "wrapped `pyoxigraph.Store` (`ds.store._inner.query`):\n"
        )
        L.append("| engine | datasets | when | `Dataset.query` s | native `Store.query` s | ratio |")
        L.append("|---|---:|---|---:|---:|---:|")
        for r in nat:
            L.append(
                f"| {ENGINE_LABEL[r['engine']]} | {r['size']:,} | after load | {r['agg_median_s']:.4f} | "
                f"{r['agg_native_median_s']:.4f} | {r['agg_median_s'] / r['agg_native_median_s']:.2f}× |"
            )
            if "agg_native_reopen_median_s" in r:
                L.append(
                    f"| | | after reopen | {r['agg_reopen_median_s']:.4f} | "
                    f"{r['agg_native_reopen_median_s']:.4f} | "
                    f"{r['agg_reopen_median_s'] / r['agg_native_reopen_median_s']:.2f}× |"
                )
        L.append("")
    if skipped:
        L.append("Not run:\n")
        for s in skipped:
            L.append(f"- {ENGINE_LABEL[s['engine']]} at {s['size']:,} datasets: {s['reason']}")
        L.append("")
    checks = []
    for r in results:
        if r.get("complete"):
            ok = r["agg_total"] == r["size"] and r.get("first_query_total", r["size"]) == r["size"]
            checks.append(ok)
    L.append(
        "Sanity: every completed run counted "
        + (
            "exactly one row per dataset in the aggregate (also after reopen)"
            if all(checks)
            else "**a wrong number of datasets in some aggregate — see JSON**"
        )
        + "; lookup sizes per size: "
        + "; ".join(
            f"{n:,}: "
            + ", ".join(
                sorted({str(r["lookup_triples"]) for r in results if r.get("complete") and r["size"] == n})
            )
            for n in sorted({r["size"] for r in results})
        )
        + " triples over the 200 lookups (one number per size means all engines agree).\n"
    )
    if meta.get("conclusion"):
        L.append("## Conclusion\n")
        L.append(meta["conclusion"].strip() + "\n")
    L.append("<details><summary>raw results (JSON)</summary>\n\n```json")
    L.append(json.dumps({"results": results, "skipped": skipped}, indent=1))
    L.append("```\n</details>\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(L))


def auto_conclusion(results: list[dict]) -> str:
    """Ratios at the largest size where both the candidate and the baselines finished."""
    ok = {(r["engine"], r["size"]): r for r in results if r.get("complete")}
    sizes = sorted({s for _, s in ok}, reverse=True)
    lines = []
    for n in sizes:
        mem, ox, py, bdb = (
            ok.get((e, n)) for e in ("memory", "oxrdflib-bulk", "pyoxigraph-bulk", "berkeleydb")
        )
        if not (mem and ox):
            continue
        lines.append(
            f"At {n:,} datasets, rdflib+oxrdflib (Oxigraph on disk) vs rdflib Memory: "
            f"aggregate time ×{ox.get('agg_reopen_median_s', ox['agg_median_s']) / mem['agg_median_s']:.2f}, "
            f"lookup p50 ×{ox['lookup_p50_ms'] / mem['lookup_p50_ms']:.1f}, "
            f"load time ×{ox['load_s'] / mem['load_s']:.2f}, "
            f"peak RSS ×{ox['peak_rss_kb'] / mem['peak_rss_kb']:.2f}."
        )
        if py:
            lines.append(
                f"Native pyoxigraph bulk_load: load time ×{py['load_s'] / ox['load_s']:.2f} of the "
                f"oxrdflib bulk path, lookup p50 ×{py['lookup_p50_ms'] / ox['lookup_p50_ms']:.2f}."
            )
        if bdb:
            lines.append(
                f"BerkeleyDB vs oxrdflib: load time ×{bdb['load_s'] / ox['load_s']:.2f}, "
                f"aggregate ×{bdb['agg_median_s'] / ox['agg_median_s']:.1f}."
            )
        break
    return "\n".join(lines)


def parent_main(args) -> None:
    sizes = sorted(int(s) for s in args.sizes.split(","))
    engines = args.engines.split(",") if args.engines else ENGINES
    out = Path(args.out)
    tmp = Path(tempfile.mkdtemp(prefix="hdcat-storebench-", dir="/tmp"))
    log(f"temp dir {tmp}; sizes {sizes}; engines {engines}; budget {args.budget:.0f} s per run")
    import oxrdflib  # noqa: F401
    import pyoxigraph
    import rdflib

    try:
        import berkeleydb

        bdb_ver = berkeleydb.__version__ + f" (libdb {'.'.join(map(str, berkeleydb.db.version()))})"
    except ImportError as exc:
        bdb_ver = f"not importable: {exc}"
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM, "
        f"Python {platform.python_version()}",
        "versions": f"rdflib {rdflib.__version__}, pyoxigraph {pyoxigraph.__version__}, "
        f"oxrdflib {__import__('importlib.metadata').metadata.version('oxrdflib')}, "
        f"berkeleydb {bdb_ver}",
        "budget": args.budget,
        "inputs": {},
    }
    meta["wal_reopen_max_size"] = args.wal_reopen_max_size
    results: list[dict] = []
    skipped: list[dict] = []
    last: dict[str, dict] = {}
    reuse: dict = {}
    if args.reuse:
        txt = Path(args.reuse).read_text()
        blob = json.loads(txt[txt.index("```json") + 7 : txt.rindex("```")])
        reuse = {(r["engine"], r["size"]): r for r in blob["results"] if r.get("complete")}
        for r in blob["results"]:
            if r.get("complete"):
                meta["inputs"][r["size"]] = (r["triples_expected"], r.get("input_bytes", 0))
        log(f"reusing {len(reuse)} completed runs from {args.reuse}")
    try:
        for n in sizes:
            data = tmp / f"catalogue-{n}.nq"
            triples = None
            for e in engines:
                if (e, n) in reuse and e not in args.rerun.split(","):
                    r = reuse[(e, n)]
                    log(f"[n={n}] {e}: reusing earlier result (load {r['load_s']:.1f} s)")
                    results.append(r)
                    last[e] = r
                    continue
                if triples is None:
                    log(f"[n={n}] writing synthetic N-Quads to {data}")
                    dt, triples = timed(lambda data=data, n=n: synthetic.write_nquads(str(data), n))
                    meta["inputs"][n] = (triples, data.stat().st_size)
                    log(f"[n={n}] {triples:,} quads, {data.stat().st_size / 2**20:.0f} MiB in {dt:.1f} s")
                prev = last.get(e)
                if prev is not None:
                    if not prev.get("complete"):
                        skipped.append(
                            {
                                "engine": e,
                                "size": n,
                                "reason": f"the {prev['size']:,} run did not finish within the budget",
                            }
                        )
                        log(f"[n={n}] {e}: skipped (smaller run did not finish)")
                        continue
                    factor = n / prev["size"]
                    # the WAL-replay reopen is not repeated at sizes above --wal-reopen-max-size
                    base = prev["wall_s"] - (
                        prev.get("reopen_unflushed_s", 0) if n > args.wal_reopen_max_size else 0
                    )
                    est = base * factor * args.margin
                    est_rss = prev["peak_rss_kb"] * factor / 2**20
                    if est > args.budget:
                        reason = (
                            f"at {prev['size']:,} datasets the whole run took {prev['wall_s']:.0f} s "
                            f"(load {prev['load_s']:.0f} s = {prev['triples_per_s']:,.0f} triples/s, "
                            f"aggregate {prev['agg_median_s']:.1f} s); scaled linearly by {factor:.0f}× "
                            f"(+{(args.margin - 1) * 100:.0f}% margin) that is ≈{est:.0f} s "
                            f"(load alone ≈{prev['load_s'] * factor:.0f} s), "
                            f"over the {args.budget:.0f} s budget, so it was not run"
                        )
                        skipped.append({"engine": e, "size": n, "reason": reason})
                        log(f"[n={n}] {e}: skipped — {reason}")
                        continue
                    if est_rss > args.max_rss_gb:
                        reason = (
                            f"peak RSS at {prev['size']:,} was {prev['peak_rss_kb'] / 2**20:.1f} GiB; "
                            f"scaled ≈{est_rss:.0f} GiB > {args.max_rss_gb} GiB limit"
                        )
                        skipped.append({"engine": e, "size": n, "reason": reason})
                        log(f"[n={n}] {e}: skipped — {reason}")
                        continue
                log(f"[n={n}] {e}: start ({ENGINE_LABEL[e]})")
                r = run_child(e, n, triples, data, tmp, args.budget, args.wal_reopen_max_size)
                r["input_bytes"] = meta["inputs"][n][1]
                results.append(r)
                last[e] = r
                meta["conclusion"] = args.conclusion or auto_conclusion(results)
                write_report(out, results, skipped, meta)  # keep partial results on disk
            data.unlink(missing_ok=True)
        meta["conclusion"] = (
            Path(args.conclusion).read_text()
            if args.conclusion and Path(args.conclusion).exists()
            else args.conclusion or auto_conclusion(results)
        )
        write_report(out, results, skipped, meta)
        log(f"wrote {out}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        log(f"removed {tmp}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000", help="comma-separated dataset counts")
    ap.add_argument("--out", default="bench/results/store.md")
    ap.add_argument("--engines", default="", help=f"subset of {','.join(ENGINES)}")
    ap.add_argument("--budget", type=float, default=1200.0, help="wall-clock seconds per engine×size run")
    ap.add_argument(
        "--max-rss-gb", type=float, default=20.0, help="skip a size whose extrapolated RSS exceeds this"
    )
    ap.add_argument(
        "--margin",
        type=float,
        default=1.1,
        help="safety factor on the linear extrapolation used to skip a size",
    )
    ap.add_argument(
        "--wal-reopen-max-size",
        type=int,
        default=10000,
        help="measure the open after a plain (unflushed) close only up to this size",
    )
    ap.add_argument("--reuse", default="", help="earlier report whose completed runs are not rerun")
    ap.add_argument("--rerun", default="", help="engines to run again even if --reuse has them")
    ap.add_argument("--conclusion", default="", help="conclusion text (or a file holding it) for the report")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--triples", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--workdir", help=argparse.SUPPRESS)
    ap.add_argument("--json", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_main(args)
    else:
        parent_main(args)


if __name__ == "__main__":
    main()
