"""Harvests inside the running server: a queue, a few worker threads, one run at a time per source.

The server owns the embedded store, so everything that writes to it — the scheduler, `POST
/api/v1/harvests`, `hdcat harvest` run beside the server — hands its work to this queue. Readers
are never blocked: a source's graph is swapped in one store transaction when its harvest is done.

What is queued or running is also written to `{data_dir}/harvest-queue.json`, so a server that is
stopped (SIGTERM, Ctrl+C) picks up the sources it had not committed when it starts again.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hdcat.catalog import HarvestRun, HdcatError, Interrupted, Outcome, SourceConfig, my_turn
from hdcat.harvesters.fetch import Fetcher
from hdcat.harvesters.runner import harvest_source, new_run

log = logging.getLogger("hdcat.harvests")

QUEUED, RUNNING, COMMITTING, DONE = "queued", "running", "committing", "done"
#: finished jobs kept in memory so their progress URL answers at once after they end
_KEEP_FINISHED = 200


def one_off_source(
    kind: str, location: str, hospital: str | None, trusted: bool = True, options: dict | None = None
) -> SourceConfig:
    """A source that is not in hdcat.toml (`hdcat harvest dcat:./catalog.ttl`, or the API's
    {"kind", "location", "hospital"}); its name is stable, so harvesting it again replaces its graph."""
    from hdcat.catalog import Invalid, short_hash
    from hdcat.harvesters.registry import harvesters

    if kind not in harvesters.names():
        raise Invalid(
            f"kind {kind!r} is not a harvester kind; use one of {', '.join(harvesters.names())}", field="kind"
        )
    if "://" not in location and not location.startswith("/") and not location.startswith("{"):
        location = str(Path(location).resolve())
    hospital = hospital or "external"
    options = one_off_options(kind, options or {})
    # the hospital is part of the name: another hospital harvesting the same location gets its own graph
    return SourceConfig(
        name=f"{kind}-{short_hash(hospital + ' ' + location, 8)}",
        hospital=hospital,
        kind=kind,
        location=location,
        trusted_location=trusted,
        options=dict(options or {}),
    )


def one_off_options(kind: str, options: dict) -> dict:
    """A one-off source's options, checked as hdcat.toml's are, before anything is queued.

    The harvester would refuse them too, but only once its run started; here an unknown name is an
    answer that lists the names the kind accepts (`hdcat harvest -o`, `POST /api/v1/harvests`).
    """
    from hdcat.catalog import Invalid
    from hdcat.harvesters.registry import harvesters
    from marshmallow import ValidationError

    schema = harvesters.get(kind).options_schema()
    accepted = sorted(f.data_key or name for name, f in schema.load_fields.items())
    for key in options:
        if key not in accepted:
            raise Invalid(
                f"{kind} sources have no option {key!r}; the options are: "
                f"{', '.join(accepted) or 'none (this kind takes no options)'}",
                field="options",
            )
    try:
        schema.load(options)
    except ValidationError as exc:
        key, messages = next(iter(exc.messages.items()))
        said = messages[0] if isinstance(messages, list) else messages
        raise Invalid(f"option {key}={options.get(key)!r}: {said}", field="options") from None
    return dict(options)


class ServiceStopping(HdcatError):
    status = 503
    code = "stopping"


@dataclass
class HarvestJob:
    """One requested run of one source, from the queue to its committed (or interrupted) end."""

    source: SourceConfig
    run: HarvestRun
    requested_by: str
    incremental: bool = True
    state: str = QUEUED
    queued_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def id(self) -> str:
        return self.run.id

    def checkpoint(self, *_):
        """Called between pages: a stopping server interrupts the harvest here, before anything is written."""
        if self.cancel.is_set():
            raise Interrupted(
                "the server stopped during this harvest; the source keeps its last good data "
                "and is harvested again when the server starts"
            )

    def before_commit(self):
        with self.lock:
            self.checkpoint()
            self.state = COMMITTING

    def as_dict(self) -> dict:
        status = self.run.outcome.value if (self.state == DONE and self.run.outcome) else self.state
        return job_dict(self.run, self.state, self.requested_by, self.queued_at, status, self.state != QUEUED)


def job_dict(run, state: str, requested_by: str, queued_at, status: str, started: bool) -> dict:
    """A harvest job as the API and the harvests page show it, with the run's progress so far; the same
    shape whether the job runs in this process or waits on the queue (web/harvest_queue.py)."""
    return {
        "id": run.id,
        "source": run.source,
        "hospital": run.hospital,
        "kind": run.kind,
        "location": run.location,
        "status": status,
        "state": state,
        "requested_by": requested_by,
        "queued": queued_at.isoformat(),
        "started": run.started.isoformat() if started else None,
        "ended": run.ended.isoformat() if run.ended else None,
        "pages": len(run.pages),
        "found": run.found,
        "added": run.added,
        "changed": run.changed,
        "removed": run.removed,
        "skipped": len(run.skipped),
        "warnings": len(run.warnings),
        "error": run.error,
    }


class HarvestService:
    """The server's harvest queue. `after` is called with each finished run (audit, metrics, search)."""

    def __init__(
        self,
        catalog,
        workers: int = 2,
        state_path: Path | None = None,
        after: Callable[[HarvestJob], None] | None = None,
    ):
        self.catalog = catalog
        self.workers = workers
        self.state_path = state_path
        self.after = after
        self._queue: queue.Queue[HarvestJob | None] = queue.Queue()
        self._jobs: dict[str, HarvestJob] = {}
        self._active: dict[str, HarvestJob] = {}  # source name → its queued or running job
        self._lock = threading.RLock()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._fetcher: Fetcher | None = None

    # ---- asking for work ---------------------------------------------------------------------
    def submit(
        self, sources: list[SourceConfig], requested_by: str, incremental: bool = True
    ) -> list[HarvestJob]:
        """Queue one run per source; a source already queued or running is not queued twice (its job is
        returned instead), so a scheduler tick and a user's click never harvest the same source at once."""
        if self._stopping.is_set():
            raise ServiceStopping("the server is stopping; start the harvest again once it is back")
        jobs = []
        with self._lock:
            self._start_workers()
            for source in sources:
                existing = self._active.get(source.name)
                if existing is not None:
                    jobs.append(existing)
                    continue
                job = HarvestJob(
                    source=source, run=new_run(source), requested_by=requested_by, incremental=incremental
                )
                self._jobs[job.id] = job
                self._active[source.name] = job
                jobs.append(job)
                self._queue.put(job)
            self._save_pending()
        return jobs

    def job(self, run_id: str) -> HarvestJob | None:
        with self._lock:
            return self._jobs.get(run_id)

    def active(self) -> list[HarvestJob]:
        """Running first, then queued, each in the order they were asked for."""
        with self._lock:
            jobs = list(self._active.values())
        return sorted(jobs, key=lambda j: (j.state == QUEUED, j.queued_at))

    def is_active(self, source: str) -> bool:
        with self._lock:
            return source in self._active

    def wait(self, run_ids: list[str], timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for run_id in run_ids:
            job = self.job(run_id)
            if job is None:
                continue
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not job.done.wait(left):
                return False
        return True

    # ---- doing it ----------------------------------------------------------------------------
    def _start_workers(self) -> None:
        if self._threads:
            return
        self._fetcher = Fetcher()
        for i in range(self.workers):
            # daemon threads: a harvest stuck in a slow download never keeps a stopping server alive
            t = threading.Thread(target=self._work, name=f"harvest-{i + 1}", daemon=True)
            t.start()
            self._threads.append(t)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.cancel.is_set() or self._stopping.is_set():
                continue  # left in the pending file: harvested when the server starts again
            try:
                self._run(job)
            except Exception:  # a worker outlives any one harvest: the queue must never stall
                log.exception("harvest worker: the run of %s ended with an error", job.source.name)
                with self._lock:
                    if not self._stopping.is_set():
                        self._active.pop(job.source.name, None)
                job.done.set()

    def _run(self, job: HarvestJob) -> None:
        with job.lock:
            job.state = RUNNING
            job.run.started = datetime.now(UTC)
        log.info("harvest started", extra={"source": job.source.name, "run": job.id})
        try:
            with my_turn():  # the harvests' Python runs one at a time; downloads overlap (catalog/turns.py)
                harvest_source(
                    self.catalog,
                    job.source,
                    self._fetcher,
                    on_page=job.checkpoint,
                    incremental=job.incremental,
                    run=job.run,
                    before_commit=job.before_commit,
                )
        except Exception:  # harvest_source records its own failures; this is a bug in recording them
            log.exception("harvest of %s could not be recorded", job.source.name)
            if job.run.outcome is None:
                job.run.finish(Outcome.FAILED, "the run could not be recorded; see the server log")
        if job.done.is_set():
            return  # abandoned at shutdown and recorded as interrupted then: nothing more to say
        interrupted = job.run.outcome is Outcome.INTERRUPTED or self._stopping.is_set()
        with self._lock:
            job.state = DONE
            if not interrupted:
                self._active.pop(job.source.name, None)
                try:
                    self._save_pending()
                except OSError:
                    log.exception("could not update %s", self.state_path)
            self._forget_old()
        log.info(
            "harvest finished",
            extra={
                "source": job.source.name,
                "run": job.id,
                "status": job.run.outcome.value if job.run.outcome else None,
                "seconds": round(job.run.seconds, 3),
            },
        )
        try:
            if self.after:
                self.after(job)
        except Exception:  # audit, metrics or search failing must not take the worker down
            log.exception("after the harvest of %s", job.source.name)
        finally:
            job.done.set()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state == DONE]
        for j in finished[: max(0, len(finished) - _KEEP_FINISHED)]:
            self._jobs.pop(j.id, None)

    # ---- stopping and starting again ---------------------------------------------------------
    def shutdown(self, grace: float = 20.0, interrupt_wait: float = 10.0) -> list[HarvestJob]:
        """Stop taking work, let running harvests finish for `grace` seconds, then interrupt them.

        Returns the jobs that did not finish. Queued and interrupted sources stay in the pending file;
        an interrupted run is recorded as such and never half-committed."""
        self._stopping.set()
        with self._lock:
            running = [j for j in self._active.values() if j.state != QUEUED]
            for j in self._active.values():
                if j.state == QUEUED:
                    j.cancel.set()
        deadline = time.monotonic() + grace
        for j in running:
            j.done.wait(max(0.0, deadline - time.monotonic()))
        unfinished = [j for j in running if not j.done.is_set()]
        for j in unfinished:
            with j.lock:
                j.cancel.set()  # the harvest stops at its next page, or before its commit
        deadline = time.monotonic() + interrupt_wait
        for j in unfinished:
            if not j.done.wait(max(0.0, deadline - time.monotonic())):
                self._record_interrupted(j)
        for _ in self._threads:
            self._queue.put(None)
        if self._fetcher is not None:
            self._fetcher.close()
        return unfinished

    def _record_interrupted(self, job: HarvestJob) -> None:
        """A harvest stuck inside one download or parse: recorded as interrupted from here, unless it is
        already committing (then its commit, one store transaction, is waited for instead)."""
        with job.lock:
            if job.state == COMMITTING:
                job.done.wait(60)
                return
            job.state = DONE
        job.run.finish(
            Outcome.INTERRUPTED,
            "the server stopped during this harvest; the source keeps its last "
            "good data and is harvested again when the server starts",
        )
        self.catalog.runs.record(job.run)
        if self.after:
            self.after(job)
        job.done.set()

    def resume(self, requested_by: str = "resume") -> list[HarvestJob]:
        """Queue again what a stopped server had not committed."""
        pending = self._load_pending()
        if not pending:
            return []
        log.info("resuming %d harvests left by the last run of the server", len(pending))
        jobs = []
        for p in pending:
            incremental = p.pop("incremental", True)
            p["allowed_origins"] = tuple(p.get("allowed_origins") or ())
            source = self.catalog.settings.source(p["name"]) or SourceConfig(**p)
            jobs += self.submit([source], requested_by, incremental=incremental)
        return jobs

    def _save_pending(self) -> None:
        if self.state_path is None:
            return
        pending = [{**asdict(j.source), "incremental": j.incremental} for j in self._active.values()]
        tmp = self.state_path.with_suffix(".tmp")
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # one-off locations may hold secrets
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(pending, fh)
        os.replace(tmp, self.state_path)

    def _load_pending(self) -> list[dict]:
        if self.state_path is None or not self.state_path.exists():
            return []
        try:
            items = json.loads(self.state_path.read_text("utf-8"))
            return [
                i for i in items if isinstance(i, dict) and {"name", "hospital", "kind", "location"} <= set(i)
            ]
        except (OSError, ValueError):
            log.warning("%s is unreadable; no harvests to resume", self.state_path)
            return []
