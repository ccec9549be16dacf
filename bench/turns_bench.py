"""What a busy thread beside it does to pyoxigraph, and what taking turns gives back (catalog/turns.py).

pyoxigraph lets go of the interpreter lock for every triple `ox.parse` yields and every row of a SELECT it
yields. Alone that costs nothing; beside a thread running Python, each item waits up to the interpreter's
switch interval for the lock to come back. This bench measures, in one process:

* **primitives**: parsing a sample page (`ox.parse`, read to the end) and reading every row of a
  SELECT over a sample graph (row by row, and as one SPARQL JSON answer, `select_values`), each alone
  and beside one thread counting in a Python loop;
* **the sample consortium's harvest** as `hdcat demo` runs it (`run_harvest`: 4 harvest threads, and
  kiwipiepy's model loading beside them, since the folder is new), each round in a new interpreter and a
  fresh data folder, without indexing: with turns, and without (turns made no-ops), alternately,
  `--rounds` times each; wall and CPU time of the harvest.

    .venv/bin/python bench/turns_bench.py --rounds 2 --out bench/results/turns.md
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "harvesters" / "samples" / "consortium"
SITE = "https://data.hanbit-hospital.example/"


class Busy:
    """One thread counting in a Python loop: what another harvest, a kiwipiepy load or a request is to a
    thread that waits for the interpreter lock."""

    def __enter__(self):
        self._stop = False
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()
        return self

    def _spin(self):
        n = 0
        while not self._stop:
            n += 1

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join()


def timed(work, repeat: int = 3) -> float:
    """The best of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def primitives() -> list[tuple[str, float, float]]:
    from hdcat.catalog.stores.oxigraph_reads import select_values

    page = (SAMPLES / "hanbit" / "catalog-page-1.ttl").read_bytes()
    rdf = (SAMPLES / "gaon" / "catalog.rdf").read_bytes()
    store = ox.Store()
    graph = ox.NamedNode("https://bench.example/graph")
    store.load(rdf, format=ox.RdfFormat.RDF_XML, base_iri="https://bench.example/", to_graph=graph)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"

    def parse():
        quads = ox.parse(page, format=ox.RdfFormat.TURTLE, base_iri=SITE)
        return [(q.subject, q.predicate, q.object) for q in quads]

    def rows():
        return [tuple(t.value for t in row) for row in store.query(query)]

    def one_answer():
        return select_values(store, query)

    out = []
    for name, work in (
        (f"parse a page, `ox.parse` ({len(parse())} triples)", parse),
        (f"SELECT, row by row ({len(rows())} rows)", rows),
        ("the same SELECT as one JSON answer (`select_values`)", one_answer),
    ):
        alone = timed(work)
        with Busy():
            beside = timed(work, repeat=1)
        out.append((name, alone, beside))
    return out


def harvest_round(with_turns: bool) -> tuple[float, float]:
    """(wall, CPU) seconds of `hdcat demo`'s harvest (run_harvest: 4 threads, kiwipiepy loading beside
    them, as it does on a first harvest) into a fresh folder, in a new interpreter (the model loads once
    a process)."""
    child = subprocess.run(
        [sys.executable, __file__, "--round", "on" if with_turns else "off"],
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = child.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def one_round(with_turns: bool) -> None:
    from hdcat.harvesters import fetch, runner
    from hdcat.harvesters.samples.servers import SampleServers
    from hdcat.search import analysis
    from hdcat.web.commands.common import Context, bundled_config
    from hdcat.web.commands.harvesting import run_harvest

    os.environ["HDCAT_DATA_DIR"] = tempfile.mkdtemp(prefix="hdcat-turns-")
    os.environ.pop("HDCAT_STORE", None)
    if not with_turns:
        runner.my_turn = fetch.waiting_turn = analysis.my_turn = contextlib.nullcontext
    samples = SampleServers()
    try:
        settings = samples.resolve(Context(None).settings(bundled_config()))
        catalog = Context(None).catalog(settings)
        try:
            catalog.definitions.ensure_starters()
            wall, cpu = time.perf_counter(), time.process_time()
            with contextlib.redirect_stdout(sys.stderr):
                runs = run_harvest(catalog, list(settings.sources), workers=4)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            failed = [r.source for r in runs if r.outcome is None or r.outcome.failed]
            if failed:
                raise SystemExit(f"harvest failed for {failed}")
        finally:
            catalog.close()
    finally:
        samples.stop()
    print(f"{wall:.3f} {cpu:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--round", choices=("on", "off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.round:
        return one_round(args.round == "on")
    lines = [
        f"## turns_bench, {time.strftime('%Y-%m-%d %H:%M')} (load average {os.getloadavg()[0]:.1f})",
        "",
        "| pyoxigraph call | alone, s | beside a busy thread, s | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, alone, beside in primitives():
        lines.append(f"| {name} | {alone:.4f} | {beside:.4f} | {beside / alone:.0f}× |")
    results: dict[bool, list] = {True: [], False: []}
    for _ in range(args.rounds):
        for with_turns in (False, True):
            results[with_turns].append(harvest_round(with_turns))
    lines += [
        "",
        "| sample consortium harvest, 4 threads | wall s (each round) | CPU s (each round) | median wall |",
        "| --- | ---: | ---: | ---: |",
    ]
    for with_turns, label in ((False, "threads contend (turns off)"), (True, "threads take turns")):
        walls = [w for w, _ in results[with_turns]]
        cpus = [c for _, c in results[with_turns]]
        lines.append(
            f"| {label} | {', '.join(f'{w:.1f}' for w in walls)} | {', '.join(f'{c:.1f}' for c in cpus)} "
            f"| {statistics.median(walls):.1f} |"
        )
    ratio = statistics.median(w for w, _ in results[False]) / statistics.median(w for w, _ in results[True])
    lines += ["", f"Taking turns: the harvest's wall time {ratio:.1f}× shorter.", ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        previous = args.out.read_text("utf-8") if args.out.exists() else "# Turns bench\n\n"
        head, _, rest = previous.partition("\n\n")
        args.out.write_text(f"{head}\n\n{text}\n{rest}", "utf-8")


if __name__ == "__main__":
    sys.exit(main())
