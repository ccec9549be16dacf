"""Search backends behind one interface; chosen by HDCAT_SEARCH_URL (unset: the embedded engine)."""

from __future__ import annotations

from pathlib import Path

from hdcat.catalog import SEARCH_BACKENDS, Registry
from hdcat.search.backends.base import SearchBackend, SearchUnavailable  # noqa: F401

backends = Registry(SEARCH_BACKENDS)


def open_backend(search_url: str | None, data_dir: Path, layout=None) -> SearchBackend:
    """`None` → the embedded engine in data_dir; `http(s)://…` (one node, or every node of a cluster
    comma-separated) → Elasticsearch. `layout` (a SearchConfig: shards, replicas) goes to the backends
    that create indexes (`index_layout = True`)."""
    if not search_url:
        return backends.get("embedded")(Path(data_dir) / "search")
    scheme = search_url.split(":", 1)[0].split("+", 1)[0]
    kind = "elasticsearch" if scheme in ("http", "https") else scheme
    backend = backends.get(kind)
    if layout is not None and getattr(backend, "index_layout", False):
        return backend(search_url, shards=layout.shards, replicas=layout.replicas)
    return backend(search_url)
