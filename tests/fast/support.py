"""Helpers for the fast tests: a harvester set up as the runner sets it up, and answers from memory.

The fast tests feed each harvester's map and import stages small inputs written in the test (or the
project's own samples) and look at the RDF; nothing here opens a socket or a database server.
"""

from __future__ import annotations

import json
from importlib import resources

from hdcat.catalog.config import SourceConfig
from hdcat.catalog.runs import HarvestRun
from hdcat.harvesters.errors import FetchError
from hdcat.harvesters.fetch import Fetched

BASE = "https://catalog.example/"
SAMPLES = resources.files("hdcat.harvesters").joinpath("samples/consortium")


def new_run(kind: str = "dcat", location: str = "memory:") -> HarvestRun:
    return HarvestRun(source="src", hospital="hanbit", kind=kind, location=location)


def harvester(cls, location: str, *, threshold: int = 10, fetcher=None, **options):
    """`cls` for one source, configured as harvesters/runner.py does it (threshold first, then the
    options)."""
    source = SourceConfig(name="src", hospital="hanbit", kind=cls.kind, location=location, options=options)
    h = cls(source, BASE, fetcher or AnswersFromMemory({}))
    h.threshold = threshold
    h.validate_config()
    return h


class AnswersFromMemory:
    """A Fetcher whose answers are a dict: url → JSON-able value or bytes; any other url fails as a 404."""

    def __init__(self, answers: dict, media_type: str = "application/json"):
        self.answers = answers
        self.media_type = media_type
        self.asked: list[str] = []

    def get(self, location: str, accept: str = "*/*", policy=None) -> Fetched:
        self.asked.append(location)
        if location not in self.answers:
            raise FetchError(f"{location}: HTTP 404 Not Found")
        body = self.answers[location]
        content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        return Fetched(location=location, content=content, media_type=self.media_type)

    def error_body(self, url: str, accept: str, limit: int = 0) -> bytes | None:
        return None

    def close(self) -> None:
        pass


def fetched_json(location: str, body) -> Fetched:
    return Fetched(
        location=location,
        content=json.dumps(body, ensure_ascii=False).encode(),
        media_type="application/json",
    )
