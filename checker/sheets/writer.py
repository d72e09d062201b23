"""The one sheet writer of the CLI and the web: CSV or XLSX (checker.sheets.xlsx), both streamed.

A Sheet is a header, rows streamed once, and per column a kind ("text", "money", "count", "date") that sets
the XLSX number format and width; headers are frozen, styled and filtered. A CSV text cell that starts like a
formula is neutralised with a leading ' (spreadsheet programs evaluate CSV cells); an XLSX cell keeps the text as
written (it is an inline string, which Excel and WPS never evaluate), so the agency's own notes read back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from checker.sheets.xlsx import HEAD, STYLES, Book, Front, Page, column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_ROWS = 1_048_576  # Excel's limit per sheet, header included
WIDTHS = {"text": 14, "money": 12, "count": 8, "date": 11, "status": 10, "long": 40}


def neutralise(value: Any) -> Any:
    """Stop spreadsheet programs from reading a CSV text cell as a formula."""
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


def write_xlsx(sheets: Iterable[Sheet], target: Any, limit: int = XLSX_ROWS,
               front: tuple[str, Front | Callable[[], Front]] | None = None) -> None:
    """Write an XLSX workbook to a path or binary file, a worksheet per sheet (continued on 'name-2'… past
    Excel's row limit), streamed in constant memory; headers frozen, styled and filtered. `front` is a first sheet
    written elsewhere: its name and parts (summary_sheet.summary_parts), or what makes them once every sheet is
    written (a summary tallied while the rows streamed)."""
    book = Book(target, front[1] if front else None)
    book.front_name = front[0] if front else ""
    for sheet in sheets:
        part, page = 1, _start(book, sheet, sheet.name)
        for row in sheet.rows:
            if page.rows >= limit:
                page.filter = f"A1:{column_letter(max(len(sheet.header) - 1, 0))}{page.rows}"
                part += 1
                page = _start(book, sheet, f"{sheet.name[:27]}-{part}")
            page.row(row)
        page.filter = f"A1:{column_letter(max(len(sheet.header) - 1, 0))}{max(page.rows, 2)}"
    book.close()


def _start(book: Book, sheet: Sheet, title: str) -> Page:
    """A new worksheet with the sheet's header written, frozen and sized."""
    widths, styles = [], []
    for col, name in enumerate(sheet.header):
        kind = sheet.kind(col)
        widths.append(max(WIDTHS.get(kind, 14), min(len(str(name)) * 2 + 2, 30) if kind != "status" else 0))
        styles.append(STYLES.get(kind, 0))
    page = book.add_page(title, widths, styles, min(3, len(sheet.header)))
    page.row([str(name) for name in sheet.header], HEAD)
    return page


def to_xlsx(sheets: Iterable[Sheet], limit: int = XLSX_ROWS) -> bytes:
    """The XLSX workbook of write_xlsx as bytes (small exports and tests)."""
    out = io.BytesIO()
    write_xlsx(sheets, out, limit)
    return out.getvalue()
