"""Signing in and out, and a member's own account page (their API tokens).

Forms are Flask-WTF forms: CSRF-protected, validated server-side, messages shown beside
the field. Sign-in and token issue are rate limited (web.limits) and every attempt,
good or bad, goes on the audit trail.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from hdcat.catalog import SCOPE_ROLES, HdcatError
from hdcat.web.access_requests import requests_store
from hdcat.web.auth import SiteUser, accounts, origin
from wtforms import IntegerField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, StopValidation

bp = Blueprint("account", __name__)


class SignInForm(FlaskForm):
    name = StringField(_l("User name"), validators=[DataRequired(_l("enter your user name")), Length(max=64)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("enter your password")), Length(max=1024)]
    )


class AtLeastOne:
    """At least one box of a group ticked. DataRequired would mark every checkbox `required`, so a browser
    refuses the form until all of them are ticked; this checks the group on the server only."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data:
            raise StopValidation(self.message)


class TokenForm(FlaskForm):
    scopes = SelectMultipleField(
        _l("Scopes"),
        validators=[AtLeastOne(_l("choose at least one scope"))],
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=90,
        validators=[DataRequired(_l("how many days?")), NumberRange(1, 366, _l("between 1 and 366 days"))],
    )


class EmptyForm(FlaskForm):
    """Just the CSRF token: sign-out and revoke buttons."""


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a sign-in link must not bounce the user to another site."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        acc = accounts()
        name = form.name.data.strip()
        if acc.check_password(name, form.password.data):
            session.clear()
            session.permanent = True
            login_user(SiteUser(acc.principal(name), acc.start_session(name)))
            acc.audit(name, "session.signin", name, {}, origin=origin())
            return redirect(_safe_next(request.args.get("next")))
        acc.audit("anonymous", "session.signin_failed", name[:64], {}, origin=origin())
        failed = True
    status = 401 if failed else (400 if form.errors else 200)
    return render_template("signin.html", form=form, failed=failed), status


@bp.post("/signout")
def signout():
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        accounts().end_session(current_user.sid)
        accounts().audit(
            current_user.principal.user, "session.signout", current_user.principal.user, {}, origin=origin()
        )
    logout_user()
    session.clear()
    return redirect(url_for("pages.home"))


def _token_form(role: str) -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [SelectChoice(s, s) for s, roles in SCOPE_ROLES.items() if role in roles]
    return form


@bp.route("/account", methods=["GET"])
@login_required
def account():
    me = current_user.principal
    return _account_page(_token_form(me.role))


def _account_page(form, secret=None, status=200):
    me = current_user.principal
    return render_template(
        "account.html",
        me=me,
        form=form,
        secret=secret,
        empty=EmptyForm(),
        tokens=[t for t in accounts().tokens(me.user) if not t["revoked"]],
        access_requests=requests_store().mine(me),
    ), status


@bp.post("/account/tokens")
@login_required
def issue_token():
    me = current_user.principal
    form = _token_form(me.role)
    if not form.validate_on_submit():
        return _account_page(form, status=400)
    try:
        token_id, secret = accounts().issue_token(
            me.user, form.scopes.data, days=form.days.data, actor=me.user
        )
    except HdcatError as exc:
        getattr(form, exc.field if exc.field in ("scopes", "days") else "scopes").errors.append(exc.message)
        return _account_page(form, status=exc.status)
    return _account_page(_token_form(me.role), secret={"id": token_id, "secret": secret}, status=201)


@bp.post("/account/tokens/<token_id>/revoke")
@login_required
def revoke_token(token_id: str):
    me = current_user.principal
    if EmptyForm().validate_on_submit() and any(t["id"] == token_id for t in accounts().tokens(me.user)):
        accounts().revoke_token(token_id, actor=me.user)
    return redirect(url_for("account.account"))
