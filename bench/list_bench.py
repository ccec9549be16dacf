"""Dataset list speed at scale: `/api/v1/datasets` and the hospital pages read Datasets.page.

A real source (one hospital of the bundled sample consortium) is harvested once; its graph is then
copied N/size times under new dataset IRIs and short ids straight into the store (pyoxigraph, written in
transactions as a first harvest writes a source, not by the bulk loader, whose files are slower to read),
so the catalogue holds N datasets of real shape without N harvests. In one process, for each N:
  - before: one page the way it was read before this change (ORDER BY … OFFSET over the whole listing,
    and a COUNT query), per page;
  - hdcat: Datasets.page_rows (the listing's order kept until a commit) for the first page after a
    commit (it sorts once) and for random pages after that (p50, p95), and Datasets.page (records too);
  - floor: the same page's dataset IRIs with LIMIT/OFFSET and no ORDER BY, the least a page can cost.

    python bench/list_bench.py --sizes 10000,100000 --out bench/results/list.md
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copies import copy_source  # noqa: E402  (bench/copies.py, a sibling)
from hdcat.catalog.config import Settings  # noqa: E402
from hdcat.catalog.service import Catalog  # noqa: E402
from hdcat.harvesters.runner import harvest_source  # noqa: E402

SAMPLE = (
    Path(__file__).resolve().parents[1] / "harvesters" / "samples" / "consortium" / "balgeun" / "catalog.ttl"
)
_P = "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX hdcat: <https://w3id.org/hdcat/ns#>\n"
_DS = "?ds a dcat:Dataset ; hdcat:localId ?id ; hdcat:hospital ?h"
BEFORE = (
    _P + f"SELECT ?ds (MIN(STR(?id)) AS ?key) WHERE {{{{ GRAPH ?g {{{{ {_DS} }}}} }}}}\n"
    "GROUP BY ?ds ORDER BY ?key STR(?ds) LIMIT {limit} OFFSET {offset}"
)
BEFORE_COUNT = _P + f"SELECT (COUNT(DISTINCT ?ds) AS ?n) WHERE {{ GRAPH ?g {{ {_DS} }} }}"
FLOOR = (
    _P + "SELECT ?ds WHERE {{ GRAPH ?g {{ ?ds a dcat:Dataset ; hdcat:localId ?id }} }} "
    "LIMIT {limit} OFFSET {offset}"
)


def grow(cat: Catalog, n: int) -> int:
    """Copy the harvested source graph until the catalogue holds about n datasets."""
    graph = next(g for g in cat.store.graph_names() if "/graph/source/" in str(g))
    per_copy = copy_source(cat, graph, 0)
    copies = max(0, n // per_copy - 1)
    copy_source(cat, graph, copies, as_harvests_write=True)  # the files a harvest makes: pages read them
    return (copies + 1) * per_copy


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def bench(n: int, size: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalog(Settings(store_url=f"oxigraph:{tmp}/store", data_dir=f"{tmp}/var"))
        try:
            harvest_source(cat, _source())
            grow(cat, n)
            total = int(next(iter(cat.store.query(BEFORE_COUNT))).n)  # public and consortium-only graphs
            pages = max(1, total // size)
            rng = random.Random(1)
            chosen = [rng.randint(1, pages) for _ in range(rounds)]
            store = cat.store

            def before(page):
                list(store.query(BEFORE.format(limit=size, offset=(page - 1) * size)))
                list(store.query(BEFORE_COUNT))

            def floor(page):
                list(store.query(FLOOR.format(limit=size, offset=(page - 1) * size)))

            cat.datasets.forget()
            t = time.perf_counter()
            assert cat.datasets.page_rows(1, size, members=True)[0] == total
            first = (time.perf_counter() - t) * 1000
            it = iter(chosen)
            warm = timed(lambda: cat.datasets.page_rows(next(it), size, members=True), rounds)
            it = iter(chosen)
            with_records = timed(lambda: cat.datasets.page(next(it), size, members=True), rounds)
            it = iter(chosen[: max(3, rounds // 5)])
            old = timed(lambda: before(next(it)), max(3, rounds // 5))
            it = iter(chosen)
            bare = timed(lambda: floor(next(it)), rounds)
            return {
                "n": total,
                "first": first,
                "warm50": statistics.median(warm),
                "warm95": pct(warm, 0.95),
                "records50": statistics.median(with_records),
                "before50": statistics.median(old),
                "floor50": statistics.median(bare),
            }
        finally:
            cat.close()


def _source():
    from hdcat.catalog.config import SourceConfig

    return SourceConfig(name="balgeun-dcat", hospital="balgeun", kind="dcat", location=str(SAMPLE))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--page-size", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--out")
    args = ap.parse_args()
    rows = [bench(int(n), args.page_size, args.rounds) for n in args.sizes.split(",")]
    lines = [
        "# Dataset list: one page of `Datasets.page` at scale",
        "",
        f"Generated by `bench/list_bench.py --sizes {args.sizes}` on {time.strftime('%Y-%m-%d')} (2 cores, "
        f"noisy; one run; pages of {args.page_size}, {args.rounds} random pages). Embedded Oxigraph store; "
        "one real hospital's source copied under new IRIs up to N. `before`: ORDER BY … OFFSET and a COUNT "
        "per page, as pages were read before; `first`: the first page after a commit (sorts the listing "
        "once); "
        "`warm`: later pages (slices of the kept order, plus one query for the page's graphs); `records`: "
        "the page with its records built; floor: the page's IRIs with LIMIT/OFFSET and no order.",
        "",
        "| datasets | before p50 ms | first page ms | warm p50 / p95 ms | with records p50 ms "
        "| floor p50 ms | before / warm |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['before50']:.1f} | {r['first']:.1f} "
            f"| {r['warm50']:.1f} / {r['warm95']:.1f} | {r['records50']:.1f} | {r['floor50']:.1f} "
            f"| {r['before50'] / r['warm50']:.0f}× |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
