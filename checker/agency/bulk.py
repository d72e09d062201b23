"""A job chunk checked in bulk: its text cells read a column at a time (columns.read_table), evaluated as arrays
(columnar.evaluate) and each client's compact stored form written from the columns, without an item dict per
client and measure: each distinct (measure, status, amount, failed, open fields, saving) is encoded once.

The stored forms are those `stored.encode` gives for `columnar.compact_results` of the row-by-row reading
(tests/agency/test_bulk_check.py compares them). A number in a number field's column (XLSX number cells, JSONL
numbers) is read as its repr, which parse_value reads as it reads the number; a chunk with another cell that is not
text (a bool, a number in a text column, a list), or whose rows do not share one header, returns None: the caller
reads it row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from checker.agency.stored import dumps, item_text, pack_body
from checker.columns import ID, TableReading, field_of, read_table, table_header
from checker.engine.columnar import (
    LABELS,
    Matrix,
    MeasureColumns,
    evaluate,
    missing_texts,
    money_columns,
    table_profile,
)
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


def text_table(rows: Sequence[Any], pack: RulePack | None = None) -> tuple[list[str], list[list[str]]] | None:
    """The rows' raw answers as one header and text cells (absent and None as ""; with the pack, an int or float in
    a number field's column as its repr), or None if another cell is not text or a row's keys are not in the header's
    order (read_answers reports a row's problems in its own order)."""
    header = header_of(rows)
    place = {name: i for i, name in enumerate(header)}
    numbers = number_columns(pack, header) if pack is not None else set()
    table: list[list[str]] = []
    for row in rows:
        cells = [""] * len(header)
        last = -1
        for key, value in row.raw.items():
            at = place[key]
            if at < last:
                return None
            last = at
            if isinstance(value, str):
                cells[at] = value
            elif value.__class__ in (int, float) and at in numbers:
                cells[at] = repr(value)  # float(Decimal(repr(x))) is x: parse_value reads it as it reads x
            elif value is not None:
                return None
        table.append(cells)
    return (header, table) if table else None


def number_columns(pack: RulePack, header: list[str]) -> set[int]:
    """Where the header's int and decimal fields are: their number cells are read as text (never the id's column,
    whose value is kept as given, nor a column no field claims, echoed as the user's own)."""
    found = set()
    for at, name in enumerate(header):
        fid = field_of(pack, str(name))
        if fid is not None and fid != ID and fid in pack.fields and pack.fields[fid].type in ("int", "decimal"):
            found.add(at)
    return found


def read_chunk(pack: RulePack, rows: Sequence[Any], as_of: dt.date) -> TableReading | None:
    """The chunk read column-wise (read_answers of each row, as columns), or None when it must be read row by row."""
    found = text_table(rows, pack)
    if found is None or not table_header(pack, found[0]):
        return None
    return read_table(pack, found[0], found[1], as_of)


MARKS = ("\ue000amount", "\ue000saving")  # stand-ins for a row's money in an item's template (no pack word is one)


def measure_texts(c: MeasureColumns) -> list[str]:
    """Per row, the JSON text of one measure's stored item (stored.item_text of vector._stored's item): each distinct
    item shape (status, failed criteria, open fields, which money it has) spelled once as a template, its money filled
    in per row; a row held or on a condition spelled on its own."""
    n = len(c.status)
    amount, saving = money_columns(c)
    has_amount, has_saving = ~np.isnan(amount), ~np.isnan(saving) & (saving != 0)  # a zero saving is left out
    failed, missing = c.failed or [[]] * n, missing_texts(c)
    keys = _shape_keys(c.status, failed, missing, has_amount, has_saving)
    odd = np.nonzero(c.held_rows | c.condition_rows)[0]
    keys[odd] = -1 - odd  # each its own shape
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    odd_rows = set(odd.tolist())
    templates = [_template(c, row, failed[row], missing[row], has_amount[row], has_saving[row], row in odd_rows)
                 for row in first.tolist()]
    spelled = [t if isinstance(t, str) else "" for t in templates]  # "": its money filled in below
    parts = [t if isinstance(t, tuple) else ("", "", "") for t in templates]
    out = list(map(spelled.__getitem__, inverse.tolist()))
    money = np.array([isinstance(t, tuple) for t in templates], dtype=bool)[inverse]
    if money.any():
        filled = _numbers(amount), _numbers(saving)
        for row in np.nonzero(money)[0].tolist():
            head, middle, tail = parts[inverse[row]]
            out[row] = head + (filled[0][row] if has_amount[row] else "") + middle + \
                (filled[1][row] if has_saving[row] else "") + tail
    return out


def _shape_keys(status: np.ndarray, failed: list[list[str]], missing: list[str], has_amount: np.ndarray,
                has_saving: np.ndarray) -> np.ndarray:
    """Per row, one integer for its status, failed list, open fields and which money it has (each distinct failed list
    object and open-fields text numbered: the engine shares one per pattern)."""
    failed_at, lists = _numbered(list(map(id, failed)))
    missing_at, _ = _numbered(missing)
    money = has_amount.astype(np.int64) + 2 * has_saving.astype(np.int64)
    return ((missing_at * lists + failed_at) * 4 + money) * 3 + status.astype(np.int64)


def _numbered(values: list[Any]) -> tuple[np.ndarray, int]:
    """Per value, the number of its first appearance among the distinct values; and how many are distinct."""
    number = {value: at for at, value in enumerate(dict.fromkeys(values))}
    return np.array(list(map(number.__getitem__, values)), dtype=np.int64), len(number)


def _template(c: MeasureColumns, row: int, failed: list[str], missing: str, amount: bool, saving: bool,
              odd: bool) -> str | tuple[str, str, str]:
    """An item's text when it has no money, else its text around its money: (before the amount, between, after)."""
    applicant = c.measure.spec.applicant
    item: dict[str, Any] = {"measure": c.measure.id, "status": str(LABELS[c.status[row]]),
                            "amount_wan": MARKS[0] if amount else None, "currency": c.currency}
    optional = {"failed": failed, "missing": missing.split(" ") if missing else None,
                "held": c.held[row] if odd else None, "tax_saving_wan": MARKS[1] if saving else None,
                "applicant": applicant if applicant != "company" and applicant else None,
                "condition": c.condition[row] if odd else None}
    item.update((k, v) for k, v in optional.items() if v)
    text = item_text(item)
    if not amount and not saving:
        return text
    head, _, rest = text.partition(dumps(MARKS[0])) if amount else ("", "", text)
    middle, _, tail = rest.partition(dumps(MARKS[1])) if saving else (rest, "", "")
    return head, middle, tail


def _numbers(values: np.ndarray) -> list[str]:
    """Per row, a float as JSON spells it (as float.__repr__; Infinity and NaN as json.dumps writes them)."""
    texts = [repr(x) for x in values.tolist()]
    for row in np.nonzero(np.isinf(values))[0].tolist():
        texts[row] = dumps(values[row].item())
    return texts


def bodies(found: Matrix) -> list[str]:
    """Per row, the JSON text of its stored items (stored.body of compact_results' items)."""
    texts = [measure_texts(c) for c in found.columns]
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
