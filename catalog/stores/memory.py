"""rdflib's in-memory store: for tests and throw-away runs (`HDCAT_STORE=memory:`)."""
from catalog.stores.base import CatalogStore


class MemoryStore(CatalogStore):
    """Everything in rdflib's Memory store; nothing survives the process."""
