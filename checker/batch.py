"""Read profiles from JSONL, CSV or XLSX and write verdicts to the same formats.

Every row is read and validated independently: a bad row becomes a RowProblem
(row, field, reason) and the good rows are still checked.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import json
import re
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from checker.columns import field_of, nearest_labels, read_answers, row_id
from checker.engine import Checker, CheckResult
from checker.engine.answer import TOTAL_KEYS, counts_as_eligible
from checker.guard import DEFAULT as DEFAULT_LIMITS
from checker.guard import InputRefused, Limits, bounded_lines, check_columns, check_file
from checker.problems import Problem
from checker.rules.pack import RulePack

if TYPE_CHECKING:
    from checker.sheets.verdicts import ClientVerdicts

FORMATS = (".jsonl", ".csv", ".xlsx")
MAX_ROWS = 1_000_000
FIRST_DATA_ROW = 2  # a CSV or XLSX row is numbered as Excel/WPS shows it (header row 1); a JSONL row by its line
MAX_CELL = 1000
MIB = 2**20
ROW_KEY, NAME_KEY = "_row", "_name"  # keys of a matrix row beside the vectorised columns
SAMPLE = 8  # rows of every vectorised chunk (batch_columnar.CHUNK or ROW_CHUNK rows) also checked by the engine and compared


@dataclass
class Row:
    """One raw input row: its number as the user sees it (Excel row, header row 1; JSONL line) and its raw answers
    (or a read error)."""

    number: int
    raw: dict[str, Any]
    error: Problem | None = None


@dataclass
class RowProblem:
    """One rejected row: which row, which field, why."""

    row: int
    field: str
    problem: Problem
    id: Any = None

    @property
    def message(self) -> str:
        """Why, in English (the CLI)."""
        return str(self.problem)

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


@dataclass
class BatchReport:
    """What a batch produced: checked rows and every problem."""

    checked: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    flagged: int = 0
    sink: Callable[[RowProblem], None] | None = None  # set: problems go there as they occur, none are kept

    def add(self, problems: list[RowProblem]) -> None:
        """Record one row's problems, if any (kept, or handed to the sink so memory stays bounded)."""
        if not problems:
            return
        self.flagged += 1
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
    if _decodes(path, "utf-8", block):
        return "utf-8-sig"
    if _decodes(path, "gb18030", block):
        return "gb18030"
    raise BatchFormatError("the CSV file is neither UTF-8 nor GBK/GB18030 text")


def csv_encoding(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """A CSV file's encoding once it has passed the input guard (BatchFormatError if not): worked out once by a batch
    and handed to each of its readings (each would decode the whole file again)."""
    try:
        check_file(path, limits)
    except InputRefused as exc:
        raise BatchFormatError(str(exc)) from None
    return detect_encoding(path)


def _decodes(path: Path, encoding: str, block: int) -> bool:
    """Whether the whole file decodes in this encoding, read in blocks."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as stream:
            while data := stream.read(block):
                decoder.decode(data)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def read_rows(path: Path, limits: Limits = DEFAULT_LIMITS, encoding: str | None = None) -> Iterator[Row]:
    """Rows of an input file, by suffix, streamed; the file passes the input guard first (BatchFormatError if not);
    encoding: a CSV file's, if known."""
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
        return _csv_file(path, encoding or detect_encoding(path), limits)
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
            yield Row(number, {}, Problem("problem.bad_json", {"error": str(exc)}))
            continue
        yield Row(number, raw) if isinstance(raw, dict) else Row(number, {}, Problem("problem.line_not_object"))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _csv_file(path: Path, encoding: str, limits: Limits) -> Iterator[Row]:
    with path.open(encoding=encoding, newline="") as stream:
        yield from _csv_rows(bounded_lines(stream, limits, "\0"), limits)


def _csv_rows(lines: Iterable[str], limits: Limits = DEFAULT_LIMITS) -> Iterator[Row]:
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader, [])]
        _check_header(header, limits)
        for number, cells in enumerate(reader, FIRST_DATA_ROW):  # the row Excel/WPS shows: the header is row 1
            if number - 1 > MAX_ROWS:
                raise BatchFormatError(f"more than {MAX_ROWS} rows")
            if any(c.strip() for c in cells):
                yield _text_row(number, header, cells)
    except csv.Error as exc:
        raise BatchFormatError(f"the CSV file is malformed near line {reader.line_num}: {exc}") from None
    except InputRefused as exc:
        raise BatchFormatError(str(exc)) from None


def csv_lines(path: Path, limits: Limits = DEFAULT_LIMITS,
              encoding: str | None = None) -> Generator[list[str] | Row | tuple[int, list[str]], None, None]:
    """A CSV file read as read_rows reads it, its cells left in lines for a column-wise reading: the header first,
    then each non-blank line as (row number, cells), or as the Row of its error (extra cells, a cell too long)."""
    try:
        check_file(path, limits)
    except InputRefused as exc:
        raise BatchFormatError(str(exc)) from None
    with path.open(encoding=encoding or detect_encoding(path), newline="") as stream:
        yield from stream_lines(stream, limits)


def stream_lines(stream: TextIO, limits: Limits = DEFAULT_LIMITS, header: list[str] | None = None,
                 first: int = FIRST_DATA_ROW) -> Generator[list[str] | Row | tuple[int, list[str]], None, None]:
    """csv_lines of a text stream opened with newline="": its header line first; or, given the header, its lines are
    all records, numbered from `first` (a file's second half)."""
    reader = csv.reader(bounded_lines(stream, limits, "\0"))
    try:
        if header is None:
            header = [h.strip() for h in next(reader, [])]
            _check_header(header, limits)
            yield header
        for number, cells in enumerate(reader, first):
            if number - 1 > MAX_ROWS:
                raise BatchFormatError(f"more than {MAX_ROWS} rows")
            joined = "".join(cells)
            if not joined or joined.isspace():  # every cell blank
                continue
            if len(cells) > len(header) or (len(joined) > MAX_CELL and max(map(len, cells)) > MAX_CELL):
                row = _text_row(number, header, cells)
                yield row if row.error else (number, cells[:len(header)])
            else:
                yield number, cells
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
        return Row(number, {}, Problem("problem.extra_cells", {"cells": len(cells), "headers": len(header)}))
    raw = {}
    for name, cell in zip(header, cells):
        if not name or cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        if isinstance(cell, str) and len(cell) > MAX_CELL:
            return Row(number, {}, Problem("problem.cell_too_long", {"column": name, "limit": MAX_CELL}))
        raw[name] = cell
    return Row(number, raw)


def _text_row(number: int, header: list[str], cells: list[str]) -> Row:
    """_row of a CSV line, whose cells are all text: one pass keeps the named, non-blank cells."""
    if len(cells) > len(header):
        return _row(number, header, cells)
    raw = {name: cell for name, cell in zip(header, cells) if name and cell and not cell.isspace()}
    for name, cell in raw.items():
        if len(cell) > MAX_CELL:
            return Row(number, {}, Problem("problem.cell_too_long", {"column": name, "limit": MAX_CELL}))
    return Row(number, raw)


def _xlsx_rows(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[Row]:
    from openpyxl import load_workbook

    from checker.sheets.xlsx_read import sheet_rows  # openpyxl's rows of the first sheet, read faster

    with path.open("rb") as stream:  # ours to close, whatever openpyxl raises half-way through opening
        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            raise BatchFormatError(f"cannot open {path.name} as XLSX: {no_paths(str(exc), path)}") from None
        try:
            # openpyxl's read-only sheet cuts every row to the sheet's <dimension>: a writer that declares too small a
            # one (A1:B2 over four columns and five rows) lost the other cells without a word. Each row is read to
            # its last cell instead, and cut to the header in _sheet_rows (cells under no header stay unread).
            book.worksheets[0].reset_dimensions()
            yield from _sheet_rows(path, sheet_rows(book), limits)
        except (SyntaxError, ValueError, KeyError, TypeError) as exc:  # the sheet's XML is broken part-way (ParseError)
            if isinstance(exc, BatchFormatError):
                raise
            raise BatchFormatError(f"cannot read {path.name} as XLSX: {type(exc).__name__}: {no_paths(str(exc), path)}") from None
        finally:
            book.close()


def no_paths(text: str, path: Path) -> str:
    """A parser's message without the server's folders: the file's own path becomes its name, any other path under
    the temporary folder or the file's folder becomes "…" (users must never learn where the server keeps files)."""
    text = text.replace(str(path), path.name)
    for folder in {str(path.parent), tempfile.gettempdir()}:
        if len(folder) > 1:
            text = re.sub(re.escape(folder) + r"[^\s'\"]*", "…", text)
    return text


def _sheet_rows(path: Path, rows: Iterator[Sequence[Any]], limits: Limits) -> Iterator[Row]:
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    _check_header(header, limits)
    for number, cells in enumerate(rows, FIRST_DATA_ROW):  # the row Excel/WPS shows: the header is row 1
        if number - 1 > MAX_ROWS:
            raise BatchFormatError(f"more than {MAX_ROWS} rows")
        if any(c is not None and str(c).strip() for c in cells):
            yield _row(number, header, list(cells[:len(header)]))


def check_rows(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport) -> Iterator[dict[str, Any]]:
    """Check each readable row on its good answers, recording every bad cell and row in the report."""
    for _, ident, profile, extra in _valid(checker, rows, as_of, report):
        result = {"id": ident, **checker.check(profile, as_of).to_json()}
        yield {**result, "extra": extra} if extra else result


def engine_rows(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport,
                extras: list[str]) -> Iterator[dict[str, Any]]:
    """Matrix rows like matrix_rows, every row checked by the checker's engine."""
    for number, ident, profile, extra in _valid(checker, rows, as_of, report):
        line = flat_check(ident, checker.check(profile, as_of))
        yield {**line, ROW_KEY: number, NAME_KEY: profile.get("name"), **{name: extra.get(name) for name in extras}}


def extra_columns(checker: Checker, rows: Iterable[Row]) -> list[str]:
    """The columns of the rows that no field claims (联系人, 备注 …), in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        note_columns(seen, row)
    return unclaimed(checker.pack, seen)


def note_columns(seen: dict[str, None], row: Row) -> None:
    """Add a row's column names not seen before, in their order (a row of known columns: one C-level check, where a
    loop over its ~115 names cost 1.6 s per 100k rows)."""
    if not seen.keys() >= row.raw.keys():
        seen.update(dict.fromkeys(map(str, row.raw)))


def unclaimed(pack: RulePack, headers: Iterable[str]) -> list[str]:
    """The headers no field claims, in their order."""
    return [header for header in headers if field_of(pack, header) is None]


def unread_note(pack: RulePack, source: Path, extras: list[str]) -> str:
    """One line naming the columns no field claims (read as nothing, echoed as the user's own), each with the field
    labels closest to it: a header spelled otherwise than the template (成立日期) would else leave its answers unread
    with no word said."""
    named = []
    for header in extras:
        close = nearest_labels(pack, header)
        named.append(f"{header} (closest field{'s' if len(close) > 1 else ''}: {' / '.join(close)})" if close else header)
    return f"{source}: columns not read as answers, kept as your own columns: {', '.join(named)}"


def unclaimed_columns(checker: Checker, path: Path, limits: Limits = DEFAULT_LIMITS,
                      encoding: str | None = None) -> list[str]:
    """extra_columns of a file; a CSV whose header every field claims has none, so its rows are not read for them
    (encoding: a CSV file's, if known)."""
    rows = read_rows(path, limits, encoding)  # the input guard first
    if path.suffix.lower() == ".csv":
        encoding = encoding or detect_encoding(path)
        with path.open(encoding=encoding, newline="") as stream:
            try:
                header = next(csv.reader(bounded_lines(stream, limits, "\0")), [])
            except (csv.Error, InputRefused):
                header = ["?"]  # read the rows: they say what is wrong with the file
        if all(not h.strip() or field_of(checker.pack, h.strip()) is not None for h in header):
            return []
        if header != ["?"]:
            return _csv_extras(checker.pack, path, limits, encoding)
    return extra_columns(checker, rows)


def _csv_extras(pack: RulePack, path: Path, limits: Limits, encoding: str) -> list[str]:
    """extra_columns of a CSV file from its lines (csv_lines), no row dicts built: the unclaimed columns in the order
    their first non-blank cell is met (a row's in header order), lines refused as a whole (extra cells) left out; read
    only until every unclaimed column has been met (a 联系人 column filled from the first row: one line)."""
    lines = csv_lines(path, limits, encoding)
    header = next(lines)
    assert isinstance(header, list)
    unclaimed = [(at, name) for at, name in enumerate(header) if name and field_of(pack, name) is None]
    seen: dict[str, None] = {}
    for item in lines:
        if isinstance(item, tuple):
            cells = item[1]
            for at, name in unclaimed:
                if name not in seen and at < len(cells) and cells[at] and not cells[at].isspace():
                    seen[name] = None
            if len(seen) == len(unclaimed):  # every one met: the rest of the file cannot change the list
                break
    lines.close()
    return list(seen)


def flat_row(result: dict[str, Any]) -> dict[str, Any]:
    """One CSV/XLSX row of a result: status and amount of every measure."""
    from checker.engine.vector import flat_item

    row: dict[str, Any] = {"id": result["id"], "rulepack": result["rulepack"], "as_of": result["as_of"]}
    for item in result["results"]:
        row.update(flat_item(item, " ".join(item["missing"])))
    row.update(result.get("totals", {}))
    return row


def flat_check(ident: Any, result: CheckResult) -> dict[str, Any]:
    """flat_row of a check's JSON, read straight from the result objects (no JSON built on the way)."""
    row: dict[str, Any] = {"id": ident, "rulepack": result.rulepack, "as_of": result.as_of.isoformat()}
    for m in result.results:
        mid = m.measure
        row[f"{mid}:status"], row[f"{mid}:amount_wan"] = m.status, m.amount_wan
        row[f"{mid}:missing"], row[f"{mid}:held_until"] = " ".join(m.missing), m.held["until"] if m.held else None
        row[f"{mid}:currency"], row[f"{mid}:tax_saving_wan"] = m.currency, m.tax_saving_wan
        row[f"{mid}:condition_until"] = m.condition["until"] if m.condition else None
    row.update(result.totals)
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


def write_rows(path: Path, rows: Iterable[dict[str, Any]], pack: RulePack | None = None, lang: str = "zh",
               extras: list[str] | None = None) -> None:
    """Write matrix rows (from matrix_rows) to a .csv or .xlsx file with the agency's sheet layout and writer."""
    from checker.sheets.verdicts import matrix_head, titles, word
    from checker.sheets.writer import Sheet, iter_csv, write_xlsx

    suffix = _out_suffix(path)
    if suffix == ".jsonl":
        raise BatchFormatError("the matrix has no JSONL form: write .csv or .xlsx, or use full results")
    rows = iter(rows)
    first = next(rows, None)
    names = titles(pack, lang) if pack is not None else {k.split(":")[0]: k.split(":")[0] for k in first or {}
                                                       if k.endswith(":status")}
    header, kinds = matrix_head(names, lang, extras or [])
    lines = map(matrix_line(names, lang, pack, extras or []), itertools.chain([first] if first else [], rows))
    sheet = Sheet(word("matrix", lang), header, lines, kinds)
    if suffix == ".csv":
        with path.open("wb") as out:
            for chunk in iter_csv(sheet):
                out.write(chunk)
    else:
        write_xlsx([sheet], path)


def matrix_line(names: dict[str, str], lang: str, pack: RulePack | None, extras: list[str]
                ) -> Callable[[dict[str, Any]], list[Any]]:
    """A function from a flat matrix row to its line of the matrix sheet: the line export.matrix gives for
    verdicts_of(row, pack), computed from the row's own columns with every per-measure lookup done once here."""
    from checker.sheets.verdicts import (
        MONEY,
        STATUSES,
        amount_of,
        from_totals,
        money_type,
        shown,
        status_of,
        word,
    )

    kinds = {mid: money_type(pack, {"measure": mid}) for mid in names}
    applicants = {mid: _applicant(pack, mid) for mid in names}
    words = {status: word(status, lang) for status in (*STATUSES, "held", "verify", "others")}
    echoed = [(name, ":" not in name and name not in ("id", "rulepack", "as_of", ROW_KEY, NAME_KEY)) for name in extras]

    def line(row: dict[str, Any]) -> list[Any]:
        count, sums, gaps, statuses = 0, dict.fromkeys(MONEY), dict.fromkeys(MONEY, False), []
        for mid, kind in kinds.items():
            status = row.get(mid + ":status")
            item = {"status": status, "held": row.get(mid + ":held_until"), "currency": row.get(mid + ":currency"),
                    "applicant": applicants[mid], "condition": row.get(mid + ":condition_until")}
            statuses.append("" if status is None else words[status_of(item)])
            if counts_as_eligible(item):
                count += 1
                value = amount_of({"tax_saving_wan": row.get(mid + ":tax_saving_wan"),
                                   "amount_wan": row.get(mid + ":amount_wan")}, kind)
                if value is None:
                    gaps[kind] = True
                else:
                    sums[kind] = round((sums[kind] or 0) + value, 4)
        shown_sums = from_totals(sums, _totals(row))
        ident = row.get("id")
        head = [row.get(ROW_KEY), str(ident), str(row.get(NAME_KEY) or ident), count]
        return (head + [shown(shown_sums[k], gaps[k]) for k in MONEY] + statuses
                + [row.get(name) if ok else None for name, ok in echoed] + [row.get("rulepack"), row.get("as_of")])

    return line


def _applicant(pack: RulePack | None, mid: str) -> str:
    """Who applies for a measure (company, its staff, an institution); company when the pack is not known."""
    return pack.index[mid].spec.applicant if pack is not None and mid in pack.index else "company"


TOTALS = tuple(dict.fromkeys(TOTAL_KEYS.values()))  # cash_wan, tax_saving_wan, financing_wan


def _totals(row: dict[str, Any]) -> dict[str, float] | None:
    """The engine's totals a flat row carries (cash_wan, tax_saving_wan, financing_wan), if any."""
    found = {k: row[k] for k in TOTALS if row.get(k) is not None}
    return found or None


def verdicts_of(row: dict[str, Any], pack: RulePack | None = None) -> ClientVerdicts:
    """A matrix row of the vectorised batch as the exports read a client's result."""
    from checker.sheets.verdicts import ClientVerdicts

    mids = [key[:-7] for key in row if key.endswith(":status")]
    results = [{"measure": mid, "status": row[mid + ":status"], "amount_wan": row.get(mid + ":amount_wan"),
                "missing": (row.get(mid + ":missing") or "").split(),
                "held": {"until": row[mid + ":held_until"]} if row.get(mid + ":held_until") else None,
                "currency": row.get(mid + ":currency"), "tax_saving_wan": row.get(mid + ":tax_saving_wan"),
                "applicant": _applicant(pack, mid),
                "condition": {"until": row[mid + ":condition_until"]} if row.get(mid + ":condition_until") else None}
               for mid in mids]
    extra = {k: v for k, v in row.items()
             if ":" not in k and k not in ("id", "rulepack", "as_of", ROW_KEY, NAME_KEY, *TOTALS)}
    result = {"rulepack": row.get("rulepack"), "as_of": row.get("as_of"), "results": results, "extra": extra,
              "totals": _totals(row)}
    ident = row.get("id")
    return ClientVerdicts(str(ident), str(row.get(NAME_KEY) or ident), result, row.get(ROW_KEY))


def _out_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BatchFormatError(f"cannot write {path.name}: use one of {', '.join(FORMATS)}")
    return suffix


def matrix_rows(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport,
                chunk: int = 5000, sample: int = SAMPLE, extras: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Flat rows by the vectorised evaluator, `sample` rows of every chunk (the first among them) re-checked with
    the checker's engine; the named extra columns are echoed at the end of each row."""
    from checker.engine import EngineMismatch
    from checker.engine.columnar import matrix_rows as vector_rows

    profiles: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    for number, ident, profile, extra in _valid(checker, rows, as_of, report):
        profiles.append((ident, profile, {**extra, ROW_KEY: number, NAME_KEY: profile.get("name")}))
        if len(profiles) == chunk:
            yield from _matrix_chunk(checker, profiles, as_of, sample, vector_rows, EngineMismatch, extras or [])
            profiles = []
    if profiles:
        yield from _matrix_chunk(checker, profiles, as_of, sample, vector_rows, EngineMismatch, extras or [])


def disagreement(checker: Checker, sample: list[tuple[Any, dict[str, Any], dict[str, Any]]], as_of: dt.date) -> int | None:
    """The index of the first sampled row (id, profile, the batch's flat row) whose flat result by the checker's engine
    differs from the batch's, if any."""
    for at, (ident, profile, flat) in enumerate(sample):
        if flat != flat_check(ident, checker.check(profile, as_of)):
            return at
    return None


def sampled(n: int, sample: int) -> range:
    """The rows of a chunk of n the engine re-checks: at most `sample` of them spread evenly, the first among them."""
    return range(0, n, max(1, -(-n // sample)))


def _matrix_chunk(checker: Checker, profiles: list[tuple[Any, dict[str, Any], dict[str, Any]]], as_of: dt.date,
                  sample: int, vector_rows: Callable[..., list[dict[str, Any]]], mismatch: type[Exception],
                  extras: list[str]) -> Iterator[dict[str, Any]]:
    flat = vector_rows(checker.pack, [p for _, p, _ in profiles], [i for i, _, _ in profiles], as_of)
    rows = [(profiles[index][0], profiles[index][1], flat[index]) for index in sampled(len(profiles), sample)]
    at = disagreement(checker, rows, as_of)
    if at is not None:
        raise mismatch(f"vectorised batch and {checker.engine} disagree on row id {rows[at][0]!r}")
    for line, (_, _, extra) in zip(flat, profiles):
        yield {**line, ROW_KEY: extra[ROW_KEY], NAME_KEY: extra[NAME_KEY], **{name: extra.get(name) for name in extras}}


def _valid(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport
           ) -> Iterator[tuple[int, Any, dict[str, Any], dict[str, Any]]]:
    """(row number, id, good answers, extra columns) of each readable row; every bad cell and unreadable row goes to
    the report."""
    for row in rows:
        ident = row_id(checker.pack, row.raw, row.number)
        if row.error:
            report.add([RowProblem(row.number, "row", row.error, ident)])
            continue
        reading = read_answers(checker.pack, row.raw, as_of)
        report.add([RowProblem(row.number, p.field, p.problem, ident) for p in reading.problems])
        report.checked += 1
        yield row.number, ident, reading.values, reading.extra
