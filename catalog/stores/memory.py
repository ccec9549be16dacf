"""rdflib's in-memory store: for tests and throw-away runs (`HDCAT_STORE=memory:`)."""

import threading

from hdcat.catalog.stores.base import CatalogStore

#: rdflib parses SPARQL with pyparsing, whose parser state is shared and not thread-safe:
#: concurrent harvests (and a threaded web server) must take turns on rdflib's evaluator.
_SPARQL_LOCK = threading.RLock()


class MemoryStore(CatalogStore):
    """Everything in rdflib's Memory store; nothing survives the process."""

    scheme = "memory"

    def query(self, sparql: str, **kwargs):
        with _SPARQL_LOCK:
            result = self.dataset.query(sparql, **kwargs)
            if result.type == "SELECT":
                _ = result.bindings  # evaluate now, inside the lock
            return result

    def __init__(self, location: str):
        super().__init__(location)
        self._write_lock = _SPARQL_LOCK  # writes wait for queries, queries for writes
