"""Read-only SPARQL with limits that hold: a time limit, a row cap, and a graph allow-list.

Neither Oxigraph nor rdflib can stop a query once it runs, and one careless cross
product can spin for hours. So each query runs in a forked child process: the child
sees the store exactly as it was at the fork (copy-on-write), evaluates, writes its
answer to a pipe and exits; if it is not done by the deadline it is killed. The
parent never shares a thread with a runaway query. At most MAX_RUNNING queries run
at once; more wait briefly, then get 503.

Anonymous callers query only the public graphs: the store's engine is given those
graphs as the default and named graphs, so no GRAPH clause reaches a restricted one.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import threading
import time
import warnings

import pyoxigraph as ox
from hdcat.catalog.errors import HdcatError, Invalid
from hdcat.ontology import bind_prefixes
from rdflib import BNode, Graph, Literal, URIRef

TIME_LIMIT = 10.0
MAX_ROWS = 10_000
MAX_TRIPLES = 100_000
MAX_RUNNING = 2
_running = threading.BoundedSemaphore(MAX_RUNNING)
STUCK_LOOK = 0.05  # seconds between looks at a child that has not answered yet
STUCK_LOOKS = 3  # looks in a row asleep without using the processor before a child counts as stuck
STUCK_PAUSE = 0.02  # before forking again


class Busy(HdcatError):
    status = 503
    code = "busy"


def _store_busy() -> Busy:
    return Busy("the store was busy with a write for the whole time limit; try again shortly")


def evaluate(
    store, query: str, kind: str, graphs: list[str] | None, rdf_format: str = "turtle"
) -> tuple[str, bytes]:
    """(media type, body) of a SELECT/ASK (SPARQL JSON) or CONSTRUCT/DESCRIBE (RDF) answer."""
    native = getattr(store, "native", None)
    if native is not None:
        if graphs is None:  # every named graph; the default graph holds store bookkeeping (lexical_forms)
            graphs = [str(g) for g in store.graph_names()]
        names = [ox.NamedNode(g) for g in graphs]
        result = native.query(query, default_graph=names or [ox.DefaultGraph()], named_graphs=names)
        return _answer(kind, result, rdf_format)
    if store.capabilities.native_sparql:  # a SPARQL server: the protocol's dataset description
        # (default-graph-uri, named-graph-uri) is the allow-list
        if graphs is None:
            graphs = [str(g) for g in store.graph_names()]
        result = store.query(query, graphs=graphs, kind=kind)
        return _rdflib_answer(kind, result, rdf_format)
    target = store.dataset
    if graphs is not None:  # rdflib has no graph allow-list: copy the allowed graphs (we are in the child)
        from rdflib import Dataset

        target = Dataset(default_union=True)
        for name in graphs:
            ctx = target.graph(URIRef(name))
            for triple in store.dataset.graph(URIRef(name)):
                ctx.add(triple)
    return _rdflib_answer(kind, target.query(query), rdf_format)


def _rdflib_answer(kind: str, result, rdf_format: str) -> tuple[str, bytes]:
    if kind == "ASK":
        return _answer(kind, result.askAnswer, rdf_format)
    if kind == "SELECT":
        return _answer(kind, _RdflibRows(result), rdf_format)
    return _answer(kind, iter(result.graph), rdf_format)


class _RdflibRows:
    def __init__(self, result):
        self.variables = [str(v) for v in result.vars]
        self._rows = iter(result)

    def __iter__(self):
        for row in self._rows:
            yield dict(zip(self.variables, row, strict=True))


def _answer(kind: str, result, rdf_format: str) -> tuple[str, bytes]:
    """One answer builder for both engines: terms pass through _rdflib_term, which leaves rdflib's alone."""
    import orjson

    if kind == "ASK":
        return "application/sparql-results+json", orjson.dumps({"head": {}, "boolean": bool(result)})
    if kind == "SELECT":
        names = [getattr(v, "value", v) for v in result.variables]
        bindings = []
        for row in result:
            if len(bindings) >= MAX_ROWS:
                raise Invalid(f"the answer has more than {MAX_ROWS} rows; add a LIMIT", field="query")
            item = {}
            for name in names:
                term = row[name]
                if term is not None:
                    item[name] = _json_term(_rdflib_term(term))
            bindings.append(item)
        return "application/sparql-results+json", orjson.dumps(
            {"head": {"vars": names}, "results": {"bindings": bindings}}
        )
    graph = bind_prefixes(Graph())
    for triple in result:
        if len(graph) >= MAX_TRIPLES:
            raise Invalid(f"the answer has more than {MAX_TRIPLES} triples; narrow the query", field="query")
        graph.add(tuple(_rdflib_term(t) for t in triple))
    media = {"json-ld": "application/ld+json", "nt": "application/n-triples"}.get(rdf_format, "text/turtle")
    return media, graph.serialize(format=rdf_format, encoding="utf-8")


def _rdflib_term(term):
    """An Oxigraph term as rdflib's; an rdflib term as it is."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return term


def _json_term(term) -> dict:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype:
            out["datatype"] = str(term.datatype)
    return out


def run_limited(fn, time_limit: float = TIME_LIMIT):
    """fn() in a forked child, killed at the deadline. Errors come back as our own types."""
    if not _running.acquire(timeout=2):
        raise Busy(f"{MAX_RUNNING} SPARQL queries are running already; try again shortly")
    try:
        return _fork_and_wait(fn, time_limit)
    finally:
        _running.release()


def _fork_and_wait(fn, time_limit: float):
    """The answer of fn() in a child, forked again while a child is stuck on a lock (see `_Idle`)."""
    deadline = time.monotonic() + time_limit
    stuck_before = False
    while True:
        read_end, pid = _fork(fn)
        try:
            chunks = _read_answer(read_end, pid, deadline, time_limit, stuck_before)
        except BaseException:
            _kill(pid)  # an error of ours must not leave a child (perhaps stuck on a lock) to wait for
            raise
        finally:
            os.close(read_end)
            os.waitpid(pid, 0)
        if chunks is not None:
            break
        if time.monotonic() + STUCK_PAUSE >= deadline:
            raise _store_busy()
        stuck_before = True
        time.sleep(STUCK_PAUSE)  # the thread that held the lock at the fork lets go of it
    if not chunks:
        raise Invalid("the query process ended without an answer", field="query")
    status, value = pickle.loads(b"".join(chunks))
    if status != "ok":
        raise Invalid(value, field="query")
    return value


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _fork(fn) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    try:
        with warnings.catch_warnings():  # the child only reads a snapshot and calls os._exit
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise Busy("cannot start a query process now; try again shortly") from None
    if pid == 0:  # the child: whatever happens, it ends here
        try:
            os.close(read_end)
            try:
                payload = pickle.dumps(("ok", fn()))
            except HdcatError as exc:
                payload = pickle.dumps(("invalid", exc.message))
            except BaseException as exc:  # the engine's syntax and evaluation errors are the client's to fix
                payload = pickle.dumps(("invalid", f"parameter 'query': {' '.join(str(exc).split())[:300]}"))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    return read_end, pid


def _read_answer(
    read_end: int, pid: int, deadline: float, time_limit: float, stuck_before: bool
) -> list[bytes] | None:
    """The child's answer in chunks; None if it is stuck. A child stopped at the deadline is the query's
    fault (Invalid) unless it or the ones before it were waiting on a lock (Busy)."""
    chunks: list[bytes] = []
    idle = _Idle(pid)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill(pid)
            if stuck_before or idle.waiting:
                raise _store_busy()
            raise Invalid(
                f"the query ran longer than the {time_limit:g} s limit and was stopped; "
                "narrow it (fewer patterns, a LIMIT, more specific terms)",
                field="query",
            )
        if not select.select([read_end], [], [], min(left, STUCK_LOOK))[0]:
            if not chunks and idle.stuck():
                _kill(pid)
                return None
            continue
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            return chunks
        chunks.append(chunk)


class _Idle:
    """Whether a child is stuck: alone, waiting on a lock, and using no processor time at several looks.

    A process forked while another thread holds a lock keeps that lock held for ever: RocksDB's
    background flush and compaction threads hold its mutex now and then, and a child forked at that
    moment waits in its first read until the deadline (seen in CI: an anonymous query timed out 10 s
    after a steward saved a definition). A child with one thread waiting on a lock (a futex) has no one
    left to wake it, and one forked a moment later finds the lock free. A child waiting on a socket (a
    query sent to a SPARQL server) is not stuck; where /proc tells neither, no child counts as stuck."""

    def __init__(self, pid: int):
        self._proc = f"/proc/{pid}"
        self._last: tuple | None = None
        self._looks = 0

    def stuck(self) -> bool:
        try:
            with open(f"{self._proc}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"{self._proc}/wchan") as f:
                waiting_in = f.read()
        except (OSError, IndexError):
            return False
        cpu = (fields[11], fields[12])
        if fields[0] != "S" or fields[17] != "1" or "futex" not in waiting_in or cpu != self._last:
            self._last, self._looks = cpu, 0
            return False
        self._looks += 1
        return self._looks >= STUCK_LOOKS

    @property
    def waiting(self) -> bool:
        """On a lock at the last look."""
        return self._looks > 0
