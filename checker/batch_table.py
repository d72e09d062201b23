"""`checker batch` of a CSV file to a matrix, read a column at a time (columns.read_table: no per-row dicts), a large
file on two cores: a forked process reads, checks and formats the second half (checker.csv_halves) while this one does
the first, its sampled rows re-checked by the engine there, and its lines are added once this half is written and
the cut proved.

The lines are those batch_columnar.write_matrix gives row by row (tests/test_batch_columnar.py compares them, cut and
not); the problems are reported in row order, the second half's after the first's. It forks: the command line's only,
never a web or job process's (their threads' locks would be copied held; tests/test_layers.py keeps them apart).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import pickle
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any, TextIO, cast

from checker import csv_halves
from checker.batch import (
    FIRST_DATA_ROW,
    SAMPLE,
    BatchFormatError,
    BatchReport,
    Row,
    RowProblem,
    _out_suffix,
    csv_lines,
    detect_encoding,
    sampled,
    stream_lines,
)
from checker.batch_columnar import (
    CHUNK,
    Head,
    Part,
    StatusForm,
    _sample,
    _status_form,
    _write,
    csv_kinds,
    csv_text,
    sheet_columns,
)
from checker.columns import read_table, table_header
from checker.engine import Checker, EngineMismatch
from checker.engine.columnar import evaluate, table_profile
from checker.forked import FORKS, Forked, pickled, reply
from checker.sample_check import SampleCheck
from checker.sheets.verdicts import matrix_head, titles

Item = Row | tuple[int, list[str]]  # a CSV line as csv_lines gives it: its Row when it cannot be read, else its cells


@dataclass
class Run:
    """One matrix run: the checker, the file's header, the date, the sheet's titles, language, extra columns and
    status form, the rows per chunk and per chunk's sample."""

    checker: Checker
    top: list[str]
    as_of: dt.date
    names: dict[str, str]
    lang: str
    extras: list[str]
    status: StatusForm
    chunk: int = CHUNK
    sample: int = SAMPLE


def write_csv_matrix(path: Path, checker: Checker, source: Path, as_of: dt.date, report: BatchReport, lang: str = "zh",
                     extras: list[str] | None = None, chunk: int = CHUNK, sample: int = SAMPLE,
                     progress: Callable[[int], None] = lambda rows: None, recheck: SampleCheck | None = None,
                     cut_from: int | None = None, encoding: str | None = None) -> bool:
    """write_matrix of a CSV file read a column at a time, a file of cut_from bytes (csv_halves.SPLIT_BYTES) or more in
    two halves on two cores (where the platform forks); False, with nothing written, when its header names a field
    twice (then read it row by row). encoding: the file's, if known (batch.csv_encoding)."""
    suffix = _out_suffix(path)
    if suffix == ".jsonl":
        raise BatchFormatError("the matrix has no JSONL form: write .csv or .xlsx, or use full results")
    encoding = encoding or detect_encoding(source)
    lines = csv_lines(source, encoding=encoding)
    top = next(lines)
    assert isinstance(top, list)
    if not table_header(checker.pack, top):
        return False
    names = titles(checker.pack, lang)
    header, kinds = matrix_head(names, lang, extras or [])
    run = Run(checker, top, as_of, names, lang, extras or [], _status_form(path), chunk, sample)
    checks = recheck or SampleCheck(checker, as_of, forked=False)
    least = csv_halves.SPLIT_BYTES if cut_from is None else cut_from
    cut = csv_halves.find_cut(source, encoding, FIRST_DATA_ROW, least) if FORKS and suffix == ".csv" else None
    chunks = (_chunks(run, lines, report, checks, progress) if cut is None
              else _halves(run, source, cut, lines, report, checks, progress, csv_kinds(kinds), path.parent))
    try:
        _write(path, header, kinds, chunks, lang, checks.wait)
    finally:  # a forked half still running ended, the source closed, now: not once the error raised is collected
        if isinstance(chunks, Generator):
            chunks.close()
        lines.close()
    return True


def _chunks(run: Run, items: Iterable[Any], report: BatchReport, checks: Any,
            progress: Callable[[int], None]) -> Iterator[list[list[Any]]]:
    """The sheet columns of the items, `run.chunk` lines at a time."""
    pending: list[Item] = []
    for item in items:
        pending.append(cast("Item", item))
        if len(pending) == run.chunk:
            yield _table_columns(run, pending, report, checks)
            progress(len(pending))
            pending.clear()
    if pending:
        yield _table_columns(run, pending, report, checks)
        progress(len(pending))


def _halves(run: Run, source: Path, cut: csv_halves.Cut, lines: Iterator[Any], report: BatchReport,
            checks: SampleCheck, progress: Callable[[int], None], kinds: list[str],
            folder: Path) -> Iterator[list[list[Any]] | Part]:
    """The first half's sheet columns, then the second half's lines as a Part made by a forked process (its sampled
    rows re-checked there, its problems reported here); read here from the first half's last record if the cut is
    unproved or the forked process failed (its error, if the file has one, then raised here as a whole reading raises
    it; the lines written and problems reported before it may differ: the first half's last short chunk is not held
    back while the forked half works, as one process would hold it to fill the chunk). The part and the half's
    problems (pickled a chunk at a time: a messy half's would fill memory) are nameless files in the output's folder
    (where the lines end up: a temporary folder may be memory); a folder that takes no new file has the whole file
    read here."""
    files = contextlib.ExitStack()
    try:
        part = files.enter_context(tempfile.TemporaryFile(dir=folder))  # noqa: SIM115 (the stack closes them)
        kept = files.enter_context(tempfile.TemporaryFile(dir=folder))  # noqa: SIM115
    except OSError:
        files.close()
        yield from _chunks(run, lines, report, checks, progress)
        return
    with files:
        child = Forked(partial(_serve_half, run, source, cut, kinds, part, kept))
        try:
            proof = csv_halves.Proof(cut, run.top)
            with csv_halves.first_half(source, cut) as stream:  # its last short chunk written at once, beside the
                yield from _chunks(run, _first_records(proof, stream), report, checks, progress)  # forked half
            done = _answer(child) if proof.proved else None
        finally:
            child.stop()  # answered and gone, or its work not wanted
        if done is None:
            yield from _chunks(run, _after(lines, proof.last), report, checks, progress)
            return
        kept.seek(0)
        for rows in pickled(kept):  # a chunk's
            for problems in rows:
                report.add(problems)
        report.checked += done.checked
        part.seek(0)
        yield Part(part)
        progress(done.rows)


def _first_records(proof: csv_halves.Proof, stream: TextIO) -> Iterator[Any]:
    """The proof's records of the first half, ending unproved where its reading fails: the sentinel may have made the
    failure (a quoted cell it ran into grown past csv's field limit); the file read on here fails as a whole reading
    does, if it does."""
    try:
        yield from proof.records(stream_lines(stream))
    except BatchFormatError:
        return


def _answer(child: Forked) -> Half | None:
    """The forked half's work, None if it failed (the file is then read on here); the engine's disagreement with a
    sampled row of that half is raised."""
    try:
        done: Half = child.answer()
    except EngineMismatch:
        raise
    except Exception:
        return None
    return done


def _after(lines: Iterator[Any], last: int) -> Iterator[Any]:
    """The lines (records) numbered after `last`."""
    for item in lines:
        if csv_halves.number_of(item) > last:
            yield item


@dataclass
class Half:
    """What the forked process did with the second half: rows checked, records read (the progress a reading in one
    process reports: unreadable rows too)."""

    checked: int = 0
    rows: int = 0


class _Kept(BatchReport):
    """A report keeping each flagged row's problems apart, a chunk's pickled to a file at a time (to be reported
    again, in order, by the parent)."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__()
        self.file = file
        self.rows: list[list[RowProblem]] = []

    def add(self, problems: list[RowProblem]) -> None:
        """Keep one row's problems."""
        if problems:
            self.rows.append(problems)

    def dump(self) -> None:
        """The rows' problems kept so far to the file."""
        if self.rows:
            pickle.dump(self.rows, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.rows = []


def _serve_half(run: Run, source: Path, cut: csv_halves.Cut, kinds: list[str], part: IO[bytes], kept: IO[bytes],
                requests: IO[bytes], replies: IO[bytes]) -> None:
    """The forked process: the second half's lines written to `part`, its problems to `kept`, what it did (a Half) or
    its error replied."""
    reply(replies, partial(_second_half, run, source, cut, kinds, part, kept))


def _second_half(run: Run, source: Path, cut: csv_halves.Cut, kinds: list[str], part: IO[bytes],
                 kept: IO[bytes]) -> Half:
    """Read, check and format the second half, its CSV lines written to `part` once the engine has re-checked each
    chunk's sample here (this process's own rulesets; the parent's forked re-check is busy with the first half), each
    flagged row's problems to `kept`."""
    half = Half()
    report = _Kept(kept)
    checks = SampleCheck(run.checker, run.as_of, forked=False)
    with csv_halves.second_half(source, cut) as stream:
        items = stream_lines(stream, header=run.top, first=cut.number)
        for columns in _chunks(run, items, report, checks, partial(_count, half)):
            report.dump()
            checks.wait()
            if columns and columns[0]:
                part.write(csv_text(columns, kinds).encode("utf-8"))
    half.checked = report.checked
    part.flush()
    kept.flush()
    return half


def _count(half: Half, rows: int) -> None:
    """Add a chunk's records to the half's."""
    half.rows += rows


def _table_columns(run: Run, items: list[Item], report: BatchReport, checks: Any) -> list[list[Any]]:
    """One chunk of CSV lines read column-wise, its problems reported in row order, evaluated, `sample` rows (the
    first among them) handed to the engine's re-check (awaited before the chunk is written), and its sheet columns."""
    checker, as_of = run.checker, run.as_of
    pack = checker.pack
    good = [item for item in items if isinstance(item, tuple)]
    reading = read_table(pack, run.top, [cells for _, cells in good], as_of)
    numbers = [number for number, _ in good]
    ids = [number if ident is None else ident for ident, number in zip(reading.ids, numbers)]
    read = iter(zip(ids, reading.problems))
    for item in items:  # in row order, as the row-by-row reading reports them
        if isinstance(item, Row):
            report.add([RowProblem(item.number, "row", item.error, item.number)] if item.error else [])
            continue
        ident, problems = next(read)
        report.add([RowProblem(item[0], p.field, p.problem, ident) for p in problems])
        report.checked += 1
    n = len(good)
    if not n:
        return []
    found = evaluate(pack, reading.table, as_of)
    checks.submit(_sample(checker, found, [(index, ids[index], table_profile(pack.at(as_of), reading.table, index))
                                           for index in sampled(n, run.sample)], as_of))
    column = reading.table.get("name")
    titles_ = [str((column[row] if column is not None else None) or ident) for row, ident in enumerate(ids)]
    head = Head(numbers, ids, titles_, reading.extra)
    return sheet_columns(pack, found, head, run.names, run.lang, run.extras, as_of, run.status)
