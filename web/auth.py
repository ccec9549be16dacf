"""Bearer tokens on the API: who is calling, and may they?

401 (with WWW-Authenticate) when there is no valid token, 403 when the token lacks the scope.
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from catalog.accounts import Accounts, Principal
from catalog.errors import Forbidden, Unauthorized


def accounts() -> Accounts:
    acc = current_app.extensions.get("hdcat.accounts")
    if acc is None:
        acc = current_app.extensions["hdcat.accounts"] = Accounts.for_settings(current_app.extensions["hdcat"].settings)
    return acc


def current_principal() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return accounts().authenticate(header[len("Bearer "):].strip())


def require_scope(scope: str):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                raise Unauthorized(f"this endpoint needs an API token with the {scope!r} scope "
                                   "(Authorization: Bearer <token>; `hdcat tokens issue`)")
            if scope not in principal.scopes:
                raise Forbidden(f"token {principal.token_id} lacks the {scope!r} scope")
            g.principal = principal
            return view(*args, **kwargs)
        return wrapper
    return decorate


def init_app(app) -> None:
    @app.after_request
    def _www_authenticate(response):
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="hdcat"'
        return response
