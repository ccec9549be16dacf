"""RDF stores behind rdflib, chosen by one URL (`HDCAT_STORE`).

`memory:` for tests; `oxigraph:PATH` (the default, on disk) for everything
else; `sparql+http://host:port/dataset` for a SPARQL 1.1 server (catalog/stores/sparql.py). A scheme's
`+transport` part is handed to the store with its location (`http://host:port/dataset`).
More kinds register under the `hdcat.stores` entry-point group.
"""

from __future__ import annotations

from hdcat.catalog.errors import ConfigError
from hdcat.catalog.registry import stores as registry
from hdcat.catalog.stores.base import Capabilities, CatalogStore  # noqa: F401


def open_store(url: str, read_only: bool = False) -> CatalogStore:
    """Open the store a URL names: the scheme picks the plugin, the rest is its location. `read_only`
    (where the store supports it) reads beside the process that holds the store."""
    scheme, sep, rest = url.partition(":")
    if not sep or not scheme:
        raise ConfigError(f"HDCAT_STORE={url!r} is not a store URL; use 'memory:' or 'oxigraph:PATH'")
    scheme, plus, transport = scheme.partition("+")
    location = f"{transport}:{rest}" if plus else rest
    cls = registry.get(scheme)
    return cls(location, read_only=True) if read_only and cls.capabilities.persistent else cls(location)
