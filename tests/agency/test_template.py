"""The downloadable template: Chinese headers mapped back to codes, Chinese dropdowns, formats, 填写说明, round trip."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from checker.agency.jobs import row_answers
from checker.agency.models import ClientResult, JobRow
from checker.agency.template import CLIENTS, CODES, HELP, OPTIONS, template_xlsx
from checker.columns import field_of, read_answers
from tests.agency.util import job_id_of, upload


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_template_download_has_chinese_headers_dropdowns_and_formats(alice):
    response = alice.get("/agency/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = _book(response.data)
    assert book.sheetnames[:2] == [CLIENTS, HELP]
    assert (book[CODES].sheet_state, book[OPTIONS].sheet_state) == ("hidden", "hidden")
    sheet = book[CLIENTS]
    header = [c.value for c in sheet[1]]
    codes = [c.value for c in book[CODES][1]]
    assert header[:1] == ["客户编号"] and codes[0] == "id"
    assert {"主体类型", "研发费用（万元）", "职工总数（人）", "持有证书", "发证日期"} <= set(header)
    assert sheet.freeze_panes == "B2" and sheet["B1"].font.b
    col = {code: i for i, code in enumerate(codes)}
    letter = {code: chr(ord("A") + i) for code, i in col.items()}
    assert header[col["rd_expense_wan"]] == "研发费用（万元）"
    lists = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    entity = lists[letter["entity_type"] + "2"]
    assert entity.type == "list" and OPTIONS in entity.formula1
    assert [c.value for c in book[OPTIONS][letter["entity_type"]]] == ["企业", "科技企业孵化器"]
    assert lists[letter["has_cert"] + "2"].formula1 == '"是,否,不清楚"'
    assert lists[letter["cert_on"] + "2"].type == "date" and lists[letter["employees"] + "2"].type == "whole"
    formats = {code: sheet.column_dimensions[letter[code]].number_format for code in ("cert_on", "employees", "rd_expense_wan")}
    assert formats == {"cert_on": "yyyy-mm-dd", "employees": "#,##0", "rd_expense_wan": "#,##0.00"}


def test_help_sheet_explains_every_column_with_an_example_row(alice):
    book = _book(alice.get("/agency/template.xlsx").data)
    lines = [[c.value for c in row] for row in book[HELP].iter_rows()]
    assert lines[0][0] == "填写说明" and any("不清楚" in str(line[0]) for line in lines[1:8])
    table = lines[lines.index(["列名", "字段代码", "类型", "单位", "说明", "可选值", "示例"]) + 1:]
    by_code = {line[1]: line for line in table}
    assert by_code["entity_type"] == ["主体类型", "entity_type", "下拉选择", None, None, "企业、科技企业孵化器", "企业"]
    assert by_code["cert_on"][2:] == ["日期", None, None, None, "2021-11-07"]
    assert by_code["has_cert"][-1] == "是" and by_code["id"][-1] == "K001"
    assert len(table) == len(book[CODES][1])


def test_a_filled_template_round_trips(app, alice):
    book = _book(template_xlsx(app.extensions["checker"].pack))
    sheet = book[CLIENTS]
    codes = [c.value for c in book[CODES][1]]
    values = {"id": "t1", "entity_type": "企业", "rd_expense_wan": 300, "employees": 50, "tech_staff": 10,
              "has_cert": "是", "cert_on": dt.datetime(2024, 1, 2), "联系人": None}
    sheet.append([values.get(code) for code in codes])
    sheet.cell(1, len(codes) + 1, "联系人")
    sheet.cell(2, len(codes) + 1, "王经理")
    data = io.BytesIO()
    book.save(data)
    job = job_id_of(upload(alice, "filled.xlsx", data.getvalue()))
    progress = alice.get(f"/agency/jobs/{job}/progress").json
    assert progress | {"checked": 1, "errors": 0, "status": "done"} == progress
    with app.extensions["checker"].sessions() as session:
        row = session.scalars(select(JobRow).where(JobRow.job_id == job)).one()
        result = session.scalars(select(ClientResult).where(ClientResult.job_id == job)).one().result
        pack = app.extensions["checker"].pack
        assert row.problems == [] and result["extra"] == {"联系人": "王经理"}
        assert read_answers(pack, row_answers(session, job)[row.number], dt.date(2026, 6, 1)).values == {
            "entity_type": "enterprise", "rd_expense_wan": 300.0, "employees": 50, "tech_staff": 10, "has_cert": True,
            "cert_on": dt.date(2024, 1, 2)}


def test_every_real_pack_header_maps_back_to_its_code(pack):
    book = _book(template_xlsx(pack))
    header = [c.value for c in book[CLIENTS][1]]
    codes = [c.value for c in book[CODES][1]]
    assert len(codes) == len(pack.fields) + 1
    assert [field_of(pack, h) for h in header] == codes
    assert len(book[CLIENTS].data_validations.dataValidation) > 10


def test_the_credit_code_and_client_number_columns_are_text_so_excel_keeps_every_digit(pack):
    book = _book(template_xlsx(pack))
    codes = [c.value for c in book[CODES][1]]
    sheet = book[CLIENTS]
    for code in ("id", "credit_code"):
        letter = get_column_letter(codes.index(code) + 1)
        assert sheet.column_dimensions[letter].number_format == "@", code
