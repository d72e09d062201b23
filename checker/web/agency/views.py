"""Agency pages: sign in, upload client files, follow and download batch jobs, the portfolio."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from checker.accounts.tokens import issue_token, revoke_token, user_tokens
from checker.accounts.users import AccountError, owned
from checker.agency import dashboard as board_rows
from checker.agency import summary_sheet
from checker.agency.downloads import cached_summary, cached_workbook, write_job_workbook
from checker.agency.jobs import cancel_job
from checker.agency.models import Client, ClientResult, Job
from checker.agency.portfolio import Portfolio
from checker.agency.portfolio_summary import portfolio_summary
from checker.agency.recheck_models import Recheck
from checker.agency.results import (
    job_items,
    job_problems,
    job_sheets,
    portfolio_sheets,
    problem_counts,
)
from checker.agency.template import template_xlsx
from checker.agency.uploads import UploadError
from checker.agency.windows import window_text
from checker.columns import nearest_labels
from checker.i18n import N_, translate
from checker.models import utcnow
from checker.sheets.verdicts import column_label, money, money_text, status_of, titles, word
from checker.sheets.writer import iter_csv, write_xlsx
from checker.web.agency import forms
from checker.web.agency.common import (
    agency_id,
    agency_required,
    exports_folder,
    get_owned,
    job_from_file,
    setting,
    state,
    user,
)
from checker.web.i18n import current_lang, pick, t
from checker.web.services import db, pack, services

bp = Blueprint("agency", __name__, url_prefix="/agency")
SHOWN = 200
CHART_MEASURES = 15  # measures in the clients-by-measure chart (the summary table lists them all)
CHART_RECHECKS = 24  # rule changes in the newly-eligible chart
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.url_value_preprocessor
def _limits(_endpoint: str | None, _values: dict | None) -> None:
    """Allow larger request bodies on the upload page (runs before the CSRF check reads the form)."""
    if request.endpoint == "agency.upload":
        request.max_content_length = setting("AGENCY_MAX_UPLOAD")


def too_large_text(lang: str) -> str:
    """The refusal of a body over this request's limit (the upload limit on the upload routes), in MB, in the language."""
    limit = request.max_content_length or setting("AGENCY_MAX_UPLOAD")
    size = f"{limit / (1024 * 1024):.3g}"
    return translate("agency.too_large", lang, mb=size)


@bp.errorhandler(413)
def _too_large(_exc):
    """A file over the upload limit: the dashboard again, saying so in the page's language (the body is not read)."""
    form = forms.UploadForm(formdata=None)
    form.file.errors = [too_large_text(current_lang())]
    return _dashboard(form, 413)


# Keys the agency pages build at run time (t('agency.st_' ~ job.status), t('agency.' ~ r.status), ...).
RUNTIME_KEYS = (
    N_("agency.delivery_pending"), N_("agency.delivery_delivered"), N_("agency.delivery_failed"),
    N_("agency.st_queued"), N_("agency.st_running"), N_("agency.st_done"), N_("agency.st_cancelled"),
    N_("agency.st_failed"), N_("agency.money_cash"), N_("agency.money_tax_saving"), N_("agency.money_financing"),
    N_("agency.token_active"), N_("agency.token_expired"), N_("agency.token_revoked"),
    N_("agency.eligible"), N_("agency.undetermined"), N_("agency.ineligible"),
    N_("agency.newly_eligible"), N_("agency.no_longer_eligible"), N_("agency.newly_undetermined"),
    N_("agency.newly_ineligible"), N_("agency.sort_key"), N_("agency.sort_count"), N_("agency.sort_money"),
    N_("agency.sort_call"), N_("agency.by_district"), N_("agency.by_industry"),
)
HOOK_ERRORS = {"refused": N_("agency.hook_err_refused"), "unresolved": N_("agency.hook_err_unresolved"),
               "timeout": N_("agency.hook_err_timeout"), "tls": N_("agency.hook_err_tls"),
               "connection": N_("agency.hook_err_connection"), "no_webhook": N_("agency.hook_err_no_webhook")}


def delivery_error(stored: str) -> str:
    """The text of a delivery's stored failure category (rows stored before categories read as a failed connection)."""
    kind, _, status = stored.strip().lower().partition(" ")
    if not kind:
        return "—"
    if kind == "http" and status.isdigit():
        return t("agency.hook_err_http", status=status)
    return t(HOOK_ERRORS.get(kind, HOOK_ERRORS["connection"]))


@bp.context_processor
def _helpers() -> dict:
    """Template helpers of the agency pages."""
    return {"column_label": lambda column: column_label(pack(), column, current_lang()),
            "district_label": _district_label,
            "window_text": lambda measure, as_of: window_text(pack(), measure, as_of, current_lang()),
            "status_word": lambda item: word(status_of(item), current_lang()),
            "eligible_count": lambda result: money(pack(), result)[0],
            "money_text": lambda item: money_text(pack(), item, current_lang()),
            "delivery_error": delivery_error}


def _district_label(value: str) -> str:
    """A district's name in the page's language ("not given" for clients without one)."""
    decl = pack().fields.get("district")
    labels = {c.value: pick(c.label) for c in (decl.values or ())} if decl is not None else {}
    return labels.get(value, value) if value else t("agency.not_given")


def _dashboard(form: forms.UploadForm, status: int = 200):
    """The upload form and the agency's jobs."""
    jobs = db().scalars(owned(select(Job), user()).order_by(Job.id.desc()).limit(100)).all()
    return render_template("agency/dashboard.html", form=form, jobs=jobs, max_rows=setting("AGENCY_MAX_ROWS"),
                           max_mb=setting("AGENCY_MAX_UPLOAD") // (1024 * 1024)), status


@bp.get("/")
@agency_required
def dashboard():
    """The agency's home page."""
    return _dashboard(forms.UploadForm())


@bp.get("/template.xlsx")
@agency_required
def template():
    """The upload template of the current rule pack."""
    return Response(template_xlsx(pack()), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="clients-template-{pack().version}.xlsx"'})


@bp.post("/upload")
@agency_required
def upload():
    """Store every row of an uploaded file as a queued job and hand it to the runner."""
    form = forms.UploadForm()
    if not form.validate_on_submit():
        return _dashboard(form, 400)
    try:
        job = job_from_file(form.file.data, user(), form.as_of.data or dt.date.today(), current_lang())
    except UploadError as exc:
        db().rollback()
        form.file.errors = [t("agency.bad_file") + str(exc)]
        return _dashboard(form, 400)
    db().commit()
    state().runner.submit(job.id)
    return redirect(url_for("agency.job", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@agency_required
def job(job_id: int):
    """A job's progress, its rejected rows, and its results so far."""
    found = get_owned(Job, job_id)
    names = titles(pack(), current_lang())
    # While the job runs the page reloads often: only progress and problems then, the results once it is over.
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    summary = cached_summary(_exports(), db(), found, pack(), current_lang()) if found.finished else None
    items = list(job_items(db(), job_id, SHOWN, (page - 1) * SHOWN)) if found.finished else []
    pages = max(1, -(-summary.clients // SHOWN)) if summary else 1
    unread = [(header, nearest_labels(pack(), header)) for header in found.unread or []]
    return render_template("agency/job.html", job=found, problems=list(job_problems(db(), job_id, 1000)), page=page,
                           unread=unread,
                           problem_counts=problem_counts(db(), job_id),
                           pages=pages, items=items, names=names, summary=summary, shown=SHOWN,
                           cancel_form=forms.CancelForm())


def progress_of(found: Job) -> dict:
    """A job's progress as JSON."""
    percent = round(100 * found.done / found.total, 1) if found.total else 100.0
    return {**found.progress(), "errors": found.errors, "checked": found.done - found.errors, "percent": percent,
            "rulepack": found.rulepack, "backend": found.backend, "as_of": found.as_of.isoformat()}


@bp.get("/jobs/<int:job_id>/progress")
@agency_required
def progress(job_id: int):
    """The progress the page's script polls."""
    return jsonify(progress_of(get_owned(Job, job_id)))


@bp.post("/jobs/<int:job_id>/cancel")
@agency_required
def cancel(job_id: int):
    """Cancel a job that has not finished."""
    found = get_owned(Job, job_id)
    if forms.CancelForm().validate_on_submit() and cancel_job(db(), found):
        db().commit()
        flash(t("agency.cancelled"))
    return redirect(url_for("agency.job", job_id=job_id))


def _xlsx(sheets: dict, stem: str, front: tuple | None = None) -> Response:
    """All sheets as one XLSX file (after a first sheet written elsewhere, if given), spooled to a temporary file
    that send_file closes once sent."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    write_xlsx(sheets.values(), spool, front=front)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=f"{stem}.xlsx")


def _csv(build: Callable[[Session], dict], sheet: str, stem: str) -> Response:
    """One table as a streamed CSV, read through its own session, closed when the stream ends or is dropped."""
    sessions = services().sessions

    def chunks() -> Iterator[bytes]:
        session = sessions()
        try:
            tables = build(session)
            yield from iter_csv(tables.get(sheet) or tables["matrix"])
        finally:
            session.close()

    name = f"{stem}-{sheet if sheet in ('matrix', 'detail', 'problems') else 'matrix'}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(chunks(), mimetype="text/csv; charset=utf-8", headers=headers)


def _exports() -> Path:
    """The folder of cached job workbooks."""
    return exports_folder(current_app)


@bp.get("/jobs/<int:job_id>/results.<any(csv, xlsx):fmt>")
@agency_required
def download(job_id: int, fmt: str):
    """A job's results in the page's language: matrix and problems (cached once the job is over), detail with
    ?detail=1; as CSV one sheet chosen by ?sheet=."""
    found, current, lang = get_owned(Job, job_id), pack(), current_lang()
    with_detail = request.args.get("detail") == "1"
    if fmt == "xlsx" and found.finished and not with_detail:
        path = cached_workbook(_exports(), db(), found, current, lang)
        return send_file(path, mimetype=XLSX, as_attachment=True, download_name=f"job-{job_id}.xlsx")
    if fmt == "xlsx":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
        write_job_workbook(_exports(), db(), found, current, lang, spool, with_detail)
        spool.seek(0)
        return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=f"job-{job_id}.xlsx")
    return _csv(lambda session: job_sheets(session, job_id, current, lang, True), request.args.get("sheet", "matrix"),
                f"job-{job_id}")


@bp.get("/portfolio")
@agency_required
def portfolio():
    """The agency's dashboard: the kept summary as charts beside their tables, and its clients sorted and filtered."""
    names = titles(pack(), current_lang())
    summary = portfolio_summary(services().sessions, agency_id(), pack(), current_lang())
    every = board_rows.rows(summary.board, pack(), dt.date.today())
    sort = request.args.get("sort", "key") if request.args.get("sort") in board_rows.SORTS else "key"
    measure = request.args.get("measure", "") if request.args.get("measure") in names else ""
    least = max(request.args.get("min", 0, type=int) or 0, 0)
    chosen = board_rows.select_rows(every, sort, measure, least)
    page, total = max(request.args.get("page", 1, type=int) or 1, 1), len(chosen)
    board = summary.board or board_rows.empty_board()
    return render_template("agency/portfolio.html", items=chosen[(page - 1) * SHOWN:page * SHOWN], total=total,
                           names=names, page=page, pages=max(1, -(-total // SHOWN)), summary=summary,
                           form=forms.RecheckForm(), shown=SHOWN, sort=sort, measure=measure, least=least,
                           call_first=board_rows.call_first(every), rechecks=_recheck_history(),
                           districts=board_rows.slices(board["districts"]),
                           industries=board_rows.slices(board["industries"]),
                           by_measure=sorted((m for m in summary.measures if m.counted or m.counts.get("undetermined")
                                              or m.held), key=lambda m: (-m.counted, -m.counts.get("undetermined", 0),
                                                                         m.measure))[:CHART_MEASURES])


def _recheck_history() -> list[Recheck]:
    """The agency's finished rechecks, oldest first: how many clients each rule change made 可申报."""
    query = (select(Recheck).where(Recheck.agency_id == agency_id(), Recheck.status == "done")
             .order_by(Recheck.id.desc()).limit(CHART_RECHECKS))
    return list(reversed(db().scalars(query).all()))


@bp.get("/portfolio/results.<any(csv, xlsx):fmt>")
@agency_required
def portfolio_download(fmt: str):
    """The portfolio's latest results as a download."""
    agency, current, lang = agency_id(), pack(), current_lang()
    with_detail = request.args.get("detail") == "1" or fmt == "csv"

    def build(session: Session) -> dict:
        return portfolio_sheets(Portfolio(session, agency), current, lang, with_detail)

    if fmt == "xlsx":  # the kept summary's charts and pivot table first, then the data sheets
        summary = portfolio_summary(services().sessions, agency, current, lang)
        return _xlsx(build(db()), "portfolio", (summary_sheet.NAME, summary_sheet.summary_parts(summary, lang)))
    return _csv(build, request.args.get("sheet", "matrix"), "portfolio")


@bp.get("/clients/<int:client_id>")
@agency_required
def client(client_id: int):
    """One client: its answers and every stored check."""
    found = get_owned(Client, client_id)
    history = db().scalars(owned(select(ClientResult), user()).where(ClientResult.client_id == found.id)
                           .order_by(ClientResult.id.desc())).all()
    return render_template("agency/client.html", client=found, history=history, names=titles(pack(), current_lang()))


@bp.route("/tokens", methods=["GET", "POST"])
@agency_required
def tokens():
    """The user's API tokens with name, expiry, last use and state; a new one is shown once."""
    form = forms.TokenForm()
    new, status = None, 200
    if form.validate_on_submit():
        new = issue_token(db(), user(), form.label.data or "", int(form.days.data))
        db().commit()
        form = forms.TokenForm(formdata=None)  # an empty form, so a reload does not make a second token by accident
    elif request.method == "POST":
        status = 400
    mine = user_tokens(db(), user())
    return render_template("agency/tokens.html", form=form, new=new, tokens=mine, now=utcnow()), status


@bp.post("/tokens/<int:token_id>/revoke")
@agency_required
def revoke(token_id: int):
    """Revoke one of the user's API tokens: it stops working at once."""
    if forms.RevokeForm().validate_on_submit():
        try:
            found = revoke_token(db(), token_id, user())
        except AccountError:
            abort(404)
        db().commit()
        flash(t("agency.token_revoked_flash", name=found.label or "#" + str(found.id)))
    return redirect(url_for("agency.tokens"))
