"""Staff pages that create rule files: a new field or dated parameter, an application window, any file's edit
(the new-measure form is in build.py).

Each form becomes a draft (linted, examples and criterion coverage run) that is published like any other.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional, Regexp

from checker.problems import Problem
from checker.rules.schema import ENTITY_TYPES, FIELD_TYPES
from checker.staff import create, drafts, store
from checker.web.forms import SelectChoice, filled
from checker.web.i18n import t
from checker.web.services import db
from checker.web.staff.common import author, bp, snapshot, staff_required
from checker.web.staff.forms import (
    BAD_ID,
    BAD_MEASURE_ID,
    CLOSES_BEFORE_OPENS,
    ButtonForm,
    NumberField,
)

ID = [DataRequired(), Regexp(r"^[a-z][a-z0-9_]*$", message=BAD_ID)]
MEASURE_ID = [DataRequired(), Regexp(r"^[a-z][a-z0-9-]*$", message=BAD_MEASURE_ID)]
TEXT = [DataRequired(), Length(max=300)]


class FieldForm(FlaskForm):
    """A new profile field."""

    id = StringField("id", validators=ID)
    type = SelectField("type", choices=[SelectChoice(t) for t in FIELD_TYPES if t not in ("enum", "text")])
    section = SelectField("section")
    label_zh = StringField("label_zh", validators=TEXT)
    label_en = StringField("label_en", validators=TEXT)
    unit_zh = StringField("unit_zh", validators=[Optional(), Length(max=40)])
    unit_en = StringField("unit_en", validators=[Optional(), Length(max=40)])
    minimum = NumberField("minimum", validators=[Optional()])
    entities = SelectMultipleField("entities", choices=[SelectChoice(e) for e in ENTITY_TYPES], validators=[Optional()])


class ParameterForm(FlaskForm):
    """A new dated parameter with one or two values."""

    id = StringField("id", validators=ID)
    label_zh = StringField("label_zh", validators=TEXT)
    label_en = StringField("label_en", validators=TEXT)
    unit_zh = StringField("unit_zh", validators=[Optional(), Length(max=40)])
    unit_en = StringField("unit_en", validators=[Optional(), Length(max=40)])
    from_1 = DateField("from_1", validators=[DataRequired()])
    value_1 = NumberField("value_1", validators=[InputRequired()])
    document_1 = StringField("document_1", validators=TEXT)
    article_1 = StringField("article_1", validators=TEXT)
    quote_1 = TextAreaField("quote_1", validators=[DataRequired(), Length(max=2000)])
    url_1 = StringField("url_1", validators=[Optional(), URL()])
    from_2 = DateField("from_2", validators=[Optional()])
    value_2 = NumberField("value_2", validators=[Optional()])
    document_2 = StringField("document_2", validators=[Optional(), Length(max=300)])
    article_2 = StringField("article_2", validators=[Optional(), Length(max=300)])
    quote_2 = TextAreaField("quote_2", validators=[Optional(), Length(max=2000)])
    url_2 = StringField("url_2", validators=[Optional(), URL()])


class WindowForm(FlaskForm):
    """A call for applications of a measure."""

    opens = DateField("opens", validators=[DataRequired()])
    closes = DateField("closes", validators=[DataRequired()])
    url = StringField("url", validators=[Optional(), URL()])
    note_zh = StringField("note_zh", validators=[Optional(), Length(max=100)])


def _draft(changes: store.Files, label: str):
    """Start the draft of these files and show it."""
    draft = drafts.start_files(db(), snapshot().files, changes, author(), label)
    store.audit(db(), "draft_saved", author(), label, Problem("audit.draft_started_new", {"draft": draft.id,
                                                                                         "paths": ", ".join(changes)}))
    db().commit()
    return redirect(url_for("staff.draft", draft_id=draft.id))


def _page(form: FlaskForm, title: str, status: int = 200):
    return render_template("staff/new.html", form=form, title=title), status


@bp.route("/new/field", methods=["GET", "POST"])
@staff_required
def new_field():
    """Declare a new profile field (fields/staff.yaml)."""
    pack = snapshot().pack
    form = FieldForm()
    form.section.choices = [(s.id, f"{s.id} · {s.label.zh}") for s in pack.sections]
    if not form.validate_on_submit():
        return _page(form, t("staff.new_field"), 400 if form.is_submitted() else 200)
    new = create.NewField(filled(form.id.data), form.type.data, form.section.data, filled(form.label_zh.data),
                          filled(form.label_en.data),
                          form.unit_zh.data or "", form.unit_en.data or "", list(form.entities.data or []),
                          float(form.minimum.data) if form.minimum.data is not None else None)
    return _draft(create.add_field(snapshot().files, new), create.STAFF_FIELDS)


@bp.route("/new/parameter", methods=["GET", "POST"])
@staff_required
def new_parameter():
    """Declare a new dated parameter (parameters/staff.yaml)."""
    form = ParameterForm()
    if not form.validate_on_submit():
        return _page(form, t("staff.new_parameter"), 400 if form.is_submitted() else 200)
    document, article, quote = filled(form.document_1.data), filled(form.article_1.data), filled(form.quote_1.data)
    values = [create.DatedValue(filled(form.from_1.data).isoformat(), float(filled(form.value_1.data)), document,
                                article, quote, form.url_1.data or "")]
    if form.from_2.data and form.value_2.data is not None:
        values.append(create.DatedValue(form.from_2.data.isoformat(), float(form.value_2.data),
                                        form.document_2.data or document,
                                        form.article_2.data or article,
                                        form.quote_2.data or quote, form.url_2.data or ""))
    changes = create.add_parameter(snapshot().files, filled(form.id.data), filled(form.label_zh.data), filled(form.label_en.data),
                                   form.unit_zh.data or "", form.unit_en.data or "", values)
    return _draft(changes, create.STAFF_PARAMETERS)


@bp.route("/measures/<measure_id>/window", methods=["GET", "POST"])
@staff_required
def new_window(measure_id: str):
    """Add an application window (申报时间) of a measure (windows.yaml)."""
    if measure_id not in snapshot().pack.index:
        abort(404)
    form = WindowForm()
    if form.validate_on_submit() and filled(form.closes.data) >= filled(form.opens.data):
        opens, closes = filled(form.opens.data), filled(form.closes.data)
        changes = create.add_window(snapshot().files, measure_id, opens.isoformat(), closes.isoformat(),
                                    form.url.data or "", form.note_zh.data or "")
        return _draft(changes, measure_id)
    if form.is_submitted() and not form.errors:
        form.closes.errors = [CLOSES_BEFORE_OPENS]
    return _page(form, f"{t('staff.window')} · {measure_id}", 400 if form.is_submitted() else 200)


@bp.post("/files/edit")
@staff_required
def edit_file():
    """Start a draft of any rule file (fields, parameters, windows, derived values): path= in the form."""
    files = snapshot().files
    path = request.form.get("path", "")
    if path not in files:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    draft = drafts.start_files(db(), files, {path: files[path]}, author(), path)
    store.audit(db(), "draft_saved", author(), path, Problem("audit.draft_started", {"draft": draft.id}))
    db().commit()
    return redirect(url_for("staff.draft", draft_id=draft.id))
