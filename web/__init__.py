"""The Flask site, the JSON API, linked data and the `hdcat` command line.

Imports `catalog`, `harvesters` and `search`; nothing imports `web`.
"""

from hdcat.web.app import create_app  # noqa: F401
