"""The one-page client report (PDF with the Noto CJK font): from the client page and in bulk as a zip; the client
page and the report give each eligible measure's application window where the rules declare one."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from checker.agency.jobs import compact
from checker.agency.models import Client
from checker.agency.report_pdf import BAR_HEIGHT, CHART_WIDTH, CHART_X, client_pdf
from checker.rules.loader import load_pack
from checker.sheets.verdicts import ClientVerdicts
from tests.agency.conftest import add_user, make_app, shut, sign_in
from tests.agency.test_tax_totals import _both
from tests.agency.util import GOOD, fetch, job_id_of, jsonl_bytes, upload
from tests.answer.test_answer_v2 import RULES as ANSWER_RULES
from tests.answer.test_tax_scenarios import AS_OF, PROFILES, by_id
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


PT = 72 / 25.4  # PDF points per millimetre


def _bars(data: bytes) -> list[float]:
    """The widths (mm) of the money chart's bars, top to bottom: rectangles of the bar height starting at the chart."""
    stream = pypdf.PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    found = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (-[\d.]+) re [BfS]", stream)
    bars = [(float(y), float(w)) for x, y, w, h in found
            if abs(float(x) - CHART_X * PT) < 0.02 and abs(float(h) + BAR_HEIGHT * PT) < 0.02]
    return [w / PT for _, w in sorted(bars, reverse=True)]


def test_the_report_draws_money_by_type_beside_its_table_with_the_same_numbers():
    pack = load_pack(ANSWER_RULES)  # a stored result without totals: priced by answer.stored_totals
    result = {"rulepack": pack.version, "as_of": "2026-06-01", "results": [
        {"measure": "cash-ok", "status": "eligible", "amount_wan": 7.0, "currency": "in_force"},
        {"measure": "loan", "status": "eligible", "amount_wan": 100.0, "currency": "in_force"},
        {"measure": "rate15", "status": "eligible", "amount_wan": 20.0, "currency": "in_force"},
        {"measure": "small-low-profit", "status": "eligible", "amount_wan": 40.0, "currency": "in_force"}]}
    data = client_pdf(pack, ClientVerdicts("k9", "北京丙科技有限公司", result))
    text = _text(data)[1]
    assert "预计金额（按类型）" in text
    # each type's figure twice, in the table and as its bar's label; the tax saving of one scenario (40, not 20 + 40)
    assert "资金支持（万元）7.007.00" in text and "税收减免（万元）40.0040.00" in text
    assert "融资支持（万元）100.00100.00" in text and "60.00" not in text
    assert _bars(data) == pytest.approx([CHART_WIDTH * 7 / 100, CHART_WIDTH * 40 / 100, CHART_WIDTH], abs=0.01)
    english = _text(client_pdf(pack, ClientVerdicts("k9", "k9", result), "en"))[1]
    assert "Estimatedmoneybytype" in english


def test_the_reports_tax_figure_is_the_company_pages_one_scenario_total(pack, reference):
    profile = next(p for p in PROFILES if _both(reference.check(p, AS_OF).to_json()))
    page = reference.check(profile, AS_OF).to_json()
    data = client_pdf(pack, ClientVerdicts("k1", "k1", compact(reference.check(profile, AS_OF))))
    total = page["totals"]["tax_saving_wan"]
    assert f"税收减免（万元）{total:,.2f}{total:,.2f}" in _text(data)[1]
    items = by_id(page)
    added = sum(items[m]["benefit"]["amount_wan"] for m in ("small-low-profit", "hte-tax-rate"))
    assert total < added and f"{added:,.2f}" not in _text(data)[1]
    assert _bars(data)[-1] == pytest.approx(CHART_WIDTH, abs=0.01)  # the tax bar, the largest here
