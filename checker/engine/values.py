"""Three-valued runtime values: numbers as intervals, booleans as True/False/None.

A missing answer is not a value but the range of values it could take, so an
expression is decided as soon as the known answers decide it. Numbers (and dates,
as day ordinals) are intervals ``[lo, hi]`` with an ``undef`` mark: 0 defined,
1 perhaps undefined, 2 undefined (a ratio over a zero denominator). Any comparison
with an undefined number is false: such a ratio never meets its threshold.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union, cast

from checker.rules.exprtypes import DATE
from checker.rules.functions import Function, Plain

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


# -- comparisons: one table, read by values.compare, vector.compare_num and the durable-rules patterns ---------------

# The four relations of two intervals a and b that decide every comparison: (a's bound, relation, b's bound).
RELATIONS: dict[str, tuple[str, Callable[[Any, Any], Any], str]] = {
    "ge": ("lo", operator.ge, "hi"),  # a surely >= b
    "le": ("hi", operator.le, "lo"),  # a surely <= b
    "gt": ("lo", operator.gt, "hi"),  # a surely > b
    "lt": ("hi", operator.lt, "lo"),  # a surely < b
}
# Per operator: when it is surely true and when surely false, each ("all" | "any", relations).
COMPARISONS: dict[str, tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]] = {
    ">=": (("all", ("ge",)), ("all", ("lt",))),
    ">": (("all", ("gt",)), ("all", ("le",))),
    "<=": (("all", ("le",)), ("all", ("gt",))),
    "<": (("all", ("lt",)), ("all", ("ge",))),
    "==": (("all", ("ge", "le")), ("any", ("gt", "lt"))),
    "!=": (("any", ("gt", "lt")), ("all", ("ge", "le"))),
}


def relation(name: str, a: Any, b: Any) -> Any:
    """One relation of two intervals (Nums, or numpy interval columns: anything with lo and hi)."""
    left, rel, right = RELATIONS[name]
    return rel(getattr(a, left), getattr(b, right))


def sure(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    """(surely true, surely false) of a comparison, ignoring undefinedness: bools for Nums, bool arrays for columns."""
    return tuple(_join(join, [relation(r, a, b) for r in rels]) for join, rels in COMPARISONS[op])


def _join(join: str, parts: list[Any]) -> Any:
    return functools.reduce(operator.and_ if join == "all" else operator.or_, parts)


def compare(op: str, a: Num, b: Num) -> Tri:
    """Three-valued comparison of two intervals; undefined never compares true."""
    undef = _undef(a, b)
    if undef == 2:
        return False
    true, false = sure(op, a, b)
    if false:
        return False
    if true and undef == 0:
        return True
    return None


def compare_values(op: str, left: Value, right: Value) -> Tri:
    """Three-valued comparison of any two values of one type (numbers and dates by the table, texts and bools by ==)."""
    if isinstance(left, Num) and isinstance(right, Num):
        return compare(op, left, right)
    if left is None or right is None:
        return None
    return (left == right) if op == "==" else (left != right)


def in_set(value: Value, options: tuple[Union[float, str], ...], negated: bool) -> Tri:
    """Three-valued membership: a number is in a list when it == one of its numbers (the table's ==), and an
    undefined number is never in nor out of one."""
    if isinstance(value, Num):
        member = tri_or([compare("==", value, Num.of(float(o))) for o in options])
        return undefined_never_true(tri_not(member) if negated else member, value.undef)
    if value is None:
        return None
    return (value in options) != negated


def undefined_never_true(result: Tri, undef: int) -> Tri:
    """A result that is true only if a perhaps-undefined number is defined: unknown, or false when surely undefined."""
    if undef == 2:
        return False
    return None if result is True and undef == 1 else result


# -- function calls: the table's plain meaning lifted onto three-valued values ---------------------------------------


def call(fn: Function, args: list[Value], consts: tuple[Plain, ...]) -> Value:
    """A function of the table applied to evaluated arguments and its literal ones."""
    if not args:
        return from_plain(fn.scalar(*consts))
    if any(not isinstance(a, Num) for a in args):  # texts: a missing one leaves the result unknown
        return None if any(a is None for a in args) else from_plain(fn.scalar(*args, *consts))
    nums = cast(list[Num], args)
    undef = _undef(*nums)
    kinds, rising = fn.kinds(len(nums)), fn.directions(len(nums))
    if fn.total and undef == 2:
        return Num.of(plain_number(fn.scalar(*[None] * len(nums), *consts)))
    ends = [_end(fn, nums, kinds, rising, side, consts) for side in (-1, 1)]
    if fn.total:
        if undef:
            ends.append(plain_number(fn.scalar(*[None] * len(nums), *consts)))
        return Num.span(min(ends), max(ends))
    return Num.span(min(ends), max(ends), undef)


def _end(fn: Function, nums: list[Num], kinds: tuple[str, ...], rising: tuple[int, ...], side: int,
         consts: tuple[Plain, ...]) -> float:
    """The result's lower (side -1) or upper (1) bound: each argument at the bound its direction asks for."""
    plain: list[Plain] = []
    for num, kind, direction in zip(nums, kinds, rising):
        x = num.hi if direction * side > 0 else num.lo
        if kind == DATE:
            if math.isinf(x):
                return INF * side  # an unbounded date leaves the result unbounded
            plain.append(from_ordinal(x))
        else:
            plain.append(x)
    return plain_number(fn.scalar(*plain, *consts))


def plain_number(x: Plain) -> float:
    """The evaluators' number of a plain number or date."""
    return to_ordinal(x) if isinstance(x, dt.date) else float(cast(float, x))


def from_plain(x: Plain) -> Value:
    """The evaluators' value of a plain result: a date or number as an exact Num, a bool or text as it is."""
    if isinstance(x, (bool, str)) or x is None:
        return x
    return Num.of(plain_number(x))


def to_ordinal(day: dt.date) -> float:
    """A date as the number the evaluators compare."""
    return float(day.toordinal())


def from_ordinal(x: float) -> dt.date:
    """The date of a day ordinal."""
    return dt.date.fromordinal(int(x))

