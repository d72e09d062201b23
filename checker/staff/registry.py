"""Impact of a pack change over a generated company registry, column-wise and a chunk at a time (`checker impact`).

The registry is made column by column (numpy, a seeded generator: every declared field, about a fifth of answers
missing), never as row dicts. Each chunk is evaluated under both sides (a pack on a date) by the columnar engine and
folded into the staff preview's shapes: per measure how many rows newly became eligible, stopped being eligible or
moved otherwise (answer.change_kind, broad), and the money summary of impact_money (worth by type before/after,
gained/lost companies, the largest movers). Memory stays that of one chunk whatever the registry's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from checker.engine.answer import money_key
from checker.engine.columnar import Matrix, MeasureColumns, Words, evaluate
from checker.engine.vector import F, T, U
from checker.rules.pack import RulePack
from checker.staff import impact_money

CHUNK = 20_000
MISSING = 0.2  # the share of answers left out
INDUSTRIES = ("I6513", "C1610", "C3911", "F5211", "M7320", "K7010")
FIRST_DAY = dt.date(2015, 1, 1).toordinal()  # generated dates fall in the 4,000 days from here
ABSENT = 3  # the status code of a measure one side does not have
KINDS = ("newly_eligible", "no_longer_eligible", "other")


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a pack checked on a date."""

    pack: RulePack
    as_of: dt.date


@dataclass
class Impact:
    """What a change does over the registry: rows compared, per-measure change counts, the money summary."""

    rows: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    money: dict[str, Any] = field(default_factory=impact_money.empty)

    def to_json(self) -> dict[str, Any]:
        """The impact as a JSON object."""
        return {"rows": self.rows, "counts": self.counts, "money": self.money}


def company(row: int) -> str:
    """How the impact names a generated company (the number sorts as the name does)."""
    return f"registry #{row:07d}"


def row_number(name: str) -> int | None:
    """The row of a generated company named by company(), None for any other name (a sample file's row)."""
    prefix, _, digits = name.partition("#")
    return int(digits) if prefix == "registry " and digits.isascii() and digits.isdigit() else None


def _column(rng: np.random.Generator, pack: RulePack, name: str, n: int) -> np.ndarray | Words:
    """One field's generated answers as a typed column (columnar.typed_column), before answers are left out."""
    decl = pack.fields[name]
    if decl.type == "bool":
        return np.where(rng.random(n) < 0.5, T, F).astype(np.int8)
    if decl.type == "enum":
        return Words(rng.integers(0, len(decl.values or ()), n), [c.value for c in decl.values or ()])
    if decl.type == "date":
        return (FIRST_DAY + rng.integers(0, 4000, n)).astype(float)
    if decl.type == "text":
        return Words(rng.integers(0, len(INDUSTRIES), n), list(INDUSTRIES))
    high = decl.max if decl.max is not None else 30000
    values = rng.uniform(decl.min or 0, high, n)
    return np.trunc(values) if decl.type == "int" else np.round(values, 2)


def _leave_out(kind: str, column: Any, answered: np.ndarray) -> np.ndarray | Words:
    """A typed column with the unanswered rows marked as such (None, U or NaN)."""
    if isinstance(column, Words):  # the last word: not answered
        return Words(np.where(answered, column.codes, len(column.words)), [*column.words, None])
    if kind == "bool":
        return np.where(answered, column, U).astype(np.int8)
    return np.where(answered, column, np.nan)


def registry_table(pack: RulePack, n: int, seed: int = 7) -> dict[str, Any]:
    """n generated company profiles as typed columns (columnar.typed_column), never as row dicts."""
    rng = np.random.default_rng(seed)
    table: dict[str, Any] = {}
    for name, decl in pack.fields.items():
        if name in ("name", "credit_code"):
            continue
        values, answered = _column(rng, pack, name, n), rng.random(n) >= MISSING
        if name == "tech_staff" and "employees" in table and isinstance(values, np.ndarray):
            values = np.fmin(values, table["employees"])  # at most the staff count where that is answered
        table[name] = _leave_out(decl.type, values, answered)
    return table


def chunk_table(pack: RulePack, n: int, seed: int, index: int, size: int = CHUNK) -> dict[str, Any]:
    """Chunk `index` of the registry of n profiles (its own seed: a job resumed at any chunk makes the same rows)."""
    return registry_table(pack, min(size, n - index * size), seed * 1_000_003 + index)


def chunks(pack: RulePack, n: int, seed: int = 7, size: int = CHUNK) -> Iterator[dict[str, Any]]:
    """The registry of n profiles a chunk at a time (each chunk from its own seed: the same n, the same rows)."""
    for index in range(-(-n // size)):
        yield chunk_table(pack, n, seed, index, size)


def _status(found: Matrix) -> dict[str, np.ndarray]:
    """Each measure's status codes."""
    return {c.measure.id: c.status for c in found.columns}


def change_counts(before: Matrix, after: Matrix) -> dict[str, dict[str, int]]:
    """Per measure how many rows moved, by broad change kind (only the kinds that occur)."""
    old, new = _status(before), _status(after)
    n = before.n
    out: dict[str, dict[str, int]] = {}
    for mid in sorted(old.keys() | new.keys()):
        was, now = old.get(mid, np.full(n, ABSENT)), new.get(mid, np.full(n, ABSENT))
        gained = (now == T) & (was != T)
        lost = (was == T) & (now != T)
        moved = {"newly_eligible": gained, "no_longer_eligible": lost, "other": (was != now) & ~gained & ~lost}
        found = {kind: int(mask.sum()) for kind, mask in moved.items() if mask.any()}
        if found:
            out[mid] = found
    return out


def worth(c: MeasureColumns, money_type: str) -> np.ndarray:
    """answer.stored_money of every row: eligible and not held, a deduction by the tax it saves, else 0."""
    held = c.held_rows
    value = c.saving if money_type == "deduction" else c.amount
    return np.where((c.status == T) & ~held, np.nan_to_num(value, nan=0.0), 0.0)


def _worths(found: Matrix, types: dict[str, str]) -> dict[str, tuple[str, np.ndarray]]:
    """Measure -> (totals key, worth column) of the measures with a money type."""
    return {c.measure.id: (str(money_key(types[c.measure.id])), worth(c, types[c.measure.id]))
            for c in found.columns if c.measure.id in types}


def _row(was: np.ndarray, now: np.ndarray) -> dict[str, Any]:
    """impact_money's row of one result over a chunk: totals before/after, how many moved, gained, lost."""
    moved = now - was
    eps = impact_money.EPSILON
    return {"before": round(float(was.sum()), 4), "after": round(float(now.sum()), 4),
            "changed": int((np.abs(moved) > eps).sum()), "gained": int((moved > eps).sum()),
            "lost": int((moved < -eps).sum())}


def _add(into: dict[str, Any], row: dict[str, Any]) -> None:
    """Add a row's totals and counts to another (as impact_money.merge does)."""
    for key in ("before", "after"):
        into[key] = round(into.get(key, 0.0) + row[key], 4)
    for key in ("changed", "gained", "lost"):
        into[key] = into.get(key, 0) + row[key]


def money_summary(before: Matrix, after: Matrix, types: tuple[dict[str, str], dict[str, str]],
                  first: int, names: list[str] | None = None) -> dict[str, Any]:
    """impact_money.profile_money of every row of a chunk (rows numbered from `first`, or named by `names`),
    column-wise."""
    old, new = _worths(before, types[0]), _worths(after, types[1])
    n = before.n
    summary = impact_money.empty()
    per_type: dict[str, list[np.ndarray]] = {}
    for mid in sorted(old.keys() | new.keys()):
        key = (new.get(mid) or old[mid])[0]
        was, now = old.get(mid, (key, np.zeros(n)))[1], new.get(mid, (key, np.zeros(n)))[1]
        summary["measures"][mid] = {"type": key, **_row(was, now)}
        pair = per_type.setdefault(key, [np.zeros(n), np.zeros(n)])
        pair[0], pair[1] = pair[0] + was, pair[1] + now
        _add(summary["types"].setdefault(key, {}), _row(was, now))
    summary["companies"] = _companies(per_type, n, first, names)
    return summary


def _companies(per_type: dict[str, list[np.ndarray]], n: int, first: int, names: list[str] | None = None
               ) -> dict[str, Any]:
    """The companies whose money moved (gained, lost) and the largest movers (impact_money._company of each row,
    named by `names` when given, else as registry rows)."""
    delta = sum((now - was for was, now in per_type.values()), np.zeros(n))
    eps = impact_money.EPSILON
    moved = np.nonzero(np.abs(delta) > eps)[0]
    order = moved[np.lexsort((moved, -np.abs(delta[moved])))][:impact_money.TOP]
    top = [{"company": names[row] if names is not None else company(first + int(row)), "delta": round(float(delta[row]), 4),
            "types": {k: [round(float(was[row]), 4), round(float(now[row]), 4)] for k, (was, now) in sorted(per_type.items())
                      if abs(float(now[row]) - float(was[row])) > eps}} for row in order.tolist()]
    return {"gained": int((delta > eps).sum()), "lost": int((delta < -eps).sum()), "top": impact_money.top(top)}


def chunk_impact(before: Side, after: Side, table: dict[str, Any], first: int = 0, names: list[str] | None = None
                 ) -> Impact:
    """The impact over one chunk of profiles given as columns (companies named by `names`, else registry rows)."""
    old = evaluate(before.pack, table, before.as_of)
    new = evaluate(after.pack, table, after.as_of)
    types = impact_money.money_types(before.pack), impact_money.money_types(after.pack)
    return Impact(old.n, change_counts(old, new), money_summary(old, new, types, first, names))


def fold(total: Impact, part: Impact) -> Impact:
    """Two impacts over different rows as one."""
    counts = {m: dict(kinds) for m, kinds in total.counts.items()}
    for mid, kinds in part.counts.items():
        into = counts.setdefault(mid, {})
        for kind, count in kinds.items():
            into[kind] = into.get(kind, 0) + count
    return Impact(total.rows + part.rows, dict(sorted(counts.items())), impact_money.merge(total.money, part.money))


def registry_impact(before: Side, after: Side, n: int, seed: int = 7, size: int = CHUNK) -> Iterator[Impact]:
    """The impact over a registry of n generated profiles, yielded after each chunk (the last is the whole)."""
    total = Impact()
    first = 0
    for table in chunks(after.pack, n, seed, size):
        part = chunk_impact(before, after, table, first)
        first += part.rows
        total = fold(total, part)
        yield total

