"""How an API view describes itself for /api/openapi.json: one decorator beside the route.

The OpenAPI document is assembled from these records by walking the app's routes (web.openapi),
so a view's description lives next to its code and a new endpoint needs nothing written
anywhere else. Only what the route and its decorators cannot say is given here: a summary,
the marshmallow schemas of its query, body and answers, and what its errors mean. Path
parameters come from the route, security and 401/403 from web.auth's decorators, and the
usual 400/404 from what the operation takes (see web.openapi).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: an answer or body that is some JSON object (lineage graphs, OpenLineage events)
OBJECT = {"type": "object"}
#: a text answer or body (CSV, Turtle)
TEXT = {"type": "string"}


@dataclass(frozen=True)
class Media:
    """A body or answer in named media types, each with its schema (a marshmallow schema or a
    JSON schema dict); for anything but a single JSON schema."""

    types: dict[str, Any]
    description: str = "OK"


@dataclass(frozen=True)
class Operation:
    summary: str
    query: Any = None  # a marshmallow schema: each field is a query parameter
    path: dict = field(default_factory=dict)  # path parameter name → marshmallow field, to narrow it
    body: Any = None  # a marshmallow schema, a JSON schema dict, or Media
    responses: dict = field(default_factory=dict)
    description: str | None = None
    tags: tuple[str, ...] = ()


def documented(
    summary: str,
    *,
    query=None,
    path: dict | None = None,
    body=None,
    responses: dict | None = None,
    description: str | None = None,
    tags: tuple[str, ...] | list[str] = (),
):
    """Record how a view is described in the OpenAPI document; the view itself is unchanged.

    `responses` maps a status to what it answers. A success (below 400) is a marshmallow schema
    or JSON schema dict (a JSON body), a (schema, description) pair, or Media; an error is a
    sentence saying when it happens (the body is always web.errors.ErrorSchema).
    """
    operation = Operation(
        summary, query, dict(path or {}), body, dict(responses or {}), description, tuple(tags)
    )

    def record(view):
        view.openapi = operation
        return view

    return record
