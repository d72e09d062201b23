"""The streaming XLSX writer: what openpyxl reads back is what was written (texts unaltered), styled, frozen, filtered."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from checker.guard import check_xlsx
from checker.sheets.writer import Sheet, to_csv, to_xlsx, write_xlsx
from checker.sheets.xlsx import SplitRow, column_letter, escape

TEXTS = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="_"), max_size=12)  # escapes: below
CELLS = st.one_of(st.none(), TEXTS, st.integers(-10**12, 10**12), st.booleans(),
                  st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))


def _read(data: bytes) -> list[list]:
    return [list(r) for r in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True)]


def _expected(value):
    return None if value == "" else value


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.lists(CELLS, min_size=3, max_size=3), min_size=1, max_size=8))
def test_every_cell_reads_back_as_written(rows):
    data = to_xlsx([Sheet("表", ["a", "b", "c"], rows, ["text", "money", "count"])])
    back = _read(data)[1:]
    for got, sent in zip(back, rows):
        expected = [_expected(v) for v in sent]
        assert got == [pytest.approx(e, rel=1e-15) if isinstance(e, float) else e for e in expected]  # %.16G, as Excel


def test_header_is_styled_frozen_filtered_and_numbers_formatted(tmp_path):
    rows = [[1, "K001", "=cmd", 1234.5, dt.date(2026, 6, 1)], [2, " 空格 ", "<&>", None, True]]
    write_xlsx([Sheet("客户×政策", ["行号", "客户编号", "名称", "金额", "日期"], rows, ["count", "text", "text", "money"])],
               tmp_path / "out.xlsx")
    sheet = load_workbook(tmp_path / "out.xlsx").worksheets[0]
    assert sheet.title == "客户×政策" and sheet.freeze_panes == "D2" and sheet.auto_filter.ref == "A1:E3"
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("DDEBF7") and sheet.row_dimensions[1].height == 36
    assert sheet["D2"].number_format == "#,##0.00" and sheet["A2"].number_format == "0"
    assert [c.value for c in sheet[2]] == [1, "K001", "=cmd", 1234.5, "2026-06-01"]
    assert sheet["C2"].data_type != "f"  # an inline string, never a formula
    assert [c.value for c in sheet[3]] == [2, " 空格 ", "<&>", None, True]
    check_xlsx(tmp_path / "out.xlsx")  # our own output passes the upload guard (its dimension is honest)


def test_past_the_row_limit_a_sheet_continues_on_a_numbered_page():
    data = to_xlsx([Sheet("matrix", ["x"], ([n] for n in range(5)), ["count"])], limit=3)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["matrix", "matrix-2", "matrix-3"]
    assert [[c.value for c in r] for r in book["matrix-2"].iter_rows()] == [["x"], [2], [3]]


def test_control_characters_and_literal_escapes_survive():
    text = "a\x01b_x0041_c"
    assert escape(text) == "a_x0001_b_x005F_x0041_c"
    assert "_x0001_" in zipfile.ZipFile(io.BytesIO(to_xlsx([Sheet("s", ["h"], [[text]])]))).read(
        "xl/worksheets/sheet1.xml").decode()


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]


def test_agency_notes_that_look_like_formulas_stay_as_written_in_xlsx_and_are_neutralised_in_csv():
    notes = ["=待核实", "+86 10 1234", "-", "@王经理"]
    sheet = lambda: Sheet("s", ["备注"], [[n] for n in notes])  # noqa: E731 - rows are read once per writer
    book = load_workbook(io.BytesIO(to_xlsx([sheet()])))
    cells = [row[0] for row in book.worksheets[0].iter_rows(min_row=2)]
    assert [c.value for c in cells] == notes and all(c.data_type == "s" for c in cells)
    csv_lines = to_csv(sheet()).decode("utf-8-sig").splitlines()[1:]
    assert csv_lines == ["'=待核实", "'+86 10 1234", "'-", "'@王经理"]


def _sheet_xml(rows: list[list], kinds: list[str]) -> bytes:
    out = io.BytesIO()
    write_xlsx([Sheet("m", ["a", "b", "c", "d", "e"], rows, kinds)], out)
    with zipfile.ZipFile(out) as package:
        return package.read("xl/worksheets/sheet1.xml")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.sampled_from(["可申报", "不符合", "", None, "a&b"]), CELLS),
                         min_size=5, max_size=7), min_size=1, max_size=8))
def test_a_split_row_is_written_as_the_plain_row(rows):
    kinds = ["count", "text", "status", "status", "money"]
    plain = _sheet_xml([list(r) for r in rows], kinds)
    split = _sheet_xml([SplitRow(r, 1, 4) for r in rows], kinds)
    assert split == plain
    assert _sheet_xml([SplitRow(r, 1, 4) for r in rows * 2], kinds) == _sheet_xml([list(r) for r in rows * 2], kinds)
