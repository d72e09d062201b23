"""The one sheet writer of the CLI and the web: CSV (streamed) or XLSX (XlsxWriter, constant memory).

A Sheet is a header, rows streamed once, and per column a kind ("text", "money", "count", "date") that sets
the XLSX number format and width; headers are frozen, styled and filtered; every text cell is neutralised so
spreadsheet programs never read it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_ROWS = 1_048_576  # Excel's limit per sheet, header included
WIDTHS = {"text": 14, "money": 12, "count": 8, "date": 11, "status": 10, "long": 40}
NUMBER_FORMATS = {"money": "#,##0.00", "count": "0"}


def neutralise(value: Any) -> Any:
    """Stop spreadsheet programs from reading a text cell as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One table of an export: its name, header, rows (read once) and the kind of each column."""

    name: str
    header: list[str]
    rows: Iterable[list[Any]]
    kinds: list[str] = field(default_factory=list)

    def kind(self, col: int) -> str:
        """The kind of a column (text unless set)."""
        return self.kinds[col] if col < len(self.kinds) else "text"


def iter_csv(sheet: Sheet, rows_per_chunk: int = 1000) -> Iterator[bytes]:
    """A CSV file in chunks (UTF-8 with BOM so Excel reads Chinese), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow([neutralise(h) for h in sheet.header])
    for count, row in enumerate(sheet.rows, 1):
        writer.writerow([("'" + c) if isinstance(c, str) and c.startswith(FORMULA_START) else c for c in row])
        if count % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def to_csv(sheet: Sheet) -> bytes:
    """The whole CSV file of iter_csv."""
    return b"".join(iter_csv(sheet))


class _Book:
    """An XlsxWriter workbook in constant-memory mode with the shared formats."""

    def __init__(self, target: Any) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False,
                                                 "strings_to_formulas": False, "strings_to_urls": False})
        self.head = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                          "valign": "vcenter"})
        self.formats = {kind: self.book.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
        self.plain = self.book.add_format({})

    def start(self, sheet: Sheet, title: str) -> Any:
        """A new worksheet with the sheet's header written, frozen and sized."""
        page = self.book.add_worksheet(title[:31])
        for col, name in enumerate(sheet.header):
            kind = sheet.kind(col)
            width = max(WIDTHS.get(kind, 14), min(len(str(name)) * 2 + 2, 30) if kind != "status" else 0)
            page.set_column(col, col, width, self.formats.get(kind))
            page.write_string(0, col, str(neutralise(name)), self.head)
        page.set_row(0, 36)
        page.freeze_panes(1, min(3, len(sheet.header)))
        return page

    def cell(self, page: Any, row: int, col: int, value: Any, kind: str) -> None:
        """Write one cell by its type: numbers as numbers, text neutralised, None left empty."""
        if value is None or value == "":
            return
        if isinstance(value, bool):
            page.write_boolean(row, col, value)
        elif isinstance(value, (int, float)):
            page.write_number(row, col, value, self.formats.get(kind, self.plain))
        else:
            page.write_string(row, col, str(neutralise(value)))


def write_xlsx(sheets: Iterable[Sheet], target: Any, limit: int = XLSX_ROWS) -> None:
    """Write an XLSX workbook to a path or binary file, a worksheet per sheet (continued on 'name-2'… past
    Excel's row limit), row by row in constant memory; headers frozen, styled and filtered."""
    book = _Book(target)
    for sheet in sheets:
        part, page, count = 1, book.start(sheet, sheet.name), 1
        for row in sheet.rows:
            if count >= limit:
                page.autofilter(0, 0, count - 1, len(sheet.header) - 1)
                part += 1
                page, count = book.start(sheet, f"{sheet.name[:27]}-{part}"), 1
            for col, value in enumerate(row):
                book.cell(page, count, col, value, sheet.kind(col))
            count += 1
        page.autofilter(0, 0, max(count - 1, 1), max(len(sheet.header) - 1, 0))
    book.book.close()


def to_xlsx(sheets: Iterable[Sheet], limit: int = XLSX_ROWS) -> bytes:
    """The XLSX workbook of write_xlsx as bytes (small exports and tests)."""
    out = io.BytesIO()
    write_xlsx(sheets, out, limit)
    return out.getvalue()
