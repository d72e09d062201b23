"""The one-page client report (PDF with the Noto CJK font): from the client page and in bulk as a zip; the client
page and the report give each eligible measure's application window where the rules declare one."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pypdf
from sqlalchemy import select

from checker.agency.models import Client
from tests.agency.conftest import add_user, make_app, shut, sign_in
from tests.agency.util import GOOD, fetch, job_id_of, jsonl_bytes, upload
from tests.web.util import MINI_RULES

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
    assert "可申报的政策（1）" in text and "■研发补助甲·估算资金30.00万元" in text
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


def windowed_pack(tmp_path: Path) -> Path:
    """A copy of the mini pack whose grant-a declares a call for applications from 2026-03-01 to 2026-07-31."""
    rules = tmp_path / "windowed" / "rules"
    shutil.copytree(MINI_RULES, rules)
    (rules / "windows.yaml").write_text("windows:\n  - measure: grant-a\n    opens: 2026-03-01\n    closes: 2026-07-31\n"
                                        "    url: https://example.gov.cn/notice\n", encoding="utf-8")
    return rules


def test_the_client_page_and_its_report_show_each_eligible_measures_application_window(tmp_path):
    app = make_app(tmp_path, CHECKER_RULES=str(windowed_pack(tmp_path)))
    try:
        add_user(app, "a@example.com", "A")
        alice = app.test_client()
        sign_in(alice, "a@example.com")
        job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))  # checked as of 2026-06-01: the window is open
        with app.extensions["checker"].sessions() as session:
            ids = {c.key: c.id for c in session.scalars(select(Client))}
        page = alice.get(f"/agency/clients/{ids['k2']}").get_data(as_text=True)
        assert '<span class="window" data-measure="grant-a">申报时间 2026-03-01 至 2026-07-31（正在申报）</span>' in page
        assert page.count('class="window"') == 1  # relief-b, undetermined, declares no window
        english = alice.get(f"/agency/clients/{ids['k2']}?lang=en").get_data(as_text=True)
        assert "Application window 2026-03-01 to 2026-07-31 (open now)" in english
        text = _text(fetch(alice, f"/agency/clients/{ids['k2']}/report.pdf?lang=zh")[1])[1]
        assert "■研发补助甲·估算资金30.00万元申报时间2026-03-01至2026-07-31（正在申报）" in text
        text = _text(fetch(alice, f"/agency/clients/{ids['k2']}/report.pdf?lang=en")[1])[1]
        assert "Applicationwindow2026-03-01to2026-07-31(opennow)" in text
        summary = alice.get("/agency/portfolio?lang=zh").get_data(as_text=True)  # the summary: the window as of today
        row = summary.split('<tr data-measure="grant-a">')[1].split("</tr>")[0]
        assert '<td class="window">申报时间 2026-03-01 至 2026-07-31（' in row
    finally:
        shut(app)


def test_no_window_line_where_the_rules_declare_none(app, alice):
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(CLIENTS)))
    with app.extensions["checker"].sessions() as session:
        client_id = session.scalars(select(Client.id).where(Client.key == "k2")).one()
    assert 'class="window"' not in alice.get(f"/agency/clients/{client_id}").get_data(as_text=True)
    assert "申报时间" not in _text(fetch(alice, f"/agency/clients/{client_id}/report.pdf")[1])[1]
