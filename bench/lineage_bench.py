"""Lineage at scale: build, memory, ingestion rate and depth-5 query latency of hdcat's lineage.

    python bench/lineage_bench.py --datasets 100000 --jobs 50000 --edges 1000000 \\
        --out bench/results/lineage.md
    # quick:
    python bench/lineage_bench.py --datasets 1000 --jobs 500 --edges 10000 --out /tmp/lineage-quick.md
    # rewrite the report from its raw JSON:
    python bench/lineage_bench.py --rerender --out bench/results/lineage.md

Data (seeded, deterministic): datasets in 8 hospital namespaces (``postgres://<hospital>-db:5432``) plus a
shared research lake (``s3://hdcat-research-lake``), named ``<schema>.<table>_<n>`` over 8 layers
(raw → staging → cdm → derived → feature → cohort → mart → report). Every job runs once (one COMPLETE
RunEvent), writes 1–8 datasets of its own layer (mean ≈ 2) and reads a heavy-tailed (log-normal) number of
datasets from lower layers — mostly the layer just below in its own hospital, some from deeper layers and
other hospitals — with a popularity skew (a few tables such as ``person`` are read by very many jobs). Input
counts are scaled so that input edges + output edges ≈ ``--edges``. 30 % of outputs carry a schema facet;
5 % of outputs carry a columnLineage facet; 20 % of jobs a sql facet; every job a jobType facet.

Measured, all in this one process (the machine is shared, so ratios are taken side by side):

1. build: ``LineageGraph().apply(map_event(json.loads(event), base))`` for every event, timed per step;
   memory of the resulting graph two ways: the process RSS delta over that build (after ``gc.collect()``;
   includes allocator slack) and, in a second identical build under ``tracemalloc``, the bytes still
   allocated once the build's garbage is collected (the graph's own Python objects).
2. ingestion: ``Catalog.lineage.ingest(event)`` on an on-disk Oxigraph store, and ``POST /api/v1/lineage``
   (Flask test client, bearer token with the ``lineage:write`` scope) on a second on-disk store, event by
   event side by side over the same event sample; cProfile of each path on fresh stores.
3. queries: 200 random datasets that have nodes at distance 5 both upstream and downstream; for each, depth-5
   upstream and downstream, interleaved (order rotated per query): (a) ``GET /api/v1/lineage`` through the
   Flask test client on a catalog whose ``lineage._index`` is the big graph, (b) bare networkx: BFS over
   ``DiGraph.predecessors/successors`` to depth 5 plus the node list (id, data) and the edge list inside the
   neighbourhood, (c) ``LineageGraph.marquez`` in process (to split (a) into graph work and HTTP/JSON work).
   Then cProfile over a subset of (a) and of ingestion.

Order: smoke test, build, ingestion, queries, and last the traced build (after the first graph is dropped).

With ``--volume``: ingestion one by one, in batches and over HTTP beside the floor (pyoxigraph's
``Store.extend`` of the same quads), then the first batch's jobs run again on ``--nights`` nights (new run ids
and times, the same inputs, outputs and facets, as a nightly ETL sends them) in batches beside the same
floor, and the cold start of the lineage index at ``--sizes``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hdcat.catalog.config import Settings  # noqa: E402
from hdcat.catalog.lineage import LineageGraph  # noqa: E402
from hdcat.catalog.openlineage import Described, map_event  # noqa: E402
from hdcat.catalog.service import Catalog  # noqa: E402
from hdcat.web.app import create_app  # noqa: E402

HOSPITALS = ("hanbit", "gaon", "saebom", "haneul", "mirae", "purun", "balgeun", "dasom")
SITE_WEIGHTS = (0.19, 0.16, 0.14, 0.12, 0.11, 0.10, 0.08, 0.07, 0.03)  # 8 hospitals + research lake
LAKE = len(HOSPITALS)
LAYERS = ("raw", "staging", "cdm", "derived", "feature", "cohort", "mart", "report")
LAYER_WEIGHTS = (0.20, 0.18, 0.15, 0.13, 0.11, 0.09, 0.08, 0.06)
TABLES = (
    "person",
    "visit_occurrence",
    "condition_occurrence",
    "drug_exposure",
    "measurement",
    "observation",
    "procedure_occurrence",
    "device_exposure",
    "note",
    "specimen",
    "death",
    "lab_results",
    "vital_signs",
    "imaging_study",
    "admission",
    "discharge",
    "prescription",
    "diagnosis",
    "allergy",
    "immunization",
    "payer_plan",
    "provider",
    "care_site",
    "location",
    "cost",
    "episode",
    "genomic_variant",
    "pathology",
)
COLUMNS = (
    "person_id",
    "visit_id",
    "concept_id",
    "source_value",
    "start_date",
    "end_date",
    "value_as_number",
    "unit",
    "provider_id",
    "care_site_id",
    "type_concept_id",
    "quantity",
    "days_supply",
    "route",
    "result_code",
    "specimen_id",
    "birth_year",
    "gender_concept_id",
    "status",
    "updated_at",
)
TYPES = ("BIGINT", "INTEGER", "VARCHAR", "DATE", "TIMESTAMP", "DOUBLE", "BOOLEAN")
VERBS = {1: "stage", 2: "load", 3: "derive", 4: "featurize", 5: "select", 6: "aggregate", 7: "report"}
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/spark"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET = "https://openlineage.io/spec/facets/1-1-0/{}.json"
DEPTH = 5
P_SCHEMA, P_COLUMN_LINEAGE, P_SQL = 0.30, 0.05, 0.20
OUT_COUNTS = ((1, 0.50), (2, 0.25), (3, 0.12), (4, 0.06), (5, 0.03), (6, 0.02), (7, 0.01), (8, 0.01))


def namespace(site: int) -> str:
    return "s3://hdcat-research-lake" if site == LAKE else f"postgres://{HOSPITALS[site]}-db:5432"


def job_namespace(site: int) -> str:
    return "research-lake-etl" if site == LAKE else f"{HOSPITALS[site]}-etl"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- data -----------------------------------------------------------------------------------------
def generate(n_datasets: int, n_jobs: int, n_edges: int, seed: int) -> dict:
    """OpenLineage RunEvents as JSON strings, plus what the bench needs to know about them."""
    rng = random.Random(seed)
    ds_ns, ds_name, ds_cols, ds_layer = [], [], [], []
    pools: dict[tuple[int, int], list[int]] = {}
    counters: dict[tuple[int, int, str], int] = {}
    for i in range(n_datasets):
        site = rng.choices(range(len(SITE_WEIGHTS)), SITE_WEIGHTS)[0]
        layer = rng.choices(range(len(LAYERS)), LAYER_WEIGHTS)[0]
        if site == LAKE:
            layer = max(layer, 4)  # the lake holds pooled features, cohorts and marts
        table = TABLES[min(int(len(TABLES) * rng.random() ** 1.5), len(TABLES) - 1)]
        n = counters[(site, layer, table)] = counters.get((site, layer, table), 0) + 1
        ds_ns.append(namespace(site))
        ds_name.append(f"{LAYERS[layer]}.{table}" + (f"_{n}" if n > 1 else ""))
        ds_cols.append(rng.sample(COLUMNS, rng.randint(4, 10)))
        ds_layer.append(layer)
        pools.setdefault((site, layer), []).append(i)
    for pool in pools.values():
        rng.shuffle(pool)  # the order is the popularity rank (index 0 = most read)
    by_layer: dict[int, list[int]] = {}
    for (_site, layer), pool in pools.items():
        by_layer.setdefault(layer, []).extend(pool)

    writable = [(key, len(pool)) for key, pool in sorted(pools.items()) if key[1] >= 1]
    job_pools = rng.choices([k for k, _ in writable], [w for _, w in writable], k=n_jobs)
    k_out = rng.choices([c for c, _ in OUT_COUNTS], [w for _, w in OUT_COUNTS], k=n_jobs)
    mean_in = max(1.0, (n_edges - sum(k_out)) / max(1, n_jobs))
    sigma = 1.0
    raw_in = [rng.lognormvariate(math.log(mean_in) - sigma * sigma / 2, sigma) for _ in range(n_jobs)]
    scale = max(0.0, n_edges - sum(k_out)) / max(1e-9, sum(raw_in))
    k_in = [max(1, min(500, round(x * scale))) for x in raw_in]

    unwritten = {key: list(pool) for key, pool in pools.items()}

    def pick_from(pool: list[int]) -> int:
        return pool[min(int(len(pool) * rng.random() ** 2), len(pool) - 1)]

    def input_pool(site: int, layer: int) -> list[int]:
        r = rng.random()
        if site == LAKE or r >= 0.90:  # another hospital (the lake always pools across hospitals)
            other = rng.randrange(len(HOSPITALS))
            lower = rng.randrange(max(0, layer - 2), layer)
            return pools.get((other, lower)) or by_layer.get(lower) or []
        lower = layer - 1 if r < 0.70 or layer == 1 else rng.randrange(0, layer - 1)
        return pools.get((site, lower)) or by_layer.get(lower) or []

    events, stats = (
        [],
        {
            "inputs": 0,
            "outputs": 0,
            "column_lineage_outputs": 0,
            "column_edges": 0,
            "schema_outputs": 0,
            "sql_jobs": 0,
        },
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    job_names: dict[tuple[int, str], int] = {}
    for j in range(n_jobs):
        site, layer = job_pools[j]
        pool = pools[(site, layer)]
        todo = unwritten[(site, layer)]
        outs: list[int] = []
        while todo and len(outs) < k_out[j]:
            outs.append(todo.pop())
        for _ in range(k_out[j] * 4):
            if len(outs) >= min(k_out[j], len(pool)):
                break
            d = rng.choice(pool)
            if d not in outs:
                outs.append(d)
        ins: list[int] = []
        seen = set()
        for _ in range(k_in[j] * 4):
            if len(ins) >= k_in[j]:
                break
            src = input_pool(site, layer)
            if src:
                d = pick_from(src)
                if d not in seen:
                    seen.add(d)
                    ins.append(d)
        main = ds_name[outs[0]].split(".", 1)[1]
        base_name = f"{VERBS[layer]}_{LAYERS[layer]}_{main}"
        n = job_names[(site, base_name)] = job_names.get((site, base_name), 0) + 1
        job = {
            "namespace": job_namespace(site),
            "name": base_name + (f"_{n}" if n > 1 else ""),
            "facets": {
                "jobType": {
                    "_producer": PRODUCER,
                    "_schemaURL": FACET.format("JobTypeJobFacet"),
                    "processingType": "BATCH",
                    "integration": rng.choice(("SPARK", "DBT")),
                    "jobType": "JOB",
                }
            },
        }
        if rng.random() < P_SQL:
            stats["sql_jobs"] += 1
            froms = " JOIN ".join(ds_name[d] for d in ins[:3])
            job["facets"]["sql"] = {
                "_producer": PRODUCER,
                "_schemaURL": FACET.format("SQLJobFacet"),
                "query": f"INSERT INTO {ds_name[outs[0]]} SELECT * FROM {froms}",
            }
        outputs = []
        for d in outs:
            out = {"namespace": ds_ns[d], "name": ds_name[d]}
            facets = {}
            column_lineage = rng.random() < P_COLUMN_LINEAGE
            if column_lineage or rng.random() < P_SCHEMA:
                stats["schema_outputs"] += 1
                facets["schema"] = {
                    "_producer": PRODUCER,
                    "_schemaURL": FACET.format("SchemaDatasetFacet"),
                    "fields": [{"name": c, "type": TYPES[COLUMNS.index(c) % len(TYPES)]} for c in ds_cols[d]],
                }
            if column_lineage and ins:
                stats["column_lineage_outputs"] += 1
                fields = {}
                for c in ds_cols[d]:
                    srcs = []
                    for _ in range(rng.randint(1, 3)):
                        s = rng.choice(ins)
                        direct = rng.random() < 0.7
                        srcs.append(
                            {
                                "namespace": ds_ns[s],
                                "name": ds_name[s],
                                "field": rng.choice(ds_cols[s]),
                                "transformations": [
                                    {"type": "DIRECT", "subtype": "IDENTITY", "masking": False}
                                    if direct
                                    else {
                                        "type": "INDIRECT",
                                        "subtype": "JOIN",
                                        "description": "ON person_id",
                                    }
                                ],
                            }
                        )
                    stats["column_edges"] += len(srcs)
                    fields[c] = {"inputFields": srcs}
                facets["columnLineage"] = {
                    "_producer": PRODUCER,
                    "_schemaURL": FACET.format("ColumnLineageDatasetFacet"),
                    "fields": fields,
                }
            if facets:
                out["facets"] = facets
            outputs.append(out)
        stats["inputs"] += len(ins)
        stats["outputs"] += len(outs)
        when = start + timedelta(seconds=j * 37 + rng.randrange(30))
        events.append(
            json.dumps(
                {
                    "eventType": "COMPLETE",
                    "eventTime": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "run": {"runId": str(uuid.UUID(int=rng.getrandbits(128), version=4))},
                    "job": job,
                    "inputs": [{"namespace": ds_ns[d], "name": ds_name[d]} for d in ins],
                    "outputs": outputs,
                    "producer": PRODUCER,
                    "schemaURL": SCHEMA_URL,
                },
                ensure_ascii=False,
            )
        )
    stats["edges"] = stats["inputs"] + stats["outputs"]
    stats["unwritten_above_raw"] = sum(len(v) for k, v in unwritten.items() if k[1] >= 1)
    ids = [f"dataset:{ds_ns[i]}:{ds_name[i]}" for i in range(n_datasets)]
    return {"events": events, "dataset_ids": ids, "dataset_layer": ds_layer, "stats": stats}


# ---- helpers --------------------------------------------------------------------------------------
def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def bare_neighbourhood(g, node: str, depth: int, direction: str):
    """Plain networkx: BFS to `depth`, then the node list (id, data) and the edges inside it."""
    step = g.predecessors if direction == "upstream" else g.successors
    seen = {node}
    frontier = [node]
    for _ in range(depth):
        nxt = []
        for n in frontier:
            for m in step(n):
                if m not in seen:
                    seen.add(m)
                    nxt.append(m)
        if not nxt:
            break
        frontier = nxt
    nodes = [(n, g.nodes[n]) for n in seen]
    edges = [(a, b) for a in seen for b in g.successors(a) if b in seen]
    return nodes, edges


def reaches(g, node: str, depth: int, step) -> bool:
    """Is there a node at distance exactly `depth` along `step`?"""
    seen = {node}
    frontier = [node]
    for _ in range(depth):
        nxt = [m for n in frontier for m in step(n) if m not in seen]
        seen.update(nxt)
        frontier = list(dict.fromkeys(nxt))
        if not frontier:
            return False
    return True


def profile_top(prof: cProfile.Profile, n: int = 12) -> dict:
    st = pstats.Stats(prof)
    total = st.total_tt
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _) in st.stats.items():
        short = re.sub(r".*/(site-packages|lib/python3\.\d+|main)/", "", file)
        rows.append({"func": f"{short}:{line}({func})", "calls": nc, "tottime": tt, "cumtime": ct})
    by_tt = sorted(rows, key=lambda r: -r["tottime"])[:n]
    by_ct = sorted(rows, key=lambda r: -r["cumtime"])[:40]
    return {"total": total, "by_tottime": by_tt, "by_cumtime": by_ct}


def tmp_catalog(root: Path, name: str) -> Catalog:
    d = root / name
    d.mkdir()
    return Catalog(Settings(store_url=f"oxigraph:{d / 'store'}", data_dir=d))


def du(path: Path) -> int:
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())


# ---- phases ---------------------------------------------------------------------------------------
def build(events: list[str], base: str, traced: bool) -> tuple[LineageGraph, dict]:
    gc.collect()
    rss0 = rss_bytes()
    if traced:
        tracemalloc.start()
        base_mem = tracemalloc.get_traced_memory()[0]
    graph = LineageGraph()
    t_dec = t_map = t_apply = 0.0
    pc = time.perf_counter
    t_start = pc()
    for i, s in enumerate(events):
        t0 = pc()
        e = json.loads(s)
        t1 = pc()
        m = map_event(e, base)
        t2 = pc()
        graph.apply(m)
        t3 = pc()
        t_dec += t1 - t0
        t_map += t2 - t1
        t_apply += t3 - t2
        if (i + 1) % 10000 == 0:
            log(f"  build{' (traced)' if traced else ''}: {i + 1:,}/{len(events):,} events")
    wall = pc() - t_start
    del e, m
    gc.collect()
    t = pc()
    gc.collect()  # a full (gen-2) collection with the graph in the heap
    out = {
        "wall_s": wall,
        "decode_s": t_dec,
        "map_event_s": t_map,
        "apply_s": t_apply,
        "rss_delta": rss_bytes() - rss0,
        "full_gc_s": pc() - t,
        "gc_objects": len(gc.get_objects()),
    }
    if traced:
        cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.update(traced_net=cur - base_mem, traced_peak=peak - base_mem)
    return graph, out


def writer_token(data_dir: Path) -> str:
    """A bearer token with the lineage:write scope, as `hdcat tokens issue` makes one."""
    from hdcat.catalog.accounts import Accounts

    acc = Accounts.for_settings(Settings(data_dir=data_dir))
    acc.add_user("etl-bot", "steward", ["hanbit"])
    _, secret = acc.issue_token("etl-bot", ["lineage:write"])
    acc.close()
    return secret


def http_app(cat: Catalog, data_dir: Path):
    client = create_app(catalog=cat).test_client()
    headers = {"Authorization": f"Bearer {writer_token(data_dir)}"}
    return client, headers


def smoke(events: list[str], root: Path) -> None:
    """Fail in seconds, not after the build, if the write or read API is not what this bench expects."""
    cat = tmp_catalog(root, "smoke")
    client, headers = http_app(cat, root / "smoke")
    r = client.post("/api/v1/lineage", data=events[0], content_type="application/json", headers=headers)
    assert r.status_code == 201, (r.status_code, r.get_data(as_text=True)[:500])
    e = json.loads(events[0])
    node = f"dataset:{e['outputs'][0]['namespace']}:{e['outputs'][0]['name']}"
    r = client.get("/api/v1/lineage", query_string={"nodeId": node, "depth": DEPTH, "direction": "upstream"})
    assert r.status_code == 200 and r.get_json()["graph"], (r.status_code, r.get_data(as_text=True)[:500])
    cat.close()


def ingest(events: list[str], n_direct: int, n_http: int, root: Path, profile_n: int) -> dict:
    direct = tmp_catalog(root, "direct")
    http = tmp_catalog(root, "http")
    direct.lineage.index, http.lineage.index  # noqa: B018 — the (empty) rebuild happens before timing
    client, headers = http_app(http, root / "http")
    decoded = [json.loads(s) for s in events[:n_direct]]
    td, th, td_same = [], [], []
    pc = time.perf_counter

    def one_direct(i: int) -> None:
        t = pc()
        res = direct.lineage.ingest(decoded[i])
        td.append(pc() - t)
        assert res["status"] == "stored", res
        if i < n_http:
            td_same.append(td[-1])

    def one_http(i: int) -> None:
        t = pc()
        resp = client.post(
            "/api/v1/lineage", data=events[i], content_type="application/json", headers=headers
        )
        th.append(pc() - t)
        assert resp.status_code == 201, (resp.status_code, resp.get_data(as_text=True)[:500])

    t0 = pc()
    for i in range(n_direct):  # event i to both stores, side by side, order alternating
        if i < n_http and i % 2:
            one_http(i)
        one_direct(i)
        if i < n_http and not i % 2:
            one_http(i)
        if (i + 1) % 500 == 0:
            log(f"  ingest: {len(td)} direct, {len(th)} http ({pc() - t0:.1f} s)")
    prof_cat = tmp_catalog(root, "profile")  # a third store, same first events, under cProfile
    prof_cat.lineage.index  # noqa: B018
    prof = cProfile.Profile()
    prof.enable()
    t = pc()
    for e in decoded[:profile_n]:
        prof_cat.lineage.ingest(e)
    prof_wall = pc() - t
    prof.disable()
    prof_cat.close()
    http_n = min(100, n_http)  # a fourth store: what the HTTP layer adds
    http_cat = tmp_catalog(root, "profile-http")
    http_cat.lineage.index  # noqa: B018
    hclient, hheaders = http_app(http_cat, root / "profile-http")
    hprof = cProfile.Profile()
    hprof.enable()
    for s in events[:http_n]:
        hclient.post("/api/v1/lineage", data=s, content_type="application/json", headers=hheaders)
    hprof.disable()
    http_cat.close()
    hst = pstats.Stats(hprof)
    http_split = {"calls": http_n, "total": 0.0, "ingest_lineage": 0.0, "accounts": 0.0}
    for (file, _line, func), (_cc, _nc, _tt, ct, _) in hst.stats.items():
        if file.endswith("flask/testing.py") and func == "open":
            http_split["total"] = ct
        elif file.endswith("catalog/lineage_service.py") and func == "ingest":
            http_split["ingest_lineage"] = ct
        elif file.endswith("catalog/accounts.py") and func in ("authenticate", "audit"):
            http_split["accounts"] += ct
    sample_edges = [len(e.get("inputs", [])) + len(e.get("outputs", [])) for e in decoded[:n_direct]]
    direct.store.native.flush()
    http.store.native.flush()
    out = {
        "n_direct": len(td),
        "n_http": len(th),
        "direct_s": sum(td),
        "http_s": sum(th),
        "direct_same_s": sum(td_same),
        "direct_ms_p50": pct(td, 0.5) * 1e3,
        "direct_ms_p95": pct(td, 0.95) * 1e3,
        "http_ms_p50": pct(th, 0.5) * 1e3,
        "http_ms_p95": pct(th, 0.95) * 1e3,
        "sample_edges_mean": statistics.fmean(sample_edges),
        "store_triples": len(direct.store),
        "store_disk": du(root / "direct" / "store"),
        "profile": profile_top(prof),
        "profile_n": profile_n,
        "profile_wall_s": prof_wall,
        "http_split": http_split,
    }
    direct.close()
    http.close()
    return out


def queries(graph: LineageGraph, data: dict, n_nodes: int, seed: int, root: Path, profile_n: int) -> dict:
    g = graph.graph
    rng = random.Random(seed + 1)
    candidates = list(data["dataset_ids"])
    rng.shuffle(candidates)
    picked, checked = [], 0
    for node in candidates:
        if len(picked) >= n_nodes:
            break
        checked += 1
        if node in g and reaches(g, node, DEPTH, g.predecessors) and reaches(g, node, DEPTH, g.successors):
            picked.append(node)
    log(
        f"  {len(picked)} query nodes with depth-{DEPTH} "
        f"neighbourhoods both ways ({checked} datasets checked)"
    )
    mem = root / "query"
    mem.mkdir()
    cat = Catalog(Settings(store_url="memory:", data_dir=mem))
    cat.lineage._index = graph
    gc.collect()
    gc.freeze()  # as Catalog.lineage.index does after building the graph in the product
    client = create_app(catalog=cat).test_client()

    def api(node, direction):
        r = client.get(
            "/api/v1/lineage", query_string={"nodeId": node, "depth": DEPTH, "direction": direction}
        )
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        return r

    variants = {
        "api": api,
        "bare": lambda node, direction: bare_neighbourhood(g, node, DEPTH, direction),
        "marquez": lambda node, direction: graph.marquez(node, DEPTH, direction),
    }
    names = list(variants)
    for node in picked[:5]:  # warm-up, not counted
        for direction in ("upstream", "downstream"):
            for v in names:
                variants[v](node, direction)
    times = {v: {"upstream": [], "downstream": []} for v in names}
    sizes = {"upstream": [], "downstream": []}
    edges = {"upstream": [], "downstream": []}
    resp_bytes = []
    mismatches = 0
    gc.collect()
    gen2_before = gc.get_stats()[2]["collections"]
    pc = time.perf_counter
    for i, node in enumerate(picked):
        for d, direction in enumerate(("upstream", "downstream")):
            k = (2 * i + d) % len(names)
            results = {}
            for v in names[k:] + names[:k]:
                t = pc()
                results[v] = variants[v](node, direction)
                times[v][direction].append(pc() - t)
            nodes_b, edges_b = results["bare"]
            body = results["api"].get_json()
            resp_bytes.append(len(results["api"].data))
            api_edges = sum(len(n["inEdges"]) for n in body["graph"])
            if {n["id"] for n in body["graph"]} != {n for n, _ in nodes_b} or api_edges != len(edges_b):
                mismatches += 1
            sizes[direction].append(len(nodes_b))
            edges[direction].append(len(edges_b))
        if (i + 1) % 50 == 0:
            log(f"  queries: {i + 1}/{len(picked)} nodes")
    gen2 = gc.get_stats()[2]["collections"] - gen2_before
    # where the API's time goes
    prof = cProfile.Profile()
    sub = picked[:profile_n]
    t = pc()
    prof.enable()
    for node in sub:
        for direction in ("upstream", "downstream"):
            api(node, direction)
    prof.disable()
    prof_wall = pc() - t
    st = pstats.Stats(prof)
    key_funcs = {}
    for (file, _line, func), (_cc, nc, tt, ct, _) in st.stats.items():
        for label, (fpart, fname) in {
            "LineageGraph.marquez": ("catalog/lineage.py", "marquez"),
            "LineageGraph.neighbourhood": ("catalog/lineage.py", "neighbourhood"),
            "json dumps (flask DefaultJSONProvider.dumps)": ("flask/json/provider.py", "dumps"),
            "builtins sorted": ("~", "<built-in method builtins.sorted>"),
            "Flask test client request (total)": ("flask/testing.py", "open"),
        }.items():
            if file.endswith(fpart) and func == fname:
                key_funcs[label] = {"cumtime": ct, "tottime": tt, "calls": nc}
    out = {
        "n_nodes": len(picked),
        "checked": checked,
        "mismatches": mismatches,
        "gen2_collections": gen2,
        "sizes": sizes,
        "edges": edges,
        "resp_bytes_p50": pct(resp_bytes, 0.5),
        "resp_bytes_p95": pct(resp_bytes, 0.95),
        "times": times,
        "profile": profile_top(prof),
        "profile_key": key_funcs,
        "profile_calls": 2 * len(sub),
        "profile_wall_s": prof_wall,
    }
    cat.close()
    return out


# ---- report ---------------------------------------------------------------------------------------
def mib(b: float) -> str:
    return f"{b / 2**20:,.1f}"


def render(res: dict) -> str:
    a = res["args"]
    st = res["data"]
    b = res["build"]
    q = res["query"]
    ing = res["ingest"]
    edges_m = res["graph"]["edges"] / 1e6
    lines = [
        "# Lineage at scale",
        "",
        "Generated by `bench/lineage_bench.py --datasets "
        f"{a['datasets']} --jobs {a['jobs']} --edges {a['edges']} "
        f"--seed {a['seed']}` on {res['date']} — {res['machine']}. The machine is shared and was busy "
        f"(load average {res['load_before']} before, "
        f"{res['load_after']} after), so absolute times are noisy; "
        "the ratios were measured side by side in one process (interleaved).",
        "",
        f"**Data** (seeded): {a['datasets']:,} datasets in 8 hospital namespaces "
        "(`postgres://<hospital>-db:5432`) "
        "and `s3://hdcat-research-lake`, 8 layers (raw → … → "
        f"report); {a['jobs']:,} jobs, one COMPLETE RunEvent "
        f"each, {st['inputs']:,} input + {st['outputs']:,} output edges = **{st['edges']:,} edges** "
        f"(inputs per job log-normal, mean {st['inputs'] / a['jobs']:.1f}, "
        "popularity-skewed; outputs per job mean "
        f"{st['outputs'] / a['jobs']:.2f}); columnLineage on {st['column_lineage_outputs']:,} outputs "
        f"({100 * st['column_lineage_outputs'] / max(1, st['outputs']):.1f} %, {st['column_edges']:,} column "
        f"edges), schema facet on {100 * st['schema_outputs'] / max(1, st['outputs']):.0f} % of outputs, "
        f"sql facet on {100 * st['sql_jobs'] / a['jobs']:.0f} "
        f"% of jobs. Graph: {res['graph']['nodes']:,} nodes, "
        f"{res['graph']['edges']:,} edges, {res['graph']['column_edges']:,} column edges.",
        "",
        "**Method.** Build: `LineageGraph().apply(map_event(json.loads(event), "
        "base))` for every event. Memory: "
        "the RSS delta of that build (after `gc.collect()`, "
        "includes allocator slack), and, in a second identical "
        "build under `tracemalloc`, the bytes still allocated after the build's garbage is collected "
        "(the graph's Python objects; this build runs last, after the first graph is dropped). hdcat's own "
        "ingest/rebuild also calls `Lineage._annotate` (hospital and catalogue matching), a no-op for these "
        "namespaces under default settings, so it is left out. Ingestion: `Catalog.lineage.ingest` on an "
        "on-disk Oxigraph store vs "
        "`POST /api/v1/lineage` (Flask test client, with a `lineage:write` bearer token, so each POST also "
        "authenticates against the SQLite accounts file and "
        "appends an audit entry) on a second on-disk store, "
        "same events, side by side (event i to one store, then to the other, order alternating). Queries: "
        f"{q['n_nodes']} random datasets with nodes at distance {DEPTH} both upstream and downstream; per "
        f"dataset and direction (depth {DEPTH}), interleaved with rotating order: (a) `GET /api/v1/lineage` "
        "through the Flask test client, (b) bare networkx: BFS over `DiGraph.predecessors`/`successors` plus "
        "the (id, data) node list and the edge list inside the neighbourhood, (c) `LineageGraph.marquez` in "
        "process. (a) and (b) returned the same nodes and edges for every query (mismatches: "
        f"{q['mismatches']}).",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| build: events → graph, wall | {b['wall_s']:.1f} s ({a['jobs'] / b['wall_s']:,.0f} events/s, "
        f"{res['graph']['edges'] / b['wall_s']:,.0f} edges/s) |",
        f"| build split: `json.loads` / `map_event` / `LineageGraph.apply` | {b['decode_s']:.1f} / "
        f"{b['map_event_s']:.1f} / {b['apply_s']:.1f} s |",
        f"| graph memory, tracemalloc (net after build) | {mib(res['traced']['traced_net'])} MiB → "
        f"**{mib(res['traced']['traced_net'] / edges_m)} MiB per million edges** |"
        if res.get("traced")
        else "| graph memory, tracemalloc | skipped |",
        f"| graph memory, RSS delta of the build | {mib(b['rss_delta'])} MiB → "
        f"{mib(b['rss_delta'] / edges_m)} MiB "
        "per million edges |",
        "| ingestion `Catalog.lineage.ingest`, Oxigraph on disk | "
        f"**{ing['n_direct'] / ing['direct_s']:,.0f} "
        f"events/s** ({ing['n_direct']:,} events, mean {ing['sample_edges_mean']:.1f} edges/event; "
        f"p50 {ing['direct_ms_p50']:.1f} / p95 {ing['direct_ms_p95']:.1f} ms) |",
        "| ingestion `POST /api/v1/lineage`, Flask test client "
        f"| **{ing['n_http'] / ing['http_s']:,.0f} events/s** "
        f"({ing['n_http']:,} events; p50 {ing['http_ms_p50']:.1f} / p95 {ing['http_ms_p95']:.1f} ms; "
        f"direct on the same {ing['n_http']:,} events: "
        f"{ing['n_http'] / ing['direct_same_s']:,.0f} events/s) |",
        f"| store after {ing['n_direct']:,} events | {ing['store_triples']:,} triples, "
        f"{mib(ing['store_disk'])} MiB on disk |",
    ]
    for direction in ("upstream", "downstream"):
        s, e = q["sizes"][direction], q["edges"][direction]
        lines.append(
            f"| depth-{DEPTH} {direction} neighbourhood size p50 / p95 / max | {pct(s, 0.5):,.0f} / "
            f"{pct(s, 0.95):,.0f} / {max(s):,} nodes; {pct(e, 0.5):,.0f} / {pct(e, 0.95):,.0f} / "
            f"{max(e):,} edges |"
        )
    lines.append(
        f"| API response size p50 / p95 | {q['resp_bytes_p50'] / 1024:,.0f} / "
        f"{q['resp_bytes_p95'] / 1024:,.0f} KiB |"
    )
    pooled = {
        v: [x * 1e3 for d in ("upstream", "downstream") for x in q["times"][v][d]]
        for v in ("api", "marquez", "bare")
    }
    lines.append(
        "| query latency p99 / max, API · `marquez` · bare (ms) | "
        + " · ".join(
            f"{pct(pooled[v], 0.99):,.1f} / {max(pooled[v]):,.1f}" for v in ("api", "marquez", "bare")
        )
        + " |"
    )
    lines.append(
        f"| full (gen-2) GC with the graph loaded | {b['full_gc_s'] * 1e3:,.0f} ms per `gc.collect()` "
        f"({b['gc_objects']:,} tracked objects); {q['gen2_collections']} automatic gen-2 collections "
        f"during the {3 * 2 * q['n_nodes']:,} timed queries |"
    )
    lines += [
        "",
        f"Query latency, depth {DEPTH} (ms; {q['n_nodes']} datasets × each direction):",
        "",
        "| direction | (a) API p50 | (a) API p95 | (c) `marquez` p50 | (c) p95 | (b) bare nx p50 | (b) p95 | "
        "API/bare p50 | API/bare p95 | median per-query API/bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for direction in ("upstream", "downstream", "pooled"):
        dirs = ("upstream", "downstream") if direction == "pooled" else (direction,)
        t = {v: [x * 1e3 for dd in dirs for x in q["times"][v][dd]] for v in ("api", "marquez", "bare")}
        per = sorted(x / y for x, y in zip(t["api"], t["bare"], strict=True))
        lines.append(
            f"| {direction} | {pct(t['api'], 0.5):.2f} | {pct(t['api'], 0.95):.2f} | "
            f"{pct(t['marquez'], 0.5):.2f} | {pct(t['marquez'], 0.95):.2f} | {pct(t['bare'], 0.5):.2f} | "
            f"{pct(t['bare'], 0.95):.2f} | {pct(t['api'], 0.5) / pct(t['bare'], 0.5):.1f}× | "
            f"{pct(t['api'], 0.95) / pct(t['bare'], 0.95):.1f}× | {pct(per, 0.5):.1f}× |"
        )
    lines += ["", *findings(res), "", "<details><summary>cProfile: API queries and ingestion</summary>", ""]
    pq = q["profile"]
    lines.append(
        f"API: {q['profile_calls']} `GET /api/v1/lineage` calls, {q['profile_wall_s']:.2f} s under the "
        f"profiler. Key functions (cumulative): "
        + "; ".join(f"{k} {v['cumtime']:.2f} s" for k, v in q["profile_key"].items())
    )
    lines += ["", "| function | calls | tottime s | cumtime s |", "|---|---:|---:|---:|"]
    lines += [
        f"| `{r['func']}` | {r['calls']:,} | {r['tottime']:.3f} | {r['cumtime']:.3f} |"
        for r in pq["by_tottime"]
    ]
    pi = ing["profile"]
    lines += [
        "",
        f"Ingestion: {ing['profile_n']} `Catalog.lineage.ingest` calls, {ing['profile_wall_s']:.2f} s "
        "under the profiler. By cumulative time:",
        "",
        "| function | calls | tottime s | cumtime s |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| `{r['func']}` | {r['calls']:,} | {r['tottime']:.3f} | {r['cumtime']:.3f} |"
        for r in pi["by_cumtime"][:20]
    ]
    lines += [
        "",
        "</details>",
        "",
        "<details><summary>raw results (JSON)</summary>",
        "",
        "```json",
        json.dumps(res, indent=1, default=float),
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def _cum(profile: dict, pattern: str) -> float:
    return max((r["cumtime"] for r in profile["by_cumtime"] if re.search(pattern, r["func"])), default=0.0)


def findings(res: dict) -> list[str]:
    q, ing, b = res["query"], res["ingest"], res["build"]
    both = {
        v: [x * 1e3 for d in ("upstream", "downstream") for x in q["times"][v][d]]
        for v in ("api", "marquez", "bare")
    }
    r50 = pct(both["api"], 0.5) / pct(both["bare"], 0.5)
    r95 = pct(both["api"], 0.95) / pct(both["bare"], 0.95)
    p95 = pct(both["api"], 0.95)
    key = q["profile_key"]
    total = q["profile_wall_s"]
    out = ["## Findings", ""]
    out.append(
        f"- **Query target (API < 2× bare networkx, p95 < 50 ms): ratio {r50:.1f}× at p50 / {r95:.1f}× at "
        f"p95 — {'met' if max(r50, r95) < 2 else 'missed'}; API p95 {p95:.1f} ms — "
        f"{'met' if p95 < 50 else 'missed'}.** Depth-{DEPTH} "
        "neighbourhoods are large in this graph: upstream p50 "
        f"{pct(q['sizes']['upstream'], 0.5):,.0f} nodes, downstream p50 "
        f"{pct(q['sizes']['downstream'], 0.5):,.0f} "
        f"(p95 {pct(q['sizes']['downstream'], 0.95):,.0f})."
    )
    m = key.get("LineageGraph.marquez", {}).get("cumtime", 0)
    nb = key.get("LineageGraph.neighbourhood", {}).get("cumtime", 0)
    js = key.get("json dumps (flask DefaultJSONProvider.dumps)", {}).get("cumtime", 0)
    srt = key.get("builtins sorted", {}).get("cumtime", 0)
    per_node = {
        v: pct(
            [
                t / max(1, n) * 1e6
                for d in ("upstream", "downstream")
                for t, n in zip(q["times"][v][d], q["sizes"][d], strict=True)
            ],
            0.5,
        )
        for v in ("api", "bare")
    }
    out.append(
        f"- Per neighbourhood node the API spends {per_node['api']:.0f} µs (p50) against "
        f"{per_node['bare']:.1f} µs "
        f"for bare networkx. Tail: {q['gen2_collections']} automatic full (gen-2) garbage collections ran "
        "during the timed queries; with the graph in the heap "
        f"({b['gc_objects'] / 1e6:.1f} M tracked objects) "
        f"one takes {b['full_gc_s'] * 1e3:,.0f} ms, and they land in the allocating calls (API, `marquez`): "
        f"API p99 {pct(both['api'], 0.99):,.0f} ms, max {max(both['api']):,.0f} ms vs bare p99 "
        f"{pct(both['bare'], 0.99):,.1f} ms (`gc.freeze()` after building the graph would exempt it)."
    )
    out.append(
        f"- Where the API time goes (cProfile, {q['profile_calls']} calls): `LineageGraph.marquez` "
        f"{100 * m / total:.0f} % (of which the BFS in "
        f"`LineageGraph.neighbourhood` {100 * nb / total:.0f} %; "
        f"`sorted()` over every node's full predecessor/successor lists before the membership filter "
        f"{100 * srt / total:.0f} %, the rest copying node data and building the per-node dicts), JSON "
        f"encoding in Flask's `DefaultJSONProvider.dumps` {100 * js / total:.0f} %, "
        f"the remaining {max(0, 100 - 100 * (m + js) / total):.0f} % Flask/Werkzeug request handling. "
        "In-process `marquez` alone is "
        f"{pct(both['marquez'], 0.5) / pct(both['bare'], 0.5):.1f}× bare at p50."
    )
    traced = res.get("traced")
    edges_m = res["graph"]["edges"] / 1e6
    mem = (
        (
            f"{mib(traced['traced_net'] / edges_m)} MiB per million edges (tracemalloc; RSS delta "
            f"{mib(b['rss_delta'] / edges_m)} MiB)"
        )
        if traced
        else f"{mib(b['rss_delta'] / edges_m)} MiB RSS"
    )
    out.append(
        f"- The in-process graph costs {mem}; building it from events takes {b['wall_s']:.0f} s, "
        f"{100 * b['map_event_s'] / b['wall_s']:.0f} % of it in `map_event` (rdflib PROV-O triples "
        f"that `LineageGraph.apply` does not use) and {100 * b['apply_s'] / b['wall_s']:.0f} % in `apply`."
    )
    pi = ing["profile"]
    val = _cum(pi, r"validate_event")
    mp = _cum(pi, r"openlineage.py:\d+\(map_event\)")
    add = _cum(pi, r"add_to_graph")
    upd = _cum(pi, r"pyoxigraph.Store")
    ser = _cum(pi, r"nt.py:\d+\(serialize\)")
    tot = pi["by_cumtime"][0]["cumtime"] or 1
    hs = ing["http_split"]
    out.append(
        f"- Ingestion: {ing['n_direct'] / ing['direct_s']:,.0f} events/s direct, "
        f"{ing['n_http'] / ing['http_s']:,.0f} events/s over HTTP (HTTP/direct on the same events "
        f"{(ing['http_s'] / ing['n_http']) / (ing['direct_same_s'] / ing['n_http']):.2f}× the time per "
        f"event; cProfile of {hs['calls']} POSTs: `ingest_lineage` "
        f"{100 * hs['ingest_lineage'] / hs['total']:.0f} %, "
        f"token check + audit entry (`Accounts.authenticate`/`audit`, SQLite) "
        f"{100 * hs['accounts'] / hs['total']:.0f} %, the rest Flask). Per event (cProfile): "
        f"`validate_event` {100 * val / tot:.0f} %, `map_event` "
        f"{100 * mp / tot:.0f} %, `OxigraphStore.add_to_graph` {100 * add / tot:.0f} % (of which "
        f"`pyoxigraph.Store.update` (SPARQL `INSERT DATA`) {100 * upd / tot:.0f} %, rdflib N-Triples "
        f"`serialize` {100 * ser / tot:.0f} %, the rest iterating the event's rdflib `Graph` (Memory store "
        f"`triples`/`__get_context_for_triple`) to copy it into a second `Graph`)."
    )
    return out


# ---- volume: ingestion rates and cold start, each beside its floor ----------------------------------
VOLUME_START, VOLUME_END = "<!-- volume:start -->", "<!-- volume:end -->"
NOTE_BELOW = (
    "The query report below comes from its own run (the same command without `--volume`, on its date); "
    "its ingestion and build rows describe the code of that date, before batches, the snapshot and the "
    "index-only rebuild."
)


def _quads(triples, graph: str) -> list:
    """The same triples hdcat writes (Oxigraph terms, duplicates dropped), as the quads a bare pyoxigraph
    `Store.extend` takes: made before the timing, so the floor is the store's transactional write alone."""
    import pyoxigraph as ox

    g = ox.NamedNode(graph)
    return [ox.Quad(s, p, o, g) for s, p, o in dict.fromkeys(triples)]


def _floor_payloads(
    decoded: list[dict], base: str, graph: str, full: bool = False, known=None
) -> list[tuple[list, list]]:
    """Per event: its quads (PROV-O plus the stored event record, as hdcat writes them: each dataset
    and job described by the first event that names it, each set of derivations made by the first run
    that makes it) and its edges. With `full`, every event's whole PROV-O, descriptions and derivations
    again included (what hdcat wrote before, and the earlier floor). `known`: what earlier events wrote
    (openlineage.Described), for events that follow them."""
    from hdcat.catalog.openlineage import RDF_JSON, canonical_json, date_time, event_key
    from hdcat.ontology import HDCAT, PROV
    from pyoxigraph import Literal, NamedNode
    from rdflib.namespace import RDF

    out = []
    stamp = date_time(datetime.now(UTC).isoformat())
    json_type = NamedNode(str(RDF_JSON))
    if known is None and not full:
        known = Described(set())
    for e in decoded:
        key = event_key(e)
        m = map_event(e, base, key=key, known=known)
        node = NamedNode(f"{base}/id/lineage/event/{key}")
        record = [
            (node, NamedNode(str(RDF.type)), NamedNode(str(HDCAT.LineageEvent))),
            (node, NamedNode(str(HDCAT.eventKey)), Literal(key)),
            (node, NamedNode(str(HDCAT.event)), Literal(canonical_json(e), datatype=json_type)),
            (node, NamedNode(str(PROV.generatedAtTime)), stamp),
        ]
        out.append((_quads(list(m.graph) + record, graph), [(a, b) for a, b, _ in m.edges]))
        if known is not None:
            known.stored |= known.new  # written, as hdcat's catalogue takes them in after its write
            known.new = set()
    return out


def next_runs(decoded: list[dict], nights: int, seed: int) -> list[dict]:
    """The same jobs run again on each of the next `nights` nights: new run ids and times, the same
    inputs, outputs and facets (a hospital's ETL runs every night over the same tables)."""
    rng = random.Random(seed)
    out = []
    for night in range(1, nights + 1):
        for e in decoded:
            again = json.loads(json.dumps(e))
            again["run"]["runId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            when = datetime.strptime(e["eventTime"], "%Y-%m-%dT%H:%M:%S.000Z") + timedelta(days=night)
            again["eventTime"] = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            out.append(again)
    return out


def _batch_beside_floor(cat, decoded: list, payloads: list, chunk: range, floor, nx_graph) -> tuple:
    """One batch through `Lineage.ingest_many`, then its floor (`Store.extend` of the same quads, networkx
    adding the same edges): the seconds of each."""
    t0 = time.perf_counter()
    results = cat.lineage.ingest_many([decoded[i] for i in chunk])
    t1 = time.perf_counter()
    floor.extend([q for i in chunk for q in payloads[i][0]])
    nx_graph.add_edges_from(edge for i in chunk for edge in payloads[i][1])
    t2 = time.perf_counter()
    assert all(r["status"] == "stored" for r in results), results[:3]
    return t1 - t0, t2 - t1


def volume_ingest(events: list[str], n: int, batch: int, root: Path, nights: int = 4) -> dict:
    """hdcat one by one, in batches, and over HTTP (single and batch), each interleaved chunk by chunk
    with its floor: pyoxigraph's `Store.extend` of the same quads, made beforehand (one transaction an
    event, or one a batch) plus networkx adding the same edges. Then the first batch's jobs run again on
    `nights` nights, in batches, beside the same floor."""
    import networkx as nx
    import pyoxigraph as ox

    base = Settings().base_iri
    decoded = [json.loads(s) for s in events[:n]]
    graph_iri = f"{base}/graph/lineage"
    known = Described(set())
    payloads = _floor_payloads(decoded, base, graph_iri, known=known)
    full = _floor_payloads(decoded, base, graph_iri, full=True)
    cats = {k: tmp_catalog(root, f"vol-{k}") for k in ("one", "batch", "http-one", "http-batch")}
    for cat in cats.values():
        cat.lineage.index  # noqa: B018 - the (empty) load happens before timing
    floor_one, floor_batch = ox.Store(str(root / "floor-one")), ox.Store(str(root / "floor-batch"))
    floor_full = ox.Store(str(root / "floor-full"))
    nx_one, nx_batch = nx.DiGraph(), nx.DiGraph()
    client_one, headers_one = http_app(cats["http-one"], root / "vol-http-one")
    client_batch, headers_batch = http_app(cats["http-batch"], root / "vol-http-batch")
    t = {k: 0.0 for k in ("one", "batch", "http_one", "http_batch", "floor_one", "floor_batch", "floor_full")}
    n_http_one = min(n, max(batch, n // 4))
    pc = time.perf_counter
    for start in range(0, n, batch):
        chunk = range(start, min(n, start + batch))
        t0 = pc()
        for i in chunk:
            assert cats["one"].lineage.ingest(decoded[i])["status"] == "stored"
        t1 = pc()
        for i in chunk:
            floor_one.extend(payloads[i][0])
            nx_one.add_edges_from(payloads[i][1])
        t2 = pc()
        hdcat_s, floor_s = _batch_beside_floor(cats["batch"], decoded, payloads, chunk, floor_batch, nx_batch)
        t4 = pc()
        floor_full.extend([q for i in chunk for q in full[i][0]])
        t["floor_full"] += pc() - t4
        body = "[" + ",".join(events[i] for i in chunk) + "]"
        t5 = pc()
        r = client_batch.post(
            "/api/v1/lineage/batch", data=body, content_type="application/json", headers=headers_batch
        )
        t6 = pc()
        assert r.status_code == 200 and r.get_json()["stored"] == len(chunk), r.get_data(as_text=True)[:300]
        t_http_one = 0.0
        for i in chunk:
            if i < n_http_one:
                t7 = pc()
                r = client_one.post(
                    "/api/v1/lineage", data=events[i], content_type="application/json", headers=headers_one
                )
                t_http_one += pc() - t7
                assert r.status_code == 201, r.get_data(as_text=True)[:300]
        t["one"] += t1 - t0
        t["floor_one"] += t2 - t1
        t["batch"] += hdcat_s
        t["floor_batch"] += floor_s
        t["http_batch"] += t6 - t5
        t["http_one"] += t_http_one
        log(f"  volume ingest: {chunk.stop:,}/{n:,} events")
    edges = sum(len(p[1]) for p in payloads)
    triples = len(floor_one)
    assert len(floor_full) == triples, (len(floor_full), triples)  # the same graph, written with less
    # the first batch's jobs run again, night after night, into the batch store and its floor
    again = next_runs(decoded[:batch], nights, seed=n)
    again_payloads = _floor_payloads(again, base, graph_iri, known=known)
    t["rerun_batch"] = t["floor_rerun_batch"] = 0.0
    before = len(floor_batch)
    for start in range(0, len(again), batch):
        chunk = range(start, min(len(again), start + batch))
        hdcat_s, floor_s = _batch_beside_floor(
            cats["batch"], again, again_payloads, chunk, floor_batch, nx_batch
        )
        t["rerun_batch"] += hdcat_s
        t["floor_rerun_batch"] += floor_s
        log(f"  next runs: {chunk.stop:,}/{len(again):,} events")
    for cat in cats.values():
        cat.close()
    return {
        "reruns": len(again),
        "rerun_quads_written": sum(len(p[0]) for p in again_payloads),
        "rerun_triples_added": len(floor_batch) - before,
        "n": n,
        "quads_written": sum(len(p[0]) for p in payloads),
        "quads_full": sum(len(p[0]) for p in full),
        "batch": batch,
        "n_http_one": n_http_one,
        "edges": edges,
        "triples": triples,
        "seconds": t,
    }


def volume_cold_start(events: list[str], sizes: list[int], batch: int, root: Path) -> list[dict]:
    """For each size (a prefix of the events): the store filled in batches, then the index made three
    ways in fresh catalogs: read from the snapshot, rebuilt from the RDF, and the floor — networkx
    building the same nodes (with their data) and edges from lists in memory. Also Marquez's model
    replayed from the stored events (it is not in the snapshot)."""
    import networkx as nx
    from hdcat.catalog import lineage_snapshot
    from hdcat.catalog.marquez import MarquezView

    folder = root / "cold"
    folder.mkdir()
    settings = Settings(store_url=f"oxigraph:{folder / 'store'}", data_dir=folder)
    decoded = [json.loads(s) for s in events[: max(sizes)]]
    out, filled = [], 0
    pc = time.perf_counter
    for size in sizes:
        cat = Catalog(settings)
        cat.lineage.index  # noqa: B018
        t0 = pc()
        for start in range(filled, size, batch):
            cat.lineage.ingest_many(decoded[start : min(size, start + batch)])
        fill_s = pc() - t0
        filled = size
        cat.close()  # writes the snapshot
        snap = lineage_snapshot.path_in(folder)
        snap_bytes = snap.stat().st_size
        # from the snapshot
        gc.collect()
        cat = Catalog(settings)  # opening the store and the catalogue's other parts is not lineage's
        t0 = pc()
        index = cat.lineage.index
        snap_s = pc() - t0
        assert cat.lineage.loaded_from == "snapshot", cat.lineage.loaded_from
        nodes = list(index.graph.nodes(data=True))
        edge_list = list(index.graph.edges)
        stats = index.stats()
        t0 = pc()
        view = MarquezView([e for _, e in cat.lineage._events()], lambda ns: None)
        marquez_s = pc() - t0
        del view
        cat.store.close()
        del index, cat
        gc.unfreeze()
        gc.collect()
        # from the RDF (the snapshot moved aside; its rewrite is timed on its own)
        aside = snap.with_name("aside")
        snap.rename(aside)
        cat = Catalog(settings)
        writes = cat.lineage._write_snapshot
        cat.lineage._write_snapshot = lambda graph: False  # noqa: E731 - its rewrite is timed on its own
        t0 = pc()
        index = cat.lineage.index
        rdf_s = pc() - t0
        assert cat.lineage.loaded_from == "rdf" and index.stats() == stats
        cat.lineage._unsaved = 1
        t0 = pc()
        writes(index)
        write_s = pc() - t0
        cat.store.close()
        del index, cat
        gc.unfreeze()
        gc.collect()
        aside.unlink(missing_ok=True)
        # the floor: networkx alone, from lists in memory
        t0 = pc()
        floor = nx.DiGraph()
        floor.add_nodes_from(nodes)
        floor.add_edges_from(edge_list)
        floor_s = pc() - t0
        del floor, nodes, edge_list
        gc.collect()
        row = {
            "events": size,
            "nodes": stats["nodes"],
            "edges": stats["edges"],
            "fill_s": fill_s,
            "snapshot_s": snap_s,
            "rdf_s": rdf_s,
            "write_s": write_s,
            "floor_s": floor_s,
            "marquez_s": marquez_s,
            "snapshot_bytes": snap_bytes,
        }
        out.append(row)
        log(f"  cold start at {size:,} events: {row}")
    return out


def _exponent(rows: list[dict], key: str) -> float:
    a, b = rows[0], rows[-1]
    return math.log(b[key] / a[key]) / math.log(b["edges"] / a["edges"])


def render_volume(res: dict) -> str:
    ing, cold = res["ingest"], res["cold"]
    s = ing["seconds"]
    n = ing["n"]

    def rate(k: str, count: int = n) -> float:
        return count / s[k]

    lines = [
        VOLUME_START,
        "## Ingestion and cold start",
        "",
        f"Generated by `bench/lineage_bench.py --volume {_volume_args(res['args'])}` on {res['date']} — "
        f"{res['machine']}. Load average {res['load_before']} before, {res['load_after']} after: the machine "
        "may be shared, so every figure stands beside its floor measured in the same process, interleaved "
        "chunk by chunk.",
        "",
        f"**Ingestion**: {n:,} events of the generated data ({ing['edges']:,} edges, "
        f"{ing['edges'] / n:.1f} an event; {ing['triples']:,} triples stored), each path on its own "
        f"on-disk Oxigraph store. Floor: pyoxigraph `Store.extend` of the same quads hdcat writes, made "
        "beforehand (its PROV-O and the stored event, each dataset and job described by the first event "
        "that names it) "
        "— one transaction an event, or one a batch — plus networkx "
        f"`add_edges_from` of the same edges. Batches of {ing['batch']:,}.",
        "",
        "| path | events/s | floor events/s | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| `Lineage.ingest`, one by one | **{rate('one'):,.0f}** | {rate('floor_one'):,.0f} | "
        f"{s['one'] / s['floor_one']:.1f}× |",
        f"| `Lineage.ingest_many`, batches of {ing['batch']:,} | **{rate('batch'):,.0f}** | "
        f"{rate('floor_batch'):,.0f} | {s['batch'] / s['floor_batch']:.1f}× |",
        f"| `POST /api/v1/lineage`, one by one ({ing['n_http_one']:,} events) | "
        f"**{rate('http_one', ing['n_http_one']):,.0f}** | {rate('floor_one'):,.0f} | "
        f"{(s['http_one'] / ing['n_http_one']) / (s['floor_one'] / n):.1f}× |",
        f"| `POST /api/v1/lineage/batch`, {ing['batch']:,} a request | **{rate('http_batch'):,.0f}** | "
        f"{rate('floor_batch'):,.0f} | {s['http_batch'] / s['floor_batch']:.1f}× |",
    ]
    if "rerun_batch" in s:
        again = ing["reruns"]
        lines.append(
            f"| `Lineage.ingest_many`, batches of {ing['batch']:,}: the first batch's jobs run again "
            f"({again:,} events over {again // ing['batch']:,} nights) | "
            f"**{rate('rerun_batch', again):,.0f}** | "
            f"{rate('floor_rerun_batch', again):,.0f} | {s['rerun_batch'] / s['floor_rerun_batch']:.1f}× |"
        )
    lines.append("")
    if "rerun_batch" in s:
        lines += [
            f"A job's next run writes {ing['rerun_quads_written'] / ing['reruns']:.0f} quads "
            f"({ing['rerun_triples_added'] / ing['reruns']:.0f} of them new to the store: its run, what it "
            "used and generated, its facets and the event), where a first sight writes "
            f"{ing['quads_written'] / n:.0f}: the datasets' and jobs' descriptions and the derivations its "
            "inputs and outputs make were written by the first run.",
            "",
        ]
    if "floor_full" in s:
        lines += [
            f"Quads written: {ing['quads_written']:,} (every event's whole PROV-O, descriptions of the "
            f"datasets and jobs it names again included, would be {ing['quads_full']:,}, the same "
            f"{ing['triples']:,} stored). The earlier floor, writing those whole, in batches: "
            f"{rate('floor_full'):,.0f} events/s.",
            "",
        ]
    lines += [
        "**Cold start**: the store filled in batches up to each size, then the index made in a fresh "
        "catalog (a) from the snapshot (`lineage-index.snapshot` in the data folder: read, checked against "
        "the stored event keys, catalogue matches and harvested derivations redone) and (b) from the RDF "
        "(one query for the stored events, the index's part of each, no PROV-O). Floor: networkx building "
        "the same nodes (with their data) and edges from lists already in memory. Marquez's read model is "
        "not in the snapshot; its replay from the stored events on first use is shown beside.",
        "",
        "| events | edges | nodes | (a) from snapshot s | (b) from RDF s | floor (networkx) s | (a)/floor | "
        "(b)/floor | snapshot write s | snapshot MiB | Marquez replay s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in cold:
        lines.append(
            f"| {r['events']:,} | {r['edges']:,} | {r['nodes']:,} | {r['snapshot_s']:.2f} | "
            f"{r['rdf_s']:.2f} | {r['floor_s']:.2f} | {r['snapshot_s'] / r['floor_s']:.1f}× | "
            f"{r['rdf_s'] / r['floor_s']:.1f}× | "
            f"{r['write_s']:.2f} | {mib(r['snapshot_bytes'])} | {r['marquez_s']:.2f} |"
        )
    if len(cold) > 1:
        ex = {k: _exponent(cold, k) for k in ("snapshot_s", "rdf_s", "floor_s")}
        last = cold[-1]
        per_m = {k: last[k] * (1e6 / last["edges"]) ** ex[k] for k in ex}
        growth = (
            f"Growth from {cold[0]['edges']:,} to {last['edges']:,} edges (fitted exponent of time on "
            "edges): "
            f"from snapshot {ex['snapshot_s']:.2f}, from RDF {ex['rdf_s']:.2f}, floor {ex['floor_s']:.2f}. "
        )
        if last["edges"] >= 1_000_000:  # measured, nothing to carry
            growth += (
                f"At {last['edges']:,} edges, measured: from snapshot {last['snapshot_s']:.2f} s, from RDF "
                f"{last['rdf_s']:.2f} s, floor {last['floor_s']:.2f} s."
            )
        else:
            growth += (
                "Carried to 1,000,000 edges at those exponents: from snapshot ≈ "
                f"{per_m['snapshot_s']:.0f} s, from RDF ≈ {per_m['rdf_s']:.0f} s, floor ≈ "
                f"{per_m['floor_s']:.0f} s (an extrapolation on this busy machine, not a measurement)."
            )
        lines += ["", growth]
    lines += [
        "",
        NOTE_BELOW,
        "",
        "<details><summary>raw results (JSON)</summary>",
        "",
        "```json",
        json.dumps(res, indent=1, default=float),
        "```",
        "",
        "</details>",
        VOLUME_END,
        "",
    ]
    return "\n".join(lines)


def _volume_args(args: dict) -> str:
    """The options a volume run was given, as typed (those that shape its data and sizes)."""
    names = ("datasets", "jobs", "edges", "ingest", "ingest_http", "batch")
    given = [f"--{k.replace('_', '-')} {args[k]}" for k in names if k in args]
    return " ".join(given + ["--sizes " + " ".join(str(s) for s in args.get("sizes", []))])


def write_volume(out: Path, text: str) -> None:
    """Put the volume section at the top of the report, keeping the query report below it."""
    old = out.read_text() if out.exists() else "# Lineage at scale\n"
    if VOLUME_START in old:
        old = old[: old.index(VOLUME_START)] + old[old.index(VOLUME_END) + len(VOLUME_END) :].lstrip("\n")
    head, sep, rest = old.partition("\n")
    out.write_text(f"{head}\n\n{text.rstrip()}\n\n{rest.lstrip()}")


def run_volume(args, data: dict, res: dict) -> None:
    root = Path(tempfile.mkdtemp(prefix="hdcat-lineage-volume-"))
    try:
        n = min(args.ingest, len(data["events"]))
        log(f"volume: ingesting {n:,} events four ways beside their floors")
        res["ingest"] = volume_ingest(data["events"], n, args.batch, root, args.nights)
        sizes = sorted({min(s, len(data["events"])) for s in args.sizes})
        log(f"volume: cold start at {sizes}")
        res["cold"] = volume_cold_start(data["events"], sizes, 1000, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    res["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = render_volume(res)
    write_volume(Path(args.out), text)
    print(text.split("<details>")[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--edges", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--queries", type=int, default=200, help="dataset nodes to query")
    ap.add_argument("--ingest", type=int, default=3000, help="events through Catalog.lineage.ingest")
    ap.add_argument("--ingest-http", type=int, default=1000, help="events through POST /api/v1/lineage")
    ap.add_argument("--no-tracemalloc", action="store_true", help="skip the second, traced build")
    ap.add_argument("--out", default="bench/results/lineage.md")
    ap.add_argument("--rerender", action="store_true", help="rewrite --out from the raw JSON already in it")
    ap.add_argument(
        "--volume",
        action="store_true",
        help="only ingestion rates (one by one, batches, HTTP) and cold start (snapshot, RDF) beside floors; "
        "writes its section at the top of --out and keeps the query report below",
    )
    ap.add_argument("--batch", type=int, default=500, help="events a batch (--volume)")
    ap.add_argument(
        "--nights",
        type=int,
        default=4,
        help="next runs of the first batch's jobs, one batch a night (--volume)",
    )
    ap.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1250, 2500, 5000],
        help="cold-start sizes in events (--volume)",
    )
    args = ap.parse_args()
    out = Path(args.out)
    if args.rerender:  # the query report; a volume section at the top is kept as it is
        whole, volume = out.read_text(), ""
        if VOLUME_END in whole:
            cut = whole.index(VOLUME_END) + len(VOLUME_END)
            volume, whole = whole[whole.index(VOLUME_START) : cut], whole[cut:]
        raw = re.search(r"```json\n(.*?)\n```", whole, re.S).group(1)
        text = render(json.loads(raw))
        out.write_text(text)
        if volume:
            write_volume(out, volume)
        print(text.split("<details>")[0])
        return

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    res: dict = {
        "args": vars(args),
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "load_before": load_before,
    }
    vers = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("networkx", "rdflib", "flask", "pyoxigraph", "jsonschema")
    )
    mem_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    res["machine"] = (
        f"{os.cpu_count()} cores, {mem_total:.0f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}; {vers}"
    )
    t = time.perf_counter()
    data = generate(args.datasets, args.jobs, args.edges, args.seed)
    res["data"] = data["stats"]
    res["generate_s"] = time.perf_counter() - t
    log(
        f"generated {len(data['events']):,} events, {data['stats']['edges']:,} edges in "
        f"{res['generate_s']:.1f} s"
    )
    if args.volume:
        run_volume(args, data, res)
        return
    base = Settings().base_iri
    checkpoint = Path(tempfile.gettempdir()) / "hdcat-lineage-bench.partial.json"

    def save() -> None:
        checkpoint.write_text(json.dumps(res, default=float))

    root = Path(tempfile.mkdtemp(prefix="hdcat-lineage-bench-"))
    try:
        smoke(data["events"], root)
        log("smoke test passed (POST + GET /api/v1/lineage)")
        graph, res["build"] = build(data["events"], base, traced=False)
        res["graph"] = graph.stats()
        save()
        log(
            f"built graph {res['graph']} in {res['build']['wall_s']:.1f} s, RSS "
            f"+{mib(res['build']['rss_delta'])} MiB"
        )
        rng = random.Random(args.seed + 2)
        n_ing = min(args.ingest, len(data["events"]))
        profile_n = min(300, n_ing)
        sample = rng.sample(data["events"], n_ing)
        log(f"ingesting {n_ing} events direct, {min(args.ingest_http, n_ing)} over HTTP")
        res["ingest"] = ingest(sample, n_ing, min(args.ingest_http, n_ing), root, profile_n)
        save()
        log("queries")
        res["query"] = queries(graph, data, args.queries, args.seed, root, profile_n=20)
        save()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if not args.no_tracemalloc:
        del graph
        gc.collect()
        g2, traced = build(data["events"], base, traced=True)
        assert g2.stats() == res["graph"]
        del g2
        gc.collect()
        res["traced"] = traced
        save()
        log(f"traced build: net {mib(traced['traced_net'])} MiB, peak {mib(traced['traced_peak'])} MiB")
    res["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = render(res)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text.split("<details>")[0])


if __name__ == "__main__":
    main()
