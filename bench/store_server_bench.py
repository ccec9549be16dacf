"""A small harvest on the embedded store vs a SPARQL server (README, "Stores on a server").

    .venv/bin/python bench/store_server_bench.py oxigraph sparql+http://127.0.0.1:PORT/hdcat

Harvests the RDF files of the sample consortium (harvesters/samples/consortium) into each store named,
harvests them again (all unchanged), reads the first page of 20 records with nothing kept, and counts
every triple with one SPARQL query. A server's dataset is emptied first: point it at a throw-away one
(`scripts/services start fuseki`).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from hdcat.catalog.config import Settings, SourceConfig
from hdcat.catalog.service import Catalog
from hdcat.catalog.stores import open_store
from hdcat.harvesters.runner import harvest_all

ROOT = Path(__file__).resolve().parents[1]


def sources() -> list[SourceConfig]:
    files = sorted(
        p for p in (ROOT / "harvesters/samples/consortium").rglob("*") if p.suffix in (".ttl", ".rdf", ".nt")
    )
    return [
        SourceConfig(
            name=f"{p.parent.name}-{p.stem.replace('.', '-')}",
            hospital=p.parent.name,
            kind="dcat",
            location=str(p),
        )
        for p in files
    ]


def run(url: str) -> str:
    folder = Path(tempfile.mkdtemp())
    if url == "oxigraph":
        url = f"oxigraph:{folder / 'store'}"
    elif url.startswith("sparql"):
        store = open_store(url)
        store.clear()
        store.close()
    todo = sources()
    cat = Catalog(Settings(store_url=url, data_dir=folder))
    try:
        t = time.perf_counter()
        harvest_all(cat, todo)
        first = time.perf_counter() - t
        t = time.perf_counter()
        harvest_all(cat, todo)
        again = time.perf_counter() - t
        cat.datasets.forget()
        t = time.perf_counter()
        _, rows = cat.datasets.page_rows(1, 20, members=True)
        list(cat.datasets.records(rows))
        page = time.perf_counter() - t
        t = time.perf_counter()
        (row,) = list(cat.store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        count = time.perf_counter() - t
        return (
            f"{url.split(':')[0]}: {len(todo)} sources, {cat.datasets.count(members=True)} datasets, "
            f"{row[0]} triples; harvest {first:.1f} s, unchanged {again:.1f} s, "
            f"first page of 20 {page * 1000:.0f} ms, count {count * 1000:.0f} ms"
        )
    finally:
        cat.close()


if __name__ == "__main__":
    for url in sys.argv[1:] or ["oxigraph"]:
        print(run(url), flush=True)
