"""Results: the client × measure matrix, the detail sheet and the summary; downloads neutralise formulas."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from checker.agency.export import ClientVerdicts, detail, summarise, to_xlsx, worth_detail
from checker.agency.jobs import compact
from tests.agency.util import GOOD, csv_bytes, fetch, job_id_of, jsonl_bytes, upload

CLIENTS = [
    {**GOOD, "id": "=HYPERLINK(\"http://evil.example\")"},
    {**GOOD, "id": "plain", "rd_expense_wan": 50, "has_cert": True},
    {**GOOD, "id": "@SUM(1)", "rd_expense_wan": 300, "has_cert": True},
    ["bad", "not an object"],  # unreadable as a whole: rejected, not in the matrix
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
    status, data = fetch(alice, f"/agency/jobs/{job}/results.xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["matrix", "detail", "problems"]
    cell = book["matrix"]["B2"]
    assert cell.value == "'=HYPERLINK(\"http://evil.example\")" and cell.data_type == "s"
    assert all(c.data_type != "f" for row in book["matrix"].iter_rows() for c in row)
    problems = [[c.value for c in row] for row in book["problems"].iter_rows()]
    assert problems == [["row", "column", "reason"], [4, "row", "each line must be a JSON object"]]


def test_summary_counts_clients_per_measure_and_total_benefit(alice):
    job = _job(alice)
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert '<strong id="summary-clients">3</strong>' in page
    assert '<strong id="summary-total">60.00</strong>' in page
    assert '<tr data-measure="grant-a"><td>研发补助甲</td><td class="n">2</td>' in page


def test_summarise_handles_measures_missing_from_old_results():
    item = ClientVerdicts("k", "n", {"rulepack": "x", "as_of": "2026-01-01", "results": [
        {"measure": "gone", "status": "eligible", "amount_wan": 3}]})
    summary = summarise([item], {"grant-a": "A"})
    assert summary.amount_wan == 3 and [m.measure for m in summary.measures] == ["grant-a", "gone"]


def test_portfolio_download_and_english_labels(alice):
    _job(alice)
    text = alice.get("/agency/portfolio/results.csv?lang=en").data.decode("utf-8-sig")
    assert "grant-a R&D grant A" in text.splitlines()[0] and "'@SUM(1)" in text
    book = load_workbook(io.BytesIO(fetch(alice, "/agency/portfolio/results.xlsx")[1]))
    assert book.sheetnames == ["matrix", "detail"]


def test_csv_upload_cells_with_formulas_are_stored_as_text(alice):
    job = job_id_of(upload(alice, "f.csv", csv_bytes([{**GOOD, "id": "+1-2"}])))
    assert "'+1-2" in alice.get(f"/agency/jobs/{job}/results.csv").data.decode("utf-8-sig")


def test_compact_result_keeps_what_the_cli_json_says(durable, pack):
    import datetime as dt
    import json

    from checker.intake import read_profile
    from tests.web.util import example_profile

    as_of = dt.date(2026, 6, 1)
    result = durable.check(read_profile(pack, example_profile(), as_of), as_of)
    full, small = result.to_json(), compact(result)
    assert (small["rulepack"], small["as_of"]) == (full["rulepack"], full["as_of"])
    for f, s in zip(full["results"], small["results"], strict=True):
        assert (s["measure"], s["status"], s["amount_wan"]) == (f["measure"], f["status"], f["benefit"]["amount_wan"])
        assert s.get("failed", []) == [c["id"] for c in f["criteria"] if c["status"] == "not_met"]
        assert s.get("missing", []) == f["missing"]
    assert len(json.dumps(small, ensure_ascii=False)) * 5 < len(json.dumps(full, ensure_ascii=False))


def test_detail_keeps_actionable_measures_and_near_misses():
    assert worth_detail({"status": "undetermined"}) and worth_detail({"status": "eligible"})
    assert worth_detail({"status": "ineligible", "failed": ["rd"]})
    assert not worth_detail({"status": "ineligible", "failed": ["rd", "staff"]})
    assert not worth_detail({"status": "ineligible", "failed": ["in_force"]})
    item = ClientVerdicts("k", "n", {"rulepack": "x", "as_of": "2026-01-01", "results": [
        {"measure": "a", "status": "ineligible", "amount_wan": None, "failed": ["x", "y"]},
        {"measure": "b", "status": "undetermined", "amount_wan": 2, "missing": ["q"]}]})
    _, rows = detail([item], {})
    assert [r[3] for r in rows] == ["b"]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit():
    table = (["n"], ([i] for i in range(5)))
    book = load_workbook(io.BytesIO(to_xlsx({"matrix": table}, limit=3)))
    assert book.sheetnames == ["matrix", "matrix-2", "matrix-3"]
    assert [[c.value for c in r] for r in book["matrix-2"].iter_rows()] == [["n"], [2], [3]]


def test_downloads_return_their_database_connections(app, alice):
    job = _job(alice)
    pool = app.extensions["checker"].engine.pool
    for url in (f"/agency/jobs/{job}/results.csv", f"/agency/jobs/{job}/results.csv?sheet=detail",
                "/agency/portfolio/results.csv", f"/agency/jobs/{job}/results.xlsx"):
        with alice.get(url) as response:
            assert response.status_code == 200 and response.data
        assert pool.checkedout() == 0, url
