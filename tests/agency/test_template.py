"""The downloadable template: field ids, bilingual comments, help sheet and data-validation lists."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from checker.agency.template import template_xlsx
from tests.agency.util import job_id_of, upload


def test_template_download_has_headers_help_and_validation(alice):
    response = alice.get("/agency/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["clients"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "id" and {"entity_type", "rd_expense_wan", "has_cert", "cert_on"} <= set(header)
    comments = {c.value: c.comment.text for c in sheet[1]}
    assert "主体类型 / Type of entity" in comments["entity_type"]
    assert "enterprise" in comments["entity_type"] and "万元" in comments["rd_expense_wan"]
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    col = {name: i for i, name in enumerate(header)}
    entity = next(v for v in lists if "values" in v.formula1)
    assert str(entity.sqref).startswith(chr(ord("A") + col["entity_type"]) + "2")
    values = [c.value for c in book["values"][chr(ord("A") + col["entity_type"])][1:]]
    assert values == ["enterprise", "incubator"]
    assert any(v.formula1 == '"true,false,unknown"' for v in lists)
    assert any(v.type == "whole" for v in sheet.data_validations.dataValidation)
    fields = [[c.value for c in row] for row in book["fields"].iter_rows()]
    assert fields[0][:3] == ["id", "标签", "label"] and ["employees", "职工总数", "Employees"] in [f[:3] for f in fields]


def test_a_filled_template_uploads(app, alice):
    book = load_workbook(io.BytesIO(template_xlsx(app.extensions["checker"].pack)))
    sheet = book["clients"]
    header = [c.value for c in sheet[1]]
    values = {"id": "t1", "entity_type": "enterprise", "rd_expense_wan": 300, "employees": 50, "tech_staff": 10,
              "has_cert": "true", "cert_on": "2024-01-02"}
    sheet.append([values.get(h) for h in header])
    data = io.BytesIO()
    book.save(data)
    job = job_id_of(upload(alice, "filled.xlsx", data.getvalue()))
    assert alice.get(f"/agency/jobs/{job}/progress").json | {"checked": 1, "errors": 0} == alice.get(
        f"/agency/jobs/{job}/progress").json


def test_real_pack_template_opens(pack):
    book = load_workbook(io.BytesIO(template_xlsx(pack)), read_only=False)
    assert book["clients"].max_column == len(pack.fields) + 1
    assert len(book["clients"].data_validations.dataValidation) > 10
