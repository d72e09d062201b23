"""The function and operator tables: every entry complete, its literal examples hold on every evaluator, and the
evaluators agree on generated values, missing and undefined ones included."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.config import PROJECT_ROOT
from checker.engine import values as v
from checker.engine import vector
from checker.engine.compiled import Compiled
from checker.engine.durable_adapter import condition
from checker.engine.plan import NumAtom, Slot
from checker.engine.reference import evaluate
from checker.engine.scope import Scope
from checker.rules import expr as ex
from checker.rules.exprtypes import BOOL, DATE, NUMBER, TEXT
from checker.rules.functions import FUNCTIONS, ORDERED, TABLE, TABLE_ROWS, Function, Plain
from checker.rules.typecheck import check
from tests.budget import examples

AS_OF = dt.date(2026, 12, 3)
README = (PROJECT_ROOT / "rules" / "README.md").read_text(encoding="utf-8")
EXAMPLES = [pytest.param(fn, args, want, id=f"{fn.name}{i}") for fn in FUNCTIONS.values()
            for i, (args, want) in enumerate(fn.examples)]


@pytest.mark.parametrize("fn", FUNCTIONS.values(), ids=list(FUNCTIONS))
def test_every_function_has_a_signature_a_meaning_examples_and_a_readme_line(fn: Function) -> None:
    assert callable(fn.check) and callable(fn.scalar)
    assert len(fn.examples) >= 2, "at least two literal examples: its own oracle"
    assert f"`{fn.signature}`" in README, "rules/README.md lists every function"
    assert fn.signature.startswith(f"{fn.name}(")
    if fn.literals_from != 0:  # a function of evaluated arguments says what they are and how the result moves
        assert fn.params and set(fn.params) <= {DATE, NUMBER, ORDERED, TEXT}
        assert fn.params == (TEXT,) or (fn.rising and set(fn.rising) <= {-1, 1})


@pytest.mark.parametrize(("fn", "args", "want"), EXAMPLES)
def test_the_examples_hold_on_the_plain_meaning(fn: Function, args: tuple[Plain, ...], want: Plain) -> None:
    assert fn.scalar(*args) == want


def _literal(x: Plain) -> str:
    """Expression text of a plain argument; None is an undefined ratio."""
    if x is None:
        return "(0 / 0)"
    if isinstance(x, dt.date):
        return f"date('{x.isoformat()}')"
    if isinstance(x, str):
        return f"'{x}'"
    return repr(float(x))


def _expected(want: Plain) -> tuple[str, Any]:
    if isinstance(want, bool):
        return BOOL, want
    if isinstance(want, dt.date):
        return DATE, v.to_ordinal(want)
    return NUMBER, float(want)  # type: ignore[arg-type]


@pytest.mark.parametrize(("fn", "args", "want"), EXAMPLES)
def test_the_examples_hold_on_the_type_checker_reference_compiled_and_vector(pack, fn, args, want) -> None:
    node = ex.parse(f"{fn.name}({', '.join(_literal(a) for a in args)})")
    kind, value = _expected(want)
    assert check(node, {}) == kind
    found = [evaluate(node, Scope(pack, {}, AS_OF)), Scope(pack, {}, AS_OF, Compiled()).eval(node)]
    column = vector.Columns(pack, [{}, {}], AS_OF).eval(node)
    if kind == BOOL:
        assert found == [value, value]
        assert column.tolist() == [vector.T if value else vector.F] * 2
    else:
        assert found == [v.Num.of(value)] * 2
        assert column.lo.tolist() == column.hi.tolist() == [value] * 2 and column.undef.tolist() == [0, 0]


# -- generated values: intervals, missing answers, undefined ratios ------------------------------------------------

DAYS = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)).map(v.to_ordinal)
NUMBERS = st.one_of(st.sampled_from([0.0, 0.25, 0.3, 5000.0, 20000.0, -1.0]), st.floats(-30000, 30000))


@st.composite
def intervals(draw: st.DrawFn, kind: str) -> v.Num:
    """A value the evaluators may hold: exact, a range, unknown (a missing answer), perhaps or surely undefined."""
    points = DAYS if kind == DATE else NUMBERS
    shape = draw(st.sampled_from(["exact", "range", "unknown", "half", "maybe", "undefined"]))
    a, b = sorted([draw(points), draw(points)])
    if shape == "exact":
        return v.Num.of(a)
    if shape == "unknown":
        return v.Num(-v.INF, v.INF)
    if shape == "half":
        return v.Num.span(a, v.INF) if draw(st.booleans()) else v.Num.span(-v.INF, b)
    if kind == DATE or shape == "range":  # dates are never undefined
        return v.Num.span(a, b)
    return v.UNDEFINED if shape == "undefined" else v.Num.span(a, b, 1)


LIFTED = [f for f in FUNCTIONS.values() if f.literals_from != 0]  # functions of evaluated arguments


@st.composite
def batches(draw: st.DrawFn) -> tuple[Function, list[list[v.Value]], tuple[Plain, ...]]:
    """A function, rows of evaluated arguments of its kinds, and the literal arguments of one of its examples."""
    fn = draw(st.sampled_from(LIFTED))
    args, _ = draw(st.sampled_from(fn.examples))
    n = fn.arity(len(args))
    kinds = fn.kinds(n)
    if kinds == (ORDERED,) * n and draw(st.booleans()):
        kinds = (DATE,) * n  # min and max of dates
    texts = st.one_of(st.none(), st.sampled_from(["C1610", "H6110", "C1", ""]))
    row = st.tuples(*[texts if k == TEXT else intervals(k) for k in kinds]).map(list)
    return fn, draw(st.lists(row, min_size=1, max_size=6)), tuple(args[n:])


def _column(values: list[v.Value]) -> Any:
    if isinstance(values[0], v.Num):
        return vector.VNum(np.array([x.lo for x in values]), np.array([x.hi for x in values]),
                           np.array([x.undef for x in values], dtype=np.int8))
    return np.array(values, dtype=object)


def _row(column: Any, i: int) -> v.Value:
    if isinstance(column, vector.VNum):
        return v.Num(float(column.lo[i]), float(column.hi[i]), int(column.undef[i]))
    return {vector.F: False, vector.U: None, vector.T: True}[int(column[i])]


@settings(max_examples=examples(400, 200), deadline=None)
@given(batch=batches())
def test_every_backend_agrees_on_generated_values_missing_ones_included(batch) -> None:
    fn, rows, consts = batch
    scalar = [v.call(fn, args, consts) for args in rows]  # the reference walker's and the compiled closures' call
    columns = [_column([args[i] for args in rows]) for i in range(len(rows[0]))]
    lifted = vector.call(dataclasses.replace(fn, vector=None), columns, consts, len(rows))
    assert [_row(lifted, i) for i in range(len(rows))] == scalar
    if fn.vector is not None:
        direct = vector.call(fn, columns, consts, len(rows))
        assert [_row(direct, i) for i in range(len(rows))] == scalar


def _points(num: v.Num, kind: str) -> list[Plain]:
    """Plain values an interval stands for (its finite ends and middle; None for an undefined ratio)."""
    finite = [x for x in (num.lo, num.hi, (num.lo + num.hi) / 2) if not np.isinf(x) and not np.isnan(x)]
    if kind == DATE:
        return [v.from_ordinal(x) for x in finite]
    return ([None] if num.undef else []) + ([] if num.undef == 2 else finite)


@settings(max_examples=examples(400, 200), deadline=None)
@given(batch=batches())
def test_a_lifted_result_holds_every_value_its_arguments_stand_for(batch) -> None:
    fn, rows, consts = batch
    args = rows[0]
    result = v.call(fn, args, consts)
    if not isinstance(result, v.Num):
        return  # texts: a missing text is unknown, a known one exact (the agreement test)
    kinds = [DATE if k == DATE else NUMBER for k in fn.kinds(len(args))]
    for point in _product([_points(a, k) for a, k in zip(args, kinds)]):
        if None in point and not fn.total:
            assert result.undef >= 1
            continue
        value = v.plain_number(fn.scalar(*point, *consts))
        assert result.lo <= value <= result.hi, (fn.name, args, point, result)


def _product(options: list[list[Plain]]) -> list[tuple[Plain, ...]]:
    out: list[tuple[Plain, ...]] = [()]
    for choice in options:
        out = [p + (c,) for p in out for c in choice]
    return out


# -- the operator table: comparisons and `in`, literal examples ------------------------------------------------------

N = v.Num.of
COMPARE_EXAMPLES = [
    ("<=", N(20000), N(20000), True), ("<", N(20000), N(20000), False), (">=", N(20000), N(20000), True),
    (">", N(20000), N(20000), False), ("==", N(3), N(3), True), ("!=", N(3), N(3), False),
    (">=", v.Num(1, 3), N(3), None), (">", v.Num(1, 3), N(3), False), ("<=", v.Num(1, 3), N(3), True),
    ("<", v.Num(1, 3), N(3), None), ("==", v.Num(1, 3), N(4), False), ("!=", v.Num(1, 3), N(4), True),
    ("==", v.Num(3, 3, 1), N(3), None), (">=", v.Num(5, 6, 1), N(3), None), ("<", v.Num(5, 6, 1), N(3), False),
    ("!=", v.UNDEFINED, N(3), False), (">=", v.UNDEFINED, N(3), False), ("<", v.Num(-v.INF, v.INF), N(0), None),
]
IN_EXAMPLES = [
    (N(3), (3.0, 4.0), False, True), (N(3.5), (3.0, 4.0), False, False), (v.Num(1, 3), (3.0,), False, None),
    (v.Num(3, 5), (3.0,), False, None), (v.Num(1, 2.99), (3.0,), False, False), (v.Num(3.01, 5), (3.0,), False, False),
    (N(3), (3.0,), True, False), (v.Num(3.01, 5), (3.0,), True, True), (v.Num(1, 3), (3.0,), True, None),
    (v.Num(3, 3, 1), (3.0,), False, None), (v.Num(4, 5, 1), (3.0,), True, None), (v.UNDEFINED, (3.0,), True, False),
    (v.UNDEFINED, (3.0,), False, False), ("C16", ("C16", "H"), False, True), ("F52", ("C16", "H"), True, True),
    (None, ("C16",), False, None), (None, ("C16",), True, None),
]
CODE = {True: vector.T, None: vector.U, False: vector.F}


def _vnum(num: v.Num) -> vector.VNum:
    return vector.VNum(np.array([num.lo]), np.array([num.hi]), np.array([num.undef], dtype=np.int8))


@pytest.mark.parametrize(("op", "a", "b", "want"), COMPARE_EXAMPLES)
def test_comparisons_follow_their_examples_on_values_vector_and_durable(op, a, b, want) -> None:
    assert v.compare(op, a, b) is want
    assert vector.compare_num(op, _vnum(a), _vnum(b)).tolist() == [CODE[want]]
    assert _durable(op, a, b) is want


def _durable(op: str, a: v.Num, b: v.Num) -> v.Tri:
    """The durable-rules patterns of a comparison, matched against the fact layer 1 would write."""
    fact: dict[str, Any] = {}
    for key, num in (("A", a), ("B", b)):
        fact[f"{key}_u"] = num.undef
        if num.undef < 2 and num.lo != -v.INF:
            fact[f"{key}_lo"] = num.lo
        if num.undef < 2 and num.hi != v.INF:
            fact[f"{key}_hi"] = num.hi
    atom = ("atom", NumAtom(op, Slot("A"), Slot("B")))
    true, false = _matches(condition(atom, True), fact), _matches(condition(atom, False), fact)
    assert not (true and false)
    return True if true else (False if false else None)


def _matches(cond: dict[str, Any], fact: dict[str, Any]) -> bool:
    """A durable-rules pattern ($and, $or, $ex and the four comparisons) read against a fact."""
    (key, body), = cond.items()
    if key in ("$and", "$or"):
        parts = [_matches(c, fact) for c in body]
        return all(parts) if key == "$and" else any(parts)
    if key == "$ex":
        return all(name in fact for name in body)
    if not key.startswith("$"):
        return fact.get(key) == body
    (name, term), = body.items()
    other = fact.get(term["$m"]) if isinstance(term, dict) else term
    if name not in fact or other is None:
        return False
    ops = {"$gte": float.__ge__, "$lte": float.__le__, "$gt": float.__gt__, "$lt": float.__lt__}
    return bool(ops[key](float(fact[name]), float(other)))


@pytest.mark.parametrize(("value", "options", "negated", "want"), IN_EXAMPLES)
def test_in_follows_its_examples_on_values_and_vector(value, options, negated, want) -> None:
    assert v.in_set(value, options, negated) is want
    if isinstance(value, v.Num):
        assert vector.in_set_num(_vnum(value), options, negated).tolist() == [CODE[want]]


def test_days_between_takes_two_dates_and_counts_over_missing_answers(pack) -> None:
    env = pack.types
    assert check(ex.parse("days_between(hte_certified_on, as_of)"), env) == NUMBER
    for bad, code in (("days_between(as_of)", "lint.expr.days_between_args"),
                      ("days_between(as_of, employees)", "lint.expr.operand_type")):
        with pytest.raises(ex.ExprError) as raised:
            check(ex.parse(bad), env)
        assert raised.value.problem.code == code
    node = ex.parse("days_between(hte_certified_on, as_of) >= 365")
    assert evaluate(node, Scope(pack, {"hte_certified_on": dt.date(2025, 12, 3)}, AS_OF)) is True
    assert evaluate(node, Scope(pack, {"hte_certified_on": dt.date(2025, 12, 4)}, AS_OF)) is False
    assert evaluate(node, Scope(pack, {}, AS_OF)) is None  # not answered: any number of days
    column = vector.Columns(pack, [{"hte_certified_on": dt.date(2025, 12, 3)}, {}], AS_OF).eval(node)
    assert column.tolist() == [vector.T, vector.U]


def test_the_reference_walker_reads_only_the_shared_semantics() -> None:
    from checker.config import PACKAGE_DIR
    from tests.test_layers import _imports

    found = {t for t in _imports(PACKAGE_DIR / "engine" / "reference.py", "checker.engine.reference") if t.startswith("checker.")}
    assert {t for t in found if t.startswith("checker.engine")} <= {"checker.engine", "checker.engine.values",
                                                                      "checker.engine.scope", "checker.engine.scope.Scope"}


CALENDAR = [("add_years", (3.0,)), ("add_years", (-1.0,)), ("add_years", (4.0,)), ("add_years", (100.0,)),
            ("year_end", ()), ("add_days", (-365.0,)), ("add_days", (1.0,))]


@pytest.mark.parametrize(("name", "consts"), CALENDAR)
def test_calendar_arithmetic_over_columns_is_the_scalar_one_on_every_day_of_three_centuries(name, consts) -> None:
    """The date functions' vector meaning agrees with datetime on every day from 1900 to 2199 (leap days, century
    years, 2000), infinite bounds kept as they are: looked up in its table as one big column, and by the civil
    arithmetic a chunk at a time (columns shorter than TABLE_ROWS)."""
    fn = FUNCTIONS[name]
    days = np.arange(dt.date(1900, 1, 1).toordinal(), dt.date(2199, 12, 31).toordinal() + 1, dtype=float)
    column = np.concatenate([days, [np.inf, -np.inf]])
    want = [float(fn.scalar(dt.date.fromordinal(int(x)), *consts).toordinal()) for x in days] + [np.inf, -np.inf]
    assert fn.vector is not None
    assert fn.vector(column, *consts).tolist() == want
    assert fn.vector(days, *consts).tolist() == want[:-2]  # every day inside the table: no unbounded row
    small = TABLE_ROWS - 1
    assert [x for i in range(0, len(column), small) for x in fn.vector(column[i:i + small], *consts).tolist()] == want


@pytest.mark.parametrize(("name", "consts"), CALENDAR)
def test_a_big_column_reaching_outside_the_table_is_the_arithmetic_one(name, consts) -> None:
    """Days before 1900 or from 2200 on, unbounded ends and a fractional day in a column long enough for the table
    come out as the civil arithmetic has them (row by row, in chunks below TABLE_ROWS)."""
    fn = FUNCTIONS[name]
    assert fn.vector is not None
    odd = [dt.date(1899, 12, 31).toordinal(), dt.date(2200, 1, 1).toordinal(), dt.date(1600, 2, 29).toordinal(),
           dt.date(2400, 2, 29).toordinal(), np.inf, -np.inf, dt.date(2024, 2, 29).toordinal() + 0.5]
    rng = np.random.default_rng(5)
    column = np.concatenate([rng.integers(*TABLE, size=TABLE_ROWS).astype(float), odd])
    rng.shuffle(column)
    found = fn.vector(column, *consts).tolist()
    assert found == [x for i in range(0, len(column), 100) for x in fn.vector(column[i:i + 100], *consts).tolist()]
    assert len(found) == TABLE_ROWS + len(odd)


@pytest.mark.parametrize("consts", [(0.3, 20.0, 0.25, 16.0, 0.2, 12.0, 0.0), (5000.0, 0.05, 20000.0, 0.04, 0.03),
                                    (1.0, 30.0, 0.0), (2.0, 1.0, 5.0, 2.0, 3.0, 3.0, 0.0), (1.0, 5.0, 1.0, 6.0, 0.0),
                                    (7.0,)])
@pytest.mark.parametrize("name", ["tier", "upto"])
def test_tier_and_upto_over_a_column_are_their_scalar_meaning_on_every_threshold(name, consts) -> None:
    """The binary search over sorted thresholds (and np.select over unsorted or repeated ones) gives each value what
    the scalar gives it: on, just under and just over every threshold, far out and unbounded."""
    fn = FUNCTIONS[name]
    edges = [t + d for t in consts[0:-1:2] for d in (-1e-9, 0.0, 1e-9, -0.5, 0.5)]
    xs = [*edges, -1e12, 1e12, 0.0, -np.inf, np.inf, *np.random.default_rng(2).normal(0, 1e4, 200).tolist()]
    assert fn.vector is not None
    assert fn.vector(np.array(xs), *consts).tolist() == [fn.scalar(x, *consts) for x in xs]
