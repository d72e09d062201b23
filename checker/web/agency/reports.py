"""Per-client PDF reports on the agency pages: one client's latest check, or a page of a job's clients as a zip."""

from __future__ import annotations

import tempfile

from flask import Response, abort, request, send_file
from sqlalchemy import select

from checker.agency.accounts import owned
from checker.agency.export import ClientVerdicts
from checker.agency.models import Client, ClientResult, Job
from checker.agency.report_pdf import client_pdf, reports_zip
from checker.agency.results import job_items
from checker.web.agency.common import agency_required, get_owned, user
from checker.web.agency.views import bp
from checker.web.i18n import current_lang
from checker.web.services import db, pack

PDF_PAGE = 50  # clients per bulk zip: each report embeds a subset of the CJK font (~2 s each)


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
    """The reports of one page of a job's clients (?page=, PDF_PAGE a page) as a zip of PDFs."""
    get_owned(Job, job_id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    items = list(job_items(db(), job_id, PDF_PAGE, (page - 1) * PDF_PAGE))
    if not items:
        abort(404)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
    reports_zip(pack(), items, spool, current_lang())
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=f"job-{job_id}-reports-{page}.zip")
