"""Forms of the staff pages."""

from __future__ import annotations

import decimal
import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DecimalField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from checker.i18n import N_

# Messages of the staff forms' own checks: catalogue keys, put into the page's language by form_error().
NOT_A_NUMBER = N_("staff.form.not_a_number")
BAD_THRESHOLD = N_("staff.form.bad_threshold")
BAD_ID = N_("staff.form.bad_id")
BAD_MEASURE_ID = N_("staff.form.bad_measure_id")
CLOSES_BEFORE_OPENS = N_("staff.form.closes_before_opens")
FORM_ERRORS = (NOT_A_NUMBER, BAD_THRESHOLD, BAD_ID, BAD_MEASURE_ID, CLOSES_BEFORE_OPENS)
_SEPARATOR = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")


def without_thousands(value: Any) -> Any:
    """A typed number without thousands separators (5,000 and 5，000 become 5000); anything else unchanged."""
    return _SEPARATOR.sub("", value.strip()) if isinstance(value, str) else value


class NumberField(DecimalField):
    """A decimal that may be typed with thousands separators; any other text says "write a number, e.g. 5000"."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Read the typed number, separators removed."""
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        try:
            self.data = decimal.Decimal(without_thousands(str(valuelist[0])))
        except (decimal.InvalidOperation, ValueError):
            self.data = None
            raise ValueError(NOT_A_NUMBER) from None


class EditForm(FlaskForm):
    """A rule file's text, or an uploaded file replacing it."""

    text = TextAreaField("text", validators=[Length(max=1_000_000)])
    path = HiddenField("path")
    upload = FileField("upload", validators=[FileAllowed(["yaml", "yml"])])


class CommentForm(FlaskForm):
    """Publish or roll back: a required reason."""

    comment = StringField("comment", validators=[DataRequired(), Length(max=2000)])


class ButtonForm(FlaskForm):
    """A button with its CSRF token."""


class SampleFileForm(FlaskForm):
    """An impact preview over a sample file in the agency template (CSV, XLSX or JSONL) on a date."""

    upload = FileField("upload", validators=[FileRequired(), FileAllowed(["csv", "xlsx", "jsonl"])])
    as_of = DateField("as_of", validators=[DataRequired()])


class RegistryForm(FlaskForm):
    """An impact preview over N generated registry profiles (a seed makes the same ones again) on a date."""

    n = IntegerField("n", default=100_000, validators=[DataRequired(), NumberRange(1, 1_000_000)])
    seed = IntegerField("seed", default=7, validators=[InputRequired(), NumberRange(0, 2**31 - 1)])
    as_of = DateField("as_of", validators=[DataRequired()])
