"""A vectorised evaluator for large batches: every expression over all profiles at once (numpy).

Same three-valued semantics as `values.py`, column-wise: numbers are interval arrays
(lo, hi, undef), booleans Kleene codes (0 false, 1 unknown, 2 true, so and = min,
or = max, not = 2 - x), texts object arrays with None for "not answered". It yields the
batch matrix (status, amount, missing per measure); `checker.batch` cross-checks a sample
of every batch against durable-rules.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np

from checker.engine import answer
from checker.engine import values as v
from checker.rules.expr import BinOp, BoolOp, Call, Compare, Const, InSet, Name, Neg, Node, Not
from checker.rules.functions import FUNCTIONS, Function, Plain, literals
from checker.rules.pack import LogicTree, Measure, RulePack

F, U, T = 0, 1, 2
_NONE = itertools.repeat(-1)  # vocab.get's default for every cell
SURE = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "==": np.equal, "!=": np.not_equal}
STATUS = {F: "ineligible", U: "undetermined", T: "eligible"}


@dataclass
class VNum:
    """Intervals of n numbers."""

    lo: np.ndarray
    hi: np.ndarray
    undef: np.ndarray


def _snap(x: np.ndarray, nan: float = 0.0) -> np.ndarray:
    """As values.snap over a column: magnitudes under TINY are 0, over HUGE unbounded, NaN `nan` (a new array)."""
    return _snapped(x, nan)[0]


def _snapped(x: np.ndarray, nan: float) -> tuple[np.ndarray, bool]:
    """_snap, and whether any NaN was filled; one reduction finds the rare columns with huge or NaN values."""
    size = np.abs(x)
    out = np.where(size < v.TINY, 0.0, x)
    top = size.max(initial=0.0)  # NaN if any is NaN
    if top <= v.HUGE:
        return out, False
    with np.errstate(invalid="ignore"):
        huge = size > v.HUGE  # unbounded ends (the unanswered dates) mostly
    np.copyto(out, np.copysign(np.inf, out), where=huge)
    if top == top:
        return out, False
    np.copyto(out, nan, where=np.isnan(out))
    return out, True


def span(lo: np.ndarray, hi: np.ndarray, undef: np.ndarray) -> VNum:
    """Normalised intervals, as Num.span (one array for both ends when they are one and no end is NaN)."""
    if lo is hi:
        snapped, filled = _snapped(lo, -np.inf)
        if not filled:
            return VNum(snapped, snapped, undef)
        return VNum(snapped, _snap(hi, np.inf), undef)
    return VNum(_snap(lo, -np.inf), _snap(hi, np.inf), undef)


def known(x: VNum) -> bool:
    """Whether every row of an interval column is one number (both ends one array)."""
    return x.lo is x.hi


def exact(values: np.ndarray) -> VNum:
    """Known numbers, as Num.of."""
    snapped = _snap(np.asarray(values, dtype=float))
    return VNum(snapped, snapped, np.zeros(len(values), dtype=np.int8))  # one array: nothing writes into a column


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where((a == 0) | (b == 0), 0.0, a * b)


def _div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x / y (x where y is 0; ±inf / ±inf unbounded by the signs), the rare NaN of two infinities mended afterwards."""
    with np.errstate(divide="ignore", invalid="ignore"):
        found: np.ndarray = x / np.where(y == 0, 1.0, y)
        if np.isnan(found.max(initial=0.0)):
            both_inf = np.isinf(x) & np.isinf(y)
            np.copyto(found, np.copysign(np.inf, x * y), where=both_inf)
    return found


def arith(op: str, a: VNum, b: VNum) -> VNum:
    """Interval + - * / over columns."""
    undef = np.maximum(a.undef, b.undef)
    if known(a) and known(b) and op != "/":
        with np.errstate(invalid="ignore"):
            value = a.lo + b.lo if op == "+" else a.lo - b.lo if op == "-" else _mul(a.lo, b.lo)
        return span(value, value, undef)
    with np.errstate(invalid="ignore"):
        if op == "+":
            return span(a.lo + b.lo, a.hi + b.hi, undef)
        if op == "-":
            return span(a.lo - b.hi, a.hi - b.lo, undef)
    if op == "*":
        products = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
        return span(np.minimum.reduce(products), np.maximum.reduce(products), undef)
    return _mixed_ratio(a, b, undef)


def _patched(whole: VNum, rows: np.ndarray, part: Callable[[np.ndarray], VNum]) -> VNum:
    """An interval column computed for every row as if known, its given rows replaced by their own result."""
    if not len(rows):
        return whole
    found = part(rows)
    lo, hi, undef = whole.lo.copy(), whole.hi.copy(), whole.undef.copy()
    lo[rows], hi[rows], undef[rows] = found.lo, found.hi, found.undef
    return VNum(lo, hi, undef)


def _mixed_ratio(a: VNum, b: VNum, undef: np.ndarray) -> VNum:
    """Interval division: rows of two known numbers by the short form, the others (unanswered ends) by _ratio."""
    wide = (a.lo != a.hi) | (b.lo != b.hi)
    if not wide.any():
        return _known_ratio(a.lo, b.lo, undef)
    if 2 * np.count_nonzero(wide) > len(wide):
        return _ratio(a, b, undef)
    return _patched(_known_ratio(a.lo, b.lo, undef), np.nonzero(wide)[0],
                    lambda rows: _ratio(_take(a, rows), _take(b, rows), undef[rows]))


def _known_ratio(x: np.ndarray, y: np.ndarray, undef: np.ndarray) -> VNum:
    """_ratio of known numbers: the quotient, undefined (unbounded, undef 2) where the divisor is 0."""
    quotient = _div(x, y)
    undefined = (undef == 2) | (y == 0)
    found = span(quotient, quotient, undef)
    if not undefined.any():
        return found
    return VNum(np.where(undefined, -np.inf, found.lo), np.where(undefined, np.inf, found.hi),
                np.where(undefined, 2, undef).astype(np.int8))


def _ratio(a: VNum, b: VNum, undef: np.ndarray) -> VNum:
    n = len(undef)
    lo, hi, out_undef = np.full(n, -np.inf), np.full(n, np.inf), np.ones(n, dtype=np.int8)
    undefined = (undef == 2) | ((b.lo == 0) & (b.hi == 0))
    apart = ~undefined & ((b.lo > 0) | (b.hi < 0))
    quotients = [_div(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    lo = np.where(apart, np.minimum.reduce(quotients), lo)
    hi = np.where(apart, np.maximum.reduce(quotients), hi)
    out_undef = np.where(apart, undef, out_undef)
    maybe = ~undefined & ~apart & (b.lo == 0) & (a.lo >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(np.isinf(b.hi), 0.0, a.lo / np.where(b.hi == 0, 1.0, b.hi))
    lo = np.where(maybe, low, lo)
    hi = np.where(maybe, np.where(a.hi == 0, 0.0, np.inf), hi)
    out_undef = np.where(undefined, 2, out_undef).astype(np.int8)
    result = span(lo, hi, out_undef)
    plain = ~undefined & ~apart & ~maybe  # Num(-inf, inf, 1): not snapped
    return VNum(np.where(plain | undefined, -np.inf, result.lo), np.where(plain | undefined, np.inf, result.hi), out_undef)


def compare_num(op: str, a: VNum, b: VNum) -> np.ndarray:
    """Kleene codes of an interval comparison (values.compare over columns: the same table)."""
    undef = np.maximum(a.undef, b.undef)
    defined = not undef.any()  # undefined only after a division by zero
    if known(a) and known(b):  # one number each side: surely true or surely false
        true = SURE[op](a.lo, b.lo)
        if defined:
            codes: np.ndarray = true.view(np.int8) * np.int8(T)
            return codes
        false = ~true
    else:
        true, false = v.sure(op, a, b)
        if defined:  # an interval is never surely both: T, F or else U
            found: np.ndarray = true.view(np.int8) - false.view(np.int8) + np.int8(U)
            return found
    code = np.where(true & (undef == 0), T, U)
    return np.where(false | (undef == 2), F, code).astype(np.int8)


def in_set_num(x: VNum, options: tuple[float, ...], negated: bool) -> np.ndarray:
    """Kleene codes of numeric membership (values.in_set over columns): == one of the numbers, never for undefined."""
    member = np.maximum.reduce([compare_num("==", x, exact(np.full(len(x.undef), float(o)))) for o in options])
    result = T - member if negated else member
    result = np.where((result == T) & (x.undef == 1), U, result)
    return np.where(x.undef == 2, F, result).astype(np.int8)


def call(fn: Function, args: list[Any], consts: tuple[Plain, ...], n: int) -> Any:
    """A function of the table over columns: its vector meaning when it has one, else its scalar one per distinct row."""
    if not args:
        return _column(v.call(fn, [], consts), n)
    if fn.vector is None or not all(isinstance(a, VNum) for a in args):
        return _distinct_rows(fn, args, consts, n)
    if not all(known(a) for a in args):
        wide = np.logical_or.reduce([a.lo != a.hi for a in args])
        if 2 * np.count_nonzero(wide) <= len(wide):  # most rows known (or none at all): their one end for every
            # row, both ends of the rest (not wide.mean(): an empty chunk's mean warns, "Mean of empty slice")
            return _patched(call(fn, [VNum(a.lo, a.lo, a.undef) for a in args], consts, n), np.nonzero(wide)[0],
                            lambda rows: call(fn, [_take(a, rows) for a in args], consts, len(rows)))
    sides = (-1,) if all(known(a) for a in args) else (-1, 1)  # known numbers: both ends are one
    ends = [fn.vector(*[a.hi if d * side > 0 else a.lo for a, d in zip(args, fn.directions(len(args)))], *consts)
            for side in sides]
    if len(ends) == 1:
        lo = hi = ends[0].astype(float)
    else:
        lo, hi = np.minimum(*ends).astype(float), np.maximum(*ends).astype(float)
    undef = np.maximum.reduce([a.undef for a in args])
    if not fn.total:
        return span(lo, hi, undef)
    fallback = v.plain_number(fn.scalar(*[None] * len(args), *consts))  # an undefined argument's result
    lo = np.where(undef == 2, fallback, np.where(undef == 1, np.minimum(lo, fallback), lo))
    hi = np.where(undef == 2, fallback, np.where(undef == 1, np.maximum(hi, fallback), hi))
    return span(lo, hi, np.zeros(n, dtype=np.int8))


def _distinct_rows(fn: Function, args: list[Any], consts: tuple[Plain, ...], n: int) -> Any:
    """The scalar meaning computed once per distinct row of argument values."""
    rows = list(zip(*[zip(a.lo.tolist(), a.hi.tolist(), a.undef.tolist()) if isinstance(a, VNum) else a for a in args]))
    found: dict[Any, v.Value] = {}
    results = []
    for row in rows:
        if row not in found:
            found[row] = v.call(fn, [v.Num(*x) if isinstance(x, tuple) else x for x in row], consts)
        results.append(found[row])
    return _stack(results, n, all(isinstance(a, VNum) for a in args))


def _column(value: v.Value, n: int) -> Any:
    """One value repeated over n rows."""
    return _stack([value] * n, n)


def _stack(values: list[v.Value], n: int, numeric: bool = True) -> Any:
    """Columns of per-row values: Nums as interval columns, three-valued bools as Kleene codes (numeric: what no rows
    give, as functions of numbers and dates return one)."""
    if not values and numeric:
        return exact(np.zeros(0))
    if values and isinstance(values[0], v.Num):
        nums = cast(list[v.Num], values)
        return VNum(np.array([x.lo for x in nums], dtype=float), np.array([x.hi for x in nums], dtype=float),
                    np.array([x.undef for x in nums], dtype=np.int8))
    if values and isinstance(values[0], str):
        return np.array(values, dtype=object)
    return np.array([_code(cast(v.Tri, x)) for x in values], dtype=np.int8)


def _known_eq(a: np.ndarray, b: np.ndarray, op: str) -> np.ndarray:
    known = (a != None) & (b != None)  # noqa: E711 (elementwise over object arrays)
    same = np.asarray(a == b, dtype=bool)
    hit = same if op == "==" else ~same
    return np.where(known, np.where(hit, T, F), U).astype(np.int8)


class Columns:
    """Every name's column for a batch of parsed profiles, derived values computed once."""

    def __init__(self, pack: RulePack, profiles: list[dict[str, Any]], as_of: dt.date) -> None:
        self.pack = pack
        self.profiles = profiles
        self.n = len(profiles)
        self.const_cache: dict[tuple[Any, ...], Any] = {}
        self.cache: dict[str, Any] = {"as_of": self.uniform(v.to_ordinal(as_of))}
        self.cache.update((name, self.uniform(p.value_on(as_of))) for name, p in pack.parameters.items())
        self.node_cache: dict[int, tuple[Node, Any]] = {}
        self.word_cache: dict[int, tuple[np.ndarray, np.ndarray, dict[Any, int]]] = {}
        self.call_cache: dict[tuple[Any, ...], tuple[list[Any], Any]] = {}

    def get(self, name: str) -> Any:
        """The column of a field, derived value or as_of."""
        if name not in self.cache:
            if name in self.pack.derived:
                self.cache[name] = self.eval(self.pack.derived[name].expr)
            else:
                self.cache[name] = self._field(name)
        return self.cache[name]

    def answered(self, name: str) -> np.ndarray:
        """Which rows answered a field."""
        key = f"answered:{name}"
        if key not in self.cache:
            self.cache[key] = np.array([p.get(name) is not None for p in self.profiles], dtype=bool)
        answered: np.ndarray = self.cache[key]
        return answered

    def _field(self, name: str) -> Any:
        kind = self.pack.fields[name].type
        raw = [p.get(name) for p in self.profiles]
        if kind in ("enum", "text"):
            return np.array(raw, dtype=object)
        if kind == "bool":
            return np.array([U if x is None else (T if x else F) for x in raw], dtype=np.int8)
        known = np.array([x is not None for x in raw], dtype=bool)
        if kind == "date":
            vals = np.array([v.to_ordinal(x) if x is not None else 0.0 for x in raw])
            low, high = -np.inf, np.inf
        else:
            vals = np.array([float(x) if x is not None else 0.0 for x in raw])
            low, high = self.pack.domain(name)
        fixed = exact(vals)
        unknown = span(np.full(self.n, low), np.full(self.n, high), np.zeros(self.n, dtype=np.int8))
        return VNum(np.where(known, fixed.lo, unknown.lo), np.where(known, fixed.hi, unknown.hi), fixed.undef)

    def eval(self, node: Node) -> Any:
        """The column of an expression, cached per node."""
        hit = self.node_cache.get(id(node))
        if hit is None or hit[0] is not node:
            hit = (node, self._eval(node))
            self.node_cache[id(node)] = hit
        return hit[1]

    def _eval(self, node: Node) -> Any:
        if isinstance(node, Const):
            return self.const(node.value)
        if isinstance(node, Name):
            return self.get(node.name)
        if isinstance(node, BinOp):
            return arith(node.op, self.eval(node.left), self.eval(node.right))
        if isinstance(node, Neg):
            x = self.eval(node.operand)
            return span(-x.hi, -x.lo, x.undef)
        if isinstance(node, Compare):
            return self._compare(node)
        if isinstance(node, InSet):
            return self._in_set(node)
        if isinstance(node, BoolOp):
            codes = [self.eval(o) for o in node.operands]
            return (np.minimum.reduce(codes) if node.op == "and" else np.maximum.reduce(codes)).astype(np.int8)
        if isinstance(node, Not):
            return (T - self.eval(node.operand)).astype(np.int8)
        return self._call(node)

    def _compare(self, node: Compare) -> np.ndarray:
        word = _text(node.right) if not isinstance(node.left, Const) else _text(node.left)
        if word is not None:
            column = self.eval(node.right if isinstance(node.left, Const) else node.left)
            if isinstance(column, np.ndarray) and column.dtype == object:
                return self._word_eq(column, word, node.op)
        left, right = self.eval(node.left), self.eval(node.right)
        if isinstance(left, VNum):
            return compare_num(node.op, left, right)
        if left.dtype == np.int8:  # Kleene codes: booleans
            known = (left != U) & (right != U)
            hit = (left == right) if node.op == "==" else (left != right)
            return np.where(known, np.where(hit, T, F), U).astype(np.int8)
        return _known_eq(left, right, node.op)

    def _in_set(self, node: InSet) -> np.ndarray:
        value = self.eval(node.operand)
        if isinstance(value, VNum):
            return in_set_num(value, cast(tuple[float, ...], node.values), node.negated)
        codes, vocab = self.words(value)
        return _lookup(codes, len(vocab), [vocab[o] for o in set(node.values) if o in vocab], node.negated)

    def const(self, value: Any) -> Any:
        """The column of a constant, built once per distinct constant."""
        key = (type(value), value)
        if key not in self.const_cache:
            if isinstance(value, bool):
                self.const_cache[key] = np.full(self.n, T if value else F, dtype=np.int8)
            elif isinstance(value, str):
                self.const_cache[key] = np.full(self.n, value, dtype=object)
            else:
                self.const_cache[key] = self.uniform(value)
        return self.const_cache[key]

    def uniform(self, value: float) -> VNum:
        """Known numbers all one value: read-only views of one snapped double, no pass over the rows."""
        one = _snap(np.array([float(value)]))
        column = np.broadcast_to(one, (self.n,))
        return VNum(column, column, self._defined)

    @cached_property
    def _defined(self) -> np.ndarray:
        """The undef column of defined numbers, read-only and shared."""
        column = np.zeros(self.n, dtype=np.int8)
        column.flags.writeable = False
        return column

    def fixed(self, value: float | bool) -> np.ndarray:
        """A read-only column of one plain value (NaN, False), shared: writing into it raises."""
        key = ("fixed", type(value), value if value == value else "nan")
        if key not in self.const_cache:
            column = np.full(self.n, value)
            column.flags.writeable = False
            self.const_cache[key] = column
        found: np.ndarray = self.const_cache[key]
        return found

    def words(self, column: np.ndarray) -> tuple[np.ndarray, dict[Any, int]]:
        """An object column as integer codes (-1 where not answered) and its vocabulary, built once per column."""
        hit = self.word_cache.get(id(column))
        if hit is None or hit[0] is not column:
            cells = column.tolist()
            vocab = {word: code for code, word in enumerate(x for x in dict.fromkeys(cells) if x is not None)}
            codes = np.fromiter(map(vocab.get, cells, _NONE), dtype=np.int32, count=len(cells))  # None: -1
            hit = self.word_cache[id(column)] = (column, codes, vocab)
        return hit[1], hit[2]

    def _word_eq(self, column: np.ndarray, word: str, op: str) -> np.ndarray:
        """Kleene codes of an object column == (or !=) one text, as _known_eq against a column of that text."""
        codes, vocab = self.words(column)
        return _lookup(codes, len(vocab), [vocab[word]] if word in vocab else [], op == "!=")

    def _call(self, node: Call) -> Any:
        """The one generic call: the function table over the argument columns (a text column's once per word)."""
        fn = FUNCTIONS[node.func]
        args = [self.eval(a) for a in node.args[:fn.arity(len(node.args))]]
        consts = literals(fn, node.args)
        key = (node.func, consts, *map(id, args))  # the same call in another measure: computed once
        hit = self.call_cache.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], args)):
            hit = self.call_cache[key] = (args, self._apply(fn, args, consts))
        return hit[1]

    def _apply(self, fn: Function, args: list[Any], consts: tuple[Plain, ...]) -> Any:
        """A function over its argument columns."""
        if len(args) == 1 and isinstance(args[0], np.ndarray) and args[0].dtype == object:
            codes, vocab = self.words(args[0])
            per_word = call(fn, [np.array([*vocab, None], dtype=object)], consts, len(vocab) + 1)
            return _take(per_word, codes)  # code -1: the last, None's result
        return call(fn, args, consts, self.n)


def _lookup(codes: np.ndarray, size: int, hits: list[int], negated: bool) -> np.ndarray:
    """Kleene codes of word codes (-1: not answered, U) by a table of the vocabulary: T for the hits, F for the rest
    (swapped when negated)."""
    table = np.full(size + 1, T if negated else F, dtype=np.int8)
    table[hits] = F if negated else T
    table[-1] = U
    found: np.ndarray = table[codes]
    return found


def _take(column: Any, rows: np.ndarray) -> Any:
    """The rows of a column (an interval column's of each end)."""
    if isinstance(column, VNum):
        return VNum(column.lo[rows], column.hi[rows], column.undef[rows])
    return column[rows]


def _text(node: Node) -> str | None:
    """The text of a text constant, else None."""
    return node.value if isinstance(node, Const) and isinstance(node.value, str) else None


def _code(value: v.Tri) -> int:
    return U if value is None else (T if value else F)


def combine(tree: LogicTree, codes: dict[str, np.ndarray]) -> np.ndarray:
    """Kleene all/any/not over criterion code columns."""
    if tree[0] == "ref":
        return codes[tree[1]]
    if tree[0] == "not":
        return (T - combine(tree[1], codes)).astype(np.int8)
    parts = [combine(child, codes) for child in tree[1]]
    joined: np.ndarray = np.minimum.reduce(parts) if tree[0] == "all" else np.maximum.reduce(parts)
    return joined.astype(np.int8)


def _relevant(cols: Columns, node: Node, mask: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Mark, per row in mask, the unanswered fields that could still decide an open test."""
    if not mask.any():
        return
    if isinstance(node, BoolOp):
        for operand in node.operands:
            _relevant(cols, operand, mask & (cols.eval(operand) == U), out)
    elif isinstance(node, Not):
        _relevant(cols, node.operand, mask, out)
    elif isinstance(node, Name) and node.name in cols.pack.derived and cols.pack.derived[node.name].spec.type == "bool":
        _relevant(cols, cols.pack.derived[node.name].expr, mask, out)
    else:
        for name in cols.pack.field_closure(node):
            hit = mask & ~cols.answered(name)
            out[name] = out[name] | hit if name in out else hit


def measure_matrix(cols: Columns, measure: Measure, as_of: dt.date, failed: bool = True) -> dict[str, Any]:
    """The status, amount, missing and failed-criteria columns of one measure (failed None unless asked for)."""
    codes = {c.id: cols.eval(c.test) for c in measure.criteria}
    status = combine(measure.logic, codes)
    in_force = measure.in_force(as_of)
    if not in_force:
        status = np.full(cols.n, F, dtype=np.int8)
    amounts: list[Any] = [None] * cols.n
    if measure.amount is not None:
        value = cols.eval(measure.amount)
        ok = (value.lo == value.hi) & (value.undef == 0) & (status != F)
        amounts = [round(x, 4) if good else None for x, good in zip(value.lo.tolist(), ok.tolist())]
    missing: dict[str, np.ndarray] = {}
    open_rows = status == U
    for crit in measure.criteria:
        _relevant(cols, crit.test, open_rows & (codes[crit.id] == U), missing)
    labels = np.array([STATUS[F], STATUS[U], STATUS[T]], dtype=object)
    return {"status": labels[status].tolist(), "amount_wan": amounts, "missing": _missing_lists(missing, cols.n),
            "failed": _failed(measure, codes, in_force, cols.n) if failed else None, "held": _held(cols, measure),
            "condition": _condition(cols, measure, status)}


def _missing_lists(missing: dict[str, np.ndarray], n: int) -> list[str]:
    """Per row, the space-separated sorted fields still open; each distinct pattern of open fields joined once."""
    names = sorted(missing)
    if len(names) > 62:
        return _missing_rows(missing, names, n)
    key = np.zeros(n, dtype=np.int64)
    for bit, name in enumerate(names):
        key |= missing[name].astype(np.int64) << bit
    patterns, inverse = np.unique(key, return_inverse=True)
    texts = [" ".join(name for bit, name in enumerate(names) if pattern >> bit & 1) for pattern in patterns.tolist()]
    return [texts[at] for at in inverse.tolist()]


def _missing_rows(missing: dict[str, np.ndarray], names: list[str], n: int) -> list[str]:
    """_missing_lists with each open row's pattern as bytes (more fields than one 64-bit pattern holds)."""
    lists = [""] * n
    hits = np.stack([missing[name] for name in names])
    rows = np.nonzero(hits.any(axis=0))[0]
    texts: dict[bytes, str] = {}
    for row, pattern in zip(rows.tolist(), np.ascontiguousarray(hits[:, rows].T)):
        key = pattern.tobytes()
        text = texts.get(key)
        if text is None:
            text = texts[key] = " ".join(name for name, hit in zip(names, pattern) if hit)
        lists[row] = text
    return lists


def _dates(rows: np.ndarray, days: np.ndarray) -> list[str]:
    """ISO texts of day ordinals, each distinct day formatted once."""
    uniq, inverse = np.unique(days[rows], return_inverse=True)
    texts = np.array([v.from_ordinal(x).isoformat() for x in uniq.tolist()], dtype=object)
    found: list[str] = texts[inverse].tolist()
    return found


def _sure(d: Any) -> np.ndarray:
    """Rows where a date column holds one known, defined, finite day."""
    found: np.ndarray = (d.lo == d.hi) & (d.undef == 0) & np.isfinite(d.lo)
    return found


@dataclass
class Dated:
    """Rows where a measure's held or condition test surely holds, with its day ordinals (NaN elsewhere)."""

    rows: np.ndarray
    since: np.ndarray
    until: np.ndarray

    def lists(self, keys: tuple[str, ...]) -> list[dict[str, str] | None]:
        """Per row, {since, until} (or {until}) as ISO dates, None where the test does not surely hold."""
        out: list[dict[str, str] | None] = [None] * len(self.rows)
        rows = np.nonzero(self.rows)[0]
        days = {"since": _dates(rows, self.since), "until": _dates(rows, self.until)}
        for at, row in enumerate(rows.tolist()):
            out[row] = {key: days[key][at] for key in keys}
        return out


def _nowhere(cols: Columns) -> Dated:
    """No row: read-only columns shared by every measure without the test."""
    return Dated(cols.fixed(False), cols.fixed(np.nan), cols.fixed(np.nan))


def held_days(cols: Columns, measure: Measure) -> Dated:
    """Where the profile surely shows the recognition is held, and since / until which day."""
    if measure.held is None:
        return _nowhere(cols)
    test, since, until = (cols.eval(node) for node in measure.held)
    return Dated((test == T) & _sure(since) & _sure(until), since.lo, until.lo)


def condition_days(cols: Columns, measure: Measure, status: np.ndarray) -> Dated:
    """Where an eligible result surely holds only on the measure's condition, and until which day."""
    if measure.condition is None:
        return _nowhere(cols)
    test, until = (cols.eval(node) for node in measure.condition)
    return Dated((test == T) & (status == T) & _sure(until), until.lo, until.lo)


def _held(cols: Columns, measure: Measure) -> list[dict[str, str] | None]:
    """Per row, {since, until} where the profile surely shows the recognition is held."""
    return held_days(cols, measure).lists(("since", "until"))


def _condition(cols: Columns, measure: Measure, status: np.ndarray) -> list[dict[str, str] | None]:
    """Per row, {until} where an eligible result surely holds only on the measure's condition (answer.stored_condition)."""
    return condition_days(cols, measure, status).lists(("until",))


@dataclass
class AnswerColumn:
    """One programme's columns over a batch, version 2 fields included."""

    measure: Measure
    matrix: dict[str, list[Any]]
    currency: str
    saving: list[float | None]
    left_out: set[int] = field(default_factory=set)  # rows whose tax scenario leaves this rate measure out of totals
    tax_totals: dict[int, float] | None = None  # per row, the chosen tax scenario's saving (shared by taxed columns)

    @property
    def money_type(self) -> str | None:
        """The measure's benefit.type."""
        return self.measure.spec.benefit.type

    def money_item(self, row: int) -> dict[str, Any]:
        """What answer.totals reads of one row's result (as MeasureResult.money_item)."""
        m = self.matrix
        return {"measure": self.measure.id, "status": m["status"][row], "currency": self.currency,
                "applicant": self.measure.spec.applicant, "held": m["held"][row], "condition": m["condition"][row],
                "benefit": {"amount_wan": m["amount_wan"][row], "type": self.money_type, "tax_saving_wan": self.saving[row]}}

    def item(self, row: int) -> dict[str, Any]:
        """The result item of one row, as the per-profile engines give it."""
        m = self.matrix
        return {"measure": self.measure.id, "status": m["status"][row], "missing": m["missing"][row],
                "failed": m["failed"][row], "held": m["held"][row], "currency": self.currency, "condition": m["condition"][row],
                "applicant": self.measure.spec.applicant,
                "benefit": {"amount_wan": m["amount_wan"][row], "type": self.money_type, "tax_saving_wan": self.saving[row]}}


def answer_columns(pack: RulePack, profiles: list[dict[str, Any]], as_of: dt.date, failed: bool = True
                   ) -> list[AnswerColumn]:
    """Every programme's columns (intentions left out, each measure in its version in force on as_of), deductions with
    their tax saving in each row's tax scenario (answer.tax_picture, as the per-profile engines); failed criteria if
    asked."""
    pack = pack.at(as_of)
    cols = Columns(pack, profiles, as_of)
    out = [AnswerColumn(m, measure_matrix(cols, m, as_of, failed), answer.currency(m, as_of), [None] * cols.n)
           for m in pack.measures if not m.intention]
    related = tax_related(pack)
    taxed = [c for c in out if c.measure.id in related]
    if any(c.money_type == "deduction" for c in taxed) or answer.rate_measures(pack):
        hte = cols.get(answer.HTE_RATE_YEAR).tolist() if answer.HTE_RATE_YEAR in pack.derived else [F] * cols.n
        taxable = [p.get("taxable_income_wan") for p in profiles]
        tax_totals: dict[int, float] = {}
        for column in taxed:
            column.tax_totals = tax_totals
        for row in range(cols.n):
            tax_totals[row] = _price_row(pack, taxed, row, {F: False, U: None, T: True}[hte[row]], taxable[row])
    return out


def tax_related(pack: RulePack) -> set[str]:
    """Measures whose results a tax scenario reads: tax savings, deductions, and what excludes one of them."""
    taxed = {m.id for m in pack.measures if m.spec.benefit.type in ("tax_saving", "deduction")}
    for m in pack.measures:
        for rel in m.spec.relations:
            if rel.type == "excludes" and (m.id in taxed or rel.measure in taxed):
                taxed |= {m.id, rel.measure}
    return taxed


def _price_row(pack: RulePack, taxed: list[AnswerColumn], row: int, hte: bool | None, taxable: float | None) -> float:
    """One row's tax scenario: deductions priced at its rate, the rate measures it leaves out marked (in place); the
    tax it saves."""
    picture = answer.tax_picture(pack, [c.money_item(row) for c in taxed], hte, taxable)
    for column in taxed:
        if column.money_type == "deduction":
            column.saving[row] = answer.tax_saving(column.matrix["amount_wan"][row], taxable, picture.chosen.rate)
        if column.measure.id in picture.left_out:
            column.left_out.add(row)
    return picture.chosen.tax_saving_wan


def totals_columns(pack: RulePack, columns: list[AnswerColumn], n: int) -> dict[str, list[float]]:
    """answer.totals over every row at once: counted money by type, each row's left-out rate measures and the
    smaller of an excluded pair dropped."""
    live: dict[str, np.ndarray] = {}
    worth: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    for c in columns:
        if c.money_type in answer.TOTAL_KEYS and c.currency == "in_force" and c.measure.spec.applicant == "company":
            values = c.saving if c.money_type == "deduction" else c.matrix["amount_wan"]
            worth[c.measure.id] = np.array([float(x or 0.0) for x in values])
            live[c.measure.id] = np.array([s == "eligible" and not h and not k and row not in c.left_out for row, (s, h, k)
                                           in enumerate(zip(c.matrix["status"], c.matrix["held"], c.matrix["condition"]))])
            kinds[c.measure.id] = answer.TOTAL_KEYS[c.money_type]
    for mid in sorted(live):
        for rel in pack.measure(mid).spec.relations:
            if rel.type == "excludes" and rel.measure in live:
                both = live[mid] & live[rel.measure]
                mine_smaller = (worth[mid] < worth[rel.measure]) | ((worth[mid] == worth[rel.measure]) & (mid < rel.measure))
                live[mid] = live[mid] & ~(both & mine_smaller)
                live[rel.measure] = live[rel.measure] & ~(both & ~mine_smaller)
    sums = {"cash_wan": [0.0] * n, "tax_saving_wan": [0.0] * n, "financing_wan": [0.0] * n}
    for c in columns:
        mid = c.measure.id
        if mid in live:
            target = sums[kinds[mid]]
            for row in np.nonzero(live[mid])[0].tolist():
                target[row] += float(worth[mid][row])
    scenario = next((c.tax_totals for c in columns if c.tax_totals is not None), None)
    if scenario is not None:  # the chosen tax scenario's saving, as answer.TaxPicture.totals
        sums["tax_saving_wan"] = [scenario[row] for row in range(n)]
    return {k: [round(x, 4) for x in v] for k, v in sums.items()}


def _failed(measure: Measure, codes: dict[str, np.ndarray], in_force: bool, n: int) -> list[list[str]]:
    """Per row, the ids of criteria surely not met (in_force first when the period is over); each distinct pattern of
    failed criteria spelled once over the column (a row's bits over the criteria) and its list shared by its rows."""
    first = ["in_force"] if measure.spec.period is not None and not in_force else []
    ids = [c.id for c in measure.criteria]
    if not ids or len(ids) > 62:
        return _failed_rows(first, ids, codes, n)
    key = np.zeros(n, dtype=np.int64)
    for bit, i in enumerate(ids):
        key |= (codes[i] == F).astype(np.int64) << bit
    patterns, inverse = np.unique(key, return_inverse=True)
    shown = [first + [i for bit, i in enumerate(ids) if pattern >> bit & 1] for pattern in patterns.tolist()]
    return [shown[at] for at in inverse.tolist()]


def _failed_rows(first: list[str], ids: list[str], codes: dict[str, np.ndarray], n: int) -> list[list[str]]:
    """_failed one row at a time (no criteria, or too many for one 64-bit pattern)."""
    failed = [list(first) for _ in range(n)]
    for i in ids:
        for at in np.nonzero(codes[i] == F)[0].tolist():
            failed[at].append(i)
    return failed


def compact_results(pack: RulePack, profiles: list[dict[str, Any]], as_of: dt.date) -> list[dict[str, Any]]:
    """Per profile, each measure's stored item (answer.stored_item): status, money, held, currency, and the totals of
    its one tax scenario (agency storage, as agency.jobs.compact)."""
    results: list[list[dict[str, Any]]] = [[] for _ in profiles]
    columns = answer_columns(pack, profiles, as_of)
    for c in columns:
        _stored(results, c.measure.id, c.currency, c.measure.spec.applicant, c.matrix, c.saving)
    sums = totals_columns(pack, columns, len(profiles))
    return [{"rulepack": pack.version, "as_of": as_of.isoformat(), "results": items,
             "totals": {k: v[row] for k, v in sums.items()}} for row, items in enumerate(results)]


def _stored(results: list[list[dict[str, Any]]], mid: str, currency: str, applicant: str | None,
            m: dict[str, list[Any]], saving: list[float | None]) -> None:
    """Append answer.stored_item of one programme to every row's items, a column at a time (same keys, same order)."""
    other = applicant if applicant != "company" and applicant else None
    fields: dict[str, list[str]] = {}  # each distinct open-fields text split once (a fresh list per item)
    for items, status, amount, failed, missing, held, save, cond in zip(results, m["status"], m["amount_wan"], m["failed"],
                                                                         m["missing"], m["held"], saving, m["condition"]):
        item: dict[str, Any] = {"measure": mid, "status": status, "amount_wan": amount, "currency": currency}
        if failed:
            item["failed"] = failed
        if missing:
            found = fields.get(missing)
            if found is None:
                found = fields[missing] = missing.split(" ")
            item["missing"] = found.copy()
        if held:
            item["held"] = held
        if save:
            item["tax_saving_wan"] = save
        if other:
            item["applicant"] = other
        if cond:
            item["condition"] = cond
        items.append(item)


def compact_answers(pack: RulePack, profiles: list[dict[str, Any]], ids: list[Any], as_of: dt.date) -> list[dict[str, Any]]:
    """The compact batch JSONL objects (answer version 2), the same as answer.compact of each full result."""
    columns = answer_columns(pack, profiles, as_of)
    sums = totals_columns(pack, columns, len(profiles))
    out = []
    for row, row_id in enumerate(ids):
        results = []
        for c in columns:
            item = c.item(row)
            results.append(answer.compact_item({**item, "missing": item["missing"].split(" ") if item["missing"] else []}))
        out.append({"id": row_id, "rulepack": pack.version, "as_of": as_of.isoformat(), "results": results,
                    "totals": {k: v[row] for k, v in sums.items()}})
    return out


def matrix_rows(pack: RulePack, profiles: list[dict[str, Any]], ids: list[Any], as_of: dt.date) -> list[dict[str, Any]]:
    """Flat batch rows, the same as batch.flat_row of each profile's full result."""
    columns = answer_columns(pack, profiles, as_of, failed=False)
    n = len(profiles)
    keys: list[str] = ["id", "rulepack", "as_of"]
    data: list[list[Any]] = [list(ids), [pack.version] * n, [as_of.isoformat()] * n]
    for c in columns:
        mid, m = c.measure.id, c.matrix
        keys += [f"{mid}:{part}" for part in ("status", "amount_wan", "missing", "held_until", "currency", "tax_saving_wan",
                                              "condition_until")]
        data += [m["status"], m["amount_wan"], m["missing"], [h["until"] if h else None for h in m["held"]],
                 [c.currency] * n, c.saving, [k["until"] if k else None for k in m["condition"]]]
    for key, values in totals_columns(pack, columns, n).items():
        keys.append(key)
        data.append(values)
    return [dict(zip(keys, values)) for values in zip(*data)]


def flat_item(item: dict[str, Any], missing: str) -> dict[str, Any]:
    """The flat columns of one result item (version 1 columns first)."""
    mid, benefit = item["measure"], item["benefit"]
    return {f"{mid}:status": item["status"], f"{mid}:amount_wan": benefit["amount_wan"], f"{mid}:missing": missing,
            f"{mid}:held_until": item["held"]["until"] if item.get("held") else None,
            f"{mid}:currency": item["currency"], f"{mid}:tax_saving_wan": benefit.get("tax_saving_wan"),
            f"{mid}:condition_until": item["condition"]["until"] if item.get("condition") else None}
