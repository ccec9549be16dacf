"""The Flask site, the JSON API, linked data and the `hdcat` command line.

Imports `catalog`, `harvesters` and `search`; nothing imports `web`.

`create_app` is imported on first use: a command that serves nothing (`hdcat harvest`, `hdcat worker`,
`hdcat users`) does not pay for Flask and every blueprint at start.
"""


def __getattr__(name: str):
    if name == "create_app":
        from hdcat.web.app import create_app

        return create_app
    raise AttributeError(f"module 'hdcat.web' has no attribute {name!r}")
