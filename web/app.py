"""Flask app factory: settings in, one Catalog per app, one blueprint per resource."""

from __future__ import annotations

from flask import Flask
from hdcat.catalog import Catalog, Settings


def create_app(
    settings: Settings | None = None, catalog: Catalog | None = None, search=None, accounts=None
) -> Flask:
    """The site, the API and linked data over one catalogue. Harvests asked of this app (API, site,
    scheduler, `hdcat harvest` beside a running server) run on its own queue (web.harvest_service)."""
    app = Flask(__name__)
    settings = settings or (catalog.settings if catalog else Settings())
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    from hdcat.web.limits import BoundedJSONProvider

    app.json = BoundedJSONProvider(app)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["hdcat"] = catalog or Catalog(settings)
    if search is not None:
        app.extensions["hdcat.search"] = search
    if accounts is not None:
        app.extensions["hdcat.accounts"] = accounts

    from hdcat.web import (
        access_requests,
        access_requests_api,
        account,
        api,
        audit,
        auth,
        compare,
        definitions_api,
        definitions_pages,
        errors,
        feeds,
        filters,
        i18n,
        limits,
        lineage_api,
        lineage_page,
        linked_data,
        logs,
        marquez_api,
        metrics,
        openapi,
        ops,
        pages,
        search_views,
        sparql,
    )

    logs.init_app(app)
    metrics.init_app(app)
    _follow_other_writers(app)
    _harvest_service(app)
    errors.init_app(app)
    auth.init_app(app, settings)
    filters.init_app(app)
    i18n.init_app(app)
    feeds.init_app(app)
    for blueprint in (
        pages.bp,
        api.bp,
        linked_data.bp,
        search_views.bp,
        openapi.bp,
        lineage_api.bp,
        marquez_api.bp,
        lineage_page.bp,
        sparql.bp,
        account.bp,
        access_requests.bp,
        access_requests_api.bp,
        audit.bp,
        audit.api_bp,
        definitions_api.bp,
        definitions_pages.bp,
        ops.bp,
        feeds.bp,
        compare.bp,
    ):
        app.register_blueprint(blueprint)
    for machine_facing in (api.bp, lineage_api.bp, sparql.bp, definitions_api.bp, access_requests_api.bp):
        auth.csrf.exempt(machine_facing)  # bearer tokens, not cookies, authorise their writes
    limits.init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        )
        return response

    return app


def _harvest_service(app: Flask):
    """The app's harvest queue: its own threads, or with `[service] queue` jobs for `hdcat worker`s; what
    follows each run (audit, metrics, search) is web.operations'."""
    from pathlib import Path

    from hdcat.web import operations
    from hdcat.web.harvest_service import HarvestService

    cat = app.extensions["hdcat"]
    if cat.settings.service.queue:
        # harvests are jobs on a PostgreSQL queue; `hdcat worker` processes run them and what follows them
        from hdcat.web.harvest_queue import QueuedHarvests

        app.extensions["hdcat.harvests"] = QueuedHarvests(cat.settings)
        return

    def after(job):
        run = job.run
        app.extensions["hdcat.metrics"].harvest_finished(run)
        with app.app_context():
            from hdcat.web.auth import accounts

            operations.after_harvest(cat, accounts(), [run], actor=job.requested_by)
        search = app.extensions.get("hdcat.search")
        if search is not None and operations.changed([run]):
            try:
                operations.sync_search(search, [run])
            except Exception:  # the graph holds the harvest; the stale index is rebuilt at the next sync
                app.logger.exception("search index not updated after the harvest of %s", run.source)

    state = (
        Path(cat.settings.data_dir) / "harvest-queue.json"
        if not cat.settings.store_url.startswith("memory:")
        else None
    )
    app.extensions["hdcat.harvests"] = HarvestService(
        cat, workers=cat.settings.service.harvest_workers, state_path=state, after=after
    )


def _follow_other_writers(app: Flask) -> None:
    """With the graph on a SPARQL server, other `hdcat serve` processes and workers harvest into it too: each
    request first asks the store (one small query) whether anyone wrote since, and if so the answers this
    process keeps (records, listings, lineage) are dropped. The embedded stores have one writer: no query."""

    catch_up = _SearchCatchUp(app)
    audit_catch_up = _AuditCatchUp(app)

    @app.before_request
    def _follow():
        if app.extensions["hdcat"].follow_other_writers():
            catch_up.another_process_wrote()
            audit_catch_up.another_process_wrote()
        audit_catch_up.look_again_if_due()


class _AuditCatchUp:
    """With harvest workers ([service] queue), a worker writes its runs' audit entries into its own state:
    a state file on another machine is not this server's, and the server's trail would miss those
    harvests. When another process wrote to the graph, the runs in the store without an entry here get one
    (marked recorded late, harvested by another process), in the background, at most every LOOK_EVERY
    seconds, and only once a run has ended SETTLED seconds ago. With one shared state ([service] state)
    the worker's own entry is on this trail already, and only a worker killed before writing it leaves a
    run to record: the wait is SETTLED_SHARED, so the worker's entry (naming who asked) comes first.
    Either way a run is recorded once: Accounts.audit_run looks and appends in one transaction."""

    LOOK_EVERY = 5.0
    SETTLED = 3.0
    SETTLED_SHARED = 60.0

    def __init__(self, app: Flask):
        import threading

        self.app = app
        self._lock = threading.Lock()
        self._pending = False
        self._running = False
        self._last = 0.0

    def another_process_wrote(self) -> None:
        if self.app.extensions["hdcat"].settings.service.queue:
            with self._lock:
                self._pending = True

    def look_again_if_due(self) -> None:
        import threading
        import time

        with self._lock:
            if not self._pending or self._running or time.monotonic() - self._last < self.LOOK_EVERY:
                return
            self._running, self._pending, self._last = True, False, time.monotonic()
        threading.Thread(target=self._record, name="hdcat-audit-catch-up", daemon=True).start()

    def _record(self) -> None:
        from hdcat.web import operations

        try:
            with self.app.app_context():
                from hdcat.web.auth import accounts

                settings = self.app.extensions["hdcat"].settings
                waiting = operations.reconcile_harvest_audit(
                    self.app.extensions["hdcat"],
                    accounts(),
                    limit=500,
                    settled=self.SETTLED_SHARED if settings.service.state else self.SETTLED,
                    by_another_process=True,
                )
        except Exception:  # the next write or look repairs it; the runs are in the store meanwhile
            self.app.logger.exception("harvest runs of other processes not recorded on the audit trail")
            waiting = 1
        with self._lock:
            self._running = False
            self._pending = self._pending or waiting > 0


class _SearchCatchUp:
    """With harvest workers ([service] queue) and the embedded search index, the workers cannot reach this
    process's index: when another process wrote to the graph, it is rebuilt here, in the background, one
    rebuild at a time (a write during a rebuild is followed by one more). With Elasticsearch or OpenSearch
    the workers update the shared index themselves, and nothing happens here."""

    def __init__(self, app: Flask):
        import threading

        self.app = app
        self._lock = threading.Lock()
        self._pending = False
        self._running = False

    def another_process_wrote(self) -> None:
        import threading

        settings = self.app.extensions["hdcat"].settings
        if (
            not settings.service.queue
            or settings.search_url
            or self.app.extensions.get("hdcat.search") is None
        ):
            return
        with self._lock:
            self._pending = True
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._rebuild, name="hdcat-search-catch-up", daemon=True).start()

    def _rebuild(self) -> None:
        from hdcat.web import operations

        while True:
            with self._lock:
                if not self._pending:
                    self._running = False
                    return
                self._pending = False
            try:
                operations.sync_search(self.app.extensions["hdcat.search"], [], force=True)
            except Exception:  # marked stale inside; the next write or start repairs it
                self.app.logger.exception(
                    "search index not brought up to date after other processes' harvests"
                )
