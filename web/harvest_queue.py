"""Harvests as jobs on a PostgreSQL queue (procrastinate), taken by `hdcat worker` processes.

With `[service] queue` set, whatever asks for a harvest — the scheduler, `POST /api/v1/harvests`, the
harvests page, `hdcat harvest` — enqueues one job per source instead of harvesting in the server's own
threads (web/harvest_service.py). Workers on this machine or others take the jobs; the graph must be on a
store every process reaches (a SPARQL server), or a worker's harvest would land where nobody reads it.

What the queue guarantees is procrastinate's: a job is taken by one worker (a row lock in PostgreSQL), one
source's jobs never run at once (`lock`), a source is never waiting twice (`queueing_lock`), and a finished
job is not run again. A worker killed mid-job stops sending heartbeats; the other workers put its job back
(`_retry_stalled`) and the one that takes it first checks the store: a run already recorded there (the
worker died after its commit) is not harvested a second time. A worker asked to stop (SIGTERM) lets its
harvests run for `shutdown_grace` seconds, then interrupts them at their next page, before anything is
written: the run is recorded as interrupted and the job goes back on the queue (procrastinate's retry), so
another worker, or this one started again, harvests the source anew under a new run id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from hdcat.catalog import ConfigError, HarvestRun, HdcatError, Interrupted, NotFound, Outcome, SourceConfig
from hdcat.web.harvest_service import job_dict

log = logging.getLogger("hdcat.harvests")

#: the task's name in procrastinate's tables, and the queue its jobs wait in
TASK_NAME = "hdcat.harvest"
QUEUE_NAME = "hdcat-harvests"
#: the harvest jobs waiting or running, in one snapshot, with the columns procrastinate's own `list_jobs`
#: query reads (so its `Job.from_row` builds them)
ACTIVE_JOBS = """
SELECT id, queue_name, task_name, priority, lock, queueing_lock, args, status, scheduled_at, attempts,
       abort_requested, worker_id
  FROM procrastinate_jobs
 WHERE task_name = %(task_name)s AND status IN ('doing', 'todo')
   AND (%(lock)s::varchar IS NULL OR lock = %(lock)s)
 ORDER BY status = 'todo', id
"""
#: pg_advisory_lock key held while procrastinate's tables are created, so two starting processes never race
_SCHEMA_LOCK = 0x68646361  # "hdca"
_ACTIVE = ("todo", "doing")


class QueueUnavailable(HdcatError):
    status = 503
    code = "queue_unavailable"


def masked(url: str) -> str:
    """The queue URL as it may be printed: a password in it is replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def store_is_shared(store_url: str) -> bool:
    """True for a store other processes reach too (it can tell that another process wrote to it)."""
    from hdcat.catalog import store_registry as stores

    scheme = store_url.partition(":")[0].partition("+")[0]
    try:
        return hasattr(stores.get(scheme), "changed_elsewhere")
    except HdcatError:
        return False


def require_shared_store(settings) -> None:
    if not store_is_shared(settings.store_url):
        raise ConfigError(
            f"harvest jobs on a queue need the graph on a store every process reaches, and "
            f"{settings.store_url!r} is embedded in one process. Put the graph on a SPARQL server "
            "(HDCAT_STORE=sparql+http://HOST:3030/hdcat; `hdcat migrate` copies a catalogue there), "
            "or leave [service] queue / HDCAT_QUEUE_URL unset to harvest inside `hdcat serve`"
        )


def prepare_queue(url: str) -> None:
    """Reach the queue's database once (a clear error if it cannot be reached) and create procrastinate's
    tables there if missing; an advisory lock keeps two starting processes from both creating them."""
    import psycopg
    from procrastinate.schema import SchemaManager

    try:
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            try:
                row = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
                if not row[0]:
                    log.info("creating procrastinate's tables in %s", masked(url))
                    conn.execute(SchemaManager.get_schema())
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())[:300]
        raise QueueUnavailable(
            f"the harvest queue at {masked(url)} cannot be used ({reason}); start PostgreSQL there or "
            "correct [service] queue / HDCAT_QUEUE_URL"
        ) from None


#: seconds a request for a queue connection waits before giving up (a database gone away is said, not
#: waited on); tests that take the database away shorten it
POOL_TIMEOUT = 10.0


def _app(url: str, max_size: int = 4):
    import procrastinate

    return procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=url, min_size=1, max_size=max_size, timeout=POOL_TIMEOUT
        )
    )


@contextlib.contextmanager
def _queue_errors(url: str):
    """The queue's database failing mid-request is a 503 naming it, not a 500 with a traceback."""
    from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
    from psycopg_pool import PoolTimeout

    try:
        yield
    except AlreadyEnqueued:
        raise
    except (ConnectorException, PoolTimeout) as exc:
        cause = exc.__cause__ or exc
        reason = " ".join(str(cause).split())[:300] or type(cause).__name__
        raise QueueUnavailable(
            f"the harvest queue at {masked(url)} does not answer ({reason}); harvests cannot be queued or "
            "listed until it is back"
        ) from None


def _source_kwargs(source: SourceConfig) -> dict:
    return {**asdict(source), "allowed_origins": list(source.allowed_origins)}


def _source_from(kwargs: dict) -> SourceConfig:
    return SourceConfig(**{**kwargs, "allowed_origins": tuple(kwargs.get("allowed_origins") or ())})


@dataclass
class QueuedJob:
    """A harvest waiting in, or taken from, the queue: what the API and the harvests page show of it."""

    source: SourceConfig
    run: HarvestRun
    requested_by: str
    state: str
    queued_at: datetime

    @property
    def id(self) -> str:
        return self.run.id

    @classmethod
    def from_job(cls, job) -> QueuedJob:
        kw = job.task_kwargs
        source = _source_from(kw["source"])
        from hdcat.harvesters.runner import new_run

        run = new_run(source)
        run.id = kw["run_id"]
        return cls(
            source=source,
            run=run,
            requested_by=kw.get("requested_by") or "",
            state={"todo": "queued", "doing": "running"}.get(job.status, "done"),
            queued_at=datetime.fromisoformat(kw["queued"]) if kw.get("queued") else run.started,
        )

    def as_dict(self) -> dict:
        """Nothing has run in this process: the run is as queued (no pages, no counts)."""
        return job_dict(self.run, self.state, self.requested_by, self.queued_at, self.state, started=False)


class QueuedHarvests:
    """The server's (and `hdcat harvest`'s) side of the queue: it enqueues and it lists, never harvests.

    It answers as web.harvest_service.HarvestService does (submit, job, active, is_active, wait, resume,
    shutdown), so the scheduler, the API and the pages use either without knowing which."""

    def __init__(self, settings):
        require_shared_store(settings)
        self.url = settings.service.queue
        prepare_queue(self.url)
        self.app = _app(self.url)
        self.app.open()
        self._lock = threading.Lock()

    # ---- asking for work ---------------------------------------------------------------------
    def submit(self, sources: list[SourceConfig], requested_by: str, incremental: bool = True) -> list:
        """One job per source; a source already waiting or being harvested is not queued again (its job is
        returned instead), as in the server's own queue."""
        from hdcat.harvesters.runner import new_run
        from procrastinate.exceptions import AlreadyEnqueued

        jobs = []
        with self._lock, _queue_errors(self.url):
            for source in sources:
                existing = self._active_of(source.name)
                if existing:
                    jobs.append(existing[0])
                    continue
                run = new_run(source)
                kwargs = {
                    "run_id": run.id,
                    "source": _source_kwargs(source),
                    "requested_by": requested_by,
                    "incremental": incremental,
                    "queued": run.started.isoformat(),
                }
                try:
                    self.app.configure_task(
                        name=TASK_NAME, queue=QUEUE_NAME, lock=source.name, queueing_lock=source.name
                    ).defer(**kwargs)
                except AlreadyEnqueued:  # another process queued it a moment ago
                    jobs.extend(self._active_of(source.name)[:1])
                    continue
                log.info("harvest queued", extra={"source": source.name, "run": run.id})
                jobs.append(QueuedJob(source, run, requested_by, "queued", run.started))
        return jobs

    def _active_of(self, source: str | None = None) -> list[QueuedJob]:
        """Running jobs first, then waiting ones, each in the order asked for, read in one statement: two
        reads (one per state) miss a job that a worker takes between them, and `hdcat harvest` would stop
        following a run that is not over."""
        from procrastinate.jobs import Job

        with _queue_errors(self.url):
            rows = self.app.connector.get_sync_connector().execute_query_all(
                query=ACTIVE_JOBS, task_name=TASK_NAME, lock=source
            )
        return [QueuedJob.from_job(Job.from_row(row)) for row in rows]

    def active(self) -> list[QueuedJob]:
        return self._active_of()

    def job(self, run_id: str) -> QueuedJob | None:
        return next((j for j in self.active() if j.id == run_id), None)

    def is_active(self, source: str) -> bool:
        return bool(self._active_of(source))

    def wait(self, run_ids: list[str], timeout: float | None = None) -> bool:
        """True once none of these runs waits or runs any more (workers finished them)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        wanted = set(run_ids)
        while wanted & {j.id for j in self.active()}:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.5)
        return True

    # ---- the server's start and stop ---------------------------------------------------------
    def resume(self, requested_by: str = "resume") -> list:
        return []  # the queue outlives the server: nothing of it was held here

    def shutdown(self, grace: float = 0, interrupt_wait: float = 0) -> list:
        """Running harvests belong to the workers, which go on; only the connections close."""
        self.app.close()
        return []


# ---- the worker ------------------------------------------------------------------------------------
class _StoppedBeforeWork(Exception):
    """SIGTERM or SIGINT while the worker was still opening its connections."""


class _StopSignals:
    """SIGTERM and SIGINT outside procrastinate's own handling, which covers only its worker loop. Asked to
    stop while it starts, the worker ends at once and cleanly; asked while it closes after its loop, it is
    already stopping, and the signal is logged, not left to kill the process halfway through closing."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self):
        self.working = False
        self._previous: dict = {}

    def __enter__(self) -> _StopSignals:
        if threading.current_thread() is threading.main_thread():  # only it may set handlers
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _on_signal(self, signum, frame) -> None:
        if not self.working:
            raise _StoppedBeforeWork()
        log.info("stop asked again while the worker closes: it is already stopping")


class HarvestWorker:
    """One `hdcat worker` process: `concurrency` harvests at a time, each in a thread of its own, into the
    shared store, each followed by what follows a harvest in the server (web/operations.py)."""

    def __init__(self, settings, concurrency: int = 2, heartbeat: float = 10.0, stalled_after: float = 30.0):
        if not settings.service.queue:
            raise ConfigError(
                "`hdcat worker` takes harvest jobs from a queue, and none is configured: set [service] "
                "queue = 'postgresql://USER@HOST:5432/DATABASE' in hdcat.toml or HDCAT_QUEUE_URL"
            )
        require_shared_store(settings)
        prepare_queue(settings.service.queue)
        self.settings = settings
        self.concurrency = concurrency
        self.heartbeat = heartbeat
        self.stalled_after = stalled_after
        self.name = f"hdcat-worker-{socket.gethostname()}-{os.getpid()}"
        self._after_lock = threading.Lock()
        #: ids of the jobs this process runs: never "stalled" to it, even once a stop has ended its heartbeats
        self.running: set[int] = set()
        self.catalog = None
        self.search = None
        self.fetcher = None
        self._signals: _StopSignals | None = None

    def run(self, until_empty: bool = False) -> None:
        """Take jobs until SIGTERM/SIGINT (running harvests finish first), or with `until_empty` until the
        queue has none left."""
        with _StopSignals() as signals:
            try:
                self._run(until_empty, signals)
            except _StoppedBeforeWork:
                log.info("worker stopped before it took any job", extra={"worker": self.name})

    def _run(self, until_empty: bool, signals: _StopSignals) -> None:
        import procrastinate
        from hdcat.catalog import Catalog
        from hdcat.harvesters.fetch import Fetcher

        self._signals = signals
        self.catalog = Catalog(self.settings)
        self.fetcher = Fetcher()
        self.search = self._open_search()
        if self.search is not None:
            _warm_up()
        app = _app(self.settings.service.queue, max_size=self.concurrency + 3)
        # a job that raised (the queue's or the store's connection lost before the harvest could record
        # anything) is tried again; a harvest that failed is recorded as failed and does not raise
        retry = procrastinate.RetryStrategy(max_attempts=3, wait=10)
        app.task(name=TASK_NAME, queue=QUEUE_NAME, pass_context=True, retry=retry)(_harvest_task)
        try:
            asyncio.run(self._work(app, until_empty))
        finally:
            self.fetcher.close()
            if self.search is not None:
                self.search.close()
            self.catalog.close()

    def _open_search(self):
        """The search engine the server uses, when it is one every process reaches (Elasticsearch or
        OpenSearch); an embedded index is the server's own, which it rebuilds when workers have written."""
        from hdcat.search.backends import SearchUnavailable
        from hdcat.search.service import Search

        if not self.settings.search_url:
            log.info("no shared search engine (HDCAT_SEARCH_URL): the server brings its own index up to date")
            return None
        try:
            return Search(self.catalog)
        except SearchUnavailable as exc:
            log.warning("search unavailable (%s): the index is rebuilt at the next sync", exc.message)
            return None

    async def _work(self, app, until_empty: bool) -> None:
        async with app.open_async():
            reaper = asyncio.create_task(self._retry_stalled(app))
            log.info(
                "worker started",
                extra={
                    "worker": self.name,
                    "concurrency": self.concurrency,
                    "store": masked(self.settings.store_url),
                },
            )
            self._signals.working = True  # from here procrastinate's handlers stop it gracefully
            try:
                await app.run_worker_async(
                    queues=[QUEUE_NAME],
                    name=self.name,
                    concurrency=self.concurrency,
                    wait=not until_empty,
                    additional_context={"hdcat": self},
                    update_heartbeat_interval=self.heartbeat,
                    stalled_worker_timeout=self.stalled_after,
                    shutdown_graceful_timeout=self.settings.service.shutdown_grace,
                )
            finally:
                reaper.cancel()
            log.info("worker stopped", extra={"worker": self.name})

    async def _retry_stalled(self, app) -> None:
        """Jobs of workers whose heartbeat stopped (killed, or their machine lost) go back to the queue."""
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                stalled = await app.job_manager.get_stalled_jobs(
                    task_name=TASK_NAME, seconds_since_heartbeat=self.stalled_after
                )
            except Exception:  # the database away for a moment: the next round looks again
                log.warning("could not look for stalled harvest jobs", exc_info=True)
                continue
            for job in stalled:
                if job.id in self.running:  # ours, still running (a stop cancels heartbeats first)
                    continue
                try:
                    await app.job_manager.retry_job(job)
                except Exception:  # another worker put it back first
                    log.debug("stalled job %s not retried here", job.id, exc_info=True)
                    continue
                log.warning(
                    "harvest job put back: its worker stopped answering",
                    extra={"source": job.lock, "run": job.task_kwargs.get("run_id"), "job": job.id},
                )

    def harvest(
        self,
        run_id: str,
        source: SourceConfig,
        requested_by: str,
        incremental: bool,
        should_abort: Callable[[], bool] = lambda: False,
    ) -> dict:
        """One job: harvest and commit `source` as run `run_id`, unless the store already holds that run.

        The job holds a PostgreSQL advisory lock on its source throughout. A job is put back when its
        worker's heartbeat stops; a worker that was only slow to beat is still harvesting. The one that
        takes the job waits until that harvest ends, then finds its run in the store and does nothing.
        `should_abort` turns true when this worker stops past its grace: the harvest is interrupted at its
        next page and the job raised back to procrastinate, which puts it on the queue again."""
        with self._advisory_lock(f"hdcat-harvest:{source.name}", "another worker is harvesting this source"):
            return self._harvest(run_id, source, requested_by, incremental, should_abort)

    @contextlib.contextmanager
    def _advisory_lock(self, key: str, waiting: str):
        """A PostgreSQL advisory lock held by this process's connection for the block; a killed worker's
        connection closes, and PostgreSQL frees its lock at once."""
        import psycopg

        with psycopg.connect(self.settings.service.queue, autocommit=True, connect_timeout=10) as conn:
            if not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]:
                log.info(f"{waiting}: waiting", extra={"lock": key})
                conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))

    def _harvest(self, run_id: str, source: SourceConfig, requested_by: str, incremental: bool, should_abort):
        from hdcat.harvesters.runner import harvest_source, new_run
        from procrastinate.exceptions import JobAborted

        self.catalog.follow_other_writers()
        try:
            done = self.catalog.runs.get(run_id)
        except NotFound:
            done = None
        run = new_run(source)
        if done is not None and done["status"] != Outcome.INTERRUPTED.value:
            log.info("harvest already recorded: not run again", extra={"source": source.name, "run": run_id})
            return {"run": run_id, "status": done["status"], "again": False}
        if done is None:
            run.id = run_id  # else a stopped worker's run, interrupted and recorded: this one resumes it
        log.info(
            "harvest started",
            extra={"source": source.name, "run": run.id, "worker": self.name, "resumes": done and run_id},
        )

        def stop_if_asked(*_) -> None:
            if should_abort():
                raise Interrupted(
                    f"the worker {self.name} stopped during this harvest; the source keeps its last good "
                    "data and the job went back on the queue"
                )

        run = harvest_source(
            self.catalog,
            source,
            self.fetcher,
            incremental=incremental,
            run=run,
            on_page=stop_if_asked,
            before_commit=stop_if_asked,
        )
        log.info(
            "harvest finished",
            extra={
                "source": source.name,
                "run": run_id,
                "worker": self.name,
                "status": run.outcome.value if run.outcome else None,
                "seconds": round(run.seconds, 3),
            },
        )
        self._after(run, requested_by)
        if run.outcome is Outcome.INTERRUPTED and should_abort():
            raise JobAborted(f"harvest of {source.name} interrupted: the worker stopped")  # retried
        return {"run": run.id, "status": run.outcome.value if run.outcome else None}

    def _after(self, run: HarvestRun, requested_by: str) -> None:
        """The audit entry, conformance and search, as after a harvest inside the server; one at a time in
        this process (the index is rebuilt by one writer)."""
        from hdcat.catalog import Accounts
        from hdcat.web import operations

        with self._after_lock:
            try:
                accounts = Accounts.for_settings(self.settings)
                try:
                    operations.after_harvest(self.catalog, accounts, [run], actor=requested_by)
                finally:
                    accounts.close()
            except Exception:  # the graph holds the harvest; a late audit entry is reconciled at start
                log.exception("after the harvest of %s", run.source)
            if self.search is not None and (
                operations.changed([run]) or run.outcome is not Outcome.FAILED and self.search.stale
            ):
                try:
                    # one index writer across all workers: a rebuild reads the graph and swaps the alias,
                    # so an update another worker wrote to the old index meanwhile would be lost (a shared
                    # index missed 6 of 128 datasets in CI); after the lock, this worker sees their commits
                    with self._advisory_lock("hdcat-search-index", "another worker is updating the index"):
                        self.catalog.follow_other_writers()
                        operations.sync_search(self.search, [run])
                except Exception:  # marked stale inside; the next sync repairs it
                    log.exception("search index not updated after the harvest of %s", run.source)


def _warm_up() -> None:
    """Load the Korean analyser's model before taking jobs. It takes seconds and holds the GIL meanwhile;
    during a job that would hold up this worker's heartbeats, and the others would take it for gone."""
    from hdcat.search.analysis import analyze

    analyze("병원 데이터")


def _harvest_task(context, run_id: str, source: dict, requested_by: str, incremental: bool = True, **_):
    """procrastinate's task: runs in a worker thread, hands the job to this process's HarvestWorker."""
    worker: HarvestWorker = context.additional_context["hdcat"]
    worker.running.add(context.job.id)
    try:
        return worker.harvest(run_id, _source_from(source), requested_by, incremental, context.should_abort)
    finally:
        worker.running.discard(context.job.id)


def enqueue_and_wait(settings, sources: list[SourceConfig], requested_by: str, incremental: bool, console):
    """`hdcat harvest` with a queue and no server running: enqueue, then follow the runs until workers have
    recorded them in the store. Returns the runs as the API shows them."""
    from hdcat.catalog import Catalog

    harvests = QueuedHarvests(settings)
    try:
        jobs = harvests.submit(sources, requested_by, incremental=incremental)
        ids = [j.id for j in jobs]
        console.print(
            f"queued {len(ids)} harvest jobs on {masked(settings.service.queue)}; `hdcat worker` processes "
            "run them (Ctrl+C stops waiting; the jobs stay queued)"
        )
        harvests.wait(ids)
    finally:
        harvests.shutdown()
    catalog = Catalog(settings)
    try:
        found = []
        for run_id in ids:
            try:
                run = catalog.runs.get(run_id)
            except NotFound:
                run = {"id": run_id, "status": "unknown", "error": "the job ended without a recorded run"}
            found.append(_resumed(catalog, run))
        return found
    finally:
        catalog.close()


def _resumed(catalog, run: dict) -> dict:
    """A run a stopping worker interrupted was harvested again by its job under a new id (the job went back
    on the queue): what the person who asked wants to see is that later run."""
    if run.get("status") != Outcome.INTERRUPTED.value:
        return run
    later = [r for r in catalog.runs.list(source=run["source"], limit=20) if r["started"] > run["started"]]
    return later[-1] if later else run  # newest first: the earliest run after the interrupted one
