"""Read profiles from JSONL, CSV or XLSX and write verdicts to the same formats.

Every row is read and validated independently: a bad row becomes a RowProblem
(row, field, reason) and the good rows are still checked.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.engine import Checker
from checker.guard import DEFAULT as DEFAULT_LIMITS
from checker.guard import InputRefused, Limits, bounded_lines, check_columns, check_file
from checker.intake import read_profile
from checker.profile import ProfileError

FORMATS = (".jsonl", ".csv", ".xlsx")
MAX_ROWS = 1_000_000
MAX_CELL = 1000
MIB = 2**20
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Row:
    """One raw input row: its 1-based number and its raw answers (or a read error)."""

    number: int
    raw: dict[str, Any]
    error: str | None = None


@dataclass
class RowProblem:
    """One rejected row: which row, which field, why."""

    row: int
    field: str
    message: str
    id: Any = None

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


@dataclass
class BatchReport:
    """What a batch produced: checked rows and every problem."""

    checked: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected: int = 0
    sink: Callable[[RowProblem], None] | None = None  # set: problems go there as they occur, none are kept

    def reject(self, problems: list[RowProblem]) -> None:
        """Record one rejected row's problems (kept, or handed to the sink so memory stays bounded)."""
        self.rejected += 1
        if self.sink is None:
            self.problems += problems
        else:
            for problem in problems:
                self.sink(problem)


class BatchFormatError(ValueError):
    """The input or output file is not a format the batch reads or writes."""


def detect_encoding(path: Path, block: int = MIB) -> str:
    """How a CSV file is encoded: UTF-8 (with or without BOM), else GB18030 as Excel in China writes it.

    The file is decoded once in blocks (bounded memory); a file that is neither is refused.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as stream:
            while data := stream.read(block):
                decoder.decode(data)
            decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        with path.open("rb") as stream:
            while data := stream.read(block):
                decoder.decode(data)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BatchFormatError("the CSV file is neither UTF-8 nor GBK/GB18030 text") from None
    return "gb18030"


def read_rows(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Row]:
    """Rows of an input file, by suffix, streamed; the file passes the input guard first (BatchFormatError if not)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BatchFormatError(f"cannot read {path.name}: use one of {', '.join(FORMATS)}")
    try:
        check_file(path, limits)
    except InputRefused as exc:
        raise BatchFormatError(str(exc)) from None
    if suffix == ".jsonl":
        return _jsonl_file(path)
    if suffix == ".csv":
        return _csv_file(path, detect_encoding(path), limits)
    return _xlsx_rows(path, limits)


def _jsonl_file(path: Path) -> Iterator[Row]:
    with path.open("rb") as stream:
        yield from _jsonl_rows(stream)


def _jsonl_rows(stream: Iterable[bytes]) -> Iterator[Row]:
    for number, line in enumerate(stream, 1):
        if number > MAX_ROWS:
            raise BatchFormatError(f"more than {MAX_ROWS} rows")
        if not line.strip():
            continue
        try:
            raw = json.loads(line, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            yield Row(number, {}, f"not valid JSON: {exc}")
            continue
        yield Row(number, raw) if isinstance(raw, dict) else Row(number, {}, "each line must be a JSON object")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _csv_file(path: Path, encoding: str, limits: Limits) -> Iterator[Row]:
    with path.open(encoding=encoding, newline="") as stream:
        yield from _csv_rows(_no_nul(bounded_lines(stream, limits)), limits)


def _no_nul(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        yield line.replace("\0", "")


def _csv_rows(lines: Iterable[str], limits: Limits = DEFAULT_LIMITS) -> Iterator[Row]:
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader, [])]
        _check_header(header, limits)
        for number, cells in enumerate(reader, 1):
            if number > MAX_ROWS:
                raise BatchFormatError(f"more than {MAX_ROWS} rows")
            if any(c.strip() for c in cells):
                yield _row(number, header, cells)
    except csv.Error as exc:
        raise BatchFormatError(f"the CSV file is malformed near line {reader.line_num}: {exc}") from None
    except InputRefused as exc:
        raise BatchFormatError(str(exc)) from None


def _check_header(header: list[str], limits: Limits) -> None:
    """Refuse a header of too many columns (BatchFormatError)."""
    try:
        check_columns(len(header), limits)
    except InputRefused as exc:
        raise BatchFormatError(str(exc)) from None


def _row(number: int, header: list[str], cells: list[Any]) -> Row:
    if len(cells) > len(header) and any(str(c).strip() for c in cells[len(header):] if c is not None):
        return Row(number, {}, f"{len(cells)} cells but only {len(header)} headers")
    raw = {}
    for name, cell in zip(header, cells):
        if not name or cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if isinstance(cell, str) and len(cell) > MAX_CELL:
            return Row(number, {}, f"column {name}: cell longer than {MAX_CELL} characters")
        raw[name] = cell
    return Row(number, raw)


def _xlsx_rows(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Row]:
    from openpyxl import load_workbook

    with path.open("rb") as stream:  # ours to close, whatever openpyxl raises half-way through opening
        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            raise BatchFormatError(f"cannot open {path.name} as XLSX: {exc}") from None
        try:
            yield from _sheet_rows(path, book.worksheets[0].iter_rows(values_only=True), limits)
        except (SyntaxError, ValueError, KeyError, TypeError) as exc:  # the sheet's XML is broken part-way (ParseError)
            if isinstance(exc, BatchFormatError):
                raise
            raise BatchFormatError(f"cannot read {path.name} as XLSX: {type(exc).__name__}: {exc}") from None
        finally:
            book.close()


def _sheet_rows(path: Path, rows: Iterator[tuple[Any, ...]], limits: Limits) -> Iterator[Row]:
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    _check_header(header, limits)
    for number, cells in enumerate(rows, 1):
        if number > MAX_ROWS:
            raise BatchFormatError(f"more than {MAX_ROWS} rows")
        if any(c is not None and str(c).strip() for c in cells):
            yield _row(number, header, list(cells))


def check_rows(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport) -> Iterator[dict[str, Any]]:
    """Check each good row, recording every bad one in the report."""
    for row_id, profile in _valid(checker, rows, as_of, report):
        yield {"id": row_id, **checker.check(profile, as_of).to_json()}


def neutralise(value: Any) -> Any:
    """Stop spreadsheet programs from reading a text cell as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def flat_row(result: dict[str, Any]) -> dict[str, Any]:
    """One CSV/XLSX row of a result: status and amount of every measure."""
    from checker.engine.vector import flat_item

    row: dict[str, Any] = {"id": result["id"], "rulepack": result["rulepack"], "as_of": result["as_of"]}
    for item in result["results"]:
        row.update(flat_item(item, " ".join(item["missing"])))
    row.update(result.get("totals", {}))
    return row


def write_results(path: Path, results: Iterable[dict[str, Any]], full: bool = False) -> None:
    """Write results by the output's suffix: JSONL lines (compact unless full), or one flat row per profile."""
    from checker.engine.answer import compact

    suffix = _out_suffix(path)
    if suffix == ".jsonl":
        with path.open("w", encoding="utf-8") as out:
            for result in results:
                out.write(json.dumps(result if full else compact(result), ensure_ascii=False) + "\n")
        return
    write_rows(path, (flat_row(r) for r in results))


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write flat matrix rows to a .csv or .xlsx file."""
    suffix = _out_suffix(path)
    if suffix == ".jsonl":
        raise BatchFormatError("the matrix has no JSONL form: write .csv or .xlsx, or use full results")
    (_write_csv if suffix == ".csv" else _write_xlsx)(path, iter(rows))


def _out_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BatchFormatError(f"cannot write {path.name}: use one of {', '.join(FORMATS)}")
    return suffix


def matrix_rows(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport,
                chunk: int = 5000, verify_every: int = 25) -> Iterator[dict[str, Any]]:
    """Flat rows by the vectorised evaluator, every verify_every-th re-checked with the checker's engine."""
    from checker.engine import EngineMismatch
    from checker.engine.vector import matrix_rows as vector_rows

    profiles: list[tuple[Any, dict[str, Any]]] = []
    for row_id, profile in _valid(checker, rows, as_of, report):
        profiles.append((row_id, profile))
        if len(profiles) == chunk:
            yield from _matrix_chunk(checker, profiles, as_of, verify_every, vector_rows, EngineMismatch)
            profiles = []
    if profiles:
        yield from _matrix_chunk(checker, profiles, as_of, verify_every, vector_rows, EngineMismatch)


def _matrix_chunk(checker, profiles, as_of, verify_every, vector_rows, mismatch):  # type: ignore[no-untyped-def]
    flat = vector_rows(checker.pack, [p for _, p in profiles], [i for i, _ in profiles], as_of)
    for index in range(0, len(profiles), verify_every):
        row_id, profile = profiles[index]
        expected = flat_row({"id": row_id, **checker.check(profile, as_of).to_json()})
        if flat[index] != expected:
            raise mismatch(f"vectorised batch and {checker.engine} disagree on row id {row_id!r}")
    yield from flat


def _valid(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport) -> Iterator[tuple[Any, dict[str, Any]]]:
    """(id, typed profile) of each good row; every bad one goes to the report."""
    for row in rows:
        row_id = row.raw.get("id", row.number)
        if row.error:
            report.reject([RowProblem(row.number, "row", row.error, row_id)])
            continue
        try:
            profile = read_profile(checker.pack, row.raw, as_of)
        except ProfileError as exc:
            report.reject([RowProblem(row.number, p.field, p.message, row_id) for p in exc.problems])
            continue
        report.checked += 1
        yield row_id, profile


def _write_csv(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row))
                writer.writeheader()
            writer.writerow({k: neutralise(v) for k, v in row.items()})


def _write_xlsx(path: Path, rows: Iterator[dict[str, Any]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("results")
    header = None
    for row in rows:
        if header is None:
            header = list(row)
            sheet.append(header)
        sheet.append([neutralise(row.get(k)) for k in header])
    book.save(path)
