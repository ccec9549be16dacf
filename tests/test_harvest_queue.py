"""The server's harvest queue on its own: workers that outlive failures, one-off sources per hospital."""

from __future__ import annotations

from hdcat.catalog.runs import Outcome
from hdcat.web.harvest_service import HarvestService, one_off_source

from tests.conftest import ROOT

BALGEUN = str(ROOT / "harvesters/samples/consortium/balgeun/catalog.ttl")


def test_a_failure_after_a_run_never_stalls_the_queue(catalog):
    """An audit write that fails (a locked or full state file) used to end the worker thread: every later
    job stayed queued for ever and the scheduler's ticks returned the dead job."""

    def broken_after(job):
        raise OSError("database is locked")

    queue = HarvestService(catalog, workers=1, after=broken_after)
    first = queue.submit([one_off_source("dcat", BALGEUN, "balgeun")], requested_by="test")[0]
    assert queue.wait([first.id], timeout=60)
    second = queue.submit([one_off_source("dcat", BALGEUN, "gaon")], requested_by="test")[0]
    assert queue.wait([second.id], timeout=60), "the worker died with the first run's failure"
    assert second.run.outcome is Outcome.CHANGED
    again = queue.submit([one_off_source("dcat", BALGEUN, "balgeun")], requested_by="test")[0]
    assert again.id != first.id and queue.wait([again.id], timeout=60)
    queue.shutdown(grace=1)


def test_one_off_sources_of_two_hospitals_never_share_a_graph():
    a, b = (
        one_off_source("dcat", "https://203.0.113.10/c.ttl", "balgeun"),
        one_off_source("dcat", "https://203.0.113.10/c.ttl", "gaon"),
    )
    assert a.name != b.name and a.name == one_off_source("dcat", "https://203.0.113.10/c.ttl", "balgeun").name
    assert (
        one_off_source("dcat", "https://203.0.113.10/c.ttl", "gaon", trusted=False).trusted_location is False
    )
