"""Reading an XLSX's first sheet by checker.sheets.xlsx_read and by openpyxl itself, and whether they agree."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from checker.sheets import xlsx_read

FAST = xlsx_read.sheet_rows  # the reader itself, whatever tests/conftest.py puts in its place

def outcome(rows: Callable[[], Iterable[Any]]) -> tuple[list[Any], Exception | None]:
    """The rows given before any error, and the error (None if none)."""
    got: list[Any] = []
    try:
        for row in rows():
            got.append(row)
    except Exception as exc:  # whatever openpyxl raises, the fast reader must raise it too
        return got, exc
    return got, None


def said(error: Exception | None) -> str | None:
    """An error as its type and message."""
    return None if error is None else f"{type(error).__name__}: {error}"


def both(path: Path, reset: bool = False) -> tuple[tuple[list[Any], Exception | None], tuple[list[Any], Exception | None]]:
    """(fast reader, openpyxl) outcomes of the file's first sheet, each from its own opening of the file; reset: its
    <dimension> set aside first, as checker.batch reads uploads."""
    results = []
    for read in (FAST, lambda book: book.worksheets[0].iter_rows(values_only=True)):
        book = load_workbook(path, read_only=True, data_only=True)
        if reset:
            book.worksheets[0].reset_dimensions()
        try:
            results.append(outcome(partial(read, book)))
        finally:
            book.close()
    return results[0], results[1]


def typed(rows: list[Any]) -> list[Any]:
    """Rows with each row's and each cell's type beside it: 1 == 1.0 == True must not pass for the same value."""
    return [(type(row), [(type(cell), cell) for cell in row]) for row in rows]


def assert_agree(path: Path) -> None:
    """The fast reader gives the rows, types and error openpyxl gives, the sheet's <dimension> trusted or set aside."""
    for reset in (False, True):
        fast, slow = both(path, reset)
        assert said(fast[1]) == said(slow[1])
        assert typed(fast[0]) == typed(slow[0])


def accounted(path: Path) -> bool:
    """Whether the fast reader reads the whole sheet itself (no hand-over to openpyxl)."""
    book = load_workbook(path, read_only=True, data_only=True)
    reader = xlsx_read._FastSheet(book, book.worksheets[0])
    try:
        for _ in reader.blocks():
            pass
    except Exception:  # Unaccounted, or an error left to openpyxl to raise (sheet_rows hands over on any)
        return False
    finally:
        reader.close()
        book.close()
    return True


def shadowed(sheet_rows: Callable[[Workbook], Iterator[Any]]) -> Callable[[Workbook], Iterator[Any]]:
    """sheet_rows that also reads the sheet with openpyxl and fails when the two differ in any row, type or error."""
    def agreeing(book: Workbook) -> Iterator[Any]:
        fast = outcome(lambda: sheet_rows(book))
        slow = outcome(lambda: book.worksheets[0].iter_rows(values_only=True))
        assert said(fast[1]) == said(slow[1])
        assert typed(fast[0]) == typed(slow[0]), "the fast XLSX reader and openpyxl disagree"
        yield from fast[0]
        if fast[1] is not None:
            raise fast[1]
    return agreeing
