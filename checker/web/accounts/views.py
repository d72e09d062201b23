"""The sign-in pages of agency users and policy staff."""

from __future__ import annotations

import math

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from checker.accounts import sessions
from checker.accounts.models import User
from checker.accounts.users import authenticate
from checker.web.accounts import devices, session_limits
from checker.web.i18n import t
from checker.web.redirects import safe_next
from checker.web.services import db

bp = Blueprint("accounts", __name__, url_prefix="/agency")


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form."""
    form = LoginForm()
    if form.validate_on_submit():
        account, address = (form.email.data or "").strip().lower(), request.remote_addr or ""
        device = devices.known_device(account)
        throttle = current_app.extensions["accounts"].throttle
        wait, admitted = throttle.admit(account, address, device)  # counted as a failure until it succeeds
        if wait > 0:
            flash(t("agency.throttled"))
            return render_template("agency/login.html", form=form), 429, {"Retry-After": str(math.ceil(wait))}
        found = authenticate(db(), form.email.data or "", form.password.data or "")
        if found is not None:
            throttle.succeed(account, admitted, device)
            _begin_session(found)
            home = url_for("staff.index") if found.role == "staff" else url_for("agency.dashboard")
            return devices.remember(redirect(safe_next(request.args.get("next"), home)), account)
        flash(t("agency.bad_login"))
        return render_template("agency/login.html", form=form), 401
    return render_template("agency/login.html", form=form)


def _begin_session(found: User) -> None:
    """End any session the cookie held, then start a new server-side one for the user."""
    sessions.end(db(), str(session.pop("sid", "")))
    session["sid"] = sessions.start(db(), found, session_limits())
    db().commit()
    login_user(found)


@bp.post("/logout")
def logout():
    """Sign out: the server-side session ends, so a copy of the cookie no longer signs anyone in."""
    sessions.end(db(), str(session.pop("sid", "")))
    db().commit()
    logout_user()
    return redirect(url_for("accounts.login"))
