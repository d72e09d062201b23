"""The one-page client report (PDF with the Noto CJK font): from the client page and in bulk as a zip."""

from __future__ import annotations

import io
import zipfile

import pypdf
from sqlalchemy import select

from checker.agency.models import Client
from tests.agency.util import GOOD, fetch, job_id_of, jsonl_bytes, upload

CLIENTS = [{**GOOD, "id": "k1", "name": "北京甲科技有限公司", "rd_expense_wan": 300, "has_cert": True},
           {**GOOD, "id": "k2", "name": "北京乙科技有限公司", "rd_expense_wan": 300}]


def _text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), text.replace("\x00", "").replace(" ", "").replace("\n", "")


def test_client_report_lists_eligible_open_questions_and_how_to_apply(app, alice):
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    with app.extensions["checker"].sessions() as session:
        ids = {c.key: c.id for c in session.scalars(select(Client))}
    page = alice.get(f"/agency/clients/{ids['k2']}").get_data(as_text=True)
    assert f'id="client-pdf" href="/agency/clients/{ids["k2"]}/report.pdf"' in page
    status, data = fetch(alice, f"/agency/clients/{ids['k2']}/report.pdf")
    pages, text = _text(data)
    assert status == 200 and data.startswith(b"%PDF") and pages == 1
    assert "政策申报自评报告" in text and "北京乙科技有限公司（k2）" in text
    assert "可申报的政策（1）" in text and "■研发补助甲·估算30.00万元" in text
    assert "还需补充的信息" in text and "□持有证书（涉及1项政策）" in text  # relief-b waits on has_cert
    assert "NotoSansCJK" in data.decode("latin-1")  # the CJK font is embedded
    english = _text(fetch(alice, f"/agency/clients/{ids['k1']}/report.pdf?lang=en")[1])[1]
    # relief-b has no end date and no confirmation: its criteria are met, but it is listed apart, not counted
    assert "Measuresyoumayapplyfor（1）" in english and "stillapplies（1）" in english
    assert "TaxreliefB" in english and "RuleA" not in english


def test_bulk_reports_of_a_job_as_a_zip(app, alice):
    job = job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    assert f'href="/agency/jobs/{job}/reports.zip?page=1"' in alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    status, data = fetch(alice, f"/agency/jobs/{job}/reports.zip?page=1")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert status == 200 and archive.namelist() == ["00001-k1.pdf", "00002-k2.pdf"]
    assert "北京甲科技有限公司" in _text(archive.read("00001-k1.pdf"))[1]
    assert alice.get(f"/agency/jobs/{job}/reports.zip?page=2").status_code == 404


def test_reports_are_the_agencys_own(app, alice, bob):
    job = job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS[:1])))
    with app.extensions["checker"].sessions() as session:
        client_id = session.scalars(select(Client.id)).first()
    assert bob.get(f"/agency/clients/{client_id}/report.pdf").status_code == 404
    assert bob.get(f"/agency/jobs/{job}/reports.zip").status_code == 404
