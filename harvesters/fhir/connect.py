"""Reaching a FHIR server: the source's options, its base URL, the URLs hdcat asks, and the fetch.

What hdcat asks a server — and how it explains a refusal — is read here in one place; reading the
answers is collect.py's job. Only `[base]/metadata`, `[base]/{Type}?_summary=count` and the
Group / ResearchStudy searches are ever asked for: never a patient's resource.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from hdcat.catalog import ConfigError, SourceConfig, web_address
from hdcat.harvesters.errors import FetchError
from hdcat.harvesters.fetch import Fetched, Fetcher
from hdcat.harvesters.fhir.state import FhirRun
from hdcat.harvesters.fhir.values import TYPE_NAME, outcome_text
from hdcat.harvesters.policy import FetchPolicy, FetchRefused
from marshmallow import Schema, ValidationError, fields, validate

ACCEPT = "application/fhir+json, application/json;q=0.9, */*;q=0.1"
#: the searches read for cohort datasets, when the `cohorts` option is on
COHORT_TYPES = ("Group", "ResearchStudy")


def _resource_types(values: list[str]) -> None:
    for value in values:
        if not TYPE_NAME.match(value):
            raise ValidationError(f"{value!r} is not a FHIR resource type (such as Patient or Condition)")


class FhirOptions(Schema):
    resources = fields.List(fields.String(), load_default=None, validate=_resource_types)
    #: may raise the consortium's threshold for this source, never lower it
    suppression_threshold = fields.Integer(load_default=None, validate=validate.Range(min=1))
    cohorts = fields.Boolean(load_default=True)
    max_pages = fields.Integer(load_default=10_000, validate=validate.Range(min=1, max=1_000_000))
    #: the server's public base URL, when hdcat reaches it at another address (a proxy, a tunnel):
    #: dataset IRIs and access URLs use it, so they stay the same whatever address was harvested
    canonical_base = web_address(load_default=None, allow_none=True)


def server_base(source: SourceConfig) -> str:
    """The FHIR base URL of a source (its location, with or without /metadata); ConfigError unless http(s)."""
    location = source.location.strip()
    if urlsplit(location).scheme not in ("http", "https"):
        raise ConfigError(
            f"source {source.name}: location {location!r} is not an http(s) URL; "
            "give the FHIR server's base URL, e.g. https://fhir.example.org/fhir",
            field="location",
        )
    return location.rstrip("/").removesuffix("/metadata")


# ---- the URLs asked --------------------------------------------------------------------
def metadata_url(base: str) -> str:
    return f"{base}/metadata"


def count_url(base: str, rtype: str) -> str:
    return f"{base}/{rtype}?_summary=count"


def search_url(base: str, rtype: str) -> str:
    return f"{base}/{rtype}"


def job_kind(url: str, base: str, known: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(metadata | count | search, resource type) of a job: as the page that named it said, else — a page
    of the last harvest, re-read by the unchanged check — from the URL itself."""
    if url in known:
        return known[url]
    path = url.removeprefix(base + "/")
    rtype = re.split(r"[/?]", path, maxsplit=1)[0]
    if path == "metadata":
        return "metadata", ""
    return ("count" if path.endswith("?_summary=count") else "search"), rtype


# ---- the fetch ------------------------------------------------------------------------------
def fetch(fetcher: Fetcher, policy: FetchPolicy, job: str, ctx: FhirRun, base: str) -> Fetched:
    """One answer of the server. A count that cannot be read comes back empty and is noted in `ctx.failed`
    (the other counts are still worth having); any other failure aborts the harvest with the server's
    words."""
    try:
        return fetcher.get(job, accept=ACCEPT, policy=policy)
    except FetchRefused:
        raise  # never asked again for the server's explanation: nothing outside the policy is fetched
    except FetchError as exc:
        said = server_says(fetcher, job)
        message = f"{exc.message}; the server says: {said}" if said else exc.message
        if job_kind(job, base, ctx.jobs)[0] == "count":
            ctx.failed[job] = message
            return Fetched(location=job, content=b"")
        raise FetchError(message) from None


def server_says(fetcher: Fetcher, url: str) -> str | None:
    """The diagnostics of the OperationOutcome a FHIR server sends with an error status, if any.

    The Fetcher drops error bodies, so this asks once more; it shares the Fetcher's client.
    """
    if not url.startswith(("http://", "https://")):
        return None
    try:
        doc = json.loads(fetcher.error_body(url, ACCEPT) or b"")
    except ValueError:
        return None
    if isinstance(doc, dict) and doc.get("resourceType") == "OperationOutcome":
        return outcome_text(doc)
    return None
