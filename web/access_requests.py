"""Access requests on the site: a researcher asks from a dataset's page, the hospital's stewards answer
from their inbox, both follow the conversation on the request's page. Every step is on the audit trail.
The rules (who may take which step, from which status) are catalog.access_requests'."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from hdcat.catalog import AccessRequests, Application, Invalid, next_access_steps
from hdcat.web.auth import accounts, audit_restricted_read, origin, principal
from hdcat.web.context import catalog, state_part
from hdcat.web.error_messages import for_people
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

bp = Blueprint("access", __name__)


def requests_store() -> AccessRequests:
    return state_part("hdcat.access_requests", AccessRequests.for_settings)


class RequestForm(FlaskForm):
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=4000)])
    project = StringField(_l("Project"), validators=[Length(max=300)])
    irb = StringField(_l("IRB approval number"), validators=[Length(max=100)])
    columns = TextAreaField(_l("Columns wanted (one per line; empty: all)"), validators=[Length(max=20000)])
    period = StringField(_l("Period wanted (e.g. 2019-2023)"), validators=[Length(max=40)])


class StepForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Length(max=4000)])


def audit_step(step: str, record: dict) -> None:
    """One entry per step on the audit trail (the site and /api/v1/access-requests write the same)."""
    who = principal()
    detail = {"dataset": record["dataset"], "hospital": record["hospital"], "status": record["status"]}
    accounts().audit(who.label, f"access.{step}", record["id"], detail, origin=origin())


@bp.route("/datasets/<local_id>/access-request", methods=["GET", "POST"])
@login_required
def new(local_id: str):
    dataset = catalog().datasets.get(local_id, members=True)
    audit_restricted_read(dataset)
    form = RequestForm()
    status = 200
    if form.validate_on_submit():
        columns = tuple(
            c.strip() for c in (form.columns.data or "").replace(",", "\n").splitlines() if c.strip()
        )
        application = Application(
            purpose=form.purpose.data or "",
            project=form.project.data or "",
            irb=form.irb.data or "",
            columns=columns,
            period=form.period.data or "",
        )
        try:
            record = requests_store().submit(principal(), dataset, application)
        except Invalid as exc:
            getattr(form, exc.field, form.purpose).errors = [for_people(exc.message)[0]]
            status = 400
        else:
            audit_step("submit", record)
            return redirect(url_for("access.show", request_id=record["id"]))
    elif form.is_submitted():
        status = 400
    known = [c["name"] for c in dataset.get("columns", [])]
    return render_template("access_request_form.html", d=dataset, form=form, known_columns=known), status


@bp.get("/access-requests")
@login_required
def index():
    who = principal()
    store = requests_store()
    return render_template("access_requests.html", mine=store.mine(who), inbox=store.inbox(who), who=who)


@bp.get("/access-requests/<request_id>")
@login_required
def show(request_id: str):
    who = principal()
    record = requests_store().get(request_id, who)
    return render_template(
        "access_request.html", r=record, who=who, steps=next_access_steps(who, record), form=StepForm()
    )


@bp.post("/access-requests/<request_id>/<step>")
@login_required
def take_step(request_id: str, step: str):
    form = StepForm()
    if not form.validate_on_submit():
        raise Invalid(
            "the form expired or the message is too long; reload the page and try again", field="body"
        )
    record = requests_store().step(request_id, principal(), step, form.body.data or "")
    audit_step(step, record)
    return redirect(url_for("access.show", request_id=request_id))
