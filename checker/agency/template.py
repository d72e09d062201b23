"""The downloadable upload template: Chinese headers, Chinese dropdowns, date and number formats, a 填写说明 sheet.

Sheet 客户信息 is filled in; its header row carries each field's Chinese label (unit in brackets), which the upload
maps back to the field (checker.columns); the hidden sheet 字段代码 keeps each column's field code, and the hidden
sheet 选项 the dropdown lists. Sheet 填写说明 explains every column and shows an example row.
"""

from __future__ import annotations

import io
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from checker.columns import field_of
from checker.rules.pack import RulePack
from checker.rules.schema import FieldDecl

TEMPLATE_ROWS = 5000
CLIENTS, CODES, OPTIONS, HELP = "客户信息", "字段代码", "选项", "填写说明"
BOOL_LABELS = ("是", "否", "不清楚")
BOOL_LIST = '"' + ",".join(BOOL_LABELS) + '"'
ID_HEADER = "客户编号"
FORMATS = {"date": "yyyy-mm-dd", "int": "#,##0", "decimal": "#,##0.00", "text": "@"}
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE = {"text": "北京示例科技有限公司", "int": 50, "decimal": 300, "date": "2021-11-07", "bool": "是"}
HELP_COLUMNS = ["列名", "字段代码", "类型", "单位", "说明", "可选值", "示例"]
TYPE_NAMES = {"int": "整数", "decimal": "数字", "bool": "是/否", "enum": "下拉选择", "date": "日期", "text": "文字"}
INSTRUCTIONS = (
    "1. 在“客户信息”表中每行填写一家客户，第一行为列名，请勿修改或删除。",
    "2. 不清楚的问题请留空或填“不清楚”，系统不会把空白当作“否”或 0。",
    "3. 日期可填 2021-11-07、2021/11/7 或 2021年11月7日；金额单位为万元，可填 5,000 或 500万。",
    "4. 带下拉箭头的列请从列表中选择；也可填写选项的中文名称。",
    "5. 可以增加“联系人”“备注”等自用列，上传时会原样保留在结果中，不影响判断。",
    "6. 某一格填写有误时，只有该项按“不清楚”处理，该客户的其余回答照常判断，并在问题清单中列出。",
)


def ordered_fields(pack: RulePack) -> list[FieldDecl]:
    """The pack's fields in form order: by section, then as declared."""
    order = {s.id: i for i, s in enumerate(sorted(pack.sections, key=lambda s: s.order))}
    return sorted(pack.fields.values(), key=lambda d: order.get(d.section, len(order)))


def header_of(pack: RulePack, decl: FieldDecl) -> str:
    """A field's column header: its Chinese label, the unit in brackets; the code is added if the label is ambiguous."""
    header = f"{decl.label.zh}（{decl.unit.zh}）" if decl.unit else decl.label.zh
    return header if field_of(pack, header) == decl.id else f"{header}【{decl.id}】"


def option_labels(decl: FieldDecl) -> list[str]:
    """The Chinese labels of a field's dropdown."""
    return list(BOOL_LABELS) if decl.type == "bool" else [c.label.zh for c in decl.values or ()]


def _validation(decl: FieldDecl, values_ref: str | None) -> DataValidation | None:
    """The data validation of a field's column, if its values are constrained."""
    if decl.type == "enum" and values_ref:
        return DataValidation(type="list", formula1=values_ref, allow_blank=True, showErrorMessage=True)
    if decl.type == "bool":
        return DataValidation(type="list", formula1=BOOL_LIST, allow_blank=True, showErrorMessage=True)
    if decl.type == "date":
        return DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True, showErrorMessage=True)
    if decl.type in ("int", "decimal") and decl.min is not None:
        kind: Literal["whole", "decimal"] = "whole" if decl.type == "int" else "decimal"
        if decl.max is not None:
            return DataValidation(type=kind, operator="between", formula1=f"{decl.min:g}", formula2=f"{decl.max:g}",
                                  allow_blank=True)
        return DataValidation(type=kind, operator="greaterThanOrEqual", formula1=f"{decl.min:g}", allow_blank=True)
    return None


def _help_text(decl: FieldDecl) -> str:
    """The header comment of a field: label, unit and help."""
    lines = [decl.label.zh + (f"（单位：{decl.unit.zh}）" if decl.unit else "")]
    if decl.help:
        lines.append(decl.help.zh)
    if decl.type == "date":
        lines.append("日期，如 2021-11-07 或 2021/11/7")
    return "\n".join(lines)


def example_value(decl: FieldDecl) -> Any:
    """A plausible answer for the example row."""
    if decl.type in ("enum", "bool"):
        return option_labels(decl)[0]
    if decl.id == "credit_code":
        return "91110108MA01A2B3CF"
    if decl.pattern:
        return ""
    return EXAMPLE[decl.type]


def _head(sheet: Worksheet, row: int, values: list[Any]) -> None:
    """A bold, shaded header row."""
    for col, value in enumerate(values, 1):
        cell = sheet.cell(row, col, value)
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _column(pack: RulePack, book: Workbook, col: int, decl: FieldDecl) -> str:
    """Set up one field's column on the clients sheet; its header."""
    clients, options = book[CLIENTS], book[OPTIONS]
    letter, header = get_column_letter(col), header_of(pack, decl)
    clients.cell(1, col).comment = Comment(_help_text(decl), "checker", width=300, height=140)
    book[CODES].cell(1, col, decl.id)
    dimension = clients.column_dimensions[letter]
    dimension.width = min(max(12, len(header) * 2 + 2), 40)
    dimension.number_format = FORMATS.get(decl.type, "General")  # text ('@') keeps an 18-digit credit code as typed
    ref = None
    if decl.type == "enum":
        for row, label in enumerate(option_labels(decl), 1):
            options.cell(row, col, label)
        ref = f"{quote_sheetname(OPTIONS)}!${letter}$1:${letter}${len(option_labels(decl))}"
    validation = _validation(decl, ref)
    if validation is not None:
        validation.errorTitle, validation.error = decl.label.zh, "请从列表中选择或按格式填写"
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        clients.add_data_validation(validation)
    return header


def _help_sheet(pack: RulePack, sheet: Worksheet, fields: list[FieldDecl]) -> None:
    """The 填写说明 sheet: instructions, one line per column, and the example row as it would be typed."""
    sheet.cell(1, 1, "填写说明").font = Font(bold=True, size=14)
    for row, line in enumerate(INSTRUCTIONS, 2):
        sheet.cell(row, 1, line)
    top = len(INSTRUCTIONS) + 3
    _head(sheet, top, HELP_COLUMNS)
    lines = [[ID_HEADER, "id", "文字", "", "客户编号（可选，用于识别客户，建议填写）", "", "K001"]]
    lines += [[header_of(pack, d), d.id, TYPE_NAMES[d.type], d.unit.zh if d.unit else "", d.help.zh if d.help else "",
               "、".join(option_labels(d)), example_value(d)] for d in fields]
    for offset, cells in enumerate(lines, 1):
        for col, value in enumerate(cells, 1):
            sheet.cell(top + offset, col, value)
    for letter, width in zip("ABCDEFG", (36, 22, 10, 8, 50, 50, 24)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(top + 1, 1).coordinate


def template_xlsx(pack: RulePack) -> bytes:
    """The template workbook: 客户信息 to fill in, 填写说明 with an example row, hidden 字段代码 and 选项."""
    book = Workbook()
    clients = book.active
    if not isinstance(clients, Worksheet):  # a new workbook opens on its one worksheet
        raise TypeError("a new workbook has no active worksheet")
    clients.title = CLIENTS
    help_sheet = book.create_sheet(HELP)
    for name in (CODES, OPTIONS):
        book.create_sheet(name).sheet_state = "hidden"
    fields = ordered_fields(pack)
    book[CODES].cell(1, 1, "id")
    clients.cell(1, 1).comment = Comment("客户编号（可选，用于识别客户）", "checker")
    clients.column_dimensions["A"].number_format = FORMATS["text"]  # a client number is a code: 0012 stays 0012
    headers = [ID_HEADER] + [_column(pack, book, col, decl) for col, decl in enumerate(fields, 2)]
    _head(clients, 1, headers)
    clients.row_dimensions[1].height = 45
    clients.freeze_panes = "B2"
    _help_sheet(pack, help_sheet, fields)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
