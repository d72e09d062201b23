"""The fast XLSX reader gives, row for row, the tuples openpyxl's read-only values_only iteration gives: same values,
same types (int, float, datetime, bool, error text), same row widths, same errors; what it does not know it hands
to openpyxl. Every XLSX any other test reads is compared the same way (tests/conftest.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from tests.xlsx_agree import FAST, accounted, assert_agree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">')
TAIL = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'


def xlsxwriter_book(path: Path, rows: list[list[object]], **options: object) -> Path:
    """A workbook XlsxWriter writes (shared strings, or inline ones with constant_memory), dates in two formats."""
    book = xlsxwriter.Workbook(str(path), options)
    sheet = book.add_worksheet()
    formats = [book.add_format({"num_format": code}) for code in ("yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "[h]:mm:ss")]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime | dt.date):
                sheet.write_datetime(r, c, value, formats[c % 2])
            elif isinstance(value, dt.timedelta):
                sheet.write_number(r, c, value.total_seconds() / 86400, formats[2])
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


def with_sheet(tmp_path: Path, data: str | None, head: str = HEAD, dimension: str = "", tail: str = TAIL,
               strings: str | None = None) -> Path:
    """An XlsxWriter workbook (shared strings 0 alpha, 1 beta, 2 x; style 1 a date, 2 a custom date, 3 a duration)
    whose sheet XML is replaced: head, <dimension>, <sheetData> holding `data`, tail."""
    base = xlsxwriter_book(tmp_path / "base.xlsx", [["alpha", "beta", "x"], [dt.date(2024, 1, 2), dt.date(2024, 1, 3),
                                                                             dt.timedelta(hours=1)]])
    sheet = f"{head}{dimension}<sheetData>{data}</sheetData>{tail}" if data is not None else head + tail
    replace = {"xl/worksheets/sheet1.xml": sheet.encode()}
    if strings is not None:
        replace["xl/sharedStrings.xml"] = strings.encode()
    path = tmp_path / "made.xlsx"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
    return path


VALUES = [
    ["名称", "统一社会信用代码", "成立日期", "员工", "营收", "flag", "note"],
    ["海淀 软件", "91110108MA01ABCD0X", dt.datetime(2019, 3, 4), 120, 1234.5, True, " padded "],
    [None, "0012", dt.date(1900, 1, 1), -7, 1e-7, False, "a & b < c > d \"q\" 'a'"],
    ["line\nbreak", "", dt.datetime(1900, 2, 28, 13, 14, 15), 2**40, 12345678901234567890, None, "tab\there"],
    [None, None, None, None, None, None, None],
    ["😀 emoji", "x" * 300, dt.datetime(9999, 12, 31), 0, -0.0, True, "=not a formula"],
    [],
    ["sparse", None, None, None, None, None, "last"],
]


@pytest.mark.parametrize("options", [{}, {"constant_memory": True}, {"date_1904": True},
                                     {"constant_memory": True, "date_1904": True}],
                         ids=["shared strings", "inline strings", "1904 dates", "inline, 1904"])
def test_xlsxwriter_files_read_as_openpyxl_reads_them(tmp_path, options):
    path = xlsxwriter_book(tmp_path / "w.xlsx", VALUES, **options)
    book = load_workbook(path, read_only=True)
    assert (book.epoch == CALENDAR_MAC_1904) == bool(options.get("date_1904"))
    book.close()
    assert accounted(path)
    assert_agree(path)


def test_xlsxwriter_formulas_errors_and_durations_read_as_cached(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "f.xlsx"))
    sheet = book.add_worksheet()
    duration = book.add_format({"num_format": "[h]:mm:ss"})
    sheet.write_row(0, 0, ["a", "b", "c", "d", "e"])
    sheet.write_formula(1, 0, "=1+1", None, 2)
    sheet.write_formula(1, 1, '="x"&"y"', None, "xy")
    sheet.write_formula(1, 2, "=1/0", None, "#DIV/0!")
    sheet.write_formula(1, 3, "=TRUE()", None, True)
    sheet.write_number(1, 4, 1.5, duration)
    sheet.write_formula(2, 0, "=A2*2")  # no cached value: 0, as XlsxWriter writes
    sheet.write_array_formula(2, 1, 2, 1, "{=SUM(A2:A3)}", None, 4)
    sheet.write_string(3, 3, "")
    book.close()
    assert accounted(tmp_path / "f.xlsx")
    assert_agree(tmp_path / "f.xlsx")


def test_openpyxl_files_read_as_openpyxl_reads_them(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "when", "day", "time", "span", "n", "error", "formula"])
    sheet.append(["a", dt.datetime(2024, 5, 6, 7, 8, 9, 500000), dt.date(2020, 1, 2), dt.time(3, 4, 5),
                  dt.timedelta(days=2, hours=3), 3.25, "#N/A", "=SUM(F2:F3)"])
    sheet.append([None, None, None, None, None, 7])
    sheet["J9"] = "far"
    sheet.cell(12, 2, True)
    book.save(tmp_path / "o.xlsx")
    book.epoch = CALENDAR_MAC_1904
    book.save(tmp_path / "o1904.xlsx")
    for name in ("o.xlsx", "o1904.xlsx"):
        assert accounted(tmp_path / name)
        assert_agree(tmp_path / name)


EXCEL_ROWS = (
    '<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" s="0" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s"><v>2</v></c></row>'
    '<row r="2" spans="1:4" ht="20" customHeight="1" x14ac:dyDescent="0.25"><c r="A2" s="1"><v>45000</v></c>'
    '<c r="B2" s="2"><v>45000.5</v></c><c r="C2" s="3"><v>1.25</v></c><c r="D2"><f>A2+1</f><v>45001</v></c></row>'
    '<row r="4" spans="1:4"><c r="A4" t="e"><f>NA()</f><v>#N/A</v></c><c r="B4" t="b"><v>1</v></c>'
    '<c r="C4" t="str"><f t="shared" ref="C4:C5" si="0">"a&amp;"&amp;B4</f><v>a&amp;TRUE</v></c>'
    '<c r="D4" s="3"/></row>'
    '<row r="5"><c r="C5" t="str"><f t="shared" si="0"/><v>a&amp;FALSE</v></c><c r="D5"><v>1E3</v></c></row>'
    '<row r="6" ht="30" customHeight="1"/>'
    '<row r="7"><c r="A7" t="inlineStr"><is><t xml:space="preserve"> two\r\nlines&#13;x </t></is></c>'
    '<c r="B7" t="inlineStr"><is><t/></is></c><c r="C7" t="inlineStr"/><c r="D7" t="d"><v>2024-02-29T10:11:12</v></c>'
    '</row>\n  <row r="9"><c r="B9"><v>-0</v></c><c r="C9"><v>007</v></c><c r="D9"><v>1.50</v></c></row>'
)


@pytest.mark.parametrize("dimension", ['<dimension ref="A1:D9"/>', "", '<dimension ref="A1:B3"/>',
                                       '<dimension ref="B2:F12"/>'],
                         ids=["dimension", "no dimension", "narrower and shorter", "wider and longer"])
def test_excel_and_wps_forms_read_as_openpyxl_reads_them(tmp_path, dimension):
    """Row attributes with namespaces, styles, shared formulas, cached values, errors, booleans, inline strings with
    line ends and references, ISO dates, missing rows and cells; the dimension cuts or pads rows and stops at its
    last row, as openpyxl does."""
    path = with_sheet(tmp_path, EXCEL_ROWS, dimension=dimension)
    assert accounted(path)
    assert_agree(path)


@pytest.mark.parametrize("data", [
    '<row><c t="s"><v>0</v></c><c><v>1</v></c></row><row><c s="1" r="C2"><v>2</v></c><c><v>3</v></c></row>',
    '<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row><row r="3"><c r="B3"><v>3</v></c></row>',
    '<row r="2"><c r="C2" t="s" s="1"><v>1</v></c><c s="2" r="A2"><v>3.5</v></c></row>',
    '<row r="1"><c r="A1" t="n"><v></v></c><c r="B1" t="s"><v/></c><c r="C1" t="b"/></row>',
], ids=["no references", "rows out of order", "attributes in another order", "empty values"])
def test_cells_written_otherwise_read_as_openpyxl_reads_them(tmp_path, data):
    path = with_sheet(tmp_path, data)
    assert accounted(path)
    assert_agree(path)


@pytest.mark.parametrize("data", [
    '<row r="1"><!-- a comment --><c r="A1"><v>1</v></c></row>',
    '<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c></row>',
    '<row r="1"><c r="A1" t="inlineStr"><is><r><t>rich</t></r><r><rPr><b/></rPr><t> text</t></r>'
    '<rPh sb="0" eb="1"><t>ふり</t></rPh></is></c></row>',
    "<row r='1'><c r='A1'><v>1</v></c></row>",
    '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',
    '<row r="1"><c r="A1"><v>1 &amp; 2</v></c></row>',
    '<row r="1"><c r="A1" t="str"><v>a & b</v></c></row>',
    '<row r="1"><c r="A1" s="1"><v>99999999</v></c></row>',
    '<row r="1"><c r="A1" t="d"><v>yesterday</v></c></row>',
    '<row r="1"><c r="A1" t="str"><v>bell\x07</v></c></row>',
    '<row r="1" foo:bar="1"><c r="A1"><v>1</v></c></row>',
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c>',
    '<row r="1.0"><c r="A1"><v>1</v></c></row>',
    '<row r="1"><c r="A1" t="bogus"><v>1</v></c><c r="b1"><v>2</v></c></row>',
], ids=["comment", "CDATA", "rich inline string", "single quotes", "no such shared string", "escaped number",
        "bare ampersand", "date out of range", "bad ISO date", "control character", "undeclared prefix",
        "unclosed row", "row number 1.0", "unknown type, lower-case reference"])
def test_what_the_reader_does_not_know_is_read_by_openpyxl(tmp_path, data):
    """Each of these is handed to openpyxl, which reads it, warns or refuses it as it always did (with a dimension:
    without one openpyxl reads the whole sheet to find its size when it opens the workbook)."""
    path = with_sheet(tmp_path, data, dimension='<dimension ref="A1:B2"/>')
    assert not accounted(path)
    with pytest.warns(UserWarning) if "99999999" in data else contextlib.nullcontext():
        assert_agree(path)


def test_xml_around_the_rows_is_read_by_openpyxl_too(tmp_path):
    """A stray row after sheetData is a row to openpyxl; a part in another encoding or namespace prefix, its own."""
    stray = with_sheet(tmp_path, '<row r="1"><c r="A1"><v>1</v></c></row>',
                       tail='<foo><row r="5"><c r="B5"><v>5</v></c></row></foo>' + TAIL)
    assert not accounted(stray)
    assert_agree(stray)
    prefixed = with_sheet(tmp_path, None, head=f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1">'
                          '<x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>', tail="")
    assert not accounted(prefixed)
    assert_agree(prefixed)
    utf16 = tmp_path / "utf16.xlsx"
    made = with_sheet(tmp_path, '<row r="1"><c r="A1" t="str"><v>宽</v></c></row>')
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(utf16, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                data = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
            target.writestr(info.filename, data)
    assert not accounted(utf16)
    assert_agree(utf16)
    empty = with_sheet(tmp_path, "", tail=TAIL)
    assert accounted(empty)
    assert_agree(empty)


def test_shared_strings_are_openpyxls_own(tmp_path):
    """Rich-text runs joined, phonetic runs left out, _x005F_ as openpyxl reads it: the strings are its list."""
    strings = (f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><r><t>海</t></r><r><rPr><b/></rPr><t>淀</t></r>'
               '<rPh sb="0" eb="1"><t>かい</t></rPh></si><si><t>a_x005F_x000D_b</t></si><si><t/></si></sst>')
    path = with_sheet(tmp_path, '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                      '<c r="C1" t="s"><v>2</v></c></row>', strings=strings)
    assert accounted(path)
    assert_agree(path)
    book = load_workbook(path, read_only=True, data_only=True)
    assert next(FAST(book)) == ("海淀", "a_x000D_b", "")
    book.close()


def test_a_sheet_larger_than_a_block_is_read_in_blocks(tmp_path, monkeypatch):
    from checker.sheets import xlsx_read

    monkeypatch.setattr(xlsx_read, "BLOCK", 4096)
    rows = [[f"r{r}c{c}" if (r + c) % 3 else r * c + 0.5 for c in range(20)] for r in range(400)]
    path = xlsxwriter_book(tmp_path / "big.xlsx", rows)
    assert accounted(path)
    assert_agree(path)


cells = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff"), max_size=30),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
)


@given(rows=st.lists(st.lists(cells, max_size=8), min_size=1, max_size=8), inline=st.booleans())
def test_random_cells_read_as_openpyxl_reads_them(tmp_path_factory, rows, inline):
    path = xlsxwriter_book(tmp_path_factory.mktemp("h") / "h.xlsx", rows, constant_memory=inline)
    assert accounted(path)
    assert_agree(path)


def _declared(path: Path, ref: str) -> Path:
    """The workbook at path with its first sheet's <dimension> replaced by ref (as some writers declare A1 alone)."""
    out = path.with_name(f"declared-{ref.replace(':', '-')}.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension ")
                data = data[:start] + f'<dimension ref="{ref}"/>'.encode() + data[data.index(b"/>", start) + 2:]
            target.writestr(item, data)
    return out


@pytest.mark.parametrize("ref", ["A1:B2", "A1"])
def test_an_upload_whose_sheet_declares_too_small_a_dimension_keeps_every_row_and_cell(tmp_path, ref):
    """Regression: openpyxl's read-only sheet cuts rows to the declared <dimension>: a sheet declaring A1:B2 over
    four columns and five rows was read as one client of two answers, the rest dropped without a word."""
    from checker.batch import read_rows

    book = Workbook()
    book.active.append(["编号", "职工总数（人）", "联系人", None])
    for n in range(1, 5):
        book.active.append([f"K{n}", 10 * n, f"联系人{n}", "a note under no header"])
    book.save(tmp_path / "clients.xlsx")
    rows = list(read_rows(_declared(tmp_path / "clients.xlsx", ref)))
    assert [(r.number, r.raw, r.error) for r in rows] == [
        (n + 1, {"编号": f"K{n}", "职工总数（人）": 10 * n, "联系人": f"联系人{n}"}, None) for n in range(1, 5)]
