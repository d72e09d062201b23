"""A parameter's new value from a date ("从某日起新值"), started from a measure that reads it: a draft of the dated
entry and, when asked, an example of the measure checked on that date."""

from __future__ import annotations

import datetime as dt

from flask import abort, render_template
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

from checker.i18n import N_
from checker.staff import create, param_value
from checker.staff.builder import BuildError, number
from checker.web.forms import filled
from checker.web.i18n import current_lang, t
from checker.web.staff.common import bp, snapshot, staff_required
from checker.web.staff.create import TEXT, _draft

# The form's labels (t('staff.value.' ~ name) in the template), listed for `pybabel extract`.
LABELS = (N_("staff.value.start"), N_("staff.value.value"), N_("staff.value.document"), N_("staff.value.article"),
          N_("staff.value.quote"), N_("staff.value.url"), N_("staff.value.reason"), N_("staff.value.add_example"))


class ValueForm(FlaskForm):
    """The new value, the day it starts, its source and why."""

    start = DateField("start", validators=[DataRequired()])
    value = StringField("value", validators=[DataRequired(), Length(max=40)])
    document = StringField("document", validators=TEXT)
    article = StringField("article", validators=TEXT)
    quote = TextAreaField("quote", validators=[DataRequired(), Length(max=2000)])
    url = StringField("url", validators=[Optional(), URL()])
    reason = StringField("reason", validators=[Optional(), Length(max=300)])
    add_example = BooleanField("add_example", default=True)


@bp.route("/measures/<measure_id>/parameters/<name>/value", methods=["GET", "POST"])
@staff_required
def new_value(measure_id: str, name: str):
    """Add a value of a parameter the measure reads, from a date, into a draft."""
    snap = snapshot()
    if measure_id not in snap.pack.index or name not in snap.pack.parameters or name not in snap.pack.measure(measure_id).reads:
        abort(404)
    form = ValueForm()
    tested: list[str] | None = None
    if form.validate_on_submit():
        day = filled(form.start.data)
        tested = param_value.tested_after(snap.pack, name, day)
        try:
            value = create.DatedValue(day.isoformat(), float(number(filled(form.value.data), 1)), filled(form.document.data),
                                      filled(form.article.data), filled(form.quote.data), form.url.data or "")
            example = measure_id if form.add_example.data and not tested else None
            changes = param_value.new_value(snap.files, snap.pack, name, value, (form.reason.data or "").strip(), example)
        except (BuildError, param_value.ValueRefused) as exc:
            form.form_errors.append(exc.problem.text(current_lang()))
        else:
            return _draft(changes, name)
    return render_template("staff/new_value.html", form=form, measure_id=measure_id, name=name,
                           decl=snap.pack.parameters[name].decl, periods=param_value.periods(snap.pack, name),
                           tested=tested, today=dt.date.today(), title=t("staff.value.title")), \
        400 if form.is_submitted() else 200
