"""Alerts on the company pages: leave an address on a saved result, confirm it by its link, unsubscribe in one click.

The sending and the looking for news run in a background thread (ALERTS_BACKGROUND, default AGENCY_BACKGROUND: on
under `checker serve`, off in tests, which call `sweep_now`), started with the app and woken by a new subscription;
never inside a request's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from checker import config
from checker.alerts import service
from checker.alerts.mailer import LogMailer, Mailer, SmtpMailer, mailer_from
from checker.company.models import Assessment
from checker.web.i18n import current_lang, t
from checker.web.services import Services, db, pack

bp = Blueprint("alerts", __name__)
log = logging.getLogger(__name__)
KEY = "alerts"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass
class AlertState:
    """The app's mailer, the links its mails carry and the background sweeper."""

    mailer: Mailer
    links: service.Links
    wake: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


def state(app: Flask | None = None) -> AlertState:
    """The alert state of the (current) app."""
    return (app or current_app).extensions[KEY]


@bp.post("/a/<token>/alerts")
def subscribe(token: str):
    """Leave an address for this saved result; a confirmation mail goes out (the same answer whatever was known)."""
    assessment = db().scalars(select(Assessment).where(Assessment.token == token)).first()
    if assessment is None:
        return render_template("errors/404.html"), 404
    address = service.valid_address(request.form.get("email", ""))
    if address is None:
        flash(t("alerts.bad_address"))
        return redirect(url_for("assess.show", token=token, _anchor="alerts"))
    service.subscribe(db(), assessment, address, current_lang(), state().links)
    db().commit()
    state().wake.set()
    flash(t("alerts.check_inbox"))
    return redirect(url_for("assess.show", token=token, _anchor="alerts"))


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows one button (so a mail scanner opening the link confirms nothing); POST confirms."""
    found = service.pending(db(), token)
    if found is None:
        return render_template("alerts/page.html", message=t("alerts.link_expired")), 404
    if request.method == "GET" and found.confirmed_at is None:
        return render_template("alerts/page.html", message=t("alerts.confirm_prompt"), button=t("alerts.confirm_button"))
    service.confirm(db(), token, pack(), dt.date.today())
    db().commit()
    return render_template("alerts/page.html", message=t("alerts.confirmed"))


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """One-click unsubscribe (RFC 8058: a POST of List-Unsubscribe=One-Click, or the page's one button)."""
    if request.method == "GET":
        return render_template("alerts/page.html", message=t("alerts.unsubscribe_prompt"),
                               button=t("alerts.unsubscribe_button"), exempt=True)
    service.unsubscribe(db(), token)
    db().commit()
    return render_template("alerts/page.html", message=t("alerts.unsubscribed"))


def base_url(app: Flask) -> str:
    """The public address mails link to: CHECKER_BASE_URL (config or environment), else the local server's."""
    return str(app.config.get("CHECKER_BASE_URL") or os.environ.get("CHECKER_BASE_URL") or DEFAULT_BASE_URL)


def sweep_now(app: Flask, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """One round of the alert work with the live rules; how many mails were tried."""
    services: Services = app.extensions["checker"]
    alerts = state(app)
    with services.lease(fresh=True) as checker:
        return service.sweep(services.sessions, checker, alerts.mailer, alerts.links, today, now)


def _sweeper(app: Flask, alerts: AlertState, interval: float) -> None:
    """Sweep at start (a pack changed while the server was down is seen now), then every interval or when woken."""
    while not alerts.stopping.is_set():
        alerts.wake.clear()
        try:
            sweep_now(app)
        except Exception:  # the sweeper must survive a database or mail hiccup
            log.exception("alert sweep failed")
        alerts.wake.wait(interval)


def init_app(app: Flask) -> AlertState:
    """Register the alert pages, pick the mailer (SMTP or log-only) and start the sweeper when ALERTS_BACKGROUND asks
    (default: as AGENCY_BACKGROUND, which `checker serve` turns on)."""
    if KEY in app.extensions:
        return app.extensions[KEY]
    alerts = app.extensions[KEY] = AlertState(app.config.get("ALERTS_MAILER") or mailer_from(app.config),
                                              service.Links(base_url(app)))
    app.register_blueprint(bp)
    from checker.web import csrf

    csrf.exempt(unsubscribe)  # the mail client's one-click POST carries no form token; the link's token is the secret
    if isinstance(alerts.mailer, SmtpMailer):
        log.info("alert mails go through SMTP %s:%s", alerts.mailer.host, alerts.mailer.port)
    elif isinstance(alerts.mailer, LogMailer):
        log.info("alert mails are only logged (MAIL_SERVER unset)")
    if app.config.get("ALERTS_BACKGROUND", config.setting("AGENCY_BACKGROUND", app.config)):
        alerts.thread = threading.Thread(target=_sweeper, name="alert-sweep", daemon=True,
                                         args=(app, alerts, float(app.config.get("ALERTS_SWEEP_S", 60))))
        alerts.thread.start()
    return alerts


def stop(app: Flask) -> None:
    """Stop the sweeper thread, if any."""
    alerts = app.extensions.get(KEY)
    if alerts is not None and alerts.thread is not None:
        alerts.stopping.set()
        alerts.wake.set()
        alerts.thread.join(timeout=10)
