"""The catalogue core: the RDF graph and everything derived from it.

Imports only `ontology` and libraries (rdflib, pyoxigraph, marshmallow); never
`web`, `search` or `harvesters`. See README.md in this folder.
"""
from hdcat.catalog.errors import HdcatError, NotFound, Invalid, Conflict, StoreError  # noqa: F401
