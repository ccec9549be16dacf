"""Search speed: indexing throughput and faceted-query latency, hdcat against the raw engine.

For each backend (embedded tantivy; Elasticsearch when HDCAT_SEARCH_URL is set) and each corpus
size, in one process:
  - hdcat indexing: read-model records → search documents (Korean/English analysis) → bulk index
    and switch; raw indexing: the same finished documents written by the engine's own client;
  - hdcat query: Search.search(args) (parse, synonyms, build, search, 9 facet counts, hits,
    highlights, labels); raw query: the same engine query object / body, prepared once, run
    directly with the same aggregations.
Figures are medians/percentiles of one run and ratios hdcat/raw measured side by side, because
these machines are noisy. Corpora are the bundled sample consortium's records cloned (with new ids,
hospitals and dates) up to the size asked for, so the text is real bilingual metadata.

    python bench/search_bench.py --sizes 10000,100000 --out bench/results/search.md
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hdcat.catalog.config import load_settings  # noqa: E402
from hdcat.catalog.service import Catalog  # noqa: E402
from hdcat.harvesters.runner import harvest_all  # noqa: E402
from hdcat.search.documents import to_document  # noqa: E402
from hdcat.search.query import FACETS, build_request  # noqa: E402
from hdcat.search.service import Search  # noqa: E402
from hdcat.web.cli import bundled_config  # noqa: E402

QUERIES = [
    {"q": "lung cancer"},
    {"q": "폐암", "hospital": "hanbit"},
    {"q": "heart failure echo"},
    {"q": "심부전으로", "disease_area": "cardiovascular"},
    {"q": "C34"},
    {"q": "copd spirometry"},
    {"q": "당뇨망막병증"},
    {"q": "glaucoma", "access_rights": "RESTRICTED"},
    {"q": "pnuemonia"},
    {"q": "column:hba1c"},
    {"q": "", "hospital": "dasom"},
    {"q": "breast cancer genomics"},
]
HOSPITALS = ["hanbit", "saebom", "gaon", "mirae", "haneul", "purun", "dasom", "balgeun"]


def sample_records() -> list[dict]:
    settings = load_settings(
        bundled_config(), env={"HDCAT_STORE": "memory:", "HDCAT_DATA_DIR": tempfile.mkdtemp()}
    )
    catalog = Catalog(settings)
    harvest_all(catalog, settings.sources)
    records, page = [], 1
    while True:
        total, batch = catalog.datasets.page(page, 200, members=True)
        records += batch
        if page * 200 >= total:
            return records
        page += 1


def corpus(base: list[dict], size: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(size):
        r = copy.deepcopy(base[i % len(base)])
        r["id"] = f"{r['id']}-{i}"
        r["iri"] = f"{r['iri']}/{i}"
        h = HOSPITALS[rng.randrange(8)]
        if r.get("hospital"):
            r["hospital"] = dict(r["hospital"], id=h)
        r["modified"] = f"{rng.randint(2015, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append(r)
    return out


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def bench_embedded(search: Search, docs: list[dict], records: list[dict], rounds: int):
    import tantivy
    from hdcat.search.backends.embedded import EmbeddedBackend

    backend: EmbeddedBackend = search.backend
    t = time.perf_counter()
    built = [to_document(r) for r in records]
    analyse_s = time.perf_counter() - t
    t = time.perf_counter()
    backend.rebuild(built)
    hdcat_index_s = analyse_s + (time.perf_counter() - t)
    # raw: the engine's own writer with the same finished documents
    raw_dir = tempfile.mkdtemp()
    t = time.perf_counter()
    index = tantivy.Index(backend.schema, path=raw_dir)
    writer = index.writer(heap_size=64_000_000, num_threads=1)
    for d in docs:
        writer.add_document(backend._document(d))
    writer.commit()
    writer.wait_merging_threads()
    raw_index_s = time.perf_counter() - t
    # queries: prepare raw query objects once, outside the timing
    prepared = [backend._query(build_request(dict(q, size=20)), relaxed=False) for q in QUERIES]
    aggs = {name: {"terms": {"field": name, "size": 100}} for name in FACETS}
    searcher = backend.index.searcher()

    def raw(i):
        res = searcher.search(prepared[i], limit=20, count=True)
        [searcher.doc(a) for _, a in res.hits]
        searcher.aggregate(prepared[i], aggs)

    return hdcat_index_s, raw_index_s, _latencies(search, raw, rounds)


def bench_elasticsearch(search: Search, docs: list[dict], records: list[dict], rounds: int):
    from elasticsearch import helpers

    backend = search.backend
    t = time.perf_counter()
    built = [to_document(r) for r in records]
    backend.rebuild(built)
    hdcat_index_s = time.perf_counter() - t
    raw_name = f"{backend.alias}-raw"
    backend.es.indices.delete(index=raw_name, ignore=[404])
    t = time.perf_counter()
    backend.es.indices.create(index=raw_name)
    helpers.bulk(
        backend.es,
        ({"_index": raw_name, "_id": d["id"], "_source": d} for d in docs),
        chunk_size=500,
        request_timeout=120,
    )
    backend.es.indices.refresh(index=raw_name)
    raw_index_s = time.perf_counter() - t
    backend.es.indices.delete(index=raw_name, ignore=[404])
    prepared = [backend._query(build_request(dict(q, size=20)), relaxed=False) for q in QUERIES]
    aggs = {name: {"terms": {"field": name, "size": 100}} for name in FACETS}

    def raw(i):
        backend.es.search(
            index=backend.alias,
            query=prepared[i],
            size=20,
            aggs=aggs,
            track_total_hits=True,
            _source=["summary", "descriptions"],
        )

    return hdcat_index_s, raw_index_s, _latencies(search, raw, rounds)


def _latencies(search: Search, raw, rounds: int):
    hdcat_ms, raw_ms = [], []
    for _ in range(rounds):
        for i, q in enumerate(QUERIES):  # interleaved, so noise hits both sides alike
            t = time.perf_counter()
            raw(i)
            raw_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            search.search(dict(q, size=20), members=True)
            hdcat_ms.append((time.perf_counter() - t) * 1000)
    return hdcat_ms, raw_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument(
        "--rounds", type=int, default=17, help="passes over the 12 queries (17 → 204 queries)"
    )
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    base = sample_records()
    settings = load_settings(
        bundled_config(), env={"HDCAT_STORE": "memory:", "HDCAT_DATA_DIR": tempfile.mkdtemp()}
    )
    catalog = Catalog(settings)
    rows = []
    backends = ["embedded"] + (["elasticsearch"] if os.environ.get("HDCAT_SEARCH_URL") else [])
    for size in [int(s) for s in args.sizes.split(",")]:
        records = corpus(base, size)
        docs = [to_document(r) for r in records]  # the raw side gets finished documents
        for name in backends:
            print(f"{name} {size:,}: indexing …", file=sys.stderr, flush=True)
            if name == "embedded":
                from hdcat.search.backends.embedded import EmbeddedBackend

                search = Search(catalog, backend=EmbeddedBackend(tempfile.mkdtemp()))
                hi, ri, (hq, rq) = bench_embedded(search, docs, records, args.rounds)
            else:
                from hdcat.search.backends.elasticsearch import ElasticsearchBackend

                search = Search(
                    catalog,
                    backend=ElasticsearchBackend(os.environ["HDCAT_SEARCH_URL"].rstrip("/") + "/hdcat-bench"),
                )
                hi, ri, (hq, rq) = bench_elasticsearch(search, docs, records, args.rounds)
            row = {
                "backend": name,
                "size": size,
                "hdcat_docs_per_s": size / hi,
                "raw_docs_per_s": size / ri,
                "index_ratio": hi / ri,
                "hdcat_p50": statistics.median(hq),
                "hdcat_p95": pct(hq, 95),
                "raw_p50": statistics.median(rq),
                "raw_p95": pct(rq, 95),
            }
            row["p50_ratio"] = row["hdcat_p50"] / row["raw_p50"]
            row["p95_ratio"] = row["hdcat_p95"] / row["raw_p95"]
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            search.close()
    lines = [
        "| backend | datasets | hdcat index docs/s | raw index docs/s | index time ratio | hdcat query p50 "
        "/ p95 ms | raw query p50 / p95 ms | ratio p50 / p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['size']:,} | {r['hdcat_docs_per_s']:,.0f} | {r['raw_docs_per_s']:,.0f} | "
            f"{r['index_ratio']:.2f}× | {r['hdcat_p50']:.1f} / {r['hdcat_p95']:.1f} | "
            f"{r['raw_p50']:.1f} / {r['raw_p95']:.1f} | {r['p50_ratio']:.2f}× / {r['p95_ratio']:.2f}× |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(
            "# Search speed: hdcat against the raw engine\n\n"
            f"Generated by `bench/search_bench.py` on {time.strftime('%Y-%m-%d')} (2 cores, noisy; one run). "
            f"Queries: {len(QUERIES)} faceted queries × {args.rounds} "
            "rounds, interleaved hdcat/raw; every query "
            "also counts 9 facets. Raw = the same engine query and aggregations prepared once and run by the "
            "engine's client; hdcat indexing includes Korean/English analysis of every document.\n\n"
            + table
            + "\n"
        )


if __name__ == "__main__":
    main()
