"""Outputs an agency hands over: matrix, problems and detail in the page's language, asserted cell by cell."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checker.agency.jobs import compact
from checker.sheets.verdicts import ClientVerdicts, detail, summarise, worth_detail
from checker.sheets.writer import Sheet, to_xlsx
from tests.agency.util import GOOD, csv_bytes, fetch, job_id_of, jsonl_bytes, upload

CLIENTS = [
    {**GOOD, "id": "=HYPERLINK(\"http://evil.example\")", "联系人": "王经理"},
    {**GOOD, "id": "plain", "rd_expense_wan": 50, "has_cert": True},
    {**GOOD, "id": "@SUM(1)", "rd_expense_wan": 300, "has_cert": True, "备注": "老客户"},
    ["bad", "not an object"],  # unreadable as a whole: listed as a problem, not in the matrix
    {**GOOD, "id": "c5", "employees": "很多"},
]
ZH_HEADER = ["行号", "客户编号", "名称", "可申报项数", "资金支持（万元）", "税收减免（万元）", "融资支持（万元）",
             "研发补助甲", "税收减免乙", "孵化空间支持丙", "联系人", "备注", "规则包版本", "评估日期"]
EN_HEADER = ["Row", "Client", "Name", "Eligible measures", "Cash (10k CNY)", "Tax saving (10k CNY)", "Financing (10k CNY)",
             "R&D grant A", "Tax relief B", "Incubator space support C", "联系人", "备注", "Rule pack", "Checked as of"]
CRITERION_RD = "研发费用不低于100万元"
EVIL = "=HYPERLINK(\"http://evil.example\")"  # as the agency typed it: an XLSX inline string is never evaluated
NEUTRALISED = "'" + EVIL  # in a CSV, which spreadsheet programs do evaluate


def _job(alice) -> int:
    return job_id_of(upload(alice, "clients.jsonl", jsonl_bytes(CLIENTS)))


def _values(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_xlsx_matrix_in_chinese_cell_by_cell(alice):
    job = _job(alice)
    status, data = fetch(alice, f"/agency/jobs/{job}/results.xlsx")
    book = load_workbook(io.BytesIO(data))
    assert status == 200 and book.sheetnames == ["汇总", "客户×政策", "问题清单"]
    rows = _values(book["客户×政策"])
    assert rows[0] == ZH_HEADER
    version = rows[1][12]
    # relief-b (税收减免乙) has no end date and no confirmation: met, but marked to check and never counted
    assert rows[1:] == [
        [1, EVIL, EVIL, 1, 20, None, None, "可申报", "待完善", "不符合", "王经理", None, version, "2026-06-01"],
        [2, "plain", "plain", 0, None, None, None, "不符合", "可申报（向主管部门核实）", "不符合", None, None, version,
         "2026-06-01"],
        [3, "@SUM(1)", "@SUM(1)", 1, 30, None, None, "可申报", "可申报（向主管部门核实）", "不符合", None, "老客户", version,
         "2026-06-01"],
        [5, "c5", "c5", 0, None, None, None, "待完善", "待完善", "不符合", None, None, version, "2026-06-01"],
    ]
    assert all(c.data_type != "f" for row in book["客户×政策"].iter_rows() for c in row)
    problems = _values(book["问题清单"])
    unnamed = f"job{job}-row4"  # a line that is not an object names no client: its job and row stand in
    assert problems == [["行号", "客户编号", "名称", "列", "问题"], [4, unnamed, unnamed, "row", "该行不是 JSON 对象"],
                        [5, "c5", "c5", "职工总数", "“很多”不是数字"]]


@pytest.mark.parametrize("query", ["", "?detail=1"])
def test_a_job_workbook_opens_on_the_summary_sheet_with_native_charts(alice, query):
    job = _job(alice)
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx{query}")[1]))
    assert book.sheetnames[:2] == ["汇总", "客户×政策"] and book.active.title == "汇总"
    charts = book["汇总"]._charts
    assert len(charts) == 2 and {type(c).__name__ for c in charts} == {"BarChart"}
    rows = _values(book["汇总"])
    money = {row[0]: row[1] for row in rows if row[0] in ("资金支持（万元）", "税收减免（万元）", "融资支持（万元）")}
    assert money == {"资金支持（万元）": 50, "税收减免（万元）": 0, "融资支持（万元）": 0}  # the job page's money
    assert '<li data-kind="cash">资金支持（万元）: <strong>50.00</strong></li>' in page
    by_measure = {row[0]: row[1:4] for row in rows[1:] if row[0] and row[1] is not None and row[0] != "资金支持（万元）"}
    assert by_measure["研发补助甲"] == [2, 1, 0]  # 可申报, 待完善, 已获得 of the matrix above


def test_a_job_workbooks_summary_is_tallied_in_the_matrix_pass_and_kept_for_the_job_page(app, alice, monkeypatch):
    from checker.agency import downloads
    job = _job(alice)
    for kept in Path(app.config["AGENCY_EXPORTS"]).glob(f"job-{job}-*"):
        kept.unlink()  # written ahead by the worker: the download writes them now

    def second_pass(*args, **kwargs):
        raise AssertionError("the job's results were read a second time for its summary")

    monkeypatch.setattr(downloads, "summarise_facts", second_pass)
    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx")[1]))
    assert book.sheetnames[0] == "汇总" and len(book["汇总"]._charts) == 2
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)  # reads the summary the download kept
    assert '<strong id="summary-clients">4</strong>' in page
    assert '<li data-kind="cash">资金支持（万元）: <strong>50.00</strong></li>' in page


def test_xlsx_layout_frozen_filtered_sized_styled(alice):
    job = _job(alice)
    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx")[1]))
    sheet = book["客户×政策"]
    assert sheet.freeze_panes == "D2" and sheet.auto_filter.ref == "A1:N5"
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.column_dimensions["H"].width >= 10 and sheet.column_dimensions["B"].width >= 14
    assert sheet["E2"].number_format == "#,##0.00"


def test_english_page_gives_english_workbook(alice):
    job = _job(alice)
    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx?lang=en")[1]))
    assert book.sheetnames == ["汇总", "matrix", "problems"]
    rows = _values(book["matrix"])
    assert rows[0] == EN_HEADER and rows[1][7:10] == ["Eligible", "Needs answers", "Not eligible"]
    assert _values(book["problems"])[2] == [5, "c5", "c5", "Employees", "'很多' is not a number"]


def test_the_default_workbook_is_written_once_and_cached(app, alice, tmp_path):
    job = _job(alice)
    first = fetch(alice, f"/agency/jobs/{job}/results.xlsx")[1]
    cached = list((tmp_path / "exports").glob(f"job-{job}-*-zh-*.xlsx"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    cached[0].write_bytes(b"cached!")  # a second download is served from the file, not rebuilt
    assert fetch(alice, f"/agency/jobs/{job}/results.xlsx")[1] == b"cached!"
    assert fetch(alice, f"/agency/jobs/{job}/results.xlsx?lang=en")[1] != b"cached!"


def test_unknown_amount_is_a_dash_never_zero(alice):
    rows = [{"id": "inc", "entity_type": "科技企业孵化器", "incubator_area_m2": 1200}, {**GOOD, "id": "g"}]
    job = job_id_of(upload(alice, "inc.csv", csv_bytes(rows), as_of="2027-06-01"))
    book = load_workbook(io.BytesIO(fetch(alice, f"/agency/jobs/{job}/results.xlsx?detail=1")[1]))
    matrix = _values(book["客户×政策"])
    # space-c (from 2027, no end date, no confirmation) is met but unconfirmed: marked, not counted, no "0.00"
    # rows as Excel shows them: the header is row 1, the first client row 2
    assert matrix[1][:10] == [2, "inc", "inc", 0, None, None, None, "不符合", "待完善", "可申报（向主管部门核实）"]
    assert matrix[2][:7] == [3, "g", "g", 1, 20, None, None]
    detail_rows = {(r[1], r[3]): r for r in _values(book["明细"])[1:]}
    assert detail_rows[("inc", "孵化空间支持丙")][4:7] == ["可申报（向主管部门核实）", "—", "资金"]
    assert detail_rows[("g", "研发补助甲")][4:7] == ["可申报", 20, "资金"]
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert '<li data-kind="cash">资金支持（万元）: <strong>20.00' in page and 'id="summary-total"' not in page  # no mixed sum
    assert "可申报（向主管部门核实） · —" in page and "可申报 · 资金 20.00 万元" in page and " 0.00 " not in page


def test_detail_csv_translates_criteria_and_questions(alice):
    job = _job(alice)
    text = alice.get(f"/agency/jobs/{job}/results.csv?sheet=detail").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["行号", "客户编号", "名称", "政策", "状态", "估算金额（万元）", "支持类型", "未满足条件", "尚需回答"]
    by = {(r[1], r[3]): r for r in rows[1:]}
    assert by[("plain", "研发补助甲")][4:] == ["不符合", "—", "资金", CRITERION_RD, ""]
    assert by[(NEUTRALISED, "税收减免乙")][4:] == ["待完善", "5.0", "减税", "", "持有证书"]


def test_job_page_links_each_client_and_counts_eligible(alice):
    job = _job(alice)
    page = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    assert '<strong id="summary-clients">4</strong>' in page
    assert 'data-kind="tax_saving"' not in page  # relief-b is unconfirmed: its 5 万元 a client is not counted
    assert '<li data-kind="cash">资金支持（万元）: <strong>50.00</strong></li>' in page
    assert '<a href="/agency/clients/' in page and '<td class="n">1</td>' in page


def test_portfolio_download_in_english_with_detail(alice):
    _job(alice)
    text = alice.get("/agency/portfolio/results.csv?lang=en").data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Row,Client,Name,Eligible measures") and "'@SUM(1)" in text
    book = load_workbook(io.BytesIO(fetch(alice, "/agency/portfolio/results.xlsx?lang=zh")[1]))
    assert book.sheetnames == ["汇总", "客户×政策"]  # the summary with its charts first
    book = load_workbook(io.BytesIO(fetch(alice, "/agency/portfolio/results.xlsx?detail=1")[1]))
    assert book.sheetnames == ["汇总", "客户×政策", "明细"]


def test_summarise_handles_measures_missing_from_old_results():
    item = ClientVerdicts("k", "n", {"rulepack": "x", "as_of": "2026-01-01", "results": [
        {"measure": "gone", "status": "eligible", "amount_wan": 3}]})
    summary = summarise([item], {"grant-a": "A"})
    assert summary.amount_wan == 3 and [m.measure for m in summary.measures] == ["grant-a", "gone"]


def test_answer_v2_fields_are_read_when_present():
    item = ClientVerdicts("k", "n", {"results": [
        {"measure": "t", "status": "eligible", "benefit": {"type": "tax_saving", "amount_wan": None, "tax_saving_wan": 7}},
        {"measure": "f", "status": "eligible", "benefit": {"type": "financing", "amount_wan": 100}},
        {"measure": "h", "status": "eligible", "held": {"since": "2020-01-01", "until": None}, "amount_wan": 9}]})
    summary = summarise([item], {})
    assert summary.money == {"cash": None, "tax_saving": 7, "financing": 100} and summary.amount_wan == 107


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
    assert [r[3] for r in detail([item], {}).rows] == ["b"]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit():
    book = load_workbook(io.BytesIO(to_xlsx([Sheet("matrix", ["n"], ([i] for i in range(5)))], limit=3)))
    assert book.sheetnames == ["matrix", "matrix-2", "matrix-3"]
    assert _values(book["matrix-2"]) == [["n"], [2], [3]]


def test_downloads_return_their_database_connections(app, alice):
    job = _job(alice)
    pool = app.extensions["checker"].engine.pool
    for url in (f"/agency/jobs/{job}/results.csv", f"/agency/jobs/{job}/results.csv?sheet=detail",
                "/agency/portfolio/results.csv", f"/agency/jobs/{job}/results.xlsx"):
        with alice.get(url) as response:
            assert response.status_code == 200 and response.data
        assert pool.checkedout() == 0, url


def test_a_finished_job_page_paginates_and_keeps_its_summary(alice, monkeypatch, tmp_path):
    import json

    monkeypatch.setattr("checker.web.agency.views.SHOWN", 2)
    job = _job(alice)
    first = alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
    second = alice.get(f"/agency/jobs/{job}?page=2").get_data(as_text=True)
    assert first.count('<td><a href="/agency/clients/') == 2 == second.count('<td><a href="/agency/clients/')
    assert 'id="pages"' in first
    assert ">plain</a>" in first and ">c5</a>" not in first and ">c5</a>" in second and ">plain</a>" not in second
    kept = next((tmp_path / "exports").glob(f"job-{job}-*-summary-*.json"))
    data = json.loads(kept.read_text(encoding="utf-8"))
    assert data["clients"] == 4
    kept.write_text(json.dumps({**data, "clients": 99}), encoding="utf-8")  # the page reads the kept summary
    assert '<strong id="summary-clients">99</strong>' in alice.get(f"/agency/jobs/{job}").get_data(as_text=True)
