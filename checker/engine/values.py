"""Three-valued runtime values: numbers as intervals, booleans as True/False/None.

A missing answer is not a value but the range of values it could take, so an
expression is decided as soon as the known answers decide it. Numbers (and dates,
as day ordinals) are intervals ``[lo, hi]`` with an ``undef`` mark: 0 defined,
1 perhaps undefined, 2 undefined (a ratio over a zero denominator). Any comparison
with an undefined number is false: such a ratio never meets its threshold.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Callable, Optional, Union

INF = math.inf
HUGE = 1e15  # magnitudes beyond this are treated as unbounded
TINY = 1e-9  # magnitudes below this are treated as zero


def _snap(x: float) -> float:
    if math.isnan(x):
        return 0.0
    if abs(x) < TINY:
        return 0.0
    if x > HUGE:
        return INF
    if x < -HUGE:
        return -INF
    return x


@dataclass(frozen=True)
class Num:
    """An interval of possible numbers, perhaps undefined."""

    lo: float
    hi: float
    undef: int = 0

    @staticmethod
    def of(x: float) -> Num:
        """An exact number."""
        return Num(_snap(x), _snap(x))

    @staticmethod
    def span(lo: float, hi: float, undef: int = 0) -> Num:
        """An interval, normalised (snapped bounds)."""
        lo = -INF if math.isnan(lo) else _snap(lo)
        hi = INF if math.isnan(hi) else _snap(hi)
        return Num(lo, hi, undef)

    @property
    def exact(self) -> bool:
        """True when the value is one known, defined number."""
        return self.undef == 0 and self.lo == self.hi


UNDEFINED = Num(-INF, INF, 2)
Tri = Optional[bool]
Value = Union[Num, Tri, str]


def tri_and(values: list[Tri]) -> Tri:
    """Kleene conjunction."""
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def tri_or(values: list[Tri]) -> Tri:
    """Kleene disjunction."""
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def tri_not(value: Tri) -> Tri:
    """Kleene negation."""
    return None if value is None else not value


def _mul(a: float, b: float) -> float:
    return 0.0 if a == 0 or b == 0 else a * b


def _undef(*nums: Num) -> int:
    return max(n.undef for n in nums)


def add(a: Num, b: Num) -> Num:
    """Interval sum."""
    return Num.span(a.lo + b.lo, a.hi + b.hi, _undef(a, b))


def sub(a: Num, b: Num) -> Num:
    """Interval difference."""
    return Num.span(a.lo - b.hi, a.hi - b.lo, _undef(a, b))


def neg(a: Num) -> Num:
    """Interval negation."""
    return Num.span(-a.hi, -a.lo, a.undef)


def mul(a: Num, b: Num) -> Num:
    """Interval product."""
    products = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Num.span(min(products), max(products), _undef(a, b))


def div(a: Num, b: Num) -> Num:
    """Interval ratio; a zero denominator makes the ratio undefined."""
    undef = _undef(a, b)
    if undef == 2 or (b.lo == 0 and b.hi == 0):
        return UNDEFINED
    if b.lo > 0 or b.hi < 0:
        quotients = [x / y if not (math.isinf(x) and math.isinf(y)) else math.copysign(INF, x * y)
                     for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return Num.span(min(quotients), max(quotients), undef)
    # the denominator may be zero: the ratio may be undefined
    if b.lo == 0 and a.lo >= 0:
        low = 0.0 if math.isinf(b.hi) else a.lo / b.hi
        return Num.span(low, 0.0 if a.hi == 0 else INF, 1)
    return Num(-INF, INF, 1)


def minimum(args: list[Num]) -> Num:
    """Interval minimum."""
    return Num.span(min(a.lo for a in args), min(a.hi for a in args), _undef(*args))


def maximum(args: list[Num]) -> Num:
    """Interval maximum."""
    return Num.span(max(a.lo for a in args), max(a.hi for a in args), _undef(*args))


def tier(x: Num, pairs: list[tuple[float, float]], default: float) -> Num:
    """The value of the first (threshold, value) pair that x reaches, else default."""

    def at(v: float) -> float:
        return next((value for threshold, value in pairs if v >= threshold), default)

    low = default if x.undef else at(x.lo)
    high = default if x.undef == 2 else at(x.hi)
    return Num.span(low, high)


def upto(x: Num, pairs: list[tuple[float, float]], default: float) -> Num:
    """The value of the first (limit, value) pair with x <= limit, else default."""

    def at(v: float) -> float:
        return next((value for limit, value in pairs if v <= limit), default)

    if x.undef == 2:
        return Num.of(default)
    return Num.span(default if x.undef else at(x.hi), at(x.lo))


def add_years(d: Num, years: float) -> Num:
    """Shift a date interval by whole calendar years (29 Feb becomes 28 Feb)."""
    return _map_date(d, lambda day: _plus_years(day, int(years)))


def year_end(d: Num, _unused: float = 0) -> Num:
    """The 31 December of a date interval's year(s)."""
    return _map_date(d, lambda day: dt.date(day.year, 12, 31))


def add_days(d: Num, days: float) -> Num:
    """Shift a date interval by days."""
    return _map_date(d, lambda day: day + dt.timedelta(days=int(days)))


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _map_date(d: Num, shift: Callable[[dt.date], dt.date]) -> Num:
    def move(x: float) -> float:
        if math.isinf(x):
            return x
        return float(shift(dt.date.fromordinal(int(x))).toordinal())

    return Num.span(move(d.lo), move(d.hi), d.undef)


def compare(op: str, a: Num, b: Num) -> Tri:
    """Three-valued comparison of two intervals; undefined never compares true."""
    undef = _undef(a, b)
    if undef == 2:
        return False
    true, false = _decide(op, a, b)
    if false:
        return False
    if true and undef == 0:
        return True
    return None


def _decide(op: str, a: Num, b: Num) -> tuple[bool, bool]:
    """(surely true, surely false) of a comparison, ignoring undefinedness."""
    equal = a.lo >= b.hi and a.hi <= b.lo
    apart_up, apart_down = a.lo > b.hi, a.hi < b.lo
    return {
        ">=": (a.lo >= b.hi, apart_down),
        ">": (apart_up, a.hi <= b.lo),
        "<=": (a.hi <= b.lo, apart_up),
        "<": (apart_down, a.lo >= b.hi),
        "==": (equal, apart_up or apart_down),
        "!=": (apart_up or apart_down, equal),
    }[op]


def to_ordinal(day: dt.date) -> float:
    """A date as the number the evaluators compare."""
    return float(day.toordinal())


def from_ordinal(x: float) -> dt.date:
    """The date of a day ordinal."""
    return dt.date.fromordinal(int(x))


SHIFTS = {"add_years": add_years, "add_days": add_days, "year_end": year_end}
