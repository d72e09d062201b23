"""`checker batch` to a .csv/.xlsx matrix column-wise: each chunk evaluated as arrays and its sheet lines built a
column at a time (checker.engine.columnar), with the same sample of rows re-checked by the checker's engine.

The lines are those batch.write_rows gives for batch.matrix_rows (tests/test_batch_columnar.py compares them): the
eligible count, money by type (the engine's totals where an eligible amount is known, "—" where none is), each
measure's status word (held, verify, others as export.status_of), the extra columns, pack version and date.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from checker.batch import (
    NAME_KEY,
    ROW_KEY,
    SAMPLE,
    BatchFormatError,
    BatchReport,
    Row,
    _out_suffix,
    _valid,
    sampled,
)
from checker.engine import Checker
from checker.engine.answer import TOTAL_KEYS
from checker.engine.columnar import Matrix, MeasureColumns, evaluate, flat_rows_at, profile_table
from checker.engine.vector import F, T, U
from checker.rules.pack import RulePack
from checker.sample_check import Sample, SampleCheck
from checker.sheets.verdicts import MONEY, STATUSES, UNKNOWN, matrix_head, money_type, titles, word
from checker.sheets.writer import FORMULA_START, Sheet, neutralise, write_xlsx

CHUNK = 20000  # CSV rows read column-wise, evaluated and written at a time (RSS ~0.3 GB), SAMPLE of them re-checked
ROW_CHUNK = 5000  # rows read one by one (JSONL, XLSX) a chunk holds: a parsed profile dict each, so fewer at a time
ECHO_SKIP = ("id", "rulepack", "as_of", ROW_KEY, NAME_KEY)  # extra columns batch.matrix_line never echoes
NOT_PLAIN = re.compile("[,\"\r]|^[" + re.escape("".join(FORMULA_START)) + "]", re.MULTILINE)  # quoted or neutralised


@dataclass(frozen=True)
class StatusForm:
    """How a chunk's status words go into its sheet columns: each word as cell() makes it, and with joined a row's
    status cells as one column of text (a CSV file's: each distinct run of statuses joined once, not every line)."""

    cell: Callable[[str], str] = str
    joined: bool = False


def write_matrix(path: Path, checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport,
                 lang: str = "zh", extras: list[str] | None = None, chunk: int = ROW_CHUNK, sample: int = SAMPLE,
                 recheck: SampleCheck | None = None) -> None:
    """Check the rows and write the matrix sheet to a .csv or .xlsx file (as write_rows(matrix_rows(...))); recheck:
    where the sampled rows are checked by the engine (default: here, before each chunk is written)."""
    suffix = _out_suffix(path)
    if suffix == ".jsonl":
        raise BatchFormatError("the matrix has no JSONL form: write .csv or .xlsx, or use full results")
    names = titles(checker.pack, lang)
    header, kinds = matrix_head(names, lang, extras or [])
    recheck = recheck or SampleCheck(checker, as_of, forked=False)
    _write(path, header, kinds, matrix_chunks(checker, rows, as_of, report, names, lang, extras or [], chunk, sample,
                                              _status_form(path), recheck), lang, recheck.wait)


def _write(path: Path, header: list[str], kinds: list[str], chunks: Iterable[list[list[Any]] | Part], lang: str,
           ready: Callable[[], None] = lambda: None) -> None:
    """The matrix sheet to a .csv or .xlsx file, a chunk of columns at a time, ready() called before each is written
    (the engine's verdict on the chunk's sample)."""
    if _out_suffix(path) == ".csv":
        _write_csv(path, header, kinds, chunks, ready)
    else:
        rows = cast("Iterable[list[list[Any]]]", chunks)  # a Part is a CSV file's only
        lines = (list(line) for columns in _readied(rows, ready) for line in zip(*columns))
        write_xlsx([Sheet(word("matrix", lang), header, lines, kinds)], path)


def _readied(chunks: Iterable[list[list[Any]]], ready: Callable[[], None]) -> Iterator[list[list[Any]]]:
    """Each chunk once ready() has returned."""
    for columns in chunks:
        ready()
        yield columns


def _write_csv(path: Path, header: list[str], kinds: list[str], chunks: Iterable[list[list[Any]] | Part],
               ready: Callable[[], None] = lambda: None) -> None:
    """The CSV file sheets.iter_csv writes (BOM, every text cell neutralised, csv.writer's quoting), a chunk of columns
    at a time (csv_text), each written once ready() has returned; a Part's lines are copied as they are."""
    kinds = csv_kinds(kinds)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        csv.writer(out).writerow([neutralise(h) for h in header])
        for columns in chunks:
            if isinstance(columns, Part):
                ready()
                out.flush()
                shutil.copyfileobj(columns.file, out.buffer)
                out.buffer.flush()
            elif columns and columns[0]:
                text = csv_text(columns, kinds)
                ready()
                out.write(text)


@dataclass(frozen=True)
class Part:
    """CSV lines of the matrix made elsewhere (a forked process's half of a file), UTF-8, in a file at its start."""

    file: IO[bytes]


def csv_kinds(kinds: list[str]) -> list[str]:
    """The kinds of a CSV file's matrix columns: a run of status columns is one column (see StatusForm)."""
    return [kind for at, kind in enumerate(kinds) if kind != "status" or not at or kinds[at - 1] != "status"]


def csv_text(columns: list[list[Any]], kinds: list[str]) -> str:
    """A chunk's CSV lines (kinds as csv_kinds gives them): each column turned into its CSV cells at once (the
    statuses arrive so already, a row's run of them joined into one column), then the lines joined."""
    cells = [col if kind == "status" else _csv_column(col, kind)
             for col, kind in zip(columns, kinds + ["text"] * (len(columns) - len(kinds)))]
    return "\r\n".join(map(",".join, zip(*cells))) + "\r\n"


def _status_form(path: Path) -> StatusForm:
    """A CSV file's status cells (neutralised, quoted, each row's run joined), else the words as they are."""
    if _out_suffix(path) == ".csv":
        return StatusForm(lambda text: csv_cell(neutralise(text)), joined=True)
    return StatusForm()


def csv_cell(value: Any) -> str:
    """One cell as csv.writer writes it in a line of several cells: nothing for None, a float by repr, text quoted
    (quotes doubled) when it holds a comma, a quote or a line break."""
    if value is None:
        return ""
    if value.__class__ is float:
        return repr(value)
    text = value if isinstance(value, str) else str(value)
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_column(column: list[Any], kind: str) -> list[str]:
    """A column's CSV cells, text neutralised (not in count and money columns); a column of text or blanks looks each
    distinct cell up once (names and extra columns repeat) and is itself when no text needs quoting or neutralising,
    whole numbers are their digits, others go cell by cell (1 and 1.0 are one key)."""
    types = set(map(type, column))
    if types <= {int}:  # row numbers and counts: never quoted
        return list(map(str, column))
    safe = (lambda x: x) if kind in ("count", "money") else neutralise
    if types <= {str, type(None)}:
        distinct = set(column)
        if types == {str} and _plain_texts(distinct):  # ids and names as they mostly are: each text its own cell
            return column
        cells = {x: csv_cell(safe(x)) for x in distinct}
        return list(map(cells.__getitem__, column))
    if kind == "money":  # amounts (repr), blanks and the "unknown" mark
        return [repr(x) if x.__class__ is float else csv_cell(x) for x in column]
    return [csv_cell(safe(x)) for x in column]


def _plain_texts(texts: set[str]) -> bool:
    """Whether every text is its own CSV cell: no comma, quote or line break to quote, no formula start to neutralise
    (checked over the texts joined by line breaks, one between two texts)."""
    joined = "\n".join(texts)
    return joined.count("\n") == len(texts) - 1 and not NOT_PLAIN.search(joined)


def matrix_chunks(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport, names: dict[str, str],
                  lang: str, extras: list[str], chunk: int = ROW_CHUNK, sample: int = SAMPLE,
                  status: StatusForm = StatusForm(), recheck: SampleCheck | None = None) -> Iterator[list[list[Any]]]:
    """The matrix sheet's columns, a chunk of rows at a time (status words in the given form); each chunk's sample
    handed to recheck (default: checked here, before the chunk is yielded)."""
    checks = recheck or SampleCheck(checker, as_of, forked=False)
    batch: list[tuple[int, Any, dict[str, Any], dict[str, Any]]] = []
    for found in _valid(checker, rows, as_of, report):
        batch.append(found)
        if len(batch) == chunk:
            yield _chunk_columns(checker, batch, as_of, names, lang, extras, sample, status, checks, recheck is None)
            batch = []
    if batch:
        yield _chunk_columns(checker, batch, as_of, names, lang, extras, sample, status, checks, recheck is None)


def _chunk_columns(checker: Checker, batch: list[tuple[int, Any, dict[str, Any], dict[str, Any]]], as_of: dt.date,
                   names: dict[str, str], lang: str, extras: list[str], sample: int, status: StatusForm,
                   recheck: SampleCheck, wait: bool) -> list[list[Any]]:
    """One chunk evaluated column-wise, `sample` rows of it (the first among them) handed to the engine's re-check
    (awaited here when wait, else before the chunk is written)."""
    pack = checker.pack
    profiles = [profile for _, _, profile, _ in batch]
    found = evaluate(pack, profile_table(pack.at(as_of), profiles), as_of, profiles=profiles)
    recheck.submit(_sample(checker, found, [(index, batch[index][1], batch[index][2])
                                            for index in sampled(len(batch), sample)], as_of))
    if wait:
        recheck.wait()
    return sheet_columns(pack, found, _head(batch, extras), names, lang, extras, as_of, status)


def _sample(checker: Checker, found: Matrix, sample: list[tuple[int, Any, dict[str, Any]]], as_of: dt.date) -> Sample:
    """The sampled rows (index, id, profile) with the flat result the chunk's columns give each, for the engine's
    re-check (SampleCheck)."""
    flats = flat_rows_at(found, [index for index, _, _ in sample], [ident for _, ident, _ in sample],
                         checker.pack.version, as_of)
    return [(ident, profile, flat) for flat, (_, ident, profile) in zip(flats, sample)]


@dataclass
class Head:
    """What a chunk's sheet shows of each row beside its verdicts: row number, id, company name, extra columns."""

    numbers: list[int]
    ids: list[Any]
    names: list[str]
    extra: dict[str, list[Any]]


def _head(batch: list[tuple[int, Any, dict[str, Any], dict[str, Any]]], extras: list[str]) -> Head:
    """The head of a chunk read row by row."""
    return Head([number for number, _, _, _ in batch], [ident for _, ident, _, _ in batch],
                [str(profile.get("name") or ident) for _, ident, profile, _ in batch],
                {name: [extra.get(name) for _, _, _, extra in batch] for name in extras})


def sheet_columns(pack: RulePack, found: Matrix, head: Head, names: dict[str, str], lang: str, extras: list[str],
                  as_of: dt.date, status: StatusForm = StatusForm()) -> list[list[Any]]:
    """The matrix sheet's columns of one chunk (batch.matrix_line of each row, a column at a time): a money type shows
    the engine's total where a counted result of that type has a known amount, "—" where counted ones have none; the
    status words in the given form (for the CSV writer: each of the few words encoded once, not every cell)."""
    n = found.n
    by_id = {c.measure.id: c for c in found.columns}
    count = np.zeros(n, dtype=np.int64)
    known = {kind: np.zeros(n, dtype=bool) for kind in MONEY}
    gaps = {kind: np.zeros(n, dtype=bool) for kind in MONEY}
    picks = np.full((len(names), n), len(WORDS), dtype=np.uint8)  # each measure's word per row; an intention none
    for at, mid in enumerate(names):
        c = by_id.get(mid)
        if c is None:
            continue
        picks[at] = _picks(c)
        counted = c.counts
        count += counted
        kind = money_type(pack, {"measure": mid})
        value = c.amount if kind != "tax_saving" else np.where(np.isnan(c.saving), c.amount, c.saving)
        known[kind] |= counted & ~np.isnan(value)
        gaps[kind] |= counted & np.isnan(value)
    money: list[list[Any]] = []
    for kind in MONEY:
        cells = np.where(known[kind], found.totals[TOTAL_KEYS[kind]], np.nan).tolist()
        money.append([x if x == x else (UNKNOWN if gap else None) for x, gap in zip(cells, gaps[kind].tolist())])
    echoed: list[list[Any]] = [head.extra.get(name) or [None] * n if ":" not in name and name not in ECHO_SKIP
                               else [None] * n for name in extras]
    first: list[list[Any]] = [head.numbers, [str(ident) for ident in head.ids], head.names, count.tolist()]
    return first + money + _status_columns(picks, lang, status) + echoed + [[pack.version] * n, [as_of.isoformat()] * n]


WORDS = ("held", "verify", "others", *STATUSES)  # the status words of _picks' codes; len(WORDS): no verdict (blank)


def _picks(c: MeasureColumns) -> np.ndarray:
    """Each row's status word (export.status_of) as its index in WORDS: held, verify, others, else the status."""
    held, cond = c.held_rows, c.condition_rows
    eligible = c.status == T
    verify = eligible & ((c.currency == "unconfirmed") | cond)
    others = eligible & ((c.measure.spec.applicant or "company") != "company")
    plain = np.select([c.status == T, c.status == U, c.status == F], [3, 4, 5])
    found: np.ndarray = np.where(held, 0, np.where(verify, 1, np.where(others, 2, plain)))
    return found


def _status_columns(picks: np.ndarray, lang: str, status: StatusForm) -> list[list[Any]]:
    """The status cells of each measure (a row of picks) as status.cell makes each word; joined, one column of each
    row's cells joined by commas, each distinct run of codes joined once (a file repeats a few hundred of them)."""
    words = [status.cell(word(key, lang)) for key in WORDS] + [status.cell("")]
    if not status.joined:
        table = np.array(words, dtype=object)
        return [table[codes].tolist() for codes in picks]
    if not len(picks):
        return []
    keys: list[bytes] = np.ascontiguousarray(picks.T + 1).view(f"S{len(picks)}").ravel().tolist()  # no NUL byte
    runs = dict.fromkeys(keys, "")
    for key in runs:
        runs[key] = ",".join([words[code - 1] for code in key])
    return [list(map(runs.__getitem__, keys))]
