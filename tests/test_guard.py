"""The one input guard (checker.guard) in front of the CLI batch and the web uploads: refuses fast, parses nothing."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from checker.batch import BatchFormatError, BatchReport, matrix_rows, read_rows
from checker.cli import main
from checker.engine import Checker
from checker.guard import Limits
from checker.rules.loader import load_pack
from tests.web.util import MINI_RULES

GOOD = {"id": "c1", "entity_type": "enterprise", "rd_expense_wan": 200, "employees": 20, "tech_staff": 5}


def xlsx_with(tmp_path: Path, name: str, replace: dict[str, bytes]) -> Path:
    """A real one-sheet workbook whose parts in `replace` are swapped for the given bytes."""
    book = Workbook()
    book.active.append(list(GOOD))
    book.active.append(list(GOOD.values()))
    plain = io.BytesIO()
    book.save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.pop(info.filename, source.read(info.filename)))
        for part, data in replace.items():
            target.writestr(part, data)
    return path


def refused(path: Path, match: str, seconds: float = 1.0) -> None:
    """Reading the file is refused with a message matching `match`, within `seconds`, holding little memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(BatchFormatError, match=match):
            list(read_rows(path))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < seconds and peak < 8 * 2**20, (elapsed, peak)


def test_a_csv_with_a_million_column_header_is_refused_fast(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n", encoding="utf-8")
    refused(path, "header line is longer than 1024 KiB")
    narrow_but_many = tmp_path / "many.csv"
    narrow_but_many.write_text(",".join("c" for _ in range(600)) + "\n1\n", encoding="utf-8")
    refused(narrow_but_many, "header has 600 columns \\(at most 500\\)")


def test_a_csv_line_beyond_the_cap_is_refused_not_read_whole(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,name\n1,ok\n2," + "x" * (3 * 2**20) + "\n", encoding="utf-8")
    refused(path, "line 3 is longer than 1024 KiB")


def test_shared_strings_beyond_their_cap_are_refused_before_parsing(tmp_path):
    strings = b"<sst>" + b"<si><t>a</t></si>" * (2 * 2**20) + b"</sst>"  # 34 MiB of tiny strings, ~100 KB packed
    path = xlsx_with(tmp_path, "strings.xlsx", {"xl/sharedStrings.xml": strings})
    assert path.stat().st_size < 1_000_000
    refused(path, "xl/sharedStrings.xml would unpack to 34 MiB uncompressed \\(limit 32 MiB\\)")


def test_an_xlsx_with_a_dtd_is_refused_as_a_bad_file(tmp_path):
    dtd = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    path = xlsx_with(tmp_path, "dtd.xlsx", {"xl/worksheets/sheet1.xml": dtd})
    refused(path, "xl/worksheets/sheet1.xml declares a DTD")


def test_a_sheet_claiming_too_many_cells_is_refused(tmp_path):
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:XFD1048576"/><sheetData/></worksheet>')
    path = xlsx_with(tmp_path, "wide.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    refused(path, "spans 17179869184 cells")


def test_broken_sheet_xml_is_a_bad_file_not_a_crash(tmp_path):
    sheet = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row'
    path = xlsx_with(tmp_path, "broken.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(BatchFormatError, match="broken.xlsx as XLSX: unclosed token"):
        list(read_rows(path))


def test_the_limits_are_settable_and_the_same_for_cli_and_web(tmp_path):
    path = tmp_path / "five.csv"
    path.write_text("a,b,c,d,e\n1,2,3,4,5\n", encoding="utf-8")
    assert len(list(read_rows(path))) == 1
    with pytest.raises(BatchFormatError, match="5 columns \\(at most 4\\)"):
        list(read_rows(path, Limits(max_columns=4)))


def test_cli_batch_refuses_a_guarded_file_with_a_clear_message(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--rules", str(MINI_RULES), "batch", str(path), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "header line is longer than 1024 KiB" in result.output


def test_gbk_csv_is_still_read_streamed(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,名称,employees\nc1,海淀科技,20\n".encode("gbk"))
    rows = list(read_rows(path))
    assert [(r.number, r.raw) for r in rows] == [(2, {"id": "c1", "名称": "海淀科技", "employees": "20"})]


def rows_file(tmp_path: Path, n: int) -> Path:
    """A CSV of n good rows of the mini pack."""
    path = tmp_path / f"rows{n}.csv"
    lines = [",".join(GOOD)] + [",".join(str(v) for v in {**GOOD, "id": f"c{i}"}.values()) for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_matrix_is_produced_while_the_file_is_still_being_read(tmp_path):
    pack = load_pack(MINI_RULES)
    checker = Checker(pack, "reference")
    consumed = []

    def counted(rows):
        for row in rows:
            consumed.append(row.number)
            yield row

    try:
        out = matrix_rows(checker, counted(read_rows(rows_file(tmp_path, 3000))), pack_date(), BatchReport(), chunk=500)
        first = next(out)
        assert first["id"] == "c0" and len(consumed) == 500
        assert sum(1 for _ in out) == 2999 and len(consumed) == 3000
    finally:
        checker.close()


def pack_date():
    import datetime as dt

    return dt.date(2026, 6, 1)


def test_cli_batch_streams_rows_in_and_results_out(tmp_path, monkeypatch):
    import checker.batch as batch
    import checker.batch_columnar as columnar
    import checker.batch_table as table

    rows = columnar.CHUNK + 200  # one whole chunk and part of the next
    source, consumed, at_first_write = rows_file(tmp_path, rows), [], {}
    real_read, real_write = batch.csv_lines, columnar._write_csv

    def counting_read(path, *args, **kwargs):  # a CSV source is read a column at a time: its lines are what is consumed
        for line in real_read(path, *args, **kwargs):
            if not isinstance(line, list):
                consumed.append(line[0] if isinstance(line, tuple) else line.number)
            yield line

    def watching_write(path, header, kinds, chunks, *ready):
        def watched():
            for columns in chunks:
                at_first_write.setdefault(path.suffix, len(consumed))
                yield columns
        real_write(path, header, kinds, watched(), *ready)

    monkeypatch.setattr(table, "csv_lines", counting_read)
    monkeypatch.setattr(table.csv_halves, "SPLIT_BYTES", 1 << 40)  # in one process: the lines read are counted here
    monkeypatch.setattr(columnar, "_write_csv", watching_write)
    run = ["--rules", str(MINI_RULES), "batch", str(source), "--as-of", "2026-06-01", "--engine", "reference", "-o"]
    result = CliRunner().invoke(main, [*run, str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output
    assert at_first_write == {".csv": columnar.CHUNK} and len(consumed) == rows  # every header names a field: one pass
    assert (tmp_path / "o.csv").read_text(encoding="utf-8-sig").count("\n") == rows + 1


def _readline_lines(text: str, limits: Limits, drop: str) -> tuple[list[str], str | None]:
    """What bounded_lines gave when it read a line at a time (the reference): the lines, and the refusal if any."""
    stream, lines, number = io.StringIO(text, newline=""), [], 0
    while line := stream.readline(limits.max_line_bytes + 1):
        number += 1
        if len(line) > limits.max_line_bytes:
            return lines, f"line {number} is longer than {limits.max_line_bytes // 1024} KiB"
        lines.append(line.replace(drop, "") if drop else line)
    return lines, None


@pytest.mark.parametrize("seed", range(40))
def test_lines_read_a_block_at_a_time_are_those_read_a_line_at_a_time(seed, monkeypatch):
    """Blocks of a few characters split \\r\\n, long lines and NUL bytes every way: the same lines (\\r, \\n and \\r\\n
    end a line; \\u2028, \\x85 and form feeds do not), NUL removed, and the first line past the cap refused by its
    number once the lines before it are read."""
    import random

    from checker import guard
    from checker.guard import InputRefused, bounded_lines

    rng = random.Random(seed)
    monkeypatch.setattr(guard, "TEXT_BLOCK", rng.choice([1, 2, 3, 7, 64]))
    pieces = ["a", "中", ",", '"', "\r", "\n", "\r\n", "\0", "\u2028", "\x85", "\x0c", "x" * rng.choice([1, 30, 3000])]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 300)))
    limits = Limits(max_line_bytes=2048 * rng.choice([1, 2]))  # a KiB or two: the 3000-character runs pass one
    expected, refusal = _readline_lines(text, limits, "\0")
    found = []
    stream = io.StringIO(text, newline="")
    if refusal is None:
        found = list(bounded_lines(stream, limits, "\0"))
    else:
        lines = bounded_lines(stream, limits, "\0")
        with pytest.raises(InputRefused, match=refusal):
            for line in lines:
                found.append(line)
    assert found == expected
