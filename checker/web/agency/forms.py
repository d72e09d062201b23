"""Forms of the agency pages."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from checker.web.forms import SelectChoice


class UploadForm(FlaskForm):
    """A client file and the date to check on."""

    file = FileField("file", validators=[FileRequired(), FileAllowed(["csv", "xlsx", "jsonl"])])
    as_of = DateField("as_of", validators=[Optional()], default=dt.date.today)


class RecheckForm(FlaskForm):
    """A button (with CSRF token) re-checking the portfolio."""


class CancelForm(FlaskForm):
    """A button (with CSRF token) cancelling a job."""


TOKEN_DAYS = (30, 90, 180, 365)


class TokenForm(FlaskForm):
    """The name and life of a new API token."""

    label = StringField("label", validators=[DataRequired(), Length(max=100)])
    days = SelectField("days", choices=[SelectChoice(str(d)) for d in TOKEN_DAYS], default="90")


class RevokeForm(FlaskForm):
    """A button (with CSRF token) revoking an API token."""


class WebhookForm(FlaskForm):
    """The URL the agency's events are posted to."""

    url = StringField("url", validators=[DataRequired(), Length(max=500)])
