"""Portfolio rechecks on the agency pages: started in the background, followed with progress, kept per rule version."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import Flask, abort, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from checker.agency import webhooks
from checker.agency.models import Client
from checker.agency.portfolio import KINDS
from checker.agency.recheck import needs_recheck, pending_rechecks, start_recheck, sweep, version_sweep
from checker.agency.recheck_models import Recheck, RecheckChange, Webhook
from checker.agency.work import recheck_work
from checker.jobs.runners import JobRunner, runners
from checker.sheets.verdicts import titles
from checker.web.agency import forms
from checker.web.agency.common import agency_id, agency_required, get_owned, setting, user, webhook_dispatch
from checker.web.agency.views import bp
from checker.web.i18n import current_lang, t
from checker.web.services import Services, db, may_start_threads, pack

PAGE = 100
log = logging.getLogger(__name__)
KEY = "agency_rechecks"


def make_recheck_runner(app: Flask, services: Services) -> JobRunner:
    """The runner of rechecks: Celery tasks when CHECKER_BROKER_URL is set, inline when jobs run inline (tests), else its
    own background thread."""
    dispatch = webhook_dispatch(app, services)

    def celery(broker: str) -> JobRunner:
        """More than one machine: each recheck is a task for `checker worker` processes."""
        from checker.agency.distributed import CeleryRecheckRunner, make_celery

        return CeleryRecheckRunner(make_celery(broker), lambda: services.pack.version)

    work = recheck_work(services.sessions, lambda: services.lease(fresh=True), dispatch)
    return runners(app).make(work, "agency-rechecks", celery)


def _sweep(services: Services, runner: JobRunner) -> None:
    """Queue and run the rechecks a rule publication calls for (every agency checked on an older version)."""
    if services.live is not None and hasattr(services.live, "refresh"):
        services.live.refresh()
    with services.sessions() as session:
        queued = sweep(session, services.pack.version) + version_sweep(session, services.pack, dt.date.today())
        session.commit()
    for recheck_id in queued:
        runner.submit(recheck_id)


def _sweeper(services: Services, runner: JobRunner, stopping: threading.Event, interval: float,
             allow_private: bool = False) -> None:
    """Every interval, look for a newly published rule version and re-check the portfolios it concerns, and try
    again the webhook deliveries whose retry is due."""
    while not stopping.wait(interval):
        try:
            _sweep(services, runner)
        except Exception:  # the sweeper must survive a database hiccup
            log.exception("portfolio recheck sweep failed")
        try:
            webhooks.deliver_due(services.sessions, allow_private=allow_private,
                                 dispatch=webhooks.in_thread(services.sessions, allow_private))
        except Exception:
            log.exception("webhook retry sweep failed")


def init_rechecks(app: Flask, services: Services) -> None:
    """Give the app its recheck runner, resume unfinished rechecks, and re-check portfolios after a publication
    (at start, then every AGENCY_RECHECK_SWEEP_S seconds in a background thread unless jobs run inline); with a thread
    runner only when AGENCY_BACKGROUND asks."""
    runner = app.extensions[KEY] = make_recheck_runner(app, services)
    try:
        with services.sessions() as session:
            pending = pending_rechecks(session)
    except DBAPIError:
        return
    if not app.config.get("AGENCY_RESUME", True) or not may_start_threads(app, runner):
        return
    for recheck_id in pending:
        runner.submit(recheck_id)
    _sweep(services, runner)
    if not runners(app).inline:
        stopping = threading.Event()
        thread = threading.Thread(target=_sweeper, name="agency-recheck-sweep", daemon=True,
                                  args=(services, runner, stopping, app.config.get("AGENCY_RECHECK_SWEEP_S", 60),
                                        bool(app.config.get("AGENCY_WEBHOOK_PRIVATE", False))))
        app.extensions[KEY + "_sweeper"] = (stopping, thread)
        thread.start()


def stop_rechecks(app: Flask) -> None:
    """Stop the sweeper and the recheck runner."""
    sweeper = app.extensions.pop(KEY + "_sweeper", None)
    if sweeper is not None:
        sweeper[0].set()
        sweeper[1].join(timeout=10)
    runner = app.extensions.get(KEY)
    if runner is not None:
        runner.stop()


def _submit(recheck: Recheck) -> None:
    from flask import current_app

    current_app.extensions[KEY].submit(recheck.id)


@bp.before_request
def _after_publish() -> None:
    """Once rules were published, the first agency page seen starts the portfolio's recheck in the background."""
    current = getattr(user(), "agency_id", None) if getattr(user(), "is_authenticated", False) else None
    if current is None or request.method != "GET" or g.get("recheck_checked"):
        return
    g.recheck_checked = True
    if needs_recheck(db(), current, pack().version):
        recheck = start_recheck(db(), current, pack().version, "publish")
        db().commit()
        _submit(recheck)


@bp.context_processor
def _banner() -> dict:
    """The newest recheck on the live rule version, for the banner on every agency page."""
    def banner() -> Recheck | None:
        if not getattr(user(), "is_authenticated", False) or getattr(user(), "agency_id", None) is None:
            return None
        query = select(Recheck).where(Recheck.agency_id == user().agency_id, Recheck.rulepack == pack().version)
        return db().scalars(query.order_by(Recheck.id.desc()).limit(1)).first()

    return {"recheck_banner": banner}


@bp.post("/portfolio/recheck")
@agency_required
def portfolio_recheck():
    """Start re-checking every client against the live rules, in the background, and follow it."""
    if not forms.RecheckForm().validate_on_submit():
        return redirect(url_for("agency.portfolio"))
    recheck = start_recheck(db(), agency_id(), pack().version)
    db().commit()
    _submit(recheck)
    return redirect(url_for("agency.recheck", recheck_id=recheck.id))


@bp.get("/rechecks")
@agency_required
def rechecks():
    """Every recheck of the agency, newest first: the kept, dated change reports per rule version."""
    found = db().scalars(select(Recheck).where(Recheck.agency_id == user().agency_id).order_by(Recheck.id.desc())
                         .limit(200)).all()
    return render_template("agency/rechecks.html", rechecks=found)


@bp.get("/rechecks/<int:recheck_id>")
@agency_required
def recheck(recheck_id: int):
    """A recheck's progress and its change report, one kind and one page at a time."""
    found = get_owned(Recheck, recheck_id)
    kind = request.args.get("kind", "newly_eligible")
    if kind not in KINDS:
        abort(404)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    counts = dict(db().execute(select(RecheckChange.kind, func.count()).where(RecheckChange.recheck_id == recheck_id)
                               .group_by(RecheckChange.kind)).all())
    query = (select(RecheckChange, Client.key, Client.name).join(Client, Client.id == RecheckChange.client_id)
             .where(RecheckChange.recheck_id == recheck_id, RecheckChange.kind == kind)
             .order_by(RecheckChange.id).offset((page - 1) * PAGE).limit(PAGE))
    changes = db().execute(query).all()
    return render_template("agency/recheck.html", recheck=found, kind=kind, kinds=KINDS, counts=counts, changes=changes,
                           page=page, pages=max(1, -(-counts.get(kind, 0) // PAGE)), names=titles(pack(), current_lang()))


@bp.route("/webhook", methods=["GET", "POST"])
@agency_required
def webhook():
    """The agency's optional signed webhook: its URL; a new secret is shown once on saving."""
    form = forms.WebhookForm()
    secret, error = None, None
    if form.validate_on_submit():
        try:
            url = webhooks.check_url(form.url.data or "", setting("AGENCY_WEBHOOK_PRIVATE"))
        except webhooks.Refused as exc:
            error = t(exc.key, **exc.params)
        else:
            secret = webhooks.set_webhook(db(), agency_id(), url).secret
            db().commit()
    found = db().scalars(select(Webhook).where(Webhook.agency_id == agency_id())).first()
    log_rows = webhooks.deliveries(db(), agency_id())
    return render_template("agency/webhook.html", form=form, hook=found, secret=secret, error=error,
                           deliveries=log_rows), 400 if error else 200
