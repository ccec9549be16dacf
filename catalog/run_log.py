"""The harvest run log: every run of every source, kept as `hdcat:HarvestRun` activities in one graph.

The log is what tells a reader when a source was last read and how that went, what lets an
incremental harvest skip a source that reads as before, and what the audit trail is reconciled
against. It is appended to, never rewritten; `catalog.runs.HarvestRun` is the model of one run.
"""

from __future__ import annotations

import threading

from hdcat.catalog.errors import NotFound
from hdcat.catalog.iris import iri_tail, runs_graph_iri, source_graph_iri
from hdcat.catalog.runs import HarvestRun
from hdcat.ontology import HDCAT, sparql_prefixes
from rdflib import URIRef

#: every run, newest first; `%s` takes one more graph pattern or FILTER (the empty string for none)
RUNS = (
    sparql_prefixes("hdcat", "prov", "dct")
    + """
SELECT ?run ?id ?source ?kind ?location ?hospital ?started ?ended ?status ?found ?added ?changed ?removed
  ?skipped ?error ?hash
WHERE { GRAPH ?g {
  ?run a hdcat:HarvestRun ; dct:identifier ?id ; hdcat:source ?src ; prov:startedAtTime ?started ;
       hdcat:hospital ?hospital .
  ?src dct:identifier ?source ; hdcat:sourceKind ?kind ; hdcat:location ?location .
  OPTIONAL { ?run prov:endedAtTime ?ended }
  OPTIONAL { ?run hdcat:status ?status }
  OPTIONAL { ?run hdcat:recordsFound ?found }
  OPTIONAL { ?run hdcat:recordsAdded ?added }
  OPTIONAL { ?run hdcat:recordsChanged ?changed }
  OPTIONAL { ?run hdcat:recordsRemoved ?removed }
  OPTIONAL { ?run hdcat:recordsSkipped ?skipped }
  OPTIONAL { ?run hdcat:error ?error }
  OPTIONAL { ?run hdcat:contentHash ?hash }
  %s
} }
ORDER BY DESC(?started)
"""
)
RUNS_OF_SOURCE = 'FILTER(STR(?source) = "{source}")'
RUN_BY_ID = 'FILTER(STR(?id) = "{run_id}")'
PAGE = " LIMIT {limit} OFFSET {offset}"
#: a run whose status is one of these left the source with good data
GOOD = ("changed", "unchanged")


class RunLog:
    """Reads and appends the run log. `writes` is the lock a commit holds, so a run is never
    recorded in the middle of another source's commit."""

    def __init__(self, store, base: str, writes: threading.RLock | None = None):
        self.store = store
        self.base = base
        self.graph_iri = runs_graph_iri(base)
        self._writes = writes or threading.RLock()
        #: lists of runs (home page, hospital pages, harvests) by (source, limit, offset), until a run is
        #: written: the log only grows, and the home page read it on every request
        self._lists: dict = {}
        self._epoch = 0
        self._lock = threading.Lock()
        self.queries = 0  # list queries sent to the store, for tests that count work

    def forget(self) -> None:
        """After a write to the run graph (record, or a commit that adds its run in the same transaction)."""
        with self._lock:
            self._epoch += 1
            self._lists.clear()

    def record(self, run: HarvestRun) -> None:
        with self._writes:
            self.store.add_to_graph(
                self.graph_iri, run.to_graph(self.base, source_graph_iri(self.base, run.source))
            )
            self.forget()

    def list(self, source: str | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
        """Runs newest first, of one source or all."""
        key = (source, int(limit), int(offset))
        with self._lock:
            found, epoch = self._lists.get(key), self._epoch
        if found is None:
            extra = RUNS_OF_SOURCE.format(source=_sparql_str(source)) if source else ""
            found = list(self._rows((RUNS % extra) + PAGE.format(limit=int(limit), offset=int(offset))))
            self.queries += 1
            with self._lock:
                if epoch == self._epoch:  # no run written meanwhile
                    while len(self._lists) >= self.LISTS_KEPT:
                        self._lists.pop(next(iter(self._lists)))
                    self._lists[key] = found
        return [dict(r) for r in found]  # callers add to what they get (run_for_reader)

    #: run lists kept at once (sources × pages asked for)
    LISTS_KEPT = 256

    def get(self, run_id: str) -> dict:
        """One run with what only its own page shows: the records it skipped and its warnings."""
        if not all(c.isalnum() for c in run_id):
            raise NotFound(f"no harvest run {run_id!r}")
        rows = list(self._rows(RUNS % RUN_BY_ID.format(run_id=run_id)))
        if not rows:
            raise NotFound(f"no harvest run {run_id!r}")
        run = rows[0]
        g = self.store.graph(self.graph_iri)
        node = URIRef(run["iri"])
        run["skipped_records"] = sorted(
            (
                {"record": str(g.value(b, HDCAT.record)), "reason": str(g.value(b, HDCAT.reason))}
                for b in g.objects(node, HDCAT.skipped)
            ),
            key=lambda r: r["record"],
        )
        run["warnings"] = sorted(str(w) for w in g.objects(node, HDCAT.warning))
        return run

    def last_good(self, source: str) -> dict | None:
        """The latest run that left the source with good data (among its last 20)."""
        for run in self.list(source=source, limit=20):
            if run["status"] in GOOD:
                return run
        return None

    def _rows(self, query: str):
        for row in self.store.query(query):
            yield {
                "id": str(row.id),
                "iri": str(row.run),
                "source": str(row.source),
                "kind": str(row.kind),
                "location": str(row.location),
                "hospital": iri_tail(row.hospital),
                "started": str(row.started),
                "ended": str(row.ended) if row.ended else None,
                "status": str(row.status) if row.status else None,
                "found": int(row.found or 0),
                "added": int(row.added or 0),
                "changed": int(row.changed or 0),
                "removed": int(row.removed or 0),
                "skipped": int(row.skipped or 0),
                "error": str(row.error) if row.error else None,
            }


def _sparql_str(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
