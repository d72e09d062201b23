"""`checker batch` to a .csv/.xlsx matrix column-wise: each chunk evaluated as arrays and its sheet lines built a
column at a time (checker.engine.columnar), with the same sample of rows re-checked by the checker's engine.

The lines are those batch.write_rows gives for batch.matrix_rows (tests/test_batch_columnar.py compares them): the
eligible count, money by type (the engine's totals where an eligible amount is known, "—" where none is), each
measure's status word (held, verify, others as export.status_of), the extra columns, pack version and date.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from checker.batch import NAME_KEY, ROW_KEY, SAMPLE, BatchFormatError, BatchReport, Row, _out_suffix, _valid, flat_check
from checker.engine import Checker, EngineMismatch
from checker.engine.answer import TOTAL_KEYS
from checker.engine.columnar import Matrix, MeasureColumns, evaluate, flat_row_at, profile_table
from checker.engine.vector import F, T, U
from checker.rules.pack import RulePack
from checker.sheets.verdicts import MONEY, STATUSES, UNKNOWN, matrix_head, money_type, titles, word
from checker.sheets.writer import Sheet, neutralise, write_xlsx

CHUNK = 5000
ECHO_SKIP = ("id", "rulepack", "as_of", ROW_KEY, NAME_KEY)  # extra columns batch.matrix_line never echoes


def write_matrix(path: Path, checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport,
                 lang: str = "zh", extras: list[str] | None = None, chunk: int = CHUNK, sample: int = SAMPLE) -> None:
    """Check the rows and write the matrix sheet to a .csv or .xlsx file (as write_rows(matrix_rows(...)))."""
    suffix = _out_suffix(path)
    if suffix == ".jsonl":
        raise BatchFormatError("the matrix has no JSONL form: write .csv or .xlsx, or use full results")
    names = titles(checker.pack, lang)
    header, kinds = matrix_head(names, lang, extras or [])
    chunks = matrix_chunks(checker, rows, as_of, report, names, lang, extras or [], chunk, sample)
    if suffix == ".csv":
        _write_csv(path, header, kinds, chunks)
    else:
        lines = (list(line) for columns in chunks for line in zip(*columns))
        write_xlsx([Sheet(word("matrix", lang), header, lines, kinds)], path)


def _write_csv(path: Path, header: list[str], kinds: list[str], chunks: Iterable[list[list[Any]]]) -> None:
    """The CSV file sheets.iter_csv writes (BOM, every text cell neutralised), a chunk of columns at a time: only the
    columns that may hold text are scanned for formula starts."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow([neutralise(h) for h in header])
        for columns in chunks:
            safe = [col if kind in ("count", "money") else [neutralise(x) for x in col]
                    for col, kind in zip(columns, kinds + ["text"] * (len(columns) - len(kinds)))]
            writer.writerows(zip(*safe))


def matrix_chunks(checker: Checker, rows: Iterable[Row], as_of: dt.date, report: BatchReport, names: dict[str, str],
                  lang: str, extras: list[str], chunk: int = CHUNK, sample: int = SAMPLE) -> Iterator[list[list[Any]]]:
    """The matrix sheet's columns, a chunk of rows at a time."""
    batch: list[tuple[int, Any, dict[str, Any], dict[str, Any]]] = []
    for found in _valid(checker, rows, as_of, report):
        batch.append(found)
        if len(batch) == chunk:
            yield _chunk_columns(checker, batch, as_of, names, lang, extras, sample)
            batch = []
    if batch:
        yield _chunk_columns(checker, batch, as_of, names, lang, extras, sample)


def _chunk_columns(checker: Checker, batch: list[tuple[int, Any, dict[str, Any], dict[str, Any]]], as_of: dt.date,
                   names: dict[str, str], lang: str, extras: list[str], sample: int) -> list[list[Any]]:
    """One chunk evaluated column-wise, `sample` rows of it (the first among them) re-checked by the engine."""
    pack = checker.pack
    profiles = [profile for _, _, profile, _ in batch]
    found = evaluate(pack, profile_table(pack.at(as_of), profiles), as_of, profiles=profiles)
    for index in range(0, len(batch), max(1, -(-len(batch) // sample))):
        _, ident, profile, _ = batch[index]
        if flat_row_at(found, index, ident, pack.version, as_of) != flat_check(ident, checker.check(profile, as_of)):
            raise EngineMismatch(f"vectorised batch and {checker.engine} disagree on row id {ident!r}")
    return sheet_columns(pack, found, batch, names, lang, extras, as_of)


def sheet_columns(pack: RulePack, found: Matrix, batch: list[tuple[int, Any, dict[str, Any], dict[str, Any]]],
                  names: dict[str, str], lang: str, extras: list[str], as_of: dt.date) -> list[list[Any]]:
    """The matrix sheet's columns of one chunk (batch.matrix_line of each row, a column at a time): a money type shows
    the engine's total where a counted result of that type has a known amount, "—" where counted ones have none."""
    n = found.n
    by_id = {c.measure.id: c for c in found.columns}
    count = np.zeros(n, dtype=np.int64)
    known = {kind: np.zeros(n, dtype=bool) for kind in MONEY}
    gaps = {kind: np.zeros(n, dtype=bool) for kind in MONEY}
    statuses: list[list[Any]] = []
    for mid in names:
        c = by_id.get(mid)
        if c is None:  # an intention: no verdict
            statuses.append([""] * n)
            continue
        statuses.append(_words(c, lang).tolist())
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
    echoed: list[list[Any]] = [[extra.get(name) for _, _, _, extra in batch]
                               if ":" not in name and name not in ECHO_SKIP else [None] * n for name in extras]
    head: list[list[Any]] = [[number for number, _, _, _ in batch], [str(ident) for _, ident, _, _ in batch],
            [str(profile.get("name") or ident) for _, ident, profile, _ in batch], count.tolist()]
    return head + money + statuses + echoed + [[pack.version] * n, [as_of.isoformat()] * n]


def _words(c: MeasureColumns, lang: str) -> np.ndarray:
    """Each row's status word (export.status_of): held, verify, others, else the status."""
    words = np.array([word(s, lang) for s in ("held", "verify", "others", *STATUSES)], dtype=object)
    held, cond = c.held_rows, c.condition_rows
    eligible = c.status == T
    verify = eligible & ((c.currency == "unconfirmed") | cond)
    others = eligible & ((c.measure.spec.applicant or "company") != "company")
    plain = np.select([c.status == T, c.status == U, c.status == F], [3, 4, 5])
    pick = np.where(held, 0, np.where(verify, 1, np.where(others, 2, plain)))
    found: np.ndarray = words[pick]
    return found
