"""The functions of the expression language: each one definition, read by the type checker and by every evaluator.

A `Function` is its signature (`check`: argument types in, result type out, as GoRules ZEN's `check_types`), its
meaning on plain values (`scalar`: floats, dates, texts; no intervals, no missing answers), optionally the same on
numpy columns (`vector`), and a literal example table that is its own oracle. The engine lifts `scalar` (and
`vector`) once for all functions onto its three-valued values: a missing text gives an unknown result, a number or
date interval is mapped through its end points in the direction `rising` declares (so every function of a number or
a date must be monotone in each argument: the example and property tests check it), an unbounded date stays
unbounded, and an undefined number (a ratio over zero) makes the result undefined unless the function is `total`
(then `scalar` reads it as None). A function with no `vector` is lifted over a batch's distinct values.

Adding a function is one entry in `FUNCTIONS` below, a line in rules/README.md and, for its arity message, one
catalogue key (`scripts/messages.sh`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Optional, Union

import numpy as np

from checker.i18n import N_
from checker.rules.expr import Call, Const, ExprError, Node
from checker.rules.exprtypes import DATE, NUMBER, TEXT, kind

Plain = Union[float, str, bool, dt.date, None]
TypeOf = Callable[[Node], str]  # the type checker's type of a sub-expression
ORDERED = "ordered"  # a parameter that is a number or a date (min, max): read as the evaluators' number, date ordinals too


@dataclass(frozen=True)
class Function:
    """One function of the expression language: signature, meaning and examples."""

    name: str
    signature: str  # as rules/README.md writes it
    check: Callable[[Call, TypeOf], str]  # the result type of a call; raises ExprError naming the mistake
    scalar: Callable[..., Plain]  # the meaning on plain values: (non-literal arguments..., literal arguments...)
    examples: tuple[tuple[tuple[Plain, ...], Plain], ...]  # (arguments, result): checked on every evaluator
    params: tuple[str, ...] = ()  # the kinds of the non-literal arguments (DATE, NUMBER, ORDERED, TEXT); the last repeats
    rising: tuple[int, ...] = ()  # per non-literal argument: 1 the result never falls as it rises, -1 never rises
    literals_from: Optional[int] = None  # arguments from this position on are literals, passed as written
    total: bool = False  # an undefined number argument reaches `scalar` as None and the result is defined
    vector: Optional[Callable[..., np.ndarray]] = None  # `scalar` over float columns (number arguments only)

    def arity(self, n: int) -> int:
        """How many of n arguments are evaluated (the rest are literals)."""
        return n if self.literals_from is None else min(n, self.literals_from)

    def kinds(self, n: int) -> tuple[str, ...]:
        """The kind of each of n evaluated arguments (the last declared one repeats)."""
        return tuple(self.params[min(i, len(self.params) - 1)] for i in range(n))

    def directions(self, n: int) -> tuple[int, ...]:
        """The direction of each of n evaluated arguments (the last declared one repeats)."""
        return tuple(self.rising[min(i, len(self.rising) - 1)] for i in range(n))


def literals(fn: Function, args: tuple[Node, ...]) -> tuple[Plain, ...]:
    """The literal arguments of a call as written (type checking on load proved them constants)."""
    return tuple(_const(a) for a in args[fn.arity(len(args)):])


def _const(node: Node) -> Plain:
    if not isinstance(node, Const):
        raise ExprError("lint.expr.not_a_literal", found=repr(node))
    return node.value


# -- signatures ---------------------------------------------------------------------------------------------------


def expect(node: Node, type_of: TypeOf, want: str, where: str) -> None:
    """Raise unless a sub-expression has the wanted type."""
    found = type_of(node)
    if found != want:
        raise ExprError("lint.expr.operand_type", where=where, want=kind(want), found=kind(found))


def number_const(node: Node, where: str) -> float:
    """The value of a number literal argument, or an error naming where one is needed."""
    if not (isinstance(node, Const) and isinstance(node.value, float) and not isinstance(node.value, bool)):
        raise ExprError("lint.expr.number_literal", where=where)
    return float(node.value)


def _min_max(node: Call, type_of: TypeOf) -> str:
    if len(node.args) < 2:
        raise ExprError("lint.expr.min_max_args", func=node.func)
    kinds = {type_of(arg) for arg in node.args}
    if len(kinds) != 1 or not kinds <= {NUMBER, DATE}:
        raise ExprError("lint.expr.min_max_types", func=node.func, found=sorted(kinds))
    return kinds.pop()


def _band(node: Call, type_of: TypeOf) -> str:
    """tier(x, t1, v1, ..., default) with thresholds descending, upto(x, l1, v1, ..., default) with limits ascending."""
    args, tier = node.args, node.func == "tier"
    if (len(args) < 4 or len(args) % 2) and tier:
        raise ExprError("lint.expr.tier_args")
    if len(args) < 4 or len(args) % 2:
        raise ExprError("lint.expr.upto_args")
    expect(args[0], type_of, NUMBER, f"{node.func}()")
    constants = [number_const(a, f"{node.func}()") for a in args[1:]]
    bounds, values = constants[0:-1:2], constants[1:-1:2] + [constants[-1]]
    if tier and any(a <= b for a, b in zip(bounds, bounds[1:])):
        raise ExprError("lint.expr.tier_thresholds")
    if not tier and any(a >= b for a, b in zip(bounds, bounds[1:])):
        raise ExprError("lint.expr.upto_limits")
    falling = all(a >= b for a, b in zip(values, values[1:]))  # so the last value (the default) is the least
    if not falling and tier:
        raise ExprError("lint.expr.tier_values")
    if not falling:
        raise ExprError("lint.expr.upto_values")
    return NUMBER


def _shift(node: Call, type_of: TypeOf) -> str:
    if len(node.args) != 2:
        raise ExprError("lint.expr.shift_args", func=node.func)
    expect(node.args[0], type_of, DATE, f"{node.func}()")
    number_const(node.args[1], f"{node.func}()")
    return DATE


def fixed(*params: str, returns: str, arity: str) -> Callable[[Call, TypeOf], str]:
    """The signature of a function of fixed argument types; `arity` is the catalogue key of its wrong-count message."""

    def check(node: Call, type_of: TypeOf) -> str:
        if len(node.args) != len(params):
            raise ExprError(arity)
        for arg, want in zip(node.args, params):
            expect(arg, type_of, want, f"{node.func}()")
        return returns

    return check


def _starts_with(node: Call, type_of: TypeOf) -> str:
    if len(node.args) < 2:
        raise ExprError("lint.expr.starts_with_args")
    expect(node.args[0], type_of, TEXT, "starts_with()")
    for arg in node.args[1:]:
        if not (isinstance(arg, Const) and isinstance(arg.value, str)):
            raise ExprError("lint.expr.starts_with_prefixes")
    return "bool"


def _date(node: Call, type_of: TypeOf) -> str:
    arg = node.args[0] if len(node.args) == 1 else None
    if not (isinstance(arg, Const) and isinstance(arg.value, str)):
        raise ExprError("lint.expr.date_args")
    try:
        dt.date.fromisoformat(arg.value)
    except ValueError:
        raise ExprError("lint.expr.not_iso_date", value=arg.value) from None
    return DATE


# -- meanings on plain values ---------------------------------------------------------------------------------------


def _pairs(consts: tuple[Any, ...]) -> list[tuple[float, float]]:
    return list(zip(consts[0:-1:2], consts[1:-1:2]))


def tier(x: Optional[float], *consts: float) -> float:
    """The value of the first (threshold, value) pair that x reaches, else the last constant (also for undefined x)."""
    if x is None:
        return consts[-1]
    return next((value for threshold, value in _pairs(consts) if x >= threshold), consts[-1])


def upto(x: Optional[float], *consts: float) -> float:
    """The value of the first (limit, value) pair with x at or under the limit, else the last constant."""
    if x is None:
        return consts[-1]
    return next((value for limit, value in _pairs(consts) if x <= limit), consts[-1])


def _tier_columns(x: np.ndarray, *consts: float) -> np.ndarray:
    pairs = _pairs(consts)
    thresholds = [t for t, _ in pairs]
    if thresholds == sorted(set(thresholds), reverse=True) and not np.isnan(x).any():  # the first reached: the
        # highest threshold at or under x, one binary search per row
        table = np.array([float(consts[-1]), *(float(val) for _, val in reversed(pairs))])
        found: np.ndarray = table[np.searchsorted(thresholds[::-1], x, side="right")]
        return found
    return np.select([x >= t for t, _ in pairs], [float(val) for _, val in pairs], default=float(consts[-1]))


def _upto_columns(x: np.ndarray, *consts: float) -> np.ndarray:
    pairs = _pairs(consts)
    limits = [t for t, _ in pairs]
    if limits == sorted(set(limits)) and not np.isnan(x).any():  # the first not passed: the lowest limit at or
        # over x, one binary search per row
        table = np.array([*(float(val) for _, val in pairs), float(consts[-1])])
        found: np.ndarray = table[np.searchsorted(limits, x, side="left")]
        return found
    return np.select([x <= t for t, _ in pairs], [float(val) for _, val in pairs], default=float(consts[-1]))


def days_between(start: dt.date, end: dt.date) -> float:
    """The days from start to end (negative when end comes first)."""
    return float((end - start).days)


def add_years(day: dt.date, years: float) -> dt.date:
    """A date shifted by whole calendar years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + int(years))
    except ValueError:
        return day.replace(year=day.year + int(years), day=28)


def add_days(day: dt.date, days: float) -> dt.date:
    """A date shifted by whole days."""
    return day + dt.timedelta(days=int(days))


def year_end(day: dt.date) -> dt.date:
    """31 December of a date's year."""
    return dt.date(day.year, 12, 31)


def _days_apart(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """days_between over day-ordinal columns: an unbounded end leaves the result unbounded on its side, as the scalar."""
    with np.errstate(invalid="ignore"):
        found: np.ndarray = end - start
    return found


EPOCH = 719163  # dt.date(1970, 1, 1).toordinal(): numpy's day 0
SAFE_DAYS = (dt.date(1000, 1, 1).toordinal(), dt.date(9000, 12, 31).toordinal())  # far from the calendar's ends
TABLE = (dt.date(1900, 1, 1).toordinal(), dt.date(2200, 1, 1).toordinal())  # days a look-up table covers
TABLE_ROWS = 4096  # columns from this long look dates up (a table costs ~10 ms once per function and constants)


def _exact_dates(scalar: Callable[..., dt.date], col: np.ndarray, *consts: Any) -> np.ndarray:
    """A date function over a column of day ordinals, one date at a time (infinite bounds kept)."""
    return np.array([x if not np.isfinite(x) else float(scalar(dt.date.fromordinal(int(x)), *consts).toordinal())
                     for x in col.tolist()], dtype=float)


def _date_columns(scalar: Callable[..., dt.date]) -> Callable[..., np.ndarray]:
    """The vector meaning of add_days / add_years / year_end: a look-up in a table of the function over 1900-2199 for a
    big column, else calendar arithmetic on integer days, or the exact path when a date lies near the calendar's ends."""
    def vector(col: np.ndarray, *consts: Any) -> np.ndarray:
        if len(col) >= TABLE_ROWS:
            return _looked_up(scalar, col, consts)
        return _computed(scalar, col, consts)
    return vector


def _computed(scalar: Callable[..., dt.date], col: np.ndarray, consts: tuple[Any, ...]) -> np.ndarray:
    """A date function over a column of day ordinals by calendar arithmetic (infinite bounds kept)."""
    finite = np.isfinite(col)
    days = np.where(finite, col, float(EPOCH))
    if ((days < SAFE_DAYS[0]) | (days > SAFE_DAYS[1])).any():
        return _exact_dates(scalar, col, *consts)
    moved = _moved(scalar, days - EPOCH, *consts)
    return np.where(finite, moved + EPOCH, col)


@cache
def _table(scalar: Callable[..., dt.date], consts: tuple[Any, ...]) -> np.ndarray:
    """The function of every day of TABLE (its arithmetic once, read-only)."""
    days = np.arange(*TABLE, dtype=float)
    found = _moved(scalar, days - EPOCH, *consts) + EPOCH
    found.flags.writeable = False
    return found


def _looked_up(scalar: Callable[..., dt.date], col: np.ndarray, consts: tuple[Any, ...]) -> np.ndarray:
    """A date function over a column by _table: rows outside it (unbounded ends kept) by _computed."""
    table = _table(scalar, consts)
    if col.min(initial=np.inf) >= TABLE[0] and col.max(initial=-np.inf) < TABLE[1]:
        day = col.astype(np.intp)
        if (day == col).all():  # whole days (a fractional day keeps its fraction through the arithmetic)
            found: np.ndarray = table[day - TABLE[0]]
            return found
    with np.errstate(invalid="ignore"):  # NaN (never made by the evaluators) stays outside
        day = np.clip(col, TABLE[0], TABLE[1] - 1).astype(np.intp)
        inside = (col >= TABLE[0]) & (col < TABLE[1]) & (day == col)
    out = np.where(inside, table[day - TABLE[0]], col)
    odd = ~inside & np.isfinite(col)
    if odd.any():
        out[odd] = _computed(scalar, col[odd], consts)
    return out


def _moved(scalar: Callable[..., dt.date], day: np.ndarray, *consts: Any) -> np.ndarray:
    """add_days / add_years / year_end of days since 1970-01-01 (29 February into a common year: 28 February)."""
    if scalar is add_days:
        return day + int(consts[0])
    year, month, mday = civil(day)
    if scalar is year_end:
        return days_from_civil(year, np.full_like(month, 12), np.full_like(mday, 31))
    year = year + int(consts[0])
    leap = (np.fmod(year, 4) == 0) & ((np.fmod(year, 100) != 0) | (np.fmod(year, 400) == 0))
    return days_from_civil(year, month, np.where((month == 2) & (mday == 29) & ~leap, 28, mday))


def _floor_div(x: np.ndarray, k: int) -> np.ndarray:
    """x // k of whole numbers held as doubles (exact for the calendar's days: far below 2**53)."""
    found: np.ndarray = np.floor(x / k)
    return found


def civil(day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of days since 1970-01-01 (proleptic Gregorian, whole-number arithmetic over columns)."""
    z = day + 719468.0
    era = _floor_div(z, 146097)
    doe = z - era * 146097
    yoe = _floor_div(doe - _floor_div(doe, 1460) + _floor_div(doe, 36524) - _floor_div(doe, 146096), 365)
    doy = doe - (365 * yoe + _floor_div(yoe, 4) - _floor_div(yoe, 100))
    mp = _floor_div(5 * doy + 2, 153)
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, doy - _floor_div(153 * mp + 2, 5) + 1


def days_from_civil(year: np.ndarray, month: np.ndarray, mday: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a year, month and day over columns (civil's inverse)."""
    year = year - (month <= 2)
    era = _floor_div(year, 400)
    yoe = year - era * 400
    doy = _floor_div(153 * np.where(month > 2, month - 3, month + 9) + 2, 5) + mday - 1
    found: np.ndarray = era * 146097 + yoe * 365 + _floor_div(yoe, 4) - _floor_div(yoe, 100) + doy - 719468
    return found


def starts_with(text: str, *prefixes: str) -> bool:
    """Whether a text starts with one of the prefixes."""
    return text.startswith(prefixes)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _reduce(pick: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    return lambda *cols: pick.reduce(cols)  # type: ignore[attr-defined]


FUNCTIONS: dict[str, Function] = {f.name: f for f in (
    Function("min", "min(a, b, ...)", _min_max, min, params=(ORDERED,), rising=(1,), vector=_reduce(np.minimum),
             examples=(((3.0, 5.0), 3.0), ((5.0, -2.0, 4.0), -2.0), ((_d("2026-03-05"), _d("2025-12-31")), _d("2025-12-31")))),
    Function("max", "max(a, b, ...)", _min_max, max, params=(ORDERED,), rising=(1,), vector=_reduce(np.maximum),
             examples=(((3.0, 5.0), 5.0), ((5.0, -2.0, 4.0), 5.0), ((_d("2026-03-05"), _d("2025-12-31")), _d("2026-03-05")))),
    Function("tier", "tier(x, 30%, 20, 25%, 16, 0)", _band, tier, params=(NUMBER,), rising=(1,), literals_from=1, total=True,
             vector=_tier_columns,
             examples=(((0.30, 0.30, 20.0, 0.25, 16.0, 0.0), 20.0), ((0.2999, 0.30, 20.0, 0.25, 16.0, 0.0), 16.0),
                       ((0.25, 0.30, 20.0, 0.25, 16.0, 0.0), 16.0), ((0.1, 0.30, 20.0, 0.25, 16.0, 0.0), 0.0),
                       ((None, 0.30, 20.0, 0.25, 16.0, 0.0), 0.0))),
    Function("upto", "upto(x, 5000, 5%, 20000, 4%, 3%)", _band, upto, params=(NUMBER,), rising=(-1,), literals_from=1,
             total=True, vector=_upto_columns,
             examples=(((5000.0, 5000.0, 0.05, 20000.0, 0.04, 0.03), 0.05), ((5000.01, 5000.0, 0.05, 20000.0, 0.04, 0.03), 0.04),
                       ((20000.0, 5000.0, 0.05, 20000.0, 0.04, 0.03), 0.04), ((20001.0, 5000.0, 0.05, 20000.0, 0.04, 0.03), 0.03),
                       ((None, 5000.0, 0.05, 20000.0, 0.04, 0.03), 0.03))),
    Function("add_years", "add_years(d, 3)", _shift, add_years, params=(DATE,), rising=(1,), literals_from=1,
             vector=_date_columns(add_years),
             examples=(((_d("2023-10-31"), 3.0), _d("2026-10-31")), ((_d("2024-02-29"), 1.0), _d("2025-02-28")),
                       ((_d("2026-01-15"), -1.0), _d("2025-01-15")))),
    Function("add_days", "add_days(d, -365)", _shift, add_days, params=(DATE,), rising=(1,), literals_from=1,
             vector=_date_columns(add_days),
             examples=(((_d("2026-12-31"), 1.0), _d("2027-01-01")), ((_d("2026-03-01"), -1.0), _d("2026-02-28")),
                       ((_d("2024-03-01"), -365.0), _d("2023-03-02")))),
    Function("year_end", "year_end(d)", fixed(DATE, returns=DATE, arity=N_("lint.expr.year_end_args")), year_end,
             params=(DATE,), rising=(1,), vector=_date_columns(year_end),
             examples=(((_d("2026-03-05"),), _d("2026-12-31")), ((_d("2026-12-31"),), _d("2026-12-31")),
                       ((_d("2024-01-01"),), _d("2024-12-31")))),
    Function("days_between", "days_between(start, end)", fixed(DATE, DATE, returns=NUMBER,
             arity=N_("lint.expr.days_between_args")), days_between, params=(DATE,), rising=(-1, 1),
             vector=_days_apart,
             examples=(((_d("2026-01-01"), _d("2026-12-31")), 364.0), ((_d("2024-02-28"), _d("2024-03-01")), 2.0),
                       ((_d("2026-03-05"), _d("2026-03-01")), -4.0))),
    Function("starts_with", "starts_with(industry_code, 'C16', 'H')", _starts_with, starts_with, params=(TEXT,),
             literals_from=1,
             examples=((("C1610", "C16", "H"), True), (("H6110", "C16", "H"), True), (("C1711", "C16", "H"), False),
                       (("C1", "C16"), False))),
    Function("date", "date('2027-12-31')", _date, _d, literals_from=0,
             examples=((("2027-12-31",), _d("2027-12-31")), (("2024-02-29",), _d("2024-02-29")))),
)}
