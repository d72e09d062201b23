"""Per-client PDF reports on the agency pages: one client's latest check, or a page of a job's clients as a zip."""

from __future__ import annotations

from flask import Response, abort, render_template, request, send_file
from sqlalchemy import select

from checker.accounts.users import owned
from checker.agency.models import Client, ClientResult, Job
from checker.agency.report_pdf import client_pdf
from checker.agency.report_zips import ZipState, build_zip, zip_path, zip_state
from checker.agency.results import job_items
from checker.sheets.verdicts import ClientVerdicts
from checker.web.agency.common import agency_required, get_owned, state, user
from checker.web.agency.views import _exports, bp
from checker.web.i18n import current_lang
from checker.web.services import db, pack

PDF_PAGE = 50  # clients per bulk zip: each report embeds a subset of the CJK font (1-2 s of CPU each)


@bp.get("/clients/<int:client_id>/report.pdf")
@agency_required
def client_report(client_id: int):
    """A client's one-page report on its newest check, in the page's language."""
    found = get_owned(Client, client_id)
    latest = db().scalars(owned(select(ClientResult), user()).where(ClientResult.client_id == found.id)
                          .order_by(ClientResult.id.desc()).limit(1)).first()
    if latest is None:
        abort(404)
    data = client_pdf(pack(), ClientVerdicts(found.key, found.name, latest.result, client_id=found.id), current_lang())
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="client-{found.id}.pdf"'})


@bp.get("/jobs/<int:job_id>/reports.zip")
@agency_required
def job_reports(job_id: int):
    """The reports of one page of a job's clients (?page=, PDF_PAGE a page) as a zip of PDFs, built in the background
    and kept: 202 and a page that follows its progress (and reloads) until it is ready, then the file."""
    found = get_owned(Job, job_id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    lang = current_lang()
    path = zip_path(_exports(), found, page, lang, pack().version)
    if not path.exists() and not state().zips.busy(path):
        items = list(job_items(db(), job_id, PDF_PAGE, (page - 1) * PDF_PAGE))
        if not items:
            abort(404)
        current = pack()
        state().zips.submit(path, len(items), lambda: build_zip(current, items, path, lang))
    if path.exists():
        return send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=f"job-{job_id}-reports-{page}.zip")
    progress = zip_state(path) or ZipState(False, 0, 0)
    return render_template("agency/zip_wait.html", job=found, page=page, progress=progress), 202, {"Retry-After": "2"}
