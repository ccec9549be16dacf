"""Who is calling, and may they? Sessions for people, bearer tokens for machines.

People sign in on the site (Flask-Login sessions; Flask-WTF CSRF tokens on every form);
machines send `Authorization: Bearer <token>`. Both become a `Principal` with a role,
and views ask `principal().can(...)` or use the decorators below. API writes accept
bearer tokens only, so a browser session can never be ridden across sites into a write.

401 (with WWW-Authenticate on the API, a redirect to sign-in on pages) when nobody is
signed in, 403 when the principal lacks the permission or scope.
"""

from __future__ import annotations

import hmac
import os
import secrets
from functools import wraps
from pathlib import Path

from flask import current_app, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect
from hdcat.catalog import Accounts, Forbidden, Principal, Unauthorized
from hdcat.web.context import state_part

csrf = CSRFProtect()
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def accounts() -> Accounts:
    return state_part("hdcat.accounts", Accounts.for_settings)


class SiteUser(UserMixin):
    """The Flask-Login face of a principal signed in on the site."""

    def __init__(self, principal: Principal, sid: str):
        self.principal = principal
        self.sid = sid

    def get_id(self) -> str:
        # the server-side session id rides along, so a cookie replayed after sign-out finds it ended
        return f"{self.principal.user}:{self.sid}"


#: `hdcat harvest` run beside the server, on its machine, as its OS user (see web/server.py)
LOCAL = Principal(user="local-cli", role="admin", scopes=frozenset({"harvest:run"}), token_id="local")


def _bearer() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    secret = header[len("Bearer ") :].strip()
    local = current_app.config.get("hdcat.local_secret")
    if local and hmac.compare_digest(secret.encode(), local.encode()):
        return LOCAL
    return accounts().authenticate(secret)


def is_local(who: Principal | None) -> bool:
    """The server's own command line: may name files on this machine as harvest locations."""
    return who is LOCAL


def _machine_facing() -> bool:
    return request.path.startswith("/api/") or request.path == "/sparql"


def principal() -> Principal | None:
    """The caller: on the API and /sparql a bearer token if one is sent, else the signed-in user, else
    None (anonymous). Pages go by the session alone, so a token never stands in for a signed-in person
    on the site's forms."""
    if "principal" not in g:
        who = _bearer() if _machine_facing() else None
        if who is None and current_user.is_authenticated:
            who = current_user.principal
        if who is None and is_feed_request():
            who = _feed_reader()
        g.principal = who
    return g.principal


#: the query parameters of a private feed address (web.feeds.feed_address writes them)
FEED_CREDENTIALS = ("user", "key")


def is_feed_request() -> bool:
    return request.path.endswith("/feed.atom")


def _feed_reader() -> Principal | None:
    """A feed reader cannot sign in: a feed address may carry its owner's name and feed key instead. Only
    the feeds accept it, and they only read."""
    name, key = (request.args.get(k) for k in FEED_CREDENTIALS)
    if not name and not key:
        return None
    who = accounts().feed_principal(name or "", key or "", current_app.secret_key)
    if who is None:
        raise Forbidden(
            "this feed address is not valid (a new password retires the old ones): "
            "copy it again from the page you follow while signed in"
        )
    return who


def feed_key() -> str | None:
    """The signed-in person's feed key, for the addresses the site shows them."""
    if not current_user.is_authenticated:
        return None
    return accounts().feed_key(current_user.principal.user, current_app.secret_key)


def is_member() -> bool:
    """May the caller see consortium-only metadata?"""
    who = principal()
    return who is not None and who.can("read:consortium")


def _deny(reason: str):
    """Nobody signed in: the API answers 401, a page sends the browser to sign in and back."""
    if _machine_facing():
        raise Unauthorized(reason)
    return redirect(url_for("account.signin", next=request.full_path.rstrip("?")))


def require_permission(permission: str):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            who = principal()
            if who is None:
                return _deny(f"sign in (or send an API token) to use this: it needs {permission!r}")
            if not who.can(permission):
                raise Forbidden(f"{who.user} is a {who.role}; this needs {permission!r}")
            return view(*args, **kwargs)

        wrapper.required = ("permission", permission)  # read by web.openapi: security, 401 and 403
        return wrapper

    return decorate


def require_scope(scope: str):
    """An API write: a bearer token holding `scope` (sessions are not accepted, see the module note)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            who = _bearer()
            if who is None:
                raise Unauthorized(
                    f"this endpoint needs an API token with the {scope!r} scope "
                    "(Authorization: Bearer <token>; `hdcat tokens issue` or your account page)"
                )
            if scope not in who.scopes:
                raise Forbidden(f"token {who.token_id} lacks the {scope!r} scope")
            g.principal = who
            return view(*args, **kwargs)

        wrapper.required = ("scope", scope)  # read by web.openapi: security, 401 and 403
        return wrapper

    return decorate


def origin() -> str:
    return request.remote_addr or ""


def audit_restricted_read(record: dict) -> None:
    """Auditors' reads of consortium-only metadata go on the trail (who looked at what, from where)."""
    who = principal()
    if who is not None and who.role == "auditor" and record.get("visibility") == "consortium":
        accounts().audit(who.label, "read.restricted", record["iri"], {"path": request.path}, origin=origin())


def audit_restricted_list(records) -> None:
    """An auditor's list, search, export or hospital page that shows consortium-only datasets: one entry
    naming them (bulk reads are reads too)."""
    who = principal()
    if who is None or who.role != "auditor":
        return
    hidden = [r.get("iri") for r in records if r.get("visibility") == "consortium"]
    if hidden:
        accounts().audit(
            who.label,
            "read.restricted",
            request.path,
            {"path": request.full_path.rstrip("?"), "count": len(hidden), "datasets": hidden[:200]},
            origin=origin(),
        )


def audit_restricted_query(query: str) -> None:
    """An auditor's SPARQL runs over every graph, consortium-only ones included: the query goes on the
    trail."""
    who = principal()
    if who is not None and who.role == "auditor":
        accounts().audit(who.label, "read.restricted", "/sparql", {"query": query[:4000]}, origin=origin())


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the site is reached over HTTPS or from beyond this machine;
    only a plain-HTTP loopback visit (the demo, tests) gets a cookie without the flag, since
    browsers would otherwise drop it."""

    def get_cookie_secure(self, app) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        host = (request.host or "").rsplit(":", 1)[0] if request else ""
        return bool(request) and (request.is_secure or host not in ("127.0.0.1", "localhost", "[::1]"))


def secret_key(settings) -> str:
    """HDCAT_SECRET_KEY, else a random key kept in {data_dir}/secret_key (0600) so sessions survive
    restarts."""
    if os.environ.get("HDCAT_SECRET_KEY"):
        return os.environ["HDCAT_SECRET_KEY"]
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def init_app(app, settings) -> None:
    from datetime import timedelta

    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    app.session_interface = _SessionInterface()
    csrf.init_app(app)
    login = LoginManager(app)
    login.login_view = "account.signin"
    login.session_protection = "strong"

    @login.user_loader
    def _load(user_id: str):
        name, _, sid = user_id.rpartition(":")
        if not name or not accounts().session_active(name, sid):
            return None  # signed out, expired, or a cookie from before server-side sessions
        who = accounts().principal(name)  # disabled users lose their session at the next request
        return SiteUser(who, sid) if who else None

    @app.after_request
    def _www_authenticate(response):
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="hdcat"'
        if current_user and current_user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        return response
