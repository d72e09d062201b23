"""The downloadable upload template: one column per field, labels and help as comments, allowed values as lists."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from checker.rules.pack import RulePack
from checker.rules.schema import FieldDecl

TEMPLATE_ROWS = 5000
BOOL_LIST = '"true,false,unknown"'
FIELD_SHEET = ["id", "标签", "label", "type", "单位/unit", "说明", "help", "可选值/allowed values", "min", "max",
               "适用主体/entities"]


def ordered_fields(pack: RulePack) -> list[FieldDecl]:
    """The pack's fields in form order: by section, then as declared."""
    order = {s.id: i for i, s in enumerate(sorted(pack.sections, key=lambda s: s.order))}
    return sorted(pack.fields.values(), key=lambda d: order.get(d.section, len(order)))


def comment_text(decl: FieldDecl) -> str:
    """The header comment of a field: both labels, unit, help and allowed values."""
    lines = [f"{decl.label.zh} / {decl.label.en}"]
    if decl.unit:
        lines.append(f"单位 unit: {decl.unit.zh} / {decl.unit.en}")
    if decl.help:
        lines += [decl.help.zh, decl.help.en]
    if decl.values:
        lines.append("可选值 values: " + ", ".join(f"{c.value} ({c.label.zh})" for c in decl.values))
    if decl.type == "bool":
        lines.append("true / false / unknown (是/否/不清楚)")
    if decl.type == "date":
        lines.append("YYYY-MM-DD")
    return "\n".join(lines)


def _validation(decl: FieldDecl, values_ref: str | None) -> DataValidation | None:
    """The data validation of a field's column, if its values are constrained."""
    if decl.type == "enum" and values_ref:
        return DataValidation(type="list", formula1=values_ref, allow_blank=True, showErrorMessage=True)
    if decl.type == "bool":
        return DataValidation(type="list", formula1=BOOL_LIST, allow_blank=True, showErrorMessage=True)
    if decl.type in ("int", "decimal") and decl.min is not None:
        kind = "whole" if decl.type == "int" else "decimal"
        if decl.max is not None:
            return DataValidation(type=kind, operator="between", formula1=str(decl.min), formula2=str(decl.max), allow_blank=True)
        return DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(decl.min), allow_blank=True)
    return None


def _field_row(decl: FieldDecl) -> list[object]:
    """A field's row in the field sheet."""
    return [decl.id, decl.label.zh, decl.label.en, decl.type, f"{decl.unit.zh} / {decl.unit.en}" if decl.unit else "",
            decl.help.zh if decl.help else "", decl.help.en if decl.help else "",
            "; ".join(f"{c.value} = {c.label.zh} / {c.label.en}" for c in decl.values or []),
            decl.min, decl.max, " ".join(decl.entities or [])]


def template_xlsx(pack: RulePack) -> bytes:
    """The template workbook: sheet 'clients' to fill in, 'fields' explaining each column, 'values' for lists."""
    book = Workbook()
    clients = book.active
    clients.title = "clients"
    values = book.create_sheet("values")
    fields = book.create_sheet("fields")
    fields.append(FIELD_SHEET)
    clients.cell(1, 1, "id").comment = Comment("客户编号（可选，用于识别客户）/ Client reference (optional)", "checker")
    for col, decl in enumerate(ordered_fields(pack), 2):
        letter = get_column_letter(col)
        cell = clients.cell(1, col, decl.id)
        cell.comment = Comment(comment_text(decl), "checker", width=320, height=160)
        ref = None
        if decl.values:
            values.cell(1, col, decl.id)
            for i, choice in enumerate(decl.values, 2):
                values.cell(i, col, choice.value)
            ref = f"{quote_sheetname('values')}!${letter}$2:${letter}${len(decl.values) + 1}"
        validation = _validation(decl, ref)
        if validation is not None:
            validation.error = f"{decl.label.zh} / {decl.label.en}"
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            clients.add_data_validation(validation)
        fields.append(_field_row(decl))
    clients.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
