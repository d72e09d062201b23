"""Map a file's columns to fields and read one row leniently: a bad cell costs only that answer.

Used alike by `checker batch`, the agency upload and the API batch: headers may be field codes or the
fields' Chinese or English labels (with or without a unit in brackets); other columns (联系人, 备注 …)
are kept aside as the row's extra columns and echoed in the outputs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from checker.engine import conditions
from checker.intake import check_problem, derive_from_credit_code
from checker.problems import Problem, problem_of
from checker.rules import credit_code
from checker.rules.cells import BRACKETS, norm
from checker.rules.pack import RulePack
from checker.rules.profile import (
    UNKNOWN_WORDS,
    FieldProblem,
    implausible,
    parse_value,
    plain_number,
    plain_numbers,
    plausible_max,
)

ID_ALIASES = ("id", "编号", "客户编号", "客户id", "client", "clientid", "client id")
ID = "id"
CODE_IN_BRACKETS = re.compile(r"[【\[(（]\s*([a-z][a-z0-9_]*)\s*[】\])）]")
CACHE_LIMIT = 100_000  # distinct cells (or headers) remembered per rule pack before the memo starts afresh
_INDEXES: dict[int, tuple[weakref.ref[RulePack], dict[str, str]]] = {}
_MEMOS: dict[int, tuple[weakref.ref[RulePack], dict[Any, str | None], dict[Any, tuple[bool, Any]]]] = {}
_BOUNDS: dict[int, tuple[weakref.ref[RulePack], dict[str, float]]] = {}
CACHEABLE = (str, int, float, bool, dt.date, type(None))
VARIED = 64  # a number column with more than half of its first VARIED cells distinct is read cell by cell at once


@dataclass
class Reading:
    """One row read leniently: the good answers, a problem per bad cell, the columns no field claims."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: list[FieldProblem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _spellings(label: str) -> set[str]:
    """A header label folded, and folded without its bracketed notes or units."""
    return {norm(label), norm(BRACKETS.sub("", label))} - {""}


def header_index(pack: RulePack) -> dict[str, str]:
    """Every accepted header spelling to its field id (or 'id'): codes, zh and en labels, labels without units."""
    cached = _INDEXES.get(id(pack))
    if cached is None or cached[0]() is not pack:
        cached = _INDEXES[id(pack)] = (weakref.ref(pack), _build_index(pack))
        weakref.finalize(pack, _INDEXES.pop, id(pack), None)  # held weakly: a replaced pack is freed
    return cached[1]


def _build_index(pack: RulePack) -> dict[str, str]:
    index: dict[str, str] = {norm(a): ID for a in ID_ALIASES}
    owners: dict[str, set[str]] = {}
    for fid, decl in pack.fields.items():
        index[norm(fid)] = fid
        for label in (decl.label.zh, decl.label.en):
            for spelling in _spellings(label):
                owners.setdefault(spelling, set()).add(fid)
    for spelling, fids in owners.items():
        if len(fids) == 1:
            index.setdefault(spelling, next(iter(fids)))
    return index


def nearest_labels(pack: RulePack, header: str, most: int = 2) -> list[str]:
    """The field labels closest to a header no field claims (成立日期: 注册成立日期), in the header's language, for a
    reader to choose from (a guess is never applied: the column stays unread); none when nothing is close (联系人)."""
    chinese = any("\u4e00" <= c <= "\u9fff" for c in header)
    labels: dict[str, str] = {}
    for decl in pack.fields.values():
        label = decl.label.zh if chinese else decl.label.en
        for spelling in _spellings(label):
            labels.setdefault(spelling, label)
    found: list[str] = []
    for wanted in dict.fromkeys(_spellings(header) or {norm(header)}):
        for close in difflib.get_close_matches(wanted, sorted(labels), n=most, cutoff=0.45):
            if labels[close] not in found:
                found.append(labels[close])
    return found[:most]


def bounds(pack: RulePack) -> dict[str, float]:
    """The plausibility bound of each number field that has one (profile.plausible_max), worked out once per pack."""
    cached = _BOUNDS.get(id(pack))
    if cached is None or cached[0]() is not pack:
        found = {fid: bound for fid, decl in pack.fields.items() if (bound := plausible_max(decl)) is not None}
        cached = _BOUNDS[id(pack)] = (weakref.ref(pack), found)
        weakref.finalize(pack, _BOUNDS.pop, id(pack), None)
    return cached[1]


def _memos(pack: RulePack) -> tuple[dict[Any, str | None], dict[Any, tuple[bool, Any]]]:
    """This pack's memo of header -> field and of (field, cell) -> parsed value or error."""
    found = _MEMOS.get(id(pack))
    if found is None or found[0]() is not pack:
        found = _MEMOS[id(pack)] = (weakref.ref(pack), {}, {})
        weakref.finalize(pack, _MEMOS.pop, id(pack), None)  # a replaced pack's memos go with it
    return found[1], found[2]


def field_of(pack: RulePack, header: str) -> str | None:
    """The field id (or 'id') a column header names, else None (remembered per header)."""
    headers = _memos(pack)[0]
    if header not in headers:
        if len(headers) >= CACHE_LIMIT:
            headers.clear()
        headers[header] = _field_of(pack, header)
    return headers[header]


def _field_of(pack: RulePack, header: str) -> str | None:
    index = header_index(pack)
    found = index.get(norm(header)) or index.get(norm(BRACKETS.sub("", header)))
    if found is None:  # an ambiguous label followed by its code in brackets: 名称【name】
        found = next((code for code in CODE_IN_BRACKETS.findall(header) if code in pack.fields), None)
    return found


def _blank(answer: Any) -> bool:
    return answer is None or (isinstance(answer, str) and answer.strip().lower() in UNKNOWN_WORDS)


def read_answers(pack: RulePack, raw: Mapping[str, Any], as_of: dt.date) -> Reading:
    """The typed answers of a raw row; a bad cell becomes unknown with a problem naming column and value."""
    reading = Reading()
    columns: dict[str, str] = {}
    headers, cells = _memos(pack)
    limits = bounds(pack)
    for header, answer in raw.items():
        name = str(header)
        fid = headers[name] if name in headers else field_of(pack, name)
        if fid is None:
            if not _blank(answer):
                reading.extra[name] = answer
            continue
        if fid == ID:
            continue
        ok, parsed = _cell(pack, cells, fid, answer)
        if ok and parsed is None:  # blank or "unknown": not answered
            continue
        columns[fid] = name
        if ok:
            reading.values[fid] = parsed
            bound = limits.get(fid)
            if bound is not None and abs(parsed) > bound and (warning := implausible(pack.fields[fid], parsed)):
                reading.problems.append(FieldProblem(name, warning))  # kept, and told: likely a unit slip
        else:
            reading.problems.append(FieldProblem(name, parsed))
    for problem in derive_from_credit_code(pack, reading.values):
        reading.problems.append(FieldProblem(columns.get(problem.field, problem.field), problem.problem))
    _drop_inconsistent(pack, reading, columns, as_of)
    return reading


def cell_value(pack: RulePack, fid: str, answer: Any) -> tuple[bool, Any]:
    """(True, typed value), (True, None) for a blank or "unknown" cell, or (False, why not), remembered per distinct
    (field, cell): agency files repeat the same districts, flags and dates on every row, so most cells are parsed once."""
    return _cell(pack, _memos(pack)[1], fid, answer)


def _cell(pack: RulePack, cells: dict[Any, tuple[bool, Any]], fid: str, answer: Any) -> tuple[bool, Any]:
    """cell_value with the pack's memo at hand."""
    if not isinstance(answer, CACHEABLE):
        return _parsed(pack, fid, answer)
    # the class keeps 1, 1.0 and True apart; a float's repr keeps 0.0 and -0.0 apart (and finds NaN again)
    key = (fid, answer.__class__, repr(answer) if answer.__class__ is float else answer)
    found = cells.get(key)
    if found is None:
        if len(cells) >= CACHE_LIMIT:
            cells.clear()
        found = cells[key] = _parsed(pack, fid, answer)
    return found


def _parsed(pack: RulePack, fid: str, answer: Any) -> tuple[bool, Any]:
    """One cell parsed afresh: (True, value), (True, None) if blank, or (False, the Problem)."""
    if _blank(answer):
        return True, None
    try:
        return True, parse_value(pack.fields[fid], answer)
    except ValueError as exc:
        return False, problem_of(exc)


def _drop_inconsistent(pack: RulePack, reading: Reading, columns: dict[str, str], as_of: dt.date) -> None:
    """Make unknown the answers a consistency check surely rejects, with a problem on the first of them."""
    sc = conditions.scope(pack, reading.values, as_of)
    for check in pack.checks:
        if sc.eval(check.test) is False:
            first = check.spec.fields[0]
            reading.problems.append(FieldProblem(columns.get(first, first), check_problem(check)))
            for fid in check.spec.fields:
                reading.values.pop(fid, None)
            sc = conditions.scope(pack, reading.values, as_of)  # what it derived from the dropped answers goes too


def row_id(pack: RulePack, raw: Mapping[str, Any], default: Any) -> Any:
    """The client reference of a row: its id column under any accepted spelling, else the default."""
    for header, answer in raw.items():
        if field_of(pack, str(header)) == ID and not _blank(answer):
            return answer
    return default


@dataclass
class TableReading:
    """A chunk of text rows read column by column: typed columns (columnar.typed_column), each row's id (None: none
    given), its extra columns and its problems in the order read_answers reports them."""

    table: dict[str, Any]
    ids: list[Any]
    extra: dict[str, list[Any]]
    problems: list[list[FieldProblem]]


def table_header(pack: RulePack, header: list[str]) -> bool:
    """Whether a file's header can be read column-wise: no column named twice, no field claimed by two columns."""
    named = [h for h in header if h]
    fids = [fid for h in named if (fid := field_of(pack, h)) is not None and fid != ID]
    return len(set(named)) == len(named) and len(set(fids)) == len(fids)


def read_table(pack: RulePack, header: list[str], rows: list[list[str]], as_of: dt.date) -> TableReading:
    """read_answers of every row, a column at a time: each column's distinct cells parsed once by the one cell parser
    and mapped back, what a credit code says filled in column-wise too."""
    from checker.engine.columnar import typed_column

    n = len(rows)
    reading = TableReading({}, [None] * n, {}, [[] for _ in range(n)])
    given: dict[str, tuple[str, np.ndarray]] = {}  # field -> (its header, rows whose cell is not blank)
    width = len(header)
    padded = [row if len(row) == width else [*row, *[""] * (width - len(row))] for row in rows]
    for name, column in zip(header, zip(*padded) if padded else [()] * width):
        fid = field_of(pack, name) if name else None
        cells: Sequence[str] = column
        if fid is None:
            if name:
                reading.extra[name] = [None if _blank(c) else c for c in cells]
        elif fid == ID:
            reading.ids = [c if found is None and not _blank(c) else found for found, c in zip(reading.ids, cells)]
        else:
            reading.table[fid], given[fid] = _read_column(pack, fid, name, cells, reading.problems, typed_column)
    _credit_codes(pack, reading, given)
    _checks(pack, reading, given, as_of)
    return reading


def _read_column(pack: RulePack, fid: str, name: str, cells: Sequence[str], problems: list[list[FieldProblem]],
                 typed: Any) -> tuple[np.ndarray, tuple[str, np.ndarray]]:
    """One field's typed column from its cells, its problems added per row: a column of amounts (most cells differ)
    has its plain numbers read all at once (profile.plain_numbers) and the rest per distinct cell; any other column
    is read per distinct cell (a file repeats its blanks, flags and districts)."""
    decl = pack.fields[fid]
    if decl.type not in ("int", "decimal") or len(set(cells[:VARIED])) * 2 <= min(len(cells), VARIED):
        return _distinct_column(pack, fid, name, cells, problems, typed)
    plain, values = plain_numbers(decl, cells)
    _warn(pack, fid, name, plain, values, lambda row: [row], problems)
    if plain.all():
        return values, (name, plain)
    rows = np.flatnonzero(~plain)
    rest, (_, answered) = _distinct_column(pack, fid, name, [cells[row] for row in rows.tolist()], problems, typed,
                                           rows.tolist())
    values[rows] = rest
    plain[rows] = answered
    return values, (name, plain)


def _distinct_column(pack: RulePack, fid: str, name: str, cells: Sequence[str], problems: list[list[FieldProblem]],
                     typed: Any, rows: Sequence[int] | None = None) -> tuple[np.ndarray, tuple[str, np.ndarray]]:
    """The typed column of some cells of a field (of the file's `rows`, else all rows), each distinct cell read once
    (a number field's plain numbers at once) and mapped back, the problems added to the rows holding them."""
    blank = len(cells) > 0 and not any(cells)  # a column of empty cells (a file's unused fields): nothing to hash
    index = {"": 0} if blank else dict(zip(dict.fromkeys(cells), itertools.count()))
    codes = (np.zeros(len(cells), dtype=np.int64) if len(index) == 1  # a column all blank, or all one answer
             else np.fromiter(map(index.__getitem__, cells), dtype=np.int64, count=len(cells)))

    def rows_of(code: int) -> list[int]:
        found = np.flatnonzero(codes == code).tolist()
        return found if rows is None else [rows[row] for row in found]

    distinct = list(index)
    plain, values = plain_numbers(pack.fields[fid], distinct)
    _warn(pack, fid, name, plain, values, rows_of, problems)
    if distinct and plain.all():
        return values[codes], (name, plain[codes])
    rest = np.flatnonzero(~plain)
    parsed, answered = _parsed_cells(pack, fid, name, [distinct[code] for code in rest.tolist()],
                                     lambda at: rows_of(int(rest[at])), problems, typed)
    if plain.any():
        values[rest] = parsed
        plain[rest] = answered
    else:  # no plain number: the parsed values are the column (of any type)
        values, plain = parsed, answered
    return values[codes], (name, plain[codes])


def _warn(pack: RulePack, fid: str, name: str, plain: np.ndarray, values: np.ndarray,
          rows_of: Callable[[int], list[int]], problems: list[list[FieldProblem]]) -> None:
    """A warning on every row of a plain number past its field's plausibility bound: kept, and told (likely a unit
    slip), as _parsed_cells says of the others."""
    bound = bounds(pack).get(fid)
    if bound is None:
        return
    for at in np.flatnonzero(plain & (np.abs(values) > bound)).tolist():
        if warning := implausible(pack.fields[fid], values[at].item()):
            for row in rows_of(at):
                problems[row].append(FieldProblem(name, warning))


def _parsed_cells(pack: RulePack, fid: str, name: str, distinct: list[str], rows_of: Callable[[int], list[int]],
                  problems: list[list[FieldProblem]], typed: Any) -> tuple[np.ndarray, np.ndarray]:
    """The typed values and answered mask of distinct cells, each parsed by the one cell parser, their problems added
    to the rows holding them."""
    memo, decl, bound = _memos(pack)[1], pack.fields[fid], bounds(pack).get(fid)
    parsed: list[tuple[bool, Any]] = [(True, fast) if (fast := plain_number(decl, c)) is not None
                                      else _cell(pack, memo, fid, c) for c in distinct]
    for at, (ok, value) in enumerate(parsed):
        problem = None if ok else FieldProblem(name, value)
        if ok and value is not None and bound is not None and abs(value) > bound and (warning := implausible(decl, value)):
            problem = FieldProblem(name, warning)
        if problem is not None:
            for row in rows_of(at):
                problems[row].append(problem)
    answered = ~np.array([ok and value is None for ok, value in parsed], dtype=bool)
    return typed(decl.type, [value if ok else None for ok, value in parsed]), answered


def _credit_codes(pack: RulePack, reading: TableReading, given: dict[str, tuple[str, np.ndarray]]) -> None:
    """derive_from_credit_code over columns: a valid code (each distinct one parsed once) fills legal form, province
    and Beijing district where unanswered, with a problem where the answered legal form differs; a valid code or a
    registration date says the company is registered already."""
    from checker.engine.vector import F, U
    from checker.intake import NOT_YET_REGISTERED

    table, n = reading.table, len(reading.problems)
    codes = table.get("credit_code", np.full(n, None, dtype=object))
    facts = {code: credit_code.parse(code) for code in set(codes.tolist()) if code and credit_code.valid(str(code))}
    valid = np.fromiter((code in facts for code in codes.tolist()), dtype=bool, count=n)
    if NOT_YET_REGISTERED in pack.fields and (valid.any() or "registered_on" in table):
        column = table.get(NOT_YET_REGISTERED, np.full(n, U, dtype=np.int8))
        dated = ~np.isnan(table["registered_on"]) if "registered_on" in table else np.zeros(n, dtype=bool)
        table[NOT_YET_REGISTERED] = np.where((column == U) & (valid | dated), F, column).astype(np.int8)
    for fid in ("legal_form", "province", "district"):
        if fid in pack.fields and fid not in table and valid.any():
            table[fid] = np.full(n, None, dtype=object)
    rows = np.flatnonzero(valid)
    if not len(rows):
        return
    found = [facts[code] for code in codes[rows].tolist()]
    if "legal_form" in pack.fields:
        _legal_forms(reading, rows, found, given.get("legal_form", ("legal_form", np.zeros(n, dtype=bool))))
    if "province" in pack.fields:
        _fill(table["province"], rows, [fact.province for fact in found])
    if "district" in pack.fields:
        provinces = table.get("province", codes)[rows].tolist()
        _fill(table["district"], rows, [fact.district if province == fact.province == "beijing" else None
                                        for fact, province in zip(found, provinces)])


def _legal_forms(reading: TableReading, rows: np.ndarray, found: list[credit_code.CreditCodeFacts],
                 given: tuple[str, np.ndarray]) -> None:
    """The legal form a valid code says where none is answered, a problem on each row whose answer differs."""
    header, answered = given
    column = reading.table["legal_form"]
    forms = column[rows].tolist()
    for row, form, fact, code in zip(rows.tolist(), forms, found, reading.table["credit_code"][rows].tolist()):
        if form is not None and form != fact.legal_form:
            reading.problems[row].append(FieldProblem(header if answered[row] else "legal_form", Problem(
                "problem.legal_form", {"answered": form, "code": code, "derived": fact.legal_form})))
    column[rows] = np.array([form or fact.legal_form for form, fact in zip(forms, found)], dtype=object)


def _fill(column: np.ndarray, rows: np.ndarray, derived: list[Any]) -> None:
    """A column's unanswered cells (None) at some rows filled with what a credit code says (None: nothing)."""
    cells = column[rows].tolist()
    column[rows] = np.array([cell if cell is not None else fact for cell, fact in zip(cells, derived)], dtype=object)


def _checks(pack: RulePack, reading: TableReading, given: dict[str, tuple[str, np.ndarray]], as_of: dt.date) -> None:
    """_drop_inconsistent over columns: rows a consistency check surely rejects lose the check's answers, with a
    problem on its first field (named by its header where the row answered it)."""
    from checker.engine.columnar import TableColumns, typed_column
    from checker.engine.vector import F

    n = len(reading.problems)
    if not n:
        return
    cols = TableColumns(pack, [{}] * n, as_of, reading.table)
    for check in pack.checks:
        bad = np.asarray(cols.eval(check.test)) == F
        if not bad.any():
            continue
        first = check.spec.fields[0]
        header, answered = given.get(first, (first, np.zeros(n, dtype=bool)))
        for row in np.nonzero(bad)[0].tolist():
            reading.problems[row].append(FieldProblem(header if answered[row] else first, check_problem(check)))
        for fid in check.spec.fields:
            kind = pack.fields[fid].type
            column = reading.table.get(fid)
            if column is not None:
                empty = typed_column(kind, [None])
                reading.table[fid] = np.where(bad, empty[0], column).astype(column.dtype)
        cols = TableColumns(pack, [{}] * n, as_of, reading.table)
