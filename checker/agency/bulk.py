"""A job chunk checked in bulk: its text cells read a column at a time (columns.read_table), evaluated as arrays
(columnar.evaluate) and each client's compact stored form written from the columns, without an item dict per
client and measure: each distinct (measure, status, amount, failed, open fields, saving) is encoded once.

The stored forms are those `stored.encode` gives for `columnar.compact_results` of the row-by-row reading
(tests/agency/test_bulk_check.py compares them). A chunk with a cell that is not text (XLSX numbers and dates,
JSONL values), or whose rows do not share one header, returns None: the caller reads it row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from checker.agency.stored import item_text, pack_body
from checker.columns import TableReading, read_table, table_header
from checker.engine.columnar import Matrix, answer_column, evaluate, table_profile
from checker.engine.vector import AnswerColumn
from checker.rules.pack import RulePack

Verdict = tuple[dict[str, Any] | None, list[dict[str, Any]]]


def header_of(rows: Sequence[Any]) -> list[str]:
    """Every key of the rows in one order, each new key placed after the key before it in its row (the longest rows
    first: a CSV upload leaves its blank cells out, so most rows are the file's header with gaps)."""
    header: list[str] = []
    for raw in sorted((row.raw for row in rows), key=len, reverse=True):
        if header and raw.keys() <= set(header):
            continue
        at = 0
        for key in raw:
            if key in header:
                at = header.index(key) + 1
            else:
                header.insert(at, key)
                at += 1
    return header


def text_table(rows: Sequence[Any]) -> tuple[list[str], list[list[str]]] | None:
    """The rows' raw answers as one header and text cells (absent and None as ""), or None if a cell is not text or
    a row's keys are not in the header's order (read_answers reports a row's problems in its own order)."""
    header = header_of(rows)
    place = {name: i for i, name in enumerate(header)}
    table: list[list[str]] = []
    for row in rows:
        cells = [""] * len(header)
        last = -1
        for key, value in row.raw.items():
            at = place[key]
            if at < last or not isinstance(value, str) and value is not None:
                return None
            last = at
            if value is not None:
                cells[at] = value
        table.append(cells)
    return (header, table) if table else None


def read_chunk(pack: RulePack, rows: Sequence[Any], as_of: dt.date) -> TableReading | None:
    """The chunk read column-wise (read_answers of each row, as columns), or None when it must be read row by row."""
    found = text_table(rows)
    if found is None or not table_header(pack, found[0]):
        return None
    return read_table(pack, found[0], found[1], as_of)


def measure_texts(column: AnswerColumn) -> list[str]:
    """Per row, the JSON text of one measure's stored item (vector._stored's item through stored._row)."""
    m, mid = column.matrix, column.measure.id
    applicant = column.measure.spec.applicant
    other = applicant if applicant != "company" and applicant else None
    memo: dict[tuple[Any, ...], str] = {}
    out: list[str] = []
    for status, amount, failed, missing, held, save, cond in zip(m["status"], m["amount_wan"], m["failed"], m["missing"],
                                                                 m["held"], column.saving, m["condition"]):
        key = (status, repr(amount), tuple(failed), missing, repr(save)) if not held and not cond else None
        text = memo.get(key) if key is not None else None
        if text is None:
            item: dict[str, Any] = {"measure": mid, "status": status, "amount_wan": amount, "currency": column.currency}
            optional = {"failed": failed, "missing": missing.split(" ") if missing else None, "held": held,
                        "tax_saving_wan": save, "applicant": other, "condition": cond}
            item.update((k, v) for k, v in optional.items() if v)
            text = item_text(item)
            if key is not None:
                memo[key] = text
        out.append(text)
    return out


def bodies(found: Matrix) -> list[str]:
    """Per row, the JSON text of its stored items (stored.body of compact_results' items)."""
    texts = [measure_texts(answer_column(c)) for c in found.columns]
    return ["[" + ",".join(parts) + "]" for parts in zip(*texts)] if texts else ["[]"] * found.n


def totals(found: Matrix) -> list[dict[str, float]]:
    """Per row, the totals of its one tax scenario (compact_results' "totals")."""
    sums = {k: v.tolist() for k, v in found.totals.items()}
    return [{k: v[row] for k, v in sums.items()} for row in range(found.n)]


def _text(value: Any) -> Any:
    """A JSON-storable extra cell (reading.with_extras)."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def stored_verdicts(pack: RulePack, reading: TableReading, found: Matrix, as_of: dt.date) -> list[Verdict]:
    """Per row, its stored form (the extra columns it filled, cells as text) and its cell problems."""
    head = {"rulepack": pack.version, "as_of": as_of.isoformat()}
    out: list[Verdict] = []
    for row, (text, sums, problems) in enumerate(zip(bodies(found), totals(found), reading.problems)):
        extra = {name: _text(cells[row]) for name, cells in reading.extra.items() if cells[row] is not None}
        kept = {**head, "totals": sums, **({"extra": extra} if extra else {})}
        out.append((pack_body(kept, text), [{"field": p.field, **p.problem.to_json()} for p in problems]))
    return out


def check_chunk(pack: RulePack, rows: Sequence[Any], as_of: dt.date) -> tuple[list[Verdict], dict[str, Any]] | None:
    """Each row's verdict and the first row's profile (for the engine's sample re-check), or None to read row by row."""
    reading = read_chunk(pack, rows, as_of)
    if reading is None or not reading.table:  # no field column: nothing to read column-wise
        return None
    found = evaluate(pack, reading.table, as_of, failed=True)
    return stored_verdicts(pack, reading, found, as_of), table_profile(pack.at(as_of), reading.table, 0)
