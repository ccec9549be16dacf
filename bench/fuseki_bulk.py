"""Fuseki filled by Jena's own offline bulk loader, for catalogues too large to POST (issue 17, 1,000,000
datasets: 150 million quads, about 48 GiB in TDB2).

A Graph Store POST of 15 million quads took 325 s and 380 bytes a quad on 2026-12-04, and a request of ten
times that holds Fuseki's transaction for most of an hour; `tdb2.tdbloader` writes the database files
directly and is how a deployment would load a national catalogue into Jena. The catalogue is written as
N-Quads into the loader's standard input, so the 25 GB of text never land on disk, and the copies
that make up the large catalogue (bench/copies.py) go straight into that pipe, not first into an embedded
store of 23 GiB (37 GiB before it compacts) beside the 48 GiB database. Then a Fuseki of its own serves
that database as `scripts/services start fuseki` configures one (every protocol on the dataset's URL,
the union of the named graphs as the default graph), on a port of its own. Imported by
bench/scale_bench.py as a sibling module.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import httpx

JENA_LIB = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hdcat/fuseki-5.6.0/lib"

CONFIG = """@prefix fuseki: <http://jena.apache.org/fuseki#> .
@prefix tdb2:   <http://jena.apache.org/2016/tdb#> .
<#hdcat> a fuseki:Service ;
    fuseki:name "hdcat" ;
    fuseki:endpoint [ fuseki:operation fuseki:query ] ;
    fuseki:endpoint [ fuseki:operation fuseki:update ] ;
    fuseki:endpoint [ fuseki:operation fuseki:gsp-rw ] ;
    fuseki:endpoint [ fuseki:operation fuseki:query ; fuseki:name "query" ] ;
    fuseki:endpoint [ fuseki:operation fuseki:update ; fuseki:name "update" ] ;
    fuseki:endpoint [ fuseki:operation fuseki:gsp-rw ; fuseki:name "data" ] ;
    fuseki:dataset <#data> .
<#data> a tdb2:DatasetTDB2 ;
    tdb2:location "{location}" ;
    tdb2:unionDefaultGraph true .
"""


def _java(heap: str, *args: str, **kw) -> subprocess.Popen:
    if not JENA_LIB.is_dir():
        raise SystemExit(f"no Jena jars in {JENA_LIB}: `scripts/services start fuseki` fetches them")
    java = ["java", f"-Xmx{heap}", "-Dfile.encoding=UTF-8", "-cp", f"{JENA_LIB}/*"]
    return subprocess.Popen([*java, *args], **kw)


def load_offline(write: Callable[[BinaryIO], None], db: Path, heap: str = "4g", log=print) -> dict:
    """What `write` writes as N-Quads into a new TDB2 database at `db` by `tdb2.tdbloader
    --loader=parallel`; the seconds of the whole (writing and loading overlap) and the
    loader's own report."""
    db.mkdir(parents=True)
    failure: list[BaseException] = []
    report = db.parent / f"{db.name}-loader.log"
    t = time.perf_counter()
    with report.open("w") as out:
        proc = _java(
            heap,
            "tdb2.tdbloader",
            "--loader=parallel",
            "--syntax=nquads",
            "--loc",
            str(db),
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=out,
        )

        def feed() -> None:
            try:
                with proc.stdin:
                    write(proc.stdin)
            except BaseException as e:  # noqa: BLE001 - reported below
                failure.append(e)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        code = proc.wait()
    writer.join(timeout=60)
    seconds = time.perf_counter() - t
    text = report.read_text()
    if code != 0 or failure:
        raise RuntimeError(f"tdbloader exited {code}, dump {failure!r}; last lines:\n{text[-3000:]}")
    log(f"tdbloader: {text.strip().splitlines()[-1] if text.strip() else '(no report)'}")
    return {"load_s": seconds, "loader_report": text[-2000:]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path, heap: str = "4g", timeout: float = 600) -> tuple[str, subprocess.Popen]:
    """A Fuseki on `db`; its hdcat store URL and process. Opening a large database takes a while."""
    config = db.parent / f"{db.name}-fuseki.ttl"
    config.write_text(CONFIG.replace("{location}", str(db)))
    port = _free_port()
    log = db.parent / f"{db.name}-fuseki.log"
    with log.open("w") as out:  # the child keeps its own copy of the file
        proc = _java(
            heap,
            "org.apache.jena.fuseki.main.cmds.FusekiMainCmd",
            "--localhost",
            "--port",
            str(port),
            "--ping",
            "--config",
            str(config),
            stdout=out,
            stderr=out,
        )
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/$/ping", timeout=5).status_code == 200:
                return f"sparql+http://127.0.0.1:{port}/hdcat", proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"Fuseki on {db} did not come up; see {log}")
        time.sleep(1)


def rss(pid: int | str) -> int | None:
    """A process's resident memory now, in bytes (None once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
