"""A serving process's first reads after a start, on a catalogue already built (`bench/scale_bench.py
--keep`, or any embedded store): the first listing page, the members' first page, and a dataset page found by
its short id, the lineage index (its catalogue matches and harvested derivations) and the home page's
figures (datasets by hospital and disease area), each in a new
process, with the snapshots of rows per graph removed (every dataset read from the store) and then with the
snapshots the first process wrote (catalog/graph_rows.py).

    python bench/start_bench.py --store PATH [--data DIR] [--cold] [--rounds 2]

The store is opened as a server opens it (read-write: a snapshot is kept only beside a store the process
may write), so run it on a copy (pyoxigraph's `Store.backup`, hard links on the same file system). The
lineage index's own snapshot is removed before each process, so both rebuild it from the stored events and
differ only in the rows per graph. `--cold` drops the page cache before each process (root only), which is
what a machine's restart gives. Each figure is one process's wall time around the call, beside the other
way in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import as_installed  # bench/as_installed.py, a sibling

ROOT = Path(__file__).resolve().parents[1]


def child(store: str, data: str, local_id: str | None) -> None:
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog

    cat = Catalog(Settings(store_url=f"oxigraph:{store}", data_dir=data))
    out = {}
    t = time.perf_counter()
    total, rows = cat.datasets.page_rows(1, 20, members=False)
    out["first_page_s"] = time.perf_counter() - t
    t = time.perf_counter()
    cat.datasets.page_rows(1, 20, members=True)
    out["members_page_s"] = time.perf_counter() - t
    out["total"], out["first"] = total, str(rows[0][0])
    local_id = local_id or cat.datasets._graph_map(False)[rows[0][0]][1]
    cat.datasets.forget()  # says nothing of what changed: the look-up below has no kept map to read
    t = time.perf_counter()
    cat.datasets.locate(local_id)
    out["dataset_lookup_s"] = time.perf_counter() - t
    t = time.perf_counter()
    index = cat.lineage.index  # its catalogue matches and harvested derivations
    out["lineage_index_s"] = time.perf_counter() - t
    out["matched"] = len(index.by_catalog)
    t = time.perf_counter()
    figures = cat.datasets.stats(members=False)  # the home page's
    out["home_figures_s"] = time.perf_counter() - t
    out["by_hospital"] = {h["id"]: h["datasets"] for h in figures["hospitals"]}
    import resource

    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cat.close()
    print(json.dumps(out))


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def run(store: str, data: str, local_id: str | None, cold: bool) -> dict:
    if cold:
        drop_caches()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", store, data, local_id or ""],
        capture_output=True,
        text=True,
        check=True,
        env=as_installed.env(),
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4] or None)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True, help="an embedded (Oxigraph) store folder")
    ap.add_argument("--data", help="the data folder where the snapshot goes (default: a temporary one)")
    ap.add_argument("--local-id", help="a short id to look up (default: the first page's first dataset's)")
    ap.add_argument("--cold", action="store_true", help="drop the page cache before each process (root)")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    data = Path(args.data or tempfile.mkdtemp(prefix="hdcat-start-"))
    from hdcat.catalog import lineage_snapshot
    from hdcat.catalog.graph_rows import CATALOGUE_KEYS, DATASET_AREAS_KEPT, DATASET_MAP, DERIVATIONS_KEPT

    kinds = (DATASET_MAP, CATALOGUE_KEYS, DERIVATIONS_KEPT, DATASET_AREAS_KEPT)
    snapshots = [data / kind.filename for kind in kinds]
    local_id = args.local_id
    rows = []
    for r in range(args.rounds):
        for snapshot in [*snapshots, data / lineage_snapshot.FILENAME]:
            snapshot.unlink(missing_ok=True)
        whole = run(args.store, str(data), local_id, args.cold)
        (data / lineage_snapshot.FILENAME).unlink(missing_ok=True)
        kept = run(args.store, str(data), local_id, args.cold)
        for same in ("total", "first", "matched", "by_hospital"):
            assert whole[same] == kept[same], (whole, kept)
        rows.append((r + 1, whole, kept))
        print(f"round {r + 1}: whole {whole}\n         snapshot {kept}", flush=True)
    print(
        "\n| round | first listing page, whole / from the snapshot | members' first page "
        "| a dataset found by short id, no map at hand | lineage index | home page's figures | peak MiB |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r, whole, kept in rows:
        print(
            f"| {r} | {whole['first_page_s']:.1f} s / **{kept['first_page_s']:.1f} s** "
            f"| {whole['members_page_s']:.1f} s / {kept['members_page_s']:.1f} s "
            f"| {whole['dataset_lookup_s'] * 1000:.0f} ms / {kept['dataset_lookup_s'] * 1000:.0f} ms "
            f"| {whole['lineage_index_s']:.1f} s / **{kept['lineage_index_s']:.1f} s** "
            f"| {whole['home_figures_s']:.1f} s / **{kept['home_figures_s']:.1f} s** "
            f"| {whole['peak_mib']:.0f} / {kept['peak_mib']:.0f} |"
        )
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 2**20:.0f} MiB" for p in snapshots if p.exists())
    print(f"\n{rows[0][1]['total']:,} datasets, {rows[0][1]['matched']:,} matched in lineage; {sizes}")


if __name__ == "__main__":
    main()
