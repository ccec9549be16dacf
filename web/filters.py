"""Jinja filters for the pages: counts, dates and safe links."""
from __future__ import annotations

from urllib.parse import urlsplit


def safe_url(value) -> str | None:
    """Only http(s) and mailto URLs become links; anything else is shown as text."""
    if not value:
        return None
    scheme = urlsplit(str(value)).scheme.lower()
    return str(value) if scheme in ("http", "https", "mailto") else None


def count(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def init_app(app) -> None:
    app.jinja_env.filters["safe_url"] = safe_url
    app.jinja_env.filters["count"] = count
    app.jinja_env.filters["day"] = lambda v: str(v)[:10] if v else "—"
