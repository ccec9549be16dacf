"""/definitions: stewards write dataset definitions in the browser; everyone reads them.

The form is plain HTML (works without JavaScript): metadata, then one block per data element,
with a button that adds blank element rows. Validation is the API's marshmallow schema, so the
site and the API agree; each message is shown beside the field it is about.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from hdcat.catalog import (
    CARDINALITIES,
    CODING_SYSTEMS,
    DATATYPES,
    DISEASE_AREAS,
    Conflict,
    Forbidden,
    HdcatError,
    Invalid,
    NotFound,
    iri_tail,
    to_csv,
    to_json_schema,
)
from hdcat.catalog import definition_content as content
from hdcat.catalog import definition_diff as diff
from hdcat.catalog import definition_shapes as shapes
from hdcat.ontology import hospitals
from hdcat.web.account import EmptyForm
from hdcat.web.auth import is_member, principal, require_permission
from hdcat.web.conneg import FORMATS
from hdcat.web.context import catalog
from hdcat.web.definitions_api import changed, check_hospital, check_new_version, check_owner, may_write
from hdcat.web.error_messages import for_people
from hdcat.web.i18n import hospital_name
from hdcat.web.rdf_response import rdf_response
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

_FORMAT = {f.name: f for f in FORMATS}

bp = Blueprint("definitions", __name__)
BLANK_ROWS = 2


class ElementForm(Form):
    name = StringField(_l("Name (column)"))
    label_en = StringField(_l("Label (English)"))
    label_ko = StringField(_l("Label (Korean)"))
    definition_en = TextAreaField(_l("Meaning (English)"))
    definition_ko = TextAreaField(_l("Meaning (Korean)"))
    datatype = SelectField(
        _l("Datatype"), validate_choice=False, choices=[SelectChoice(d, d) for d in DATATYPES]
    )
    unit = StringField(_l("Unit (UCUM)"))
    coding_system = SelectField(
        _l("Coding system"),
        validate_choice=False,
        choices=[SelectChoice("", "—")] + [SelectChoice(c, c) for c in CODING_SYSTEMS],
    )
    concept_code = StringField(_l("Concept code (e.g. LOINC 8480-6)"))
    value_set = TextAreaField(_l("Value set: one “code | label” per line"))
    required = BooleanField(_l("Required"))
    cardinality = SelectField(
        _l("Cardinality"),
        validate_choice=False,
        choices=[SelectChoice("", "—")] + [SelectChoice(c, c) for c in CARDINALITIES],
    )


class DefinitionForm(FlaskForm):
    def_id = StringField(_l("Identifier (e.g. stroke-core)"))
    version = StringField(_l("Version"), default="1.0.0")
    title_en = StringField(_l("Title (English)"))
    title_ko = StringField(_l("Title (Korean)"))
    description_en = TextAreaField(_l("Description (English)"))
    description_ko = TextAreaField(_l("Description (Korean)"))
    disease_area = SelectField(
        _l("Disease area"), validate_choice=False, choices=[SelectChoice(a, a) for a in DISEASE_AREAS]
    )
    keywords = StringField(_l("Keywords, comma-separated"))
    hospital = SelectField(
        _l("Owning hospital"), choices=[], validate_choice=False
    )  # checked by check_hospital
    elements = FieldList(FormField(ElementForm), min_entries=1)
    add_row = SubmitField(_l("Add element rows"))
    save = SubmitField(_l("Save draft"))


class ReviseForm(FlaskForm):
    version = StringField(_l("New version"))


# ---- form ↔ the JSON shape ----------------------------------------------------------------
def _blank(row: ElementForm) -> bool:
    return not any(
        (row.name.data or "").strip() or (getattr(row, f).data or "").strip()
        for f in ("label_en", "label_ko", "unit", "concept_code", "value_set")
    )


def _texts(en: str | None, ko: str | None) -> dict:
    return {k: v.strip() for k, v in (("en", en), ("ko", ko)) if v and v.strip()}


def form_data(form: DefinitionForm) -> tuple[dict, list[int]]:
    """The definition the form describes, and which form row each element came from."""
    elements, rows = [], []
    for i, entry in enumerate(form.elements):
        row = entry.form
        if _blank(row):
            continue
        concept = None
        if (row.concept_code.data or "").strip():
            code = row.concept_code.data.strip()  # "LOINC 8480-6", "SNOMED CT 401201003" or just "8480-6"
            system = next((c for c in CODING_SYSTEMS if code.upper().startswith(c.upper() + " ")), None)
            concept = (
                {"system": system, "code": code[len(system) :].strip()}
                if system
                else {"system": row.coding_system.data or None, "code": code}
            )
        value_set = []
        for line in (row.value_set.data or "").splitlines():
            code, _, label = line.partition("|")
            if code.strip():
                value_set.append(
                    {
                        "code": code.strip(),
                        "label": label.strip() or None,
                        "system": row.coding_system.data or None,
                    }
                )
        elements.append(
            {
                "name": (row.name.data or "").strip(),
                "label": _texts(row.label_en.data, row.label_ko.data),
                "definition": _texts(row.definition_en.data, row.definition_ko.data),
                "datatype": row.datatype.data,
                "unit": (row.unit.data or "").strip() or None,
                "coding_system": row.coding_system.data or None,
                "concept": concept,
                "value_set": value_set,
                "required": bool(row.required.data),
                "cardinality": row.cardinality.data or None,
            }
        )
        rows.append(i)
    data = {
        "id": (form.def_id.data or "").strip(),
        "version": (form.version.data or "").strip(),
        "title": _texts(form.title_en.data, form.title_ko.data),
        "description": _texts(form.description_en.data, form.description_ko.data),
        "disease_area": form.disease_area.data,
        "keywords": [k.strip() for k in (form.keywords.data or "").split(",") if k.strip()],
        "hospital": form.hospital.data or None,
        "elements": elements,
    }
    return data, rows


_FIELD = {
    "id": "def_id",
    "version": "version",
    "title": "title_en",
    "title.en": "title_en",
    "title.ko": "title_ko",
    "description": "description_en",
    "disease_area": "disease_area",
    "keywords": "keywords",
    "hospital": "hospital",
}
_ELEMENT_FIELD = {
    "name": "name",
    "label": "label_en",
    "label.en": "label_en",
    "label.ko": "label_ko",
    "definition": "definition_en",
    "datatype": "datatype",
    "unit": "unit",
    "coding_system": "coding_system",
    "concept": "concept_code",
    "value_set": "value_set",
    "required": "required",
    "cardinality": "cardinality",
}


def place_errors(form: DefinitionForm, errors: dict[str, str], rows: list[int]) -> None:
    """Each message beside its field: 'elements.2.unit' goes under the unit of the third element row."""
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "elements" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = form.elements[rows[int(parts[1])]]
            name = _ELEMENT_FIELD.get(".".join(parts[2:4]), _ELEMENT_FIELD.get(parts[2], "name"))
            getattr(row.form, name).errors = list(getattr(row.form, name).errors) + [for_people(message)[0]]
        elif parts[0] == "elements":
            form.form_errors.append(for_people(message)[0])
        else:
            field = getattr(form, _FIELD.get(".".join(parts[:2]), _FIELD.get(parts[0], "def_id")))
            field.errors = list(field.errors) + [for_people(message)[0]]


def fill(form: DefinitionForm, record: dict) -> None:
    form.def_id.data, form.version.data = record["id"], record["version"]
    form.title_en.data, form.title_ko.data = record["title"].get("en"), record["title"].get("ko")
    form.description_en.data = (record.get("description") or {}).get("en")
    form.description_ko.data = (record.get("description") or {}).get("ko")
    form.disease_area.data = record["disease_area"]
    form.keywords.data = ", ".join(record.get("keywords") or [])
    form.hospital.data = record.get("hospital") or ""
    while len(form.elements):
        form.elements.pop_entry()
    for e in record["elements"]:
        form.elements.append_entry()
        row = form.elements[-1].form
        row.name.data = e["name"]
        row.label_en.data, row.label_ko.data = e["label"].get("en"), e["label"].get("ko")
        row.definition_en.data = (e.get("definition") or {}).get("en")
        row.definition_ko.data = (e.get("definition") or {}).get("ko")
        row.datatype.data, row.unit.data = e["datatype"], e.get("unit") or ""
        row.coding_system.data = e.get("coding_system") or ""
        concept = e.get("concept") or {}
        row.concept_code.data = (
            f"{concept.get('system') or ''} {concept.get('code')}".strip() if concept.get("code") else ""
        )
        row.value_set.data = "\n".join(
            f"{c['code']} | {c.get('label') or ''}".rstrip(" |") for c in e.get("value_set") or []
        )
        row.required.data, row.cardinality.data = e.get("required"), e.get("cardinality") or ""


def _hospital_choices(form: DefinitionForm) -> None:
    who = principal()
    allowed = [h for h in hospitals() if who.role == "admin" or h["id"] in who.hospitals]
    form.hospital.choices = (
        [SelectChoice("", gettext("— consortium-wide —"))] if who.role == "admin" else []
    ) + [SelectChoice(h["id"], str(hospital_name(h))) for h in allowed]


def _editor(record: dict | None, template_title: str):
    """The new/edit form: GET shows it, 'add rows' re-shows it longer, 'save' validates and stores."""
    form = DefinitionForm()
    _hospital_choices(form)
    if request.method == "GET":
        if record:
            fill(form, record)
        for _ in range(BLANK_ROWS):
            form.elements.append_entry()
        return render_template("definition_form.html", form=form, record=record, title=template_title), 200
    if form.add_row.data:
        for _ in range(BLANK_ROWS):
            form.elements.append_entry()
        return render_template("definition_form.html", form=form, record=record, title=template_title), 200
    if not form.validate_on_submit():  # only the CSRF token is checked here; the schema checks the rest
        form.form_errors.append(gettext("the form expired; save again"))
        return render_template("definition_form.html", form=form, record=record, title=template_title), 400
    data, rows = form_data(form)
    who, defs = principal(), catalog().definitions
    try:
        if record is None:
            try:
                check_new_version(who, data)
            except Forbidden as exc:  # someone else's definition id: say so beside the id
                place_errors(form, {"id": exc.message}, rows)
                return render_template(
                    "definition_form.html", form=form, record=record, title=template_title
                ), 403
        data["hospital"] = check_hospital(who, data.get("hospital"))
        if record is None:
            saved = defs.create(data, who.user)
            changed("create", saved, who)
        else:
            saved = defs.update(record["id"], record["version"], data, who.user)
            changed("edit", saved, who)
    except HdcatError as exc:
        if exc.status in (401, 403, 404):
            raise
        place_errors(form, (exc.detail or {}).get("fields") or {exc.field or "id": exc.message}, rows)
        return render_template(
            "definition_form.html", form=form, record=record, title=template_title
        ), exc.status
    return redirect(url_for("definitions.page", def_id=saved["id"], version=saved["version"]))


# ---- pages ----------------------------------------------------------------------------------
@bp.get("/definitions")
def index():
    defs = catalog().definitions
    by_id: dict = {}
    members = is_member()  # drafts are work in progress: members only
    for row in defs.versions(drafts=members):
        by_id.setdefault(row["id"], []).append(row)
    latest = [defs.get(i, defs.latest_version(i, drafts=members)) for i in sorted(by_id)]
    who = principal()
    return render_template(
        "definitions.html",
        latest=latest,
        versions=by_id,
        can_create=who is not None and who.can("write:definitions"),
    )


@bp.route("/definitions/new", methods=["GET", "POST"])
@require_permission("write:definitions")
def new():
    return _editor(None, gettext("New definition"))


@bp.get("/definitions/<def_id>")
def latest(def_id: str):
    defs = catalog().definitions
    return redirect(
        url_for("definitions.page", def_id=def_id, version=defs.latest_version(def_id, drafts=is_member()))
    )


@bp.get("/definitions/<def_id>/<version>")
def page(def_id: str, version: str):
    cat = catalog()
    defs = cat.definitions
    members = is_member()
    record = defs.get(def_id, version, drafts=members)
    others = defs.all_of(def_id, drafts=members)
    compare_to = request.args.get("compare") or (
        iri_tail(record["revision_of"]) if record["revision_of"] else None
    )
    change = None
    if compare_to and compare_to != version:
        try:
            change = diff(content(defs.get(def_id, compare_to, drafts=members)), content(record))
        except NotFound:
            change = None
    results = (
        cat.conformance.of(definition=record["iri"], members=members) if record["status"] != "draft" else []
    )
    titles = _dataset_titles([r["dataset"] for r in results])
    return render_template(
        "definition.html",
        d=record,
        versions=others,
        change=change,
        results=results,
        titles=titles,
        history=defs.history(def_id, drafts=members),
        may_write=may_write(principal(), record),
        empty=EmptyForm(),
        revise=ReviseForm(),
    )


def declared_versions(record: dict) -> list[dict]:
    """The definition versions a dataset declares (dct:conformsTo) that a newer version superseded or that
    were deprecated: they are no longer scored, so the dataset page says so and links to the live one."""
    defs = catalog().definitions
    out = []
    for iri in record.get("conforms_to") or []:
        if "/id/definition/" not in iri:
            continue
        def_id, version = iri.rsplit("/", 2)[-2:]
        try:
            found = defs.get(def_id, version, drafts=False)
        except NotFound:
            continue
        if found["status"] == "deprecated":
            newer = iri_tail(found["replaced_by"]) if found["replaced_by"] else None
            out.append({"id": def_id, "version": version, "title": found["title"], "replaced_by": newer})
    return out


def _dataset_titles(iris: list[str]) -> dict:
    out = {}
    cat = catalog()
    for iri in iris:
        try:
            local_id, _ = cat.datasets.locate_iri(iri, members=True)
            out[iri] = {"id": local_id, "title": cat.datasets.get(local_id, members=True)["title"]}
        except NotFound:
            out[iri] = {"id": None, "title": iri}
    return out


@bp.route("/definitions/<def_id>/<version>/edit", methods=["GET", "POST"])
@require_permission("write:definitions")
def edit(def_id: str, version: str):
    record = catalog().definitions.get(def_id, version)
    check_owner(principal(), record)
    if record["status"] != "draft":
        raise Conflict(
            f"{def_id} {version} is {record['status']}: published versions never change; make a new version"
        )
    return _editor(record, gettext("Edit %(id)s %(version)s", id=def_id, version=version))


#: the steps that change what every dataset declaring the definition is checked against: they are asked
#: for on a page that says what will change, and taken only by its confirm button
CONFIRMED = ("publish", "deprecate")


class ConfirmForm(FlaskForm):
    """The confirm page's form: its CSRF token and the explicit `confirm=yes` a one-click post lacks."""

    confirm = HiddenField(default="yes")


def _declaring(iri: str) -> tuple[int, int]:
    """(datasets that declare this version, datasets only suggested for it), as last scored."""
    results = catalog().conformance.of(definition=iri, members=True)
    declared = sum(1 for r in results if r["declared"])
    return declared, len(results) - declared


def impact(record: dict, action: str) -> dict:
    """What publishing or deprecating `record` changes, for the confirm page to say before it happens."""
    defs = catalog().definitions
    if action == "publish":
        newer = [v for v in defs.all_of(record["id"]) if v["status"] == "published"]
        order = [v["version"] for v in defs.all_of(record["id"])]
        here = order.index(record["version"])
        superseded = [
            dict(v, declared=_declaring(v["iri"])[0]) for v in newer if order.index(v["version"]) < here
        ]
        return {"superseded": superseded, "declared": sum(v["declared"] for v in superseded)}
    declared, suggested = _declaring(record["iri"])
    return {"declared": declared, "suggested": suggested, "superseded": []}


@bp.get("/definitions/<def_id>/<version>/confirm/<action>")
@require_permission("write:definitions")
def confirm(def_id: str, version: str, action: str):
    """Publish or deprecate, asked: what will change (the versions superseded, how many datasets declare
    them), and a confirm button that posts the step with its CSRF token. No script needed."""
    if action not in CONFIRMED:
        raise NotFound(f"no confirmation for {action!r}: {' or '.join(CONFIRMED)}")
    record = catalog().definitions.get(def_id, version)
    check_owner(principal(), record)
    allowed = {"publish": "draft", "deprecate": "published"}[action]
    if record["status"] != allowed:
        done = {"publish": "published", "deprecate": "deprecated"}[action]
        raise Conflict(f"{def_id} {version} is {record['status']}; only {allowed} versions can be {done}")
    return render_template(
        "definition_confirm.html", d=record, action=action, impact=impact(record, action), form=ConfirmForm()
    )


@bp.post("/definitions/<def_id>/<version>/<action>")
@require_permission("write:definitions")
def lifecycle(def_id: str, version: str, action: str):
    defs = catalog().definitions
    record = defs.get(def_id, version)
    who = principal()
    check_owner(who, record)
    if action == "revise":
        form = ReviseForm()
        if not form.validate_on_submit():
            raise Invalid(_EXPIRED, field="csrf_token")
        saved = defs.revise(def_id, version, (form.version.data or "").strip(), who.user)
        changed("revise", saved, who)
        return redirect(url_for("definitions.edit", def_id=def_id, version=saved["version"]))
    if action in CONFIRMED and request.form.get("confirm") != "yes":
        # a one-click post (an old page, a script): nothing changes until the confirm page is answered
        return redirect(url_for("definitions.confirm", def_id=def_id, version=version, action=action), 303)
    if not EmptyForm().validate_on_submit():
        raise Invalid(_EXPIRED, field="csrf_token")
    if action == "publish":
        saved = defs.publish(def_id, version, who.user)
    elif action == "deprecate":
        saved = defs.deprecate(def_id, version, who.user)
    elif action == "delete":
        defs.delete_draft(def_id, version, who.user)
        changed("delete", record, who)
        return redirect(url_for("definitions.index"))
    else:
        raise NotFound(f"no action {action!r} on definitions")
    changed(action, saved, who)
    return redirect(url_for("definitions.page", def_id=def_id, version=version))


_EXPIRED = _l("the form expired; reload the page and try again")


DOWNLOADS = {
    "ttl": "Turtle",
    "jsonld": "JSON-LD",
    "shacl": "SHACL (Turtle)",
    "csv": "CSV",
    "schema": "JSON Schema",
}


@bp.get("/definitions/<def_id>/<version>/download/<kind>")
def download(def_id: str, version: str, kind: str):
    defs = catalog().definitions
    record = defs.get(def_id, version, drafts=is_member())
    name = f"{def_id}-{version}"
    if kind in ("ttl", "jsonld"):
        fmt = _FORMAT[kind]
        response = rdf_response(defs.rdf(def_id, version, drafts=is_member()), fmt)
    elif kind == "shacl":
        response = Response(shapes(record).serialize(format="turtle"), mimetype="text/turtle")
        name += "-shacl"
        kind = "ttl"
    elif kind == "csv":
        response = Response(to_csv(record), mimetype="text/csv")
    elif kind == "schema":
        response = Response(
            json.dumps(to_json_schema(record), ensure_ascii=False, indent=2),
            mimetype="application/schema+json",
        )
        kind = "schema.json"
    else:
        raise NotFound(f"definitions download as {', '.join(DOWNLOADS)}")
    response.headers["Content-Disposition"] = f"attachment; filename={name}.{kind}"
    return response
