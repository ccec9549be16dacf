"""Copy a whole catalogue from one store to another (`hdcat migrate --from STORE --to STORE`).

Moving from the embedded store to a SPARQL server (or back, or into a fresh one for a test) must not lose
a triple: every named graph is read with its lexical forms restored and written to the target as one
replacement, then read back from the target and counted. The report names each graph with both counts;
any difference is an error, not a warning. hdcat keeps everything in named graphs; a source store whose
default graph holds data (something written beside hdcat) is refused rather than half-copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdcat.catalog.errors import HdcatError
from hdcat.catalog.stores import open_store


class MigrationError(HdcatError):
    status = 409
    code = "migration_failed"


@dataclass
class GraphCopy:
    name: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass
class MigrationReport:
    source_url: str
    target_url: str
    graphs: list[GraphCopy] = field(default_factory=list)

    @property
    def quads(self) -> int:
        return sum(g.target for g in self.graphs)

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.graphs)


#: graphs are copied in writes of about this many triples (a large graph alone in its write)
BATCH_TRIPLES = 50_000


def _distinct(triples) -> set:
    """A graph's triples as the same set in every store (blank nodes by label, literals as written)."""
    return {tuple(triple) for triple in triples}


def migrate(source_url: str, target_url: str, replace: bool = False, progress=None) -> MigrationReport:
    """Copy every named graph of `source_url` into `target_url`, checking each graph's count read back.
    The target must hold no graphs unless `replace` (then its graphs are replaced; graphs only it has are
    dropped, so it ends as a copy of the source)."""
    if source_url == target_url:
        raise MigrationError(f"--from and --to are the same store ({source_url}); name two stores")
    source = open_store(source_url, read_only=True)
    try:
        target = open_store(target_url)
        try:
            return copy_store(source, target, replace, progress, (source_url, target_url))
        finally:
            target.close()
    finally:
        source.close()


def copy_store(source, target, replace=False, progress=None, urls=None) -> MigrationReport:
    """`migrate` between two open stores (a memory store lives only in its process)."""
    source_url, target_url = urls or (
        f"{source.scheme}:{source.location}",
        f"{target.scheme}:{target.location}",
    )
    default = sum(1 for _ in source.dataset.default_graph.triples((None, None, None)))
    if default:
        raise MigrationError(
            f"the default graph of {source_url} holds {default} triples; hdcat keeps everything in named "
            "graphs, so these were written by something else: move them into a named graph first"
        )
    existing = set(target.graph_names())
    if existing and not replace:
        raise MigrationError(
            f"{target_url} already holds {len(existing)} graphs; migrate into an empty store, or pass "
            "--replace to make it a copy of the source"
        )
    report = MigrationReport(source_url, target_url)
    names = source.graph_names()
    batch: dict = {}

    def write() -> None:
        """One write for the batch: on a server each write is a transaction (and a sync to disk), which one
        graph a request made most of a migration's time (bench/scale_bench.py)."""
        target.replace_graphs(batch)
        for name, triples in batch.items():
            copied = _distinct(target.graph_triples(name))
            report.graphs.append(GraphCopy(str(name), len(triples), len(copied)))
            if progress:
                progress(report.graphs[-1])
        batch.clear()

    for name in names:
        batch[name] = list(_distinct(source.graph_triples(name)))
        if sum(map(len, batch.values())) >= BATCH_TRIPLES:
            write()
    if batch:
        write()
    for name in existing - set(names):
        target.drop_graph(name)
    bad = [g for g in report.graphs if not g.ok]
    if bad:
        listed = "; ".join(f"{g.name}: {g.source} in the source, {g.target} in the target" for g in bad[:5])
        raise MigrationError(f"{len(bad)} graphs did not copy whole into {target_url}: {listed}")
    return report
