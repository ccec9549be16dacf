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
from hdcat.ontology import HDCAT, hospital_iri, sparql_prefixes
from rdflib import URIRef

_P = sparql_prefixes("hdcat", "prov", "dct")
#: a page of the log, newest first, chosen on a run's start alone, so a list reads the details of its own runs
#: only (RUN_DETAILS). One query with every detail OPTIONAL, sorted, took 0.6-0.8 s on Oxigraph with 3,000
#: runs in the log, and every harvest asked it (the source's last good run, the audit trail's reconciling): a
#: 1 %-changed re-harvest of 1,000 datasets took twice as long with that history as without. One pattern
#: sorted is 1-6 ms there; each pattern joined to it cost some 5 µs a run. `{source}`: empty, or
#: SOURCE_RUNS for one source's runs, HOSPITAL_RUNS for one hospital's.
RUN_PAGE = (
    _P
    + """SELECT ?run WHERE {{ GRAPH <{graph}> {{ ?run {source}prov:startedAtTime ?started }} }}
ORDER BY DESC(?started) LIMIT {limit} OFFSET {offset}"""
)
SOURCE_RUNS = "hdcat:source <{source}> ; "  # a run names its source by the source's graph (runs.to_graph)
HOSPITAL_RUNS = "hdcat:hospital <{hospital}> ; "
#: the ids of the newest runs, newest first: what the audit trail is reconciled against needs no more
RECENT_IDS = (
    _P
    + """SELECT ?id WHERE {{ GRAPH <{graph}> {{ ?run prov:startedAtTime ?started ; dct:identifier ?id }} }}
ORDER BY DESC(?started) LIMIT {limit}"""
)
#: what a run may lack: (subject, property, variable) read where present
_OPTIONAL = (
    ("run", "hdcat:sourceKind", "ran"),
    ("run", "hdcat:location", "read"),
    ("src", "hdcat:sourceKind", "kind"),
    ("src", "hdcat:location", "location"),
    ("run", "prov:endedAtTime", "ended"),
    ("run", "hdcat:status", "status"),
    ("run", "hdcat:recordsFound", "found"),
    ("run", "hdcat:recordsAdded", "added"),
    ("run", "hdcat:recordsChanged", "changed"),
    ("run", "hdcat:recordsRemoved", "removed"),
    ("run", "hdcat:recordsSkipped", "skipped"),
    ("run", "hdcat:error", "error"),
    ("run", "hdcat:contentHash", "hash"),
)
#: what a list shows of the named runs (`{named}`: `?run` IRIs or `?id` literals in a VALUES block, inside
#: the GRAPH block, where Oxigraph starts from them: outside it, it joined them after reading every run,
#: 250 ms for 20 of 3,000). The kind and location a run read are its own (hdcat:sourceKind, hdcat:location
#: on the run); runs stored before it kept them only on their source, which holds every location the
#: source ever had: such a run is given one of them.
RUN_DETAILS = (
    _P
    + "SELECT ?run ?id ?source ?hospital ?started "
    + " ".join(f"?{var}" for _, _, var in _OPTIONAL)
    + """
WHERE {{ GRAPH <{graph}> {{ {named}
  ?run dct:identifier ?id ; a hdcat:HarvestRun ; hdcat:source ?src ; prov:startedAtTime ?started ;
       hdcat:hospital ?hospital .
  ?src dct:identifier ?source .
"""
    + "\n".join(f"  OPTIONAL {{{{ ?{subject} {prop} ?{var} }}}}" for subject, prop, var in _OPTIONAL)
    + "\n}} }}"
)
#: runs whose details are read in one query (a VALUES block)
DETAILS_AT_ONCE = 500
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

    def list(
        self, source: str | None = None, limit: int = 50, offset: int = 0, hospital: str | None = None
    ) -> list[dict]:
        """Runs newest first: of one source, of one hospital's sources, or all."""
        key = (source, int(limit), int(offset), hospital)
        with self._lock:
            found, epoch = self._lists.get(key), self._epoch
        if found is None:
            query = RUN_PAGE.format(
                graph=self.graph_iri,
                source=(SOURCE_RUNS.format(source=source_graph_iri(self.base, source)) if source else "")
                + (HOSPITAL_RUNS.format(hospital=hospital_iri(hospital)) if hospital else ""),
                limit=int(limit),
                offset=int(offset),
            )
            found = self._details("run", [run for (run,) in self.store.select_text(query)])
            self.queries += 1
            with self._lock:
                if epoch == self._epoch:  # no run written meanwhile
                    while len(self._lists) >= self.LISTS_KEPT:
                        self._lists.pop(next(iter(self._lists)))
                    self._lists[key] = found
        return [dict(r) for r in found]  # callers add to what they get (run_for_reader)

    def latest(self, sources) -> dict[str, dict]:
        """Each named source's newest run (sources never harvested left out): one query a source, where
        the newest few hundred runs of all sources missed a weekly source behind hourly ones."""
        return {name: runs[0] for name in sources if (runs := self.list(source=name, limit=1))}

    def recent_ids(self, limit: int) -> list[str]:
        """The ids of the newest `limit` runs, newest first."""
        query = RECENT_IDS.format(graph=self.graph_iri, limit=int(limit))
        return [run_id for (run_id,) in self.store.select_text(query)]

    def by_ids(self, ids) -> list[dict]:
        """The named runs as a list shows them, in the order named (unknown ids left out)."""
        return self._details("id", list(ids))

    def _details(self, key: str, names: list[str]) -> list[dict]:
        """The runs named by `names` (run IRIs for key "run", ids for "id"), in that order."""
        term = (lambda n: f"<{n}>") if key == "run" else (lambda n: f'"{_sparql_str(n)}"')
        rows: dict[str, dict] = {}
        for at in range(0, len(names), DETAILS_AT_ONCE):
            named = f"VALUES ?{key} {{ {' '.join(map(term, names[at : at + DETAILS_AT_ONCE]))} }}"
            for row in self._rows(RUN_DETAILS.format(named=named, graph=self.graph_iri)):
                name = row["iri"] if key == "run" else row["id"]
                held = rows.get(name)
                if held is None or (row["kind"], row["location"]) < (held["kind"], held["location"]):
                    rows[name] = row  # of a source's several locations, the same one each time
        return [rows[n] for n in names if n in rows]

    #: run lists kept at once (sources × pages asked for)
    LISTS_KEPT = 256

    def get(self, run_id: str) -> dict:
        """One run with what only its own page shows: the records it skipped and its warnings."""
        if not all(c.isalnum() for c in run_id):
            raise NotFound(f"no harvest run {run_id!r}")
        rows = self.by_ids([run_id])
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
                "kind": str(row.ran or row.kind or ""),
                "location": str(row.read or row.location or ""),
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
