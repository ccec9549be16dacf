"""Harvesters: gather → fetch → parse → import, one small class per kind of source.

Imports `catalog` and `ontology`; never `web` or `search`. Harvesters register
under the `hdcat.harvesters` entry-point group (see pyproject.toml).
"""
