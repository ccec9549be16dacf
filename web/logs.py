"""Logs an operator can search: one JSON object a line when HDCAT_LOG_FORMAT=json, each request with an id.

The id comes from the reverse proxy's X-Request-ID when it sends a sane one (so a request can be
followed from proxy to app), else a new one; it is sent back in the answer's X-Request-ID.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid

from flask import g, has_request_context, request

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
access = logging.getLogger("hdcat.access")


class _RequestId(logging.Filter):
    """Every record logged while a request is answered carries that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure(fmt: str | None = None, level: str | None = None) -> None:
    """Set up the root logger once for `hdcat serve`/`demo`: JSON lines or plain text on stderr."""
    fmt = (fmt or os.environ.get("HDCAT_LOG_FORMAT") or "text").lower()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestId())
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hdcat", False)]:
        root.removeHandler(old)
    handler._hdcat = True
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("HDCAT_LOG_LEVEL") or "INFO").upper())
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    logging.getLogger("apscheduler").setLevel(
        logging.WARNING
    )  # one line per job added is noise  # "task queue depth" is noise at our sizes


def init_app(app) -> None:
    @app.before_request
    def _request_id():
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if _SANE_ID.match(sent) else uuid.uuid4().hex
        g.log_started = time.perf_counter()

    @app.after_request
    def _log(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        started = g.get("log_started")
        access.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "remote": request.remote_addr,
            },
        )
        return response
