"""A CSV batch cut in two halves (the second read, checked and formatted by a forked process) writes the very file and
reports the very problems of the batch read in one process, wherever the cut falls and however the file is written;
a cut that is not between records, a failed half, a bad line or a disagreeing engine in the second half are each
handled as the one-process batch handles them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import csv_halves
from checker.batch import FIRST_DATA_ROW, BatchFormatError, BatchReport, stream_lines
from checker.batch_table import write_csv_matrix
from checker.engine import EngineMismatch
from tests.test_read_table import header_of, rows_of

AS_OF = dt.date(2026, 6, 1)
NEVER = 1 << 40  # cut_from: never cut


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8", newline: str = "\r\n") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _both(durable, source: Path, tmp_path: Path, chunk: int = 16) -> tuple[BatchReport, BatchReport, bytes, bytes]:
    """The batch of the source in one process and cut in two halves: both reports and both files."""
    whole, halves = BatchReport(), BatchReport()
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert write_csv_matrix(one, durable, source, AS_OF, whole, "zh", ["联系人", "备注"], chunk=chunk, cut_from=NEVER)
    assert write_csv_matrix(two, durable, source, AS_OF, halves, "zh", ["联系人", "备注"], chunk=chunk, cut_from=1)
    return whole, halves, one.read_bytes(), two.read_bytes()


def _same(whole: BatchReport, halves: BatchReport, one: bytes, two: bytes) -> None:
    assert two == one
    assert halves.problems == whole.problems
    assert (halves.checked, halves.flagged) == (whole.checked, whole.flagged)


@pytest.fixture()
def rows(pack) -> tuple[list[str], list[list[str]]]:
    """A client list as Chinese Excel users fill it: labels, blanks, unknowns, bad cells, short rows."""
    header = header_of(pack)
    return header, rows_of(pack, header, 120, 5, True)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_a_file_cut_in_two_writes_the_one_process_file(durable, rows, tmp_path: Path, encoding: str, newline: str):
    header, body = rows
    source = _write(tmp_path / "in.csv", header, body, encoding, newline)
    cut = csv_halves.find_cut(source, "utf-8-sig" if encoding != "gb18030" else encoding, FIRST_DATA_ROW, 1)
    assert cut is not None and FIRST_DATA_ROW < cut.number < FIRST_DATA_ROW + len(body)
    _same(*_both(durable, source, tmp_path))


def test_quoted_cells_with_line_breaks_commas_and_quotes_around_the_cut(durable, rows, tmp_path: Path) -> None:
    """Every line of the file holds a multi-line quoted cell: the cut lands after the record, never inside it."""
    header, body = rows
    noted = [[*row[:-1], f'第{i}行\n"备注",含逗号\r\n第二行'] if len(row) == len(header) else row for i, row in enumerate(body)]
    source = _write(tmp_path / "in.csv", header, noted)
    cut = csv_halves.find_cut(source, "utf-8-sig", FIRST_DATA_ROW, 1)
    assert cut is not None
    with csv_halves.second_half(source, cut) as stream:  # the second half starts on a record of its own
        first = next(stream_lines(stream, header=header, first=cut.number))
    assert first == (cut.number, noted[cut.number - FIRST_DATA_ROW])
    _same(*_both(durable, source, tmp_path))


def test_a_stray_quote_leaves_the_cut_unproved_and_the_file_is_read_on_here(durable, rows, tmp_path: Path) -> None:
    """A quote inside an unquoted cell (csv reads it as a character) misleads the byte count: the first half's
    sentinel is not where the cut said, the forked half is thrown away and the file read on from the last record."""
    header, body = rows
    path = tmp_path / "in.csv"
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([header, *body])
    lines = text.getvalue().split("\r\n")
    lines[3] = lines[3].replace(",", ',5"000', 1)  # 5"000 in a cell: the count of quotes is odd from here on
    path.write_text("\r\n".join(lines), encoding="utf-8")
    assert csv_halves.find_cut(path, "utf-8-sig", FIRST_DATA_ROW, 1) is None  # no line end after it seems a record's
    lines[5] = lines[5].replace(",", ',5"000', 1)  # a second: even again, two records' ends missed by the count
    path.write_text("\r\n".join(lines), encoding="utf-8")
    cut = csv_halves.find_cut(path, "utf-8-sig", FIRST_DATA_ROW, 1)
    assert cut is not None
    proof = csv_halves.Proof(cut, header)
    with csv_halves.first_half(path, cut) as stream:
        list(proof.records(stream_lines(stream)))
    assert not proof.proved
    _same(*_both(durable, path, tmp_path))


def test_blank_lines_and_bad_rows_keep_their_numbers_in_the_second_half(durable, rows, tmp_path: Path) -> None:
    header, body = rows
    body = [row if i % 10 else [""] * len(header) for i, row in enumerate(body)]  # blank lines are skipped, counted
    body[90] = [*body[90], "extra"]  # extra cells: a row refused by its number
    body[100] = ["c-long", "x" * 1200]  # a cell too long
    whole, halves, one, two = _both(durable, _write(tmp_path / "in.csv", header, body), tmp_path)
    _same(whole, halves, one, two)
    assert {p.row for p in whole.problems if p.field == "row"} == {92, 102}


def test_a_failed_half_is_read_again_here(durable, rows, tmp_path: Path, monkeypatch) -> None:
    import checker.batch_table as table

    def broken(*args):
        raise MemoryError("the forked half ran out")

    monkeypatch.setattr(table, "_second_half", broken)
    header, body = rows
    _same(*_both(durable, _write(tmp_path / "in.csv", header, body), tmp_path))


def test_a_line_too_long_in_the_second_half_is_refused_as_in_one_process(durable, rows, tmp_path: Path) -> None:
    header, body = rows
    body[110] = ["c-x", "y" * (3 << 20)]  # past the guard's line cap, near the end
    source = _write(tmp_path / "in.csv", header, body)
    refusals = []
    for cut_from in (NEVER, 1):
        with pytest.raises(BatchFormatError) as refused:
            write_csv_matrix(tmp_path / "out.csv", durable, source, AS_OF, BatchReport(), chunk=16, cut_from=cut_from)
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1] and "line 112" in refusals[0]


def test_the_second_halfs_sample_is_rechecked_before_its_lines_are_written(durable, rows, tmp_path, monkeypatch):
    """The forked half's evaluation turned wrong: its sampled rows, re-checked by the engine in that process, stop the
    batch (the disagreement raised here, not taken for a failed half read again) before its lines are written."""
    import checker.batch_table as table

    parent, real = os.getpid(), table.evaluate

    def wrong_in_the_child(*args, **kwargs):
        found = real(*args, **kwargs)
        if os.getpid() != parent:
            column = next(c for c in found.columns if c.measure.id == "hte-recognition")
            column.status[:] = [0 if s == 2 else 2 for s in column.status]
        return found

    monkeypatch.setattr(table, "evaluate", wrong_in_the_child)
    header, body = rows
    out = tmp_path / "out.csv"
    with pytest.raises(EngineMismatch, match="disagree on row id"):
        write_csv_matrix(out, durable, _write(tmp_path / "in.csv", header, body), AS_OF, BatchReport(), chunk=16,
                         cut_from=1)
    assert 1 < len(out.read_text(encoding="utf-8-sig").splitlines()) < len(body) // 2 + 2


def test_no_cut_in_a_small_file_another_encoding_or_with_a_lone_carriage_return(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,employees\r\n" + b"c1,10\r\n" * 100)
    assert csv_halves.find_cut(path, "utf-8-sig", 2, 1 << 20) is None
    assert csv_halves.find_cut(path, "utf-16", 2, 1) is None
    assert csv_halves.find_cut(path, "utf-8-sig", 2, 1) == csv_halves.Cut(364, 52, "utf-8-sig")  # 14 + 50 lines of 7 bytes
    path.write_bytes(b"id,employees\r\n" + b"c1,10\r\n" * 80 + b"c2,3\r" + b"c1,10\r\n" * 19)
    assert csv_halves.find_cut(path, "utf-8-sig", 2, 1) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "", "b,c", 'd"e', "f\ng", "h\r\ni", "中文", " "]), min_size=1,
                         max_size=4), min_size=2, max_size=40),
       st.sampled_from(["\r\n", "\n"]), st.integers(1, 4000), st.integers(1, 16))
def test_a_proved_cut_gives_the_records_of_the_whole_reading(tmp_path_factory, rows, newline, block, seed):
    """Any file csv.writer writes, read in blocks of any size: where find_cut cuts and the first half proves it, the
    first half's records and the second half's are those of the whole file, numbered alike."""
    random.seed(seed)
    folder = tmp_path_factory.mktemp("cut")
    path = _write(folder / "in.csv", ["h1", "h2", "h3", "h4"], rows, newline=newline)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        whole = list(stream_lines(stream))
    old = csv_halves.BLOCK
    csv_halves.BLOCK = block
    try:
        cut = csv_halves.find_cut(path, "utf-8-sig", FIRST_DATA_ROW, 1)
    finally:
        csv_halves.BLOCK = old
    if cut is None:
        return
    proof = csv_halves.Proof(cut, whole[0])
    with csv_halves.first_half(path, cut) as stream:
        first = list(proof.records(stream_lines(stream)))
    assert proof.proved
    with csv_halves.second_half(path, cut) as stream:
        second = list(stream_lines(stream, header=whole[0], first=cut.number))
    assert [whole[0], *first, *second] == whole


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_cli_batch_decodes_its_csv_once(rows, tmp_path: Path, monkeypatch, encoding: str) -> None:
    """The CLI works out the file's encoding once (csv_encoding) and hands it to the extra-columns pass and the
    batch: each had decoded the whole file again (three decodings of a file that may be hundreds of MB)."""
    from click.testing import CliRunner

    import checker.batch as batch
    from checker.cli import main

    real, decoded = batch._decodes, []

    def counting(path, codec, block):
        decoded.append(codec)
        return real(path, codec, block)

    monkeypatch.setattr(batch, "_decodes", counting)
    header, body = rows
    source = _write(tmp_path / "in.csv", header, body, encoding)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["batch", str(source), "-o", str(out), "--as-of", "2026-06-01"])
    assert result.exit_code in (0, 4), result.output
    assert decoded == (["utf-8"] if encoding == "utf-8" else ["utf-8", "gb18030"])
    assert out.read_text(encoding="utf-8-sig").count("\n") > len(body) // 2
