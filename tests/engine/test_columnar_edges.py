"""Edge rows of the columnar speed-up (s29-engine) against the scalar semantics: every expression over columns agrees
row by row with the reference evaluator, on chunks of 0, 1 and many rows with special numbers and gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engine import columnar, reference, vector
from checker.engine import values as v
from checker.engine.scope import Scope
from checker.rules.expr import parse
from checker.rules.functions import FUNCTIONS, civil, days_from_civil
from checker.staff.registry import registry_table
from tests.engine.test_agreement import PACK

AS_OF = dt.date(2026, 12, 3)
# Expressions reaching each changed path: words (== / != / not in, constant on either side, text with text), known
# numbers and their short forms, division by an interval holding 0, functions of two open columns, calendar sums.
EXPRESSIONS = [
    "industry_code == 'C1610'", "'C1610' != industry_code", "industry_code != 'Z99'",
    "industry_code not in ['C1610', 'F52']", "industry_code in ['C1610', 'Z99']", "name == credit_code",
    "industry_code != name", "'a' == 'a'", "'a' != 'b'", "starts_with(industry_code, 'C16', 'H')",
    "starts_with(name, 'C')", "district == 'miyun'", "district != 'miyun'", "entity_type not in ['enterprise']",
    "taxable_income_wan * -1", "taxable_income_wan - taxable_income_wan", "taxable_income_wan / 0",
    "revenue_wan / (employees - 10)", "revenue_wan / employees", "taxable_income_wan / taxable_income_wan",
    "(revenue_wan / employees) != 1", "revenue_wan / employees >= 0", "1 / 0 < 2", "0 / 0 == 0",
    "min(revenue_wan, taxable_income_wan)", "max(taxable_income_wan, rd_expense_wan / employees)",
    "upto(taxable_income_wan / employees, 5000, 5%, 20000, 4%, 3%)", "tier(revenue_wan / employees, 30%, 20, 0)",
    "min(upto(revenue_wan, 5000, 5%, 20000, 4%, 3%), tier(taxable_income_wan, 30%, 20, 0))",
    "taxable_income_wan == 0", "taxable_income_wan * taxable_income_wan > 100000000", "revenue_wan in [0, 5000]",
    "taxable_income_wan not in [0]", "days_between(registered_on, hte_certified_on)",
    "days_between(registered_on, as_of) > 365", "add_years(registered_on, 3) <= as_of",
    "year_end(hte_certified_on) - registered_on", "add_days(registered_on, -365) == hte_certified_on",
    "add_years(hte_certified_on, -1) < add_days(registered_on, 1)",
    "days_between(hte_certified_on, registered_on) / (employees - 3)",
    "min(days_between(registered_on, as_of), revenue_wan / employees)",
    "max(revenue_wan, employees) / min(taxable_income_wan, rd_expense_wan)", "-(taxable_income_wan / employees) <= 0",
    "upto(revenue_wan, 5000, 5%, 20000, 4%, 3%) == upto(taxable_income_wan, 5000, 5%, 20000, 4%, 3%)",
    "tier(days_between(registered_on, hte_certified_on), 30%, 20, 0) > 0",
    "starts_with(industry_code, 'C') == starts_with(name, 'C')", "(industry_code == 'C1610') != (name != 'F52')",
    "year_end(add_years(registered_on, 1)) >= add_days(hte_certified_on, 365)",
]
SPECIAL = [0.0, -0.0, 5e-324, 1e-12, 1.0, 10.0, 5000.0, 1e11, 1e300, 1.7e308]
TEXTS = ["C1610", "F52", "H6110", "C", ""]


def _day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


DAYS = st.one_of(st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
                 st.sampled_from([_day(2, 1, 1), _day(2, 12, 31), _day(999, 12, 31), _day(1000, 1, 1), _day(2024, 2, 29),
                                  _day(9000, 12, 31), _day(9001, 1, 1), _day(9996, 2, 29)]))
# (Days within a year of date.min / date.max are left out: the scalar functions themselves overflow there.)


def _answer(name: str) -> st.SearchStrategy:
    """A field's answer with special values, or not answered."""
    kind = PACK.fields[name].type
    if kind == "date":
        value: st.SearchStrategy = DAYS
    elif kind == "enum":
        value = st.sampled_from([c.value for c in PACK.fields[name].values or ()])
    elif kind == "text":
        value = st.sampled_from(TEXTS)
    elif name == "taxable_income_wan":  # no lower bound: signs, -0.0, magnitudes past HUGE
        value = st.one_of(st.sampled_from(SPECIAL + [-x for x in SPECIAL]), st.integers(-100, 100).map(float))
    else:
        value = st.one_of(st.sampled_from(SPECIAL), st.integers(0, 100).map(float))
        value = value.map(int) if kind == "int" else value
    return st.one_of(st.none(), value)


USED = ["industry_code", "name", "credit_code", "district", "entity_type", "taxable_income_wan", "revenue_wan",
        "employees", "rd_expense_wan", "registered_on", "hte_certified_on"]
PROFILE = st.fixed_dictionaries({name: _answer(name) for name in USED}).map(
    lambda raw: {k: x for k, x in raw.items() if x is not None})


def _row(column: Any, row: int) -> v.Value:
    """One row of a column as the scalar value."""
    if isinstance(column, vector.VNum):
        return v.Num(float(column.lo[row]), float(column.hi[row]), int(column.undef[row]))
    if column.dtype == object:
        found: v.Value = column[row]
        return found
    return {vector.T: True, vector.F: False, vector.U: None}[int(column[row])]


def _same(a: v.Value, b: v.Value) -> bool:
    """Values equal (a Num's ends by value, so -0.0 == 0.0, as the checker compares them)."""
    return a == b and type(a) is type(b)


def _agree(profiles: list[dict[str, Any]], texts: list[str]) -> None:
    """Each expression over the chunk's columns (vector and table columns, one Columns for all, as a measure list
    shares it) equals the reference evaluator's value per row."""
    pack = PACK.at(AS_OF)
    nodes = [parse(t) for t in texts]
    expected = [[reference.evaluate(node, Scope(pack, p, AS_OF)) for p in profiles] for node in nodes]
    table = columnar.profile_table(pack, profiles)
    for cols in (vector.Columns(pack, profiles, AS_OF), columnar.TableColumns(pack, profiles, AS_OF, table)):
        for text, node, want in zip(texts, nodes, expected):
            column = cols.eval(node)
            got = [_row(column, i) for i in range(len(profiles))]
            assert len(column if not isinstance(column, vector.VNum) else column.lo) == len(profiles), text
            assert all(_same(g, w) for g, w in zip(got, want)), (text, got, want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(profiles=st.lists(PROFILE, min_size=0, max_size=9))
def test_every_changed_path_agrees_with_the_reference_row_by_row(profiles):
    _agree(profiles, EXPRESSIONS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(known=st.lists(PROFILE, min_size=3, max_size=8), odd=PROFILE)
def test_a_few_open_rows_among_known_ones_take_the_patched_path_and_agree(known, odd):
    full = {name: ("C1610" if PACK.fields[name].type == "text" else 3.0) for name in USED
            if PACK.fields[name].type in ("text", "decimal", "int")}
    rows = [{**full, **p} for p in known] + [odd]  # mostly answered: the known-rows short form, the odd row patched
    _agree(rows, EXPRESSIONS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(profiles=st.lists(PROFILE, min_size=1, max_size=4))
def test_the_matrix_of_special_answers_is_the_single_checks(reference, profiles):
    from checker.batch import flat_row

    rows = columnar.matrix_rows(PACK, profiles, list(range(len(profiles))), AS_OF)
    assert rows == [flat_row({"id": i, **reference.check(p, AS_OF).to_json()}) for i, p in enumerate(profiles)]


@pytest.mark.parametrize("n", [0, 1])
def test_a_chunk_of_no_row_or_one_row_evaluates_every_measure(n):
    profiles = [{"revenue_wan": 10.0, "employees": 0}] * n
    matrix = columnar.evaluate(PACK, columnar.profile_table(PACK, profiles), AS_OF)
    assert matrix.n == n and all(len(c.status) == n and len(c.amount) == n for c in matrix.columns)
    assert all(len(values) == n for values in matrix.totals.values())


def test_every_expression_in_an_empty_chunk_is_an_empty_column():
    _agree([], EXPRESSIONS)


@pytest.mark.parametrize("n", [0, 1, 300])
def test_words_from_the_registry_give_the_object_columns_answers(n):
    pack = PACK.at(AS_OF)
    typed = registry_table(pack, n, seed=11)
    words = [k for k, x in typed.items() if isinstance(x, columnar.Words)]
    assert words  # the registry hands enum and text fields over as codes
    plain = {k: (np.array([x[i] for i in range(len(x))], dtype=object) if k in words else x) for k, x in typed.items()}
    a, b = columnar.evaluate(PACK, typed, AS_OF, failed=True), columnar.evaluate(PACK, plain, AS_OF, failed=True)
    for x, y in zip(a.columns, b.columns):
        assert (x.status == y.status).all() and np.array_equal(x.amount, y.amount, equal_nan=True), x.measure.id
        assert x.missing.keys() == y.missing.keys() and all((x.missing[k] == y.missing[k]).all() for k in x.missing)
        assert x.failed == y.failed and x.held == y.held and x.condition == y.condition


def test_words_with_a_repeated_or_unused_word_decode_as_their_cells():
    words = columnar.Words(np.array([0, 2, 3, 1, 3, 0]), ["C1610", "F52", "C1610", None])
    column, codes, vocab = words.decoded()
    assert column.tolist() == ["C1610", "C1610", None, "F52", None, "C1610"]
    assert [None if c < 0 else list(vocab)[c] for c in codes.tolist()] == column.tolist()


def test_a_second_pass_over_the_same_columns_gives_the_first_answers():
    pack = PACK.at(AS_OF)
    profiles = [{"taxable_income_wan": 100.0, "revenue_wan": 30.0}, {}, {"employees": 0, "revenue_wan": 0.0}]
    cols = columnar.TableColumns(pack, profiles, AS_OF, columnar.profile_table(pack, profiles))
    live = [m for m in pack.measures if not m.intention]
    first, second = ([columnar.measure_columns(cols, m, AS_OF, True) for m in live] for _ in range(2))
    for a, b in zip(first, second):  # shared constant, fixed and cached columns were not written into
        assert (a.status == b.status).all() and np.array_equal(a.amount, b.amount, equal_nan=True), a.measure.id
        assert a.held == b.held and a.condition == b.condition and a.failed == b.failed
    assert np.isnan(cols.fixed(np.nan)).all() and not cols.fixed(False).any()


def test_calls_on_freed_columns_never_answer_from_another_columns_cache():
    pack = PACK.at(AS_OF)
    profiles = [{"revenue_wan": float(i), "taxable_income_wan": float(-i)} for i in range(6)]
    cols = vector.Columns(pack, profiles, AS_OF)
    for k in range(200):  # fresh argument columns each time: a freed one's id is reused by the next
        text = f"min(revenue_wan * {k}, taxable_income_wan + {k})"
        got = [_row(cols.eval(parse(text)), i) for i in range(6)]
        assert got == [reference.evaluate(parse(text), Scope(pack, p, AS_OF)) for p in profiles], text


@given(st.integers(dt.date(1000, 1, 1).toordinal(), dt.date(9000, 12, 31).toordinal()))
def test_civil_days_are_the_calendars(ordinal):
    day = np.array([float(ordinal - 719163)])
    year, month, mday = civil(day)
    date = dt.date.fromordinal(ordinal)
    assert (year[0], month[0], mday[0]) == (date.year, date.month, date.day)
    assert days_from_civil(year, month, mday)[0] == day[0]


def test_date_shifts_at_the_calendars_ends_are_the_scalar_ones():
    ends = [dt.date(1, 1, 2), dt.date(4, 2, 29), dt.date(999, 12, 31), dt.date(9000, 12, 31), dt.date(9996, 2, 29),
            dt.date(9999, 12, 30)]
    for name, consts in (("add_days", (1.0,)), ("add_days", (-1.0,)), ("year_end", ()), ("add_years", (0.0,))):
        fn = FUNCTIONS[name]
        moved = fn.vector(np.array([float(d.toordinal()) for d in ends]), *consts)
        want = [v.call(fn, [v.Num.of(float(d.toordinal()))], consts) for d in ends]
        assert [v.Num(x, x) for x in moved.tolist()] == want, name
