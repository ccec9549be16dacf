"""The HTTP side of the SPARQL store: one kept httpx client, retries, and errors people can read.

Queries and Graph Store reads are idempotent, so a dropped connection or a server that is briefly
unavailable (502/503/504) is retried with a growing pause. An update is retried only when it was
never sent (the connection was refused): a second copy of an update that did arrive could apply
twice. Every failure becomes a StoreError naming the server and what went wrong.
"""

from __future__ import annotations

import os
import threading
import time

import httpx
from hdcat.catalog.errors import StoreError

RETRIES = 4
RETRY_STATUSES = {502, 503, 504}
TIMEOUT = httpx.Timeout(300.0, connect=5.0)


class SparqlHttp:
    """The query, update and Graph Store endpoints of one SPARQL 1.1 server's dataset."""

    def __init__(self, query_url: str, update_url: str, gsp_url: str):
        self.query_url, self.update_url, self.gsp_url = query_url, update_url, gsp_url
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        # a forked child (catalog/sparql.py runs each user query in one) must not share the parent's
        # sockets: it makes its own client on first use
        os.register_at_fork(after_in_child=self._forget_client)

    def _forget_client(self) -> None:
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(
                        timeout=TIMEOUT,
                        transport=httpx.HTTPTransport(retries=2),  # connection attempts
                        headers={"User-Agent": "hdcat-sparql-store"},
                    )
        return self._client

    # -- the three protocols ------------------------------------------------------------------
    def query(self, sparql: str, accept: str, params: list | None = None) -> bytes:
        """POST a query (SPARQL 1.1 Protocol); the answer's bytes. With `params` (default-graph-uri,
        named-graph-uri: a dataset description of hundreds of graphs) as a form, else the query directly."""
        if params:
            return self._send(
                "POST",
                self.query_url,
                what="query",
                idempotent=True,
                data={"query": sparql, **_grouped(params)},
                headers={"Accept": accept},
            ).content
        return self._send(
            "POST",
            self.query_url,
            what="query",
            idempotent=True,
            content=sparql.encode(),
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
        ).content

    def update(self, sparql: str) -> None:
        """POST one update request; the server runs it as one transaction (Fuseki, GraphDB, Virtuoso do)."""
        self._send(
            "POST",
            self.update_url,
            what="update",
            idempotent=False,
            content=sparql.encode(),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Graph Store Protocol POST: add N-Triples to one named graph, in one request."""
        self._send(
            "POST",
            self.gsp_url,
            what="graph store write",
            idempotent=False,
            content=ntriples,
            params={"graph": graph},
            headers={"Content-Type": "application/n-triples; charset=utf-8"},
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- one request, retried where it is safe ---------------------------------------------------
    def _send(self, method: str, url: str, what: str, idempotent: bool, **kwargs) -> httpx.Response:
        pause = 0.25
        for attempt in range(RETRIES + 1):
            last = attempt == RETRIES
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.ConnectError as exc:  # never reached the server: safe to try again
                if last:
                    raise StoreError(
                        f"cannot reach the SPARQL server at {url} ({_reason(exc)}); is it running? "
                        "(`scripts/services start fuseki` starts one for development)"
                    ) from None
            except httpx.TimeoutException:
                if last or not idempotent:
                    raise StoreError(
                        f"the SPARQL server at {url} did not answer the {what} in time ({TIMEOUT.read:g} s)"
                    ) from None
            except httpx.TransportError as exc:
                if last or not idempotent:
                    raise StoreError(
                        f"the connection to the SPARQL server at {url} failed during a {what}: {_reason(exc)}"
                    ) from None
            else:
                if response.status_code < 300:
                    return response
                if response.status_code not in RETRY_STATUSES or last or not idempotent:
                    raise StoreError(
                        f"the SPARQL server at {url} refused the {what}: HTTP {response.status_code} "
                        f"{_excerpt(response.text)}"
                    )
            time.sleep(pause)
            pause *= 2
        raise AssertionError("unreachable")


def _grouped(params: list) -> dict:
    out: dict = {}
    for key, value in params:
        out.setdefault(key, []).append(value)
    return out


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _excerpt(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
