"""The home and hospital pages' charts at scale: what the search engine takes to count them
(`search.service.holdings`: every value of the hospital, disease area, data type and years facets, for the
whole catalogue and for each hospital), beside the search page's own first request on the same index in the
same process (a page of 20 hits with the first 100 values of every facet), for the public and for members.

    python bench/charts_bench.py --data DIR [--search-url URL] [--rounds 5] [--out bench/results/charts.md]

`--data` is a data folder whose index to read (the embedded engine's `DIR/search`), or with `--search-url`
the Elasticsearch or OpenSearch holding it. An embedded index written by another schema is emptied when
opened, so run it on a copy (`cp -al`). Before these charts came from the engine, they were tallied from
every record once per commit: 103.6 s at 100,000 datasets, so about twenty minutes at 1,000,000.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def _timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return (time.perf_counter() - started) * 1000, value


def measure(backend, rounds: int) -> dict:
    from hdcat.ontology import hospitals
    from hdcat.search.query import build_request
    from hdcat.search.service import _for_reader, holdings

    ids = [h["id"] for h in hospitals()]
    out: dict = {"first_ms": {}, "rows": []}
    for members in (False, True):
        reader = "members" if members else "public"
        out["first_ms"][reader], figures = _timed(lambda m=members: holdings(backend, m))
        home, search, hospital = [], [], {h: [] for h in ids}
        for _ in range(rounds):
            home.append(_timed(lambda m=members: holdings(backend, m))[0])
            for h in ids:
                hospital[h].append(_timed(lambda m=members, h=h: holdings(backend, m, h))[0])
            search.append(_timed(lambda m=members: backend.search(_for_reader(build_request({}), m)))[0])
        base = statistics.median(search)
        per_hospital = sum(holdings(backend, members, h)["total"] for h in ids)
        out["rows"].append(
            {
                "reader": reader,
                "datasets": figures["total"],
                "years": len(figures["years"]),
                "in_hospitals": per_hospital,
                "home_ms": statistics.median(home),
                # the slowest hospital's: the one holding the most datasets
                "hospital_ms": max(statistics.median(times) for times in hospital.values()),
                "search_ms": base,
            }
        )
    return out


def report(found: dict, engine: str) -> str:
    lines = [
        f"Charts counted by the search engine ({engine}): median of each request, beside the search page's "
        "first request on the same index in the same process.",
        "",
        "| reader | datasets | years charted | home page's charts | largest hospital's charts "
        "| search page | home / search | first request after opening |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in found["rows"]:
        lines.append(
            f"| {row['reader']} | {row['datasets']:,} | {row['years']} | {row['home_ms']:.1f} ms | "
            f"{row['hospital_ms']:.1f} ms | {row['search_ms']:.1f} ms | "
            f"{row['home_ms'] / row['search_ms']:.2f}× | {found['first_ms'][row['reader']]:.0f} ms |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="a data folder (its search/ is the embedded index)")
    parser.add_argument("--search-url", default=None, help="Elasticsearch or OpenSearch instead")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=None, help="also write the table here")
    args = parser.parse_args()
    from hdcat.search.backends import open_backend

    backend = open_backend(args.search_url, Path(args.data))
    try:
        if not backend.count():
            raise SystemExit(f"the index in {args.data} holds no datasets (another schema? build it first)")
        table = report(measure(backend, args.rounds), backend.name)
    finally:
        backend.close()
    print(table)
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
