"""Results: the client × measure matrix, the detail sheet and the summary; downloads neutralise formulas."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from checker.agency.export import ClientVerdicts, summarise
from tests.agency.util import GOOD, csv_bytes, job_id_of, jsonl_bytes, upload

CLIENTS = [
    {**GOOD, "id": "=HYPERLINK(\"http://evil.example\")"},
    {**GOOD, "id": "plain", "rd_expense_wan": 50, "has_cert": True},
    {**GOOD, "id": "@SUM(1)", "rd_expense_wan": 300, "has_cert": True},
    {**GOOD, "id": "bad", "employees": -1},
]


def _job(alice) -> int:
    return job_id_of(upload(alice, "clients.jsonl", jsonl_bytes(CLIENTS)))


def test_csv_matrix_is_neutralised_and_complete(alice):
    job = _job(alice)
    response = alice.get(f"/agency/jobs/{job}/results.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["row", "client", "name"] and "grant-a 研发补助甲" in header
    assert [r[1] for r in body] == ["'=HYPERLINK(\"http://evil.example\")", "plain", "'@SUM(1)"]
    col = header.index("grant-a 研发补助甲")
    assert [r[col] for r in body] == ["eligible", "ineligible", "eligible"]
    assert [r[col + 1] for r in body] == ["20.0", "", "30.0"]
    assert [r[header.index("relief-b 税收减免乙")] for r in body] == ["undetermined", "eligible", "eligible"]
    assert [r[-1] for r in body] == ["20.0", "5.0", "35.0"]


def test_detail_lists_failed_criteria_and_open_questions(alice):
    job = _job(alice)
    text = alice.get(f"/agency/jobs/{job}/results.csv?sheet=detail").data.decode("utf-8-sig")
    rows = {(r["client"], r["measure"]): r for r in csv.DictReader(io.StringIO(text))}
    assert rows[("plain", "grant-a")]["criteria_failed"] == "rd"
    assert rows[("plain", "grant-a")]["status"] == "ineligible"
    assert rows[("'=HYPERLINK(\"http://evil.example\")", "relief-b")]["open_questions"] == "has_cert"


def test_xlsx_has_matrix_detail_and_problems_without_formulas(alice):
    job = _job(alice)
    response = alice.get(f"/agency/jobs/{job}/results.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["matrix", "detail", "problems"]
    cell = book["matrix"]["B2"]
    assert cell.value == "'=HYPERLINK(\"http://evil.example\")" and cell.data_type == "s"
    assert all(c.data_type != "f" for row in book["matrix"].iter_rows() for c in row)
    problems = [[c.value for c in row] for row in book["problems"].iter_rows()]
    assert problems == [["row", "column", "reason"], [4, "employees", "must be at least 0"]]


def test_summary_counts_clients_per_measure_and_total_benefit(alice):
    job = _job(alice)
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert '<strong id="summary-clients">3</strong>' in page
    assert '<strong id="summary-total">60.00</strong>' in page
    assert '<tr data-measure="grant-a"><td>研发补助甲</td><td class="n">2</td>' in page


def test_summarise_handles_measures_missing_from_old_results():
    item = ClientVerdicts("k", "n", {"rulepack": "x", "as_of": "2026-01-01", "results": [
        {"measure": "gone", "status": "eligible", "benefit": {"amount_wan": 3}, "criteria": [], "missing": []}]})
    summary = summarise([item], {"grant-a": "A"})
    assert summary.amount_wan == 3 and [m.measure for m in summary.measures] == ["grant-a", "gone"]


def test_portfolio_download_and_english_labels(alice):
    _job(alice)
    text = alice.get("/agency/portfolio/results.csv?lang=en").data.decode("utf-8-sig")
    assert "grant-a R&D grant A" in text.splitlines()[0] and "'@SUM(1)" in text
    book = load_workbook(io.BytesIO(alice.get("/agency/portfolio/results.xlsx").data))
    assert book.sheetnames == ["matrix", "detail"]


def test_csv_upload_cells_with_formulas_are_stored_as_text(alice):
    job = job_id_of(upload(alice, "f.csv", csv_bytes([{**GOOD, "id": "+1-2"}])))
    assert "'+1-2" in alice.get(f"/agency/jobs/{job}/results.csv").data.decode("utf-8-sig")
