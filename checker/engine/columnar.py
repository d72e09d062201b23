"""The batch matrix column-wise from end to end: criteria, tax scenarios and totals over numpy arrays for a whole chunk.

`vector.Columns` evaluates every expression over all rows at once; this module keeps the results as arrays
(status codes, amounts with NaN for "none", open fields as boolean columns) and prices every row's income-tax
scenario (answer.tax_picture) and its totals (answer.totals) with array operations, so Python runs per row only
where a row is written out. The same answers as the per-profile engines: the property tests compare them with
`Checker.check` on generated profiles, and `checker.batch` re-checks a sample of every chunk with durable-rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from checker.engine import answer, heap
from checker.engine import values as v
from checker.engine.vector import (
    STATUS,
    AnswerColumn,
    Columns,
    Dated,
    F,
    T,
    U,
    VNum,
    _failed,
    _missing_lists,
    _relevant,
    _snap,
    _stored,
    combine,
    condition_days,
    exact,
    held_days,
    span,
    tax_related,
)
from checker.rules.functions import EPOCH
from checker.rules.pack import Measure, RulePack

LABELS = np.array([STATUS[F], STATUS[U], STATUS[T]], dtype=object)
SLP, HTE, STD = 0, 1, 2  # the scenarios in answer.SCENARIOS order (ties go to the earlier)


@dataclass(frozen=True)
class Words:
    """An enum or text column as codes into its distinct answers (a None word: not answered), as a reader that
    parses each distinct cell once has it: compared as integers, never decoded row by row."""

    codes: np.ndarray
    words: list[Any]

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, row: int) -> Any:
        return self.words[self.codes[row]]

    def decoded(self) -> tuple[np.ndarray, np.ndarray, dict[Any, int]]:
        """The object column, its codes with every distinct answer once (-1: not answered) and their vocabulary."""
        table = np.empty(len(self.words), dtype=object)
        table[:] = self.words
        vocab: dict[Any, int] = {}
        remap = np.array([-1 if w is None else vocab.setdefault(w, len(vocab)) for w in self.words], dtype=np.int32)
        return table[self.codes], remap[self.codes], vocab


class TableColumns(Columns):
    """vector.Columns reading each field's answers once from the table: a raw list per field (None where not
    answered), or a typed column (typed_column) used as it is, with no per-row Python."""

    def __init__(self, pack: RulePack, profiles: list[dict[str, Any]], as_of: dt.date,
                 table: dict[str, Any] | None = None) -> None:
        super().__init__(pack, profiles, as_of)
        self.table: dict[str, Any] = dict(table or {})

    def raw(self, name: str) -> Any:
        """The answers of a field: a raw list (None where not answered) or a typed column."""
        found = self.table.get(name)
        if found is None:
            found = self.table[name] = [p.get(name) for p in self.profiles]
        return found

    def typed(self, name: str) -> np.ndarray:
        """A field's typed column (built once from a raw list)."""
        key = f"typed:{name}"
        if key not in self.cache:
            raw = self.raw(name)
            if isinstance(raw, Words):  # decoded once, its codes kept for comparisons
                column, codes, vocab = raw.decoded()
                self.word_cache[id(column)] = (column, codes, vocab)
                self.cache[key] = column
            else:
                self.cache[key] = typed_column(self.pack.fields[name].type, raw)
        found: np.ndarray = self.cache[key]
        return found

    def answered(self, name: str) -> np.ndarray:
        """Which rows answered a field."""
        key = f"answered:{name}"
        if key not in self.cache:
            self.cache[key] = answered_of(self.pack.fields[name].type, self.typed(name))
        answered: np.ndarray = self.cache[key]
        return answered

    def _field(self, name: str) -> Any:
        kind = self.pack.fields[name].type
        column = self.typed(name)
        if kind in ("enum", "text", "bool"):
            return column
        known = self.answered(name)
        if known.all():
            return exact(column)
        low, high = (-np.inf, np.inf) if kind == "date" else self.pack.domain(name)
        ends = span(np.array([low], dtype=float), np.array([high], dtype=float), np.zeros(1, dtype=np.int8))
        lo = _snap(column, ends.lo[0])  # an unanswered row (NaN) spans the field's domain
        return VNum(lo, np.where(known, lo, ends.hi[0]), self._defined)


def typed_column(kind: str, raw: Any) -> np.ndarray | Words:
    """A field's answers as the columnar engine reads them: numbers as floats and dates as day ordinals (NaN where not
    answered), bools as Kleene codes (U where not answered), enums and text as objects (None); a typed column as is."""
    if isinstance(raw, (np.ndarray, Words)):
        return raw
    if kind in ("enum", "text"):
        column = np.empty(len(raw), dtype=object)
        column[:] = raw
        return column
    if kind == "bool":
        return np.array([U if x is None else (T if x else F) for x in raw], dtype=np.int8)
    if kind == "date":
        days = np.array(raw, dtype="datetime64[D]")  # None: NaT
        return np.where(np.isnat(days), np.nan, days.astype("int64").astype(float) + EPOCH)
    return np.array(raw, dtype=float)  # None: NaN


def answered_of(kind: str, column: np.ndarray) -> np.ndarray:
    """Which rows of a typed column hold an answer."""
    if kind in ("enum", "text"):
        return np.asarray(column != None, dtype=bool)  # noqa: E711 (elementwise)
    if kind == "bool":
        return np.asarray(column != U, dtype=bool)
    return np.asarray(~np.isnan(column), dtype=bool)


def typed_value(kind: str, column: np.ndarray | Words, row: int) -> Any:
    """One row's answer of a typed column as a profile holds it (None where not answered)."""
    x = column[row]
    if kind in ("enum", "text"):
        return x
    if kind == "bool":
        return None if x == U else bool(x == T)
    if x != x:
        return None
    if kind == "date":
        return v.from_ordinal(float(x))
    return int(x) if kind == "int" else float(x)


def table_profile(pack: RulePack, table: dict[str, Any], row: int) -> dict[str, Any]:
    """One row of a table of typed columns as a profile (unanswered fields left out), for a per-row check."""
    found = {name: typed_value(pack.fields[name].type, typed_column(pack.fields[name].type, column), row)
             for name, column in table.items() if name in pack.fields}
    return {name: x for name, x in found.items() if x is not None}


def profile_table(pack: RulePack, profiles: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Every field's raw answers as one list (None where not answered): the columnar input."""
    return {name: [p.get(name) for p in profiles] for name in pack.fields}


def _rounded(values: np.ndarray) -> list[float | None]:
    """round(x, 4) of each value exactly as Python rounds it (None for NaN)."""
    return [None if x != x else x for x in _round4(values).tolist()]


def _round4(values: np.ndarray) -> np.ndarray:
    """round(x, 4) as Python rounds it, over a float array (NaN kept): numpy's rint(x * 1e4) / 1e4 is the same
    double unless x * 1e4 lies near a half or x is huge, and those few are rounded by Python."""
    values = np.asarray(values, dtype=float)
    if not len(values) or np.isnan(values[0]) and np.isnan(values).all():  # no amount anywhere
        return values
    with np.errstate(invalid="ignore", over="ignore"):  # beyond 1e304: doubtful, rounded by Python
        scaled = values * 1e4
        nearest = np.rint(scaled)
        doubtful = (np.abs(scaled - nearest) > 0.499) | (np.abs(values) >= 1e11)  # NaN: neither
        out = nearest / 1e4
    if doubtful.any():
        out[doubtful] = [round(x, 4) for x in values[doubtful].tolist()]
    return out


@dataclass
class MeasureColumns:
    """One programme's results over a chunk, as arrays: status codes, counted amount (NaN: none), open fields."""

    measure: Measure
    currency: str
    status: np.ndarray
    amount: np.ndarray
    missing: dict[str, np.ndarray]
    held_at: Dated
    condition_at: Dated
    failed: list[list[str]] | None
    saving: np.ndarray  # tax saving of a deduction in the row's chosen scenario (NaN: none)
    left_out: np.ndarray  # rows whose tax scenario leaves this rate measure out of the totals

    @property
    def money_type(self) -> str | None:
        """The measure's benefit.type."""
        return self.measure.spec.benefit.type

    @property
    def held_rows(self) -> np.ndarray:
        """Rows whose recognition is surely held already."""
        return self.held_at.rows

    @property
    def condition_rows(self) -> np.ndarray:
        """Rows whose eligible result holds only on a condition."""
        return self.condition_at.rows

    @cached_property
    def held(self) -> list[dict[str, str] | None]:
        """Per row, {since, until} of a recognition surely held (None elsewhere)."""
        return self.held_at.lists(("since", "until"))

    @cached_property
    def condition(self) -> list[dict[str, str] | None]:
        """Per row, {until} of an eligible result that holds only on the measure's condition (None elsewhere)."""
        return self.condition_at.lists(("until",))

    @cached_property
    def counts(self) -> np.ndarray:
        """answer.counts_as_eligible of every row."""
        if self.currency == "unconfirmed" or (self.measure.spec.applicant or "company") != "company":
            return np.zeros(len(self.status), dtype=bool)
        found: np.ndarray = (self.status == T) & ~self.held_rows & ~self.condition_rows
        return found


@dataclass
class Matrix:
    """A chunk's whole answer as columns: every programme, each row's totals (NaN-free) and tax scenario saving."""

    n: int
    columns: list[MeasureColumns]
    totals: dict[str, np.ndarray] = field(default_factory=dict)


def measure_columns(cols: Columns, measure: Measure, as_of: dt.date, failed: bool) -> MeasureColumns:
    """One measure's status, amount, open fields, held and condition columns (failed criteria if asked)."""
    codes = {c.id: cols.eval(c.test) for c in measure.criteria}
    in_force = measure.in_force(as_of)
    status = combine(measure.logic, codes) if in_force else np.full(cols.n, F, dtype=np.int8)
    amount = cols.fixed(np.nan)
    if measure.amount is not None:
        value = cols.eval(measure.amount)
        ok = (value.lo == value.hi) & (value.undef == 0) & (status != F)
        amount = np.where(ok, value.lo, np.nan)
    missing: dict[str, np.ndarray] = {}
    open_rows = status == U
    for crit in measure.criteria:
        _relevant(cols, crit.test, open_rows & (codes[crit.id] == U), missing)
    return MeasureColumns(measure, answer.currency(measure, as_of), status, _round4(amount), missing,
                          held_days(cols, measure), condition_days(cols, measure, status),
                          _failed(measure, codes, in_force, cols.n) if failed else None,
                          cols.fixed(np.nan), cols.fixed(False))


def evaluate(pack: RulePack, table: dict[str, list[Any]], as_of: dt.date, failed: bool = False,
             profiles: list[dict[str, Any]] | None = None) -> Matrix:
    """The whole matrix of a chunk given as a table of raw answers (profile_table): every programme (intentions left
    out, each measure in its version in force on as_of), tax scenarios priced, totals."""
    heap.keep_freed_memory()
    pack = pack.at(as_of)
    n = len(next(iter(table.values()))) if table else len(profiles or [])
    rows = profiles if profiles is not None else [{}] * n  # a table-only chunk: every field is in the table
    cols = TableColumns(pack, rows, as_of, table)
    columns = [measure_columns(cols, m, as_of, failed) for m in pack.measures if not m.intention]
    chosen = _price(pack, cols, columns)
    return Matrix(n, columns, _totals(pack, columns, n, chosen))


def _taxable(cols: TableColumns) -> np.ndarray:
    """Taxable income per row, NaN where not answered."""
    if "taxable_income_wan" not in cols.pack.fields:
        return np.full(cols.n, np.nan)
    found: np.ndarray = cols.typed("taxable_income_wan")
    return found


def _saving_at(amount: np.ndarray, taxable: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """answer.tax_saving over columns (NaN for None)."""
    due = rate * np.maximum(taxable, 0.0)
    return _round4(np.minimum(rate * np.maximum(amount, 0.0), due))


@dataclass
class _Scenario:
    """One tax scenario over every row: whether established, its rate, which taxed columns it counts as assumed."""

    established: np.ndarray
    rate: np.ndarray
    assumed: dict[str, np.ndarray]
    saving: np.ndarray | None = None


def _price(pack: RulePack, cols: TableColumns, columns: list[MeasureColumns]) -> np.ndarray | None:
    """answer.tax_picture of every row at once: deductions priced at the chosen scenario's rate (saving), the rate
    measures it leaves out marked (left_out); the chosen scenario's tax saving per row (None when no tax column)."""
    related = tax_related(pack)
    taxed = [c for c in columns if c.measure.id in related]
    rate_ids = answer.rate_measures(pack)
    if not (any(c.money_type == "deduction" for c in taxed) or rate_ids):
        return None
    n = cols.n
    hte = cols.get(answer.HTE_RATE_YEAR) if answer.HTE_RATE_YEAR in pack.derived else np.full(n, F, dtype=np.int8)
    taxable = _taxable(cols)
    by_id = {c.measure.id: c for c in taxed}
    small = (answer.SMALL_LOW_PROFIT,) if answer.SMALL_LOW_PROFIT in by_id else ()
    every = small + rate_ids
    scenarios = [_scenario(small, by_id, np.full(n, answer.SMALL_LOW_PROFIT_RATE), np.zeros(n, dtype=bool)),
                 _scenario(tuple(rate_ids), by_id, np.where(hte != F, answer.HTE_RATE, answer.STANDARD_RATE), hte == T),
                 _Scenario(np.ones(n, dtype=bool), np.full(n, answer.STANDARD_RATE), {})]
    for s in scenarios:
        s.saving = _scenario_saving(pack, taxed, s, every, taxable)
    best = np.full(n, STD)
    for index in (HTE, SLP):  # an established scenario saving at least as much wins; ties go to the earlier
        s, top = scenarios[index], np.choose(best, [x.saving for x in scenarios])
        best = np.where(s.established & (s.saving >= top), index, best)
    rate = np.choose(best, [s.rate for s in scenarios])
    for c in taxed:
        if c.money_type == "deduction":
            c.saving = _saving_at(c.amount, taxable, rate)
        if c.measure.id in every:
            kept = np.zeros(n, dtype=bool)
            for index, s in enumerate(scenarios):
                kept |= (best == index) & s.assumed.get(c.measure.id, False)
            c.left_out = ~kept
    chosen: np.ndarray = np.choose(best, [s.saving for s in scenarios])
    return chosen


def _scenario(own: tuple[str, ...], by_id: dict[str, MeasureColumns], rate: np.ndarray,
              fallback: np.ndarray) -> _Scenario:
    """answer._scenario over rows: established when one of its rate measures counts (else the fallback decides)."""
    present = [by_id[m] for m in own if m in by_id]
    if not present:
        return _Scenario(fallback, rate, {})
    established = np.logical_or.reduce([c.counts for c in present])
    return _Scenario(established, rate, {c.measure.id: np.ones(len(rate), dtype=bool) for c in present})


def _scenario_saving(pack: RulePack, taxed: list[MeasureColumns], s: _Scenario, every: tuple[str, ...],
                     taxable: np.ndarray) -> np.ndarray:
    """answer._scenario_saving of every row: deductions priced at the scenario's rate, its rate measures assumed,
    the other rate measures left out; income tax never more than the whole at 25%."""
    money: dict[str, np.ndarray] = {}
    live: dict[str, np.ndarray] = {}
    for c in taxed:
        mid = c.measure.id
        counts = c.counts
        if mid in s.assumed and (c.measure.spec.applicant or "company") == "company":
            counts = counts | (c.status != F)  # assumed: counted as if eligible, in force, unconditional
        worth = _saving_at(c.amount, taxable, s.rate) if c.money_type == "deduction" else c.amount
        money[mid] = np.nan_to_num(worth, nan=0.0)
        leave = mid in every and mid not in s.assumed
        live[mid] = counts & (c.money_type in answer.TOTAL_KEYS) & (not leave)
    income = {c.measure.id for c in taxed if c.money_type == "deduction" or c.measure.id in every}
    whole = _tax_total(pack, taxed, money, live, set(live))
    rest = _tax_total(pack, taxed, money, live, set(live) - income)
    capped = _round4(rest + np.minimum(whole - rest, answer.STANDARD_RATE * np.maximum(taxable, 0.0)))
    return np.where(np.isnan(taxable), whole, capped)


def _excluded(pack: RulePack, live: dict[str, np.ndarray], worth: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Of two live results that exclude each other only the larger stays (ties: the smaller id goes), as
    answer.totals: each pair settled in sorted order."""
    live = dict(live)
    for mid in sorted(live):
        for rel in pack.measure(mid).spec.relations:
            if rel.type == "excludes" and rel.measure in live:
                both = live[mid] & live[rel.measure]
                mine_smaller = (worth[mid] < worth[rel.measure]) | ((worth[mid] == worth[rel.measure]) & (mid < rel.measure))
                live[mid] = live[mid] & ~(both & mine_smaller)
                live[rel.measure] = live[rel.measure] & ~(both & ~mine_smaller)
    return live


def _tax_total(pack: RulePack, taxed: list[MeasureColumns], money: dict[str, np.ndarray], live: dict[str, np.ndarray],
               among: set[str]) -> np.ndarray:
    """answer.totals(...)["tax_saving_wan"] of the given items, per row (summed in item order, rounded as Python)."""
    kept = _excluded(pack, {mid: mask for mid, mask in live.items() if mid in among}, money)
    n = len(next(iter(money.values())))
    out = np.zeros(n)
    for c in taxed:
        mid = c.measure.id
        if mid in kept and answer.TOTAL_KEYS.get(c.money_type or "") == "tax_saving_wan":
            out = out + np.where(kept[mid], money[mid], 0.0)
    return _round4(out)


def _totals(pack: RulePack, columns: list[MeasureColumns], n: int, scenario: np.ndarray | None) -> dict[str, np.ndarray]:
    """answer.totals over every row at once (as vector.totals_columns): counted money by type, each row's left-out
    rate measures and the smaller of an excluded pair dropped, the tax saving of the chosen scenario."""
    live: dict[str, np.ndarray] = {}
    worth: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    for c in columns:
        if c.money_type in answer.TOTAL_KEYS and c.currency == "in_force" and c.measure.spec.applicant == "company":
            worth[c.measure.id] = np.nan_to_num(c.saving if c.money_type == "deduction" else c.amount, nan=0.0)
            live[c.measure.id] = c.counts & ~c.left_out
            kinds[c.measure.id] = answer.TOTAL_KEYS[c.money_type]
    kept = _excluded(pack, live, worth)
    sums = {"cash_wan": np.zeros(n), "tax_saving_wan": np.zeros(n), "financing_wan": np.zeros(n)}
    for c in columns:
        mid = c.measure.id
        if mid in kept:
            sums[kinds[mid]] = sums[kinds[mid]] + np.where(kept[mid], worth[mid], 0.0)
    if scenario is not None:
        sums["tax_saving_wan"] = scenario
    return {k: _round4(x) for k, x in sums.items()}


def _lists(c: MeasureColumns) -> dict[str, list[Any]]:
    """The per-row lists vector.measure_matrix gives (status words, amounts, missing texts, held, failed, condition)."""
    return {"status": LABELS[c.status].tolist(), "amount_wan": _rounded(c.amount),
            "missing": _missing_lists(c.missing, len(c.status)), "failed": c.failed, "held": c.held,
            "condition": c.condition}


def matrix_rows(pack: RulePack, profiles: list[dict[str, Any]], ids: list[Any], as_of: dt.date) -> list[dict[str, Any]]:
    """Flat batch rows (as vector.matrix_rows and batch.flat_row of each profile's full result)."""
    found = evaluate(pack, profile_table(pack.at(as_of), profiles), as_of, profiles=profiles)
    n = len(profiles)
    keys: list[str] = ["id", "rulepack", "as_of"]
    data: list[list[Any]] = [list(ids), [pack.version] * n, [as_of.isoformat()] * n]
    for c in found.columns:
        mid, m = c.measure.id, _lists(c)
        keys += [f"{mid}:{part}" for part in ("status", "amount_wan", "missing", "held_until", "currency", "tax_saving_wan",
                                              "condition_until")]
        data += [m["status"], m["amount_wan"], m["missing"], [h["until"] if h else None for h in m["held"]],
                 [c.currency] * n, _rounded(c.saving), [k["until"] if k else None for k in m["condition"]]]
    for key, values in found.totals.items():
        keys.append(key)
        data.append(values.tolist())
    return [dict(zip(keys, values)) for values in zip(*data)]


def compact_results(pack: RulePack, profiles: list[dict[str, Any]], as_of: dt.date) -> list[dict[str, Any]]:
    """Per profile, each measure's stored item and the totals of its one tax scenario (as vector.compact_results:
    answer.stored_item keys, agency storage)."""
    found = evaluate(pack, profile_table(pack.at(as_of), profiles), as_of, failed=True, profiles=profiles)
    results: list[list[dict[str, Any]]] = [[] for _ in profiles]
    for c in found.columns:
        _stored(results, c.measure.id, c.currency, c.measure.spec.applicant, _lists(c), _rounded(c.saving))
    sums = {k: v.tolist() for k, v in found.totals.items()}
    return [{"rulepack": pack.version, "as_of": as_of.isoformat(), "results": items,
             "totals": {k: v[row] for k, v in sums.items()}} for row, items in enumerate(results)]


def missing_texts(c: MeasureColumns) -> list[str]:
    """Per row, the measure's open fields space-separated and sorted, as answer_column gives them."""
    return _missing_lists(c.missing, len(c.status))


def money_columns(c: MeasureColumns) -> tuple[np.ndarray, np.ndarray]:
    """The amount and the tax saving rounded as answer_column rounds them (NaN: none)."""
    return _round4(c.amount), _round4(c.saving)


def answer_column(c: MeasureColumns) -> AnswerColumn:
    """The vector.AnswerColumn of one programme (for code that reads row items)."""
    return AnswerColumn(c.measure, _lists(c), c.currency, _rounded(c.saving), set(np.nonzero(c.left_out)[0].tolist()))



def flat_rows_at(found: Matrix, rows: list[int], idents: list[Any], version: str, as_of: dt.date) -> list[dict[str, Any]]:
    """Some rows of matrix_rows read from the columns (the rows a batch re-checks with the engine): each measure's
    columns taken at those rows only (a held or condition date is not worked out for the chunk's other rows)."""
    at = np.asarray(rows, dtype=np.intp)
    outs: list[dict[str, Any]] = [{"id": ident, "rulepack": version, "as_of": as_of.isoformat()} for ident in idents]
    for c in found.columns:
        mid = c.measure.id
        held = _taken(c.held_at, at).lists(("since", "until"))
        cond = _taken(c.condition_at, at).lists(("until",))
        parts = zip(c.status[at].tolist(), _rounded(c.amount[at]), _missing_lists({k: m[at] for k, m in c.missing.items()},
                    len(at)), held, _rounded(c.saving[at]), cond)
        for out, (status, amount, missing, held_at, saving, cond_at) in zip(outs, parts):
            out[f"{mid}:status"] = STATUS[int(status)]
            out[f"{mid}:amount_wan"] = amount
            out[f"{mid}:missing"] = missing
            out[f"{mid}:held_until"] = held_at["until"] if held_at else None
            out[f"{mid}:currency"] = c.currency
            out[f"{mid}:tax_saving_wan"] = saving
            out[f"{mid}:condition_until"] = cond_at["until"] if cond_at else None
    for key, values in found.totals.items():
        for out, value in zip(outs, values[at].tolist()):
            out[key] = float(value)
    return outs


def _taken(dated: Dated, at: np.ndarray) -> Dated:
    """A held or condition column at some rows."""
    return Dated(dated.rows[at], dated.since[at], dated.until[at])
