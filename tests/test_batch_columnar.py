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
from checker.batch_table import write_csv_matrix
from tests.test_read_table import header_of, rows_of

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


def _both(durable, source: Path, tmp_path: Path, suffix: str, chunk: int) -> tuple[BatchReport, BatchReport, Path, Path]:
    """The row-by-row matrix and the one read a column at a time (write_csv_matrix), with their reports."""
    extras = unclaimed_columns(durable, source)
    old, new = tmp_path / f"old{suffix}", tmp_path / f"new{suffix}"
    before, after = BatchReport(), BatchReport()
    write_rows(old, matrix_rows(durable, read_rows(source), AS_OF, before, extras=extras), durable.pack, "zh", extras)
    assert write_csv_matrix(new, durable, source, AS_OF, after, "zh", extras, chunk=chunk)
    return before, after, old, new


def test_a_csv_read_a_column_at_a_time_writes_the_row_matrix_and_reports_the_same_problems(durable, source: Path,
                                                                                         tmp_path: Path) -> None:
    before, after, old, new = _both(durable, source, tmp_path, ".csv", 16)
    assert new.read_bytes() == old.read_bytes()
    assert after.problems == before.problems and after.problems
    assert (after.checked, after.flagged) == (before.checked, before.flagged) == (40, before.flagged)


@pytest.fixture()
def typed_source(tmp_path: Path, pack) -> Path:
    """A CSV of what Chinese Excel files hold: labels as headers, 5,000 and 1.2亿, 2021年11月7日, unknowns, credit codes,
    bad and implausible cells, inconsistent answers, short lines, a line with extra cells and one with a cell too long."""
    header = header_of(pack)
    rows = rows_of(pack, header, 300, 8, True)
    rows[10] = [*rows[10], *[""] * (len(header) - len(rows[10])), "extra"]
    rows[20] = ["c-long", "x" * 1200]
    rows[30] = [""] * len(header)
    path = tmp_path / "typed.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_typed_cells_read_a_column_at_a_time_give_the_row_matrix(durable, typed_source: Path, tmp_path: Path,
                                                                 suffix: str) -> None:
    before, after, old, new = _both(durable, typed_source, tmp_path, suffix, 64)
    assert after.problems == before.problems
    assert {p.field for p in after.problems} >= {"row"} and after.checked == before.checked == 297
    if suffix == ".csv":
        assert new.read_bytes() == old.read_bytes()
    else:
        sheets = []
        for path in (old, new):
            book = load_workbook(path, read_only=True)
            sheets.append(list(book.worksheets[0].iter_rows(values_only=True)))
            book.close()
        assert sheets[0] == sheets[1]


def test_a_header_naming_a_field_twice_is_left_to_the_row_reader(durable, tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("id,employees,employees\nc1,10,20\n", encoding="utf-8")
    assert not write_csv_matrix(tmp_path / "out.csv", durable, path, AS_OF, BatchReport())
    assert not (tmp_path / "out.csv").exists()


def test_a_disagreement_on_a_sampled_row_of_a_later_chunk_stops_the_csv_batch(durable, typed_source: Path,
                                                                               tmp_path: Path, monkeypatch) -> None:
    """The column-wise CSV path re-checks `sample` rows of every chunk (the first among them) with the engine, and a
    verdict the engine does not give stops the batch naming the row, whichever chunk it is in."""
    import checker.batch_table as batch_columnar
    from checker.engine import EngineMismatch

    real, calls = batch_columnar.evaluate, [0]

    def broken(*args, **kwargs):  # the third chunk's fifth row (sampled: rows 0 and 4 of 8) turns one verdict round
        found = real(*args, **kwargs)
        calls[0] += 1
        if calls[0] == 3:
            column = next(c for c in found.columns if c.measure.id == "hte-recognition")
            column.status[4] = 0 if column.status[4] == 2 else 2
        return found

    monkeypatch.setattr(batch_columnar, "evaluate", broken)
    with pytest.raises(EngineMismatch, match="disagree on row id"):
        write_csv_matrix(tmp_path / "out.csv", durable, typed_source, AS_OF, BatchReport(), chunk=8, sample=2)
    assert calls[0] == 3


def test_text_that_csv_must_quote_is_written_as_the_row_writer_writes_it(durable, tmp_path: Path) -> None:
    """Names, ids and extra columns holding commas, quotes, line breaks, formula starts and numbers as text: the
    column-wise CSV cells (csv_cell) are the bytes csv.writer writes for the row-by-row matrix."""
    texts = ["a,b", 'say "hi"', "line\nbreak", "cr\rhere", "=SUM(A1)", "+1", "-", "@x", " lead", "1.0", "", "备注，中文",
             '"', ",", "tab\there", "=1+1,\"x\"\n"]
    path = tmp_path / "quoted.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["客户编号", "name", "employees", "备注", "联系人"])
        for i, text in enumerate(texts * 3):
            writer.writerow([text if i % 3 == 1 and text.strip() else f"c{i}", text, str(10 + i) if i % 4 else "",
                             text, texts[(i + 5) % len(texts)]])
    before, after, old, new = _both(durable, path, tmp_path, ".csv", 7)
    assert new.read_bytes() == old.read_bytes()
    assert after.checked == before.checked == len(texts) * 3
    assert "'=SUM(A1)" in new.read_text(encoding="utf-8-sig") and '"a,b"' in new.read_text(encoding="utf-8-sig")


def test_a_csvs_extra_columns_are_found_from_its_lines_as_from_its_rows(durable, tmp_path: Path) -> None:
    """unclaimed_columns reads a CSV's lines (no row dicts): the unclaimed columns in the order their first non-blank
    cell appears, as extra_columns of the rows has them; blank or whitespace cells, lines refused for extra cells and
    blank columns name none."""
    from checker.batch import extra_columns

    path = tmp_path / "in.csv"
    lines = ["id,employees,联系人,备注,附件,空列,", "1,10,,,,,", "2,10,, ,x,,", "3,10,,备注,,,,,,extra",
             "4,10,王五,,,  ,", ",,,,,,", "5,10,赵六,又一,,,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = extra_columns(durable, read_rows(path))
    assert unclaimed_columns(durable, path) == expected == ["附件", "联系人", "备注"]


def test_the_extra_columns_pass_stops_once_every_unclaimed_column_is_met(durable, tmp_path: Path, monkeypatch) -> None:
    """A file whose 联系人 and 备注 are filled from its first rows is not read to its end to find its extra columns
    (the main pass reads it), and a column met only on the last line is still found."""
    import checker.batch as batch

    real, consumed = batch.csv_lines, []

    def counting(path, *args):
        for line in real(path, *args):
            consumed.append(line)
            yield line

    monkeypatch.setattr(batch, "csv_lines", counting)
    path = tmp_path / "in.csv"
    rows = [f"c{i},10,王{i}," + ("备注" if i == 2 else "") for i in range(50)]
    path.write_text("\n".join(["id,employees,联系人,备注", *rows]) + "\n", encoding="utf-8")
    assert unclaimed_columns(durable, path) == ["联系人", "备注"] and len(consumed) == 1 + 3  # header, rows 0-2
    consumed.clear()
    path.write_text("\n".join(["id,employees,联系人,备注", *rows[:2], *rows[3:], rows[2]]) + "\n", encoding="utf-8")
    assert unclaimed_columns(durable, path) == ["联系人", "备注"] and len(consumed) == 1 + 50
