"""Harvest each source by its `schedule` while the server runs (APScheduler's cron triggers).

The scheduler only queues: the harvest queue runs one harvest at a time per source, so a tick
that comes while the source is still being harvested is a no-op. A source whose last harvest is
older than its last due time (the server was down when it fell due, or it was never harvested)
is queued once at start.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from hdcat.catalog import cron_fields, cron_trigger_args

log = logging.getLogger("hdcat.scheduler")


def trigger_for(schedule: str, tz) -> CronTrigger | None:
    parts = cron_fields(schedule)
    return None if parts is None else CronTrigger(**cron_trigger_args(parts), timezone=tz)


class Scheduler:
    def __init__(self, catalog, harvests):
        self.catalog = catalog
        self.harvests = harvests
        settings = catalog.settings
        self.tz = settings.service.timezone or None
        self._scheduler = BackgroundScheduler(timezone=self.tz) if self.tz else BackgroundScheduler()
        self.tz = self._scheduler.timezone
        self.jobs: dict[str, CronTrigger] = {}
        for source in settings.sources:
            trigger = trigger_for(source.schedule, self.tz)
            if trigger is None:
                continue
            self.jobs[source.name] = trigger
            self._scheduler.add_job(
                self._due,
                trigger,
                args=[source.name],
                id=source.name,
                name=source.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )

    def _due(self, name: str) -> None:
        source = self.catalog.settings.source(name)
        if source is None:
            return
        try:
            self.harvests.submit([source], requested_by="scheduler")
            log.info("scheduled harvest queued", extra={"source": name})
        except Exception:  # the scheduler must outlive one failed hand-off
            log.exception("could not queue the scheduled harvest of %s", name)

    def overdue(self, now: datetime | None = None) -> list[str]:
        """Sources whose schedule fell due since their last harvest (or that were never harvested)."""
        now = now or datetime.now(UTC)
        last = self.catalog.runs.latest(self.jobs)
        due = []
        for name, trigger in self.jobs.items():
            run = last.get(name)
            if run is None:
                due.append(name)
                continue
            since = datetime.fromisoformat(run["started"]).astimezone(self.tz)
            upcoming = trigger.get_next_fire_time(None, since)
            if upcoming is not None and upcoming <= now:
                due.append(name)
        return due

    def start(self, catch_up: bool = True) -> None:
        self._scheduler.start()
        if catch_up:
            for name in self.overdue():
                self._due(name)
        log.info("scheduler started: %d sources on a schedule", len(self.jobs))

    def next_runs(self) -> dict[str, str | None]:
        return {
            job.id: job.next_run_time.isoformat() if job.next_run_time else None
            for job in self._scheduler.get_jobs()
        }

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
