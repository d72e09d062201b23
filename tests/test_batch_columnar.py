"""`checker batch` to a matrix column-wise writes the very file the row-by-row matrix writer writes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checker.batch import BatchReport, matrix_rows, read_rows, unclaimed_columns, write_rows
from checker.batch_columnar import write_matrix

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 6, 1)


@pytest.fixture()
def source(tmp_path: Path, pack) -> Path:
    """A CSV of varied clients: Chinese headers, blanks, a bad cell, a name, extra columns with a formula-like note."""
    base = json.loads((ROOT / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
    fields = [f for f in base if f in pack.fields]
    header = ["客户编号", "联系人", "备注", *fields]
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i in range(40):
            row = {"客户编号": f"c{i}", "联系人": f"王{i}", "备注": "=1+1" if i % 7 == 0 else ""}
            for n, f in enumerate(fields):
                value = base[f]
                if (i + n) % 9 == 0:
                    value = ""  # not answered
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = round(value * (0.1 + i / 10), 2)
                row[f] = value
            if i == 5:
                row[fields[-1]] = "many"
            writer.writerow([row.get(h, "") for h in header])
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_columnar_csv_matrix_is_the_row_matrix(durable, source: Path, tmp_path: Path, lang: str) -> None:
    extras = unclaimed_columns(durable, source)
    assert extras == ["联系人", "备注"]
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    write_rows(old, matrix_rows(durable, read_rows(source), AS_OF, BatchReport(), extras=extras), durable.pack, lang, extras)
    report = BatchReport()
    write_matrix(new, durable, read_rows(source), AS_OF, report, lang, extras, chunk=16)
    assert new.read_bytes() == old.read_bytes()
    assert report.checked == 40 and report.flagged >= 1
    assert "'=1+1" in new.read_text(encoding="utf-8-sig")


def test_the_columnar_xlsx_matrix_is_the_row_matrix(durable, source: Path, tmp_path: Path) -> None:
    extras = unclaimed_columns(durable, source)
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    write_rows(old, matrix_rows(durable, read_rows(source), AS_OF, BatchReport(), extras=extras), durable.pack, "zh", extras)
    write_matrix(new, durable, read_rows(source), AS_OF, BatchReport(), "zh", extras, chunk=7)
    sheets = []
    for path in (old, new):
        book = load_workbook(path, read_only=True)
        sheets.append(list(book.worksheets[0].iter_rows(values_only=True)))
        book.close()
    assert sheets[0] == sheets[1] and len(sheets[1]) == 41
