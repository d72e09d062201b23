"""Forms of the staff pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


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
