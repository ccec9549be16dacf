"""Search: documents built from the catalogue's read model, indexed in Elasticsearch or an
embedded engine. Imports `catalog` and `ontology` only; `web` calls it.
"""
