"""Prometheus metrics at /metrics (prometheus-client), one registry per app.

A registry of its own per app, not the library's global one, so several apps in one process
(tests, a future multi-tenant serve) never count into each other or clash on names.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

disable_created_metrics()  # "_created" series double the output and no dashboard here reads them

bp = Blueprint("metrics", __name__)


class Metrics:
    def __init__(self):
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "hdcat_http_requests",
            "HTTP requests answered, by route and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "hdcat_http_request_duration_seconds",
            "Time to answer a request, by route",
            ["route"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.harvest_runs = Counter(
            "hdcat_harvest_runs",
            "Harvest runs finished, by source and outcome",
            ["source", "outcome"],
            registry=r,
        )
        self.harvest_seconds = Histogram(
            "hdcat_harvest_duration_seconds",
            "Harvest run durations, by source",
            ["source"],
            registry=r,
            buckets=(0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
        )
        self.harvests_active = Gauge(
            "hdcat_harvests_active", "Harvest runs queued or running", ["state"], registry=r
        )
        self.lineage_events = Counter(
            "hdcat_lineage_events", "OpenLineage events received, by result", ["result"], registry=r
        )
        self.search_errors = Counter(
            "hdcat_search_errors", "Search engine failures seen while answering", registry=r
        )

    def harvest_finished(self, run) -> None:
        self.harvest_runs.labels(run.source, run.outcome.value if run.outcome else "unknown").inc()
        self.harvest_seconds.labels(run.source).observe(run.seconds)


def metrics() -> Metrics:
    return current_app.extensions["hdcat.metrics"]


def init_app(app) -> Metrics:
    m = app.extensions["hdcat.metrics"] = Metrics()

    @app.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        # the route pattern, not the path: /datasets/<local_id> is one series, not one per dataset
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        m.requests.labels(request.method, route, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            m.latency.labels(route).observe(time.perf_counter() - started)
        return response

    app.register_blueprint(bp)
    return m


@bp.get("/metrics")
def export():
    m = metrics()
    harvests = current_app.extensions.get("hdcat.harvests")
    if harvests is not None:
        states = [j.state for j in harvests.active()]
        m.harvests_active.labels("queued").set(states.count("queued"))
        m.harvests_active.labels("running").set(len(states) - states.count("queued"))
    return Response(generate_latest(m.registry), content_type=CONTENT_TYPE_LATEST)
