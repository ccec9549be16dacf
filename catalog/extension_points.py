"""Every way to extend hdcat without editing it, in one place (Datasette's hookspecs.py is the model).

A plugin is a class in any installed package, named in that package's pyproject.toml under one of
the entry-point groups below; hdcat's own built-ins register the same way. The entry-point name is the
key users type (`hdcat harvest KIND:…`, `HDCAT_STORE=SCHEME:…`, the search URL's engine) and must equal
the class attribute `key`, so the name a user reads in `hdcat plugins` is the one the code answers to.
A plugin that fails to import is listed as unavailable with its reason and never breaks the others.

Declarations inside hdcat that are one list rather than plugins (search facets in search/facets.py,
definition export formats in web/commands/definitions.py, RDF media types in web/conneg.py) are
described with recipes in docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtensionPoint:
    group: str  #: the entry-point group a plugin registers under
    contract: str  #: the base class a plugin subclasses ("module:Class")
    key: str  #: the class attribute that must equal the entry-point name
    doc: str  #: what a plugin of this kind adds, in one line


HARVESTERS = ExtensionPoint(
    "hdcat.harvesters",
    "hdcat.harvesters.base:Harvester",
    "kind",
    "A kind of source (gather → fetch → parse → import into DCAT); its kind is the KIND in KIND:LOCATION.",
)
SEARCH_BACKENDS = ExtensionPoint(
    "hdcat.search",
    "hdcat.search.backends.base:SearchBackend",
    "name",
    "A search engine: indexes the documents search/documents.py builds, answers faceted queries.",
)
STORES = ExtensionPoint(
    "hdcat.stores",
    "hdcat.catalog.stores.base:CatalogStore",
    "scheme",
    "A quad store for the catalogue graph, chosen by the scheme of HDCAT_STORE (SCHEME:LOCATION).",
)

EXTENSION_POINTS: tuple[ExtensionPoint, ...] = (HARVESTERS, SEARCH_BACKENDS, STORES)
