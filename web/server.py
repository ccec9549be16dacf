"""Run the app as a service: waitress threads, the scheduler, clean stops, and a door for local commands.

While it serves, the process writes `{data_dir}/server.json` (mode 0600: only the server's OS user
can read it) with its address and a fresh secret. `hdcat harvest` run beside it reads the file and
hands its work to the server through the API with that secret, instead of fighting over the store.
The file is removed when the server stops; a file left by a killed server is recognised by its
dead pid and ignored.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("hdcat.server")
SERVER_FILE = "server.json"


@dataclass(frozen=True)
class RunningServer:
    url: str
    pid: int
    secret: str


def server_file(data_dir) -> Path:
    return Path(data_dir) / SERVER_FILE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, though we may not be able to read its file anyway
    return True


def running_server(data_dir) -> RunningServer | None:
    """The server that holds this data folder's store, if one is running and we may talk to it."""
    path = server_file(data_dir)
    try:
        info = json.loads(path.read_text("utf-8"))
        server = RunningServer(url=info["url"], pid=int(info["pid"]), secret=info["secret"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if server.pid == os.getpid() or not _alive(server.pid):
        return None  # a file left by a killed server (its pid may since be ours, or another process's)
    import httpx  # here: most commands find no server file and never ask

    try:  # a live pid is not proof: the server must answer at its address
        if httpx.get(server.url + "/healthz", timeout=3).status_code != 200:
            return None
    except httpx.HTTPError:
        return None
    return server


def _write_server_file(data_dir, url: str, secret: str) -> Path:
    path = server_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"url": url, "pid": os.getpid(), "secret": secret}, fh)
    os.replace(tmp, path)
    return path


class _Stop(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM/SIGINT to leave waitress's loop. A KeyboardInterrupt, because
    waitress's event loop swallows any other exception raised inside a channel's handler."""


def _warm(catalog) -> None:
    """The read model loaded before readers ask, and conformance computed once on a store that never had it
    (commits and definition changes keep it current after that; reads never compute it). The home page's
    figures and both listings' maps come from their snapshots on disk at scale (catalog.graph_rows):
    seconds at 1,000,000 datasets, which the first visitor after a restart waited for otherwise."""
    try:
        catalog.conformance.ensure_computed()
        catalog.datasets.page(1, 200, members=True)
        catalog.datasets.page(1, 20, members=False)
        catalog.datasets.stats(members=False)
    except Exception:  # warming is an optimisation: a failure here is the first request's to report
        log.exception("warm-up failed")


def serve(app, host: str, port: int, threads: int, on_ready=None) -> None:
    """Serve until SIGTERM or SIGINT, then stop in order: requests drained, scheduler stopped, running
    harvests finished or interrupted (recorded, resumed next start), store flushed by the caller."""
    from waitress import create_server
    from werkzeug.middleware.proxy_fix import ProxyFix

    settings = app.extensions["hdcat"].settings
    hops = settings.service.proxy_hops
    wsgi = (
        ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        if hops
        else None
    )
    if wsgi is not None:
        app.wsgi_app = wsgi
    # with no proxy configured waitress drops X-Forwarded-* itself; with one, ProxyFix reads exactly `hops` of
    # them
    server = create_server(
        app, host=host, port=port, threads=threads, ident="hdcat", clear_untrusted_proxy_headers=not hops
    )
    bound_port = server.effective_port if hasattr(server, "effective_port") else port
    local_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    url = f"http://{'[' + local_host + ']' if ':' in local_host else local_host}:{bound_port}"
    secret = secrets.token_urlsafe(32)
    app.config["hdcat.local_secret"] = secret
    path = _write_server_file(settings.data_dir, url, secret)

    harvests = app.extensions.get("hdcat.harvests")
    scheduler = None
    if settings.service.scheduler and harvests is not None:
        from hdcat.web.scheduler import Scheduler

        scheduler = Scheduler(app.extensions["hdcat"], harvests)
    from hdcat.web import operations
    from hdcat.web.auth import accounts

    with app.app_context():  # runs a killed process committed without their audit entries get them now
        late = operations.reconcile_harvest_audit(app.extensions["hdcat"], accounts())
    if late:
        log.warning(
            "%d harvest runs had no audit entry (a process was killed between the two); recorded now", late
        )
    threading.Thread(target=_warm, args=(app.extensions["hdcat"],), name="warm-up", daemon=True).start()
    if harvests is not None:
        harvests.resume()
    if scheduler is not None:
        scheduler.start()
        app.extensions["hdcat.scheduler"] = scheduler

    def _signal(signum, frame):
        log.info("received %s: stopping", signal.Signals(signum).name)
        raise _Stop()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, _signal)
    log.info("serving %s with %d threads", url, threads)
    if on_ready:
        on_ready(url)
    try:
        server.run()  # returns (or raises _Stop) once a signal came
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        try:
            server.task_dispatcher.shutdown(timeout=10)  # requests being answered finish first
            server.close()
        except Exception:  # the listening socket may already be gone
            log.debug("waitress close", exc_info=True)
        if scheduler is not None:
            scheduler.shutdown()
        if harvests is not None:
            unfinished = harvests.shutdown(grace=settings.service.shutdown_grace)
            if unfinished:
                log.warning(
                    "interrupted %d harvests (%s); they resume at the next start",
                    len(unfinished),
                    ", ".join(j.source.name for j in unfinished),
                )
        try:
            from hdcat.web import operations
            from hdcat.web.auth import accounts

            with app.app_context():
                operations.checkpoint_audit(app.extensions["hdcat"], accounts())
        except Exception:  # a failed checkpoint must not keep the server from stopping
            log.exception("could not write the audit checkpoint at shutdown")
        path.unlink(missing_ok=True)
        log.info("stopped")
