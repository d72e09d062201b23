"""Property: the columnar batch path (checker.engine.columnar) and the single check agree on generated profiles."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.engine import columnar, vector
from checker.rules.functions import FUNCTIONS
from tests.engine.test_agreement import DATES, PACK, PROFILES

ORDINALS = st.dates(dt.date(1200, 1, 1), dt.date(8800, 12, 31)).map(lambda d: float(d.toordinal()))
BOUNDS = st.one_of(ORDINALS, st.sampled_from([np.inf, -np.inf, float(dt.date(2024, 2, 29).toordinal())]))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raws=st.lists(PROFILES, min_size=1, max_size=8), as_of=DATES)
def test_the_columnar_matrix_agrees_with_the_single_check(reference, raws, as_of):
    from checker.batch import flat_row

    profiles = [{k: v for k, v in raw.items() if v is not None} for raw in raws]  # unanswered fields left out
    rows = columnar.matrix_rows(PACK, profiles, list(range(len(profiles))), as_of)
    expected = [flat_row({"id": i, **reference.check(p, as_of).to_json()}) for i, p in enumerate(profiles)]
    assert rows == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raws=st.lists(PROFILES, min_size=1, max_size=8), as_of=DATES, data=st.data())
def test_the_rows_a_batch_rechecks_are_those_rows_of_the_matrix(raws, as_of, data):
    """flat_rows_at (the sample a batch compares with durable-rules) reads each row as matrix_rows gives it: held and
    condition dates, open fields, amounts and totals taken at those rows only."""
    profiles = [{k: v for k, v in raw.items() if v is not None} for raw in raws]
    ids = [f"c{i}" for i in range(len(profiles))]
    rows = data.draw(st.lists(st.integers(0, len(profiles) - 1), min_size=1, max_size=4))
    found = columnar.evaluate(PACK, columnar.profile_table(PACK.at(as_of), profiles), as_of, profiles=profiles)
    whole = columnar.matrix_rows(PACK, profiles, ids, as_of)
    assert columnar.flat_rows_at(found, rows, [ids[r] for r in rows], PACK.version, as_of) == [whole[r] for r in rows]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raws=st.lists(PROFILES, min_size=1, max_size=6), as_of=DATES)
def test_the_columnar_stored_items_are_the_vector_ones(raws, as_of):
    profiles = [{k: v for k, v in raw.items() if v is not None} for raw in raws]
    assert columnar.compact_results(PACK, profiles, as_of) == vector.compact_results(PACK, profiles, as_of)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raws=st.lists(PROFILES, min_size=1, max_size=6), as_of=DATES)
def test_a_table_without_row_dicts_gives_the_same_matrix(raws, as_of):
    profiles = [{k: v for k, v in raw.items() if v is not None} for raw in raws]
    table = columnar.profile_table(PACK.at(as_of), profiles)
    from_rows = columnar.evaluate(PACK, table, as_of, profiles=profiles)
    from_table = columnar.evaluate(PACK, table, as_of)
    for a, b in zip(from_rows.columns, from_table.columns):
        assert a.measure.id == b.measure.id
        assert (a.status == b.status).all() and np.array_equal(a.amount, b.amount, equal_nan=True)
        assert a.missing.keys() == b.missing.keys() and all((a.missing[k] == b.missing[k]).all() for k in a.missing)
    for key, values in from_rows.totals.items():
        assert np.array_equal(values, from_table.totals[key])


@given(lo=st.lists(BOUNDS, min_size=1, max_size=20), amount=st.integers(-30, 30),
       name=st.sampled_from(["add_days", "add_years", "year_end"]))
def test_numpy_date_shifts_are_the_calendar_ones(lo, amount, name):
    fn = FUNCTIONS[name]
    consts = () if name == "year_end" else (float(amount),)
    moved = fn.vector(np.array(lo), *consts)
    expected = [x if np.isinf(x) else float(fn.scalar(dt.date.fromordinal(int(x)), *consts).toordinal()) for x in lo]
    assert moved.tolist() == expected


def test_dates_near_the_calendar_ends_take_the_exact_path():
    col = np.array([float(dt.date(9998, 2, 28).toordinal())])
    assert FUNCTIONS["add_years"].vector(col, 1.0)[0] == col[0] + 365
    assert FUNCTIONS["year_end"].vector(col)[0] == float(dt.date(9998, 12, 31).toordinal())


@given(st.lists(st.one_of(st.floats(-1e13, 1e13), st.integers(-10**7, 10**7).map(lambda k: k / 20000)), max_size=50))
def test_rounding_is_pythons(xs):
    assert columnar._rounded(np.array(xs, dtype=float)) == [round(x, 4) for x in xs]


NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**13, 10**13).map(lambda k: k / 2e4),
                    st.sampled_from([0.00005, -0.00005, 1.23455, 2.5e-5, 1e-10, -1e-10, 1e15, 2e15, -3e15, 1e11, -0.0]))


@given(st.lists(NUMBERS, min_size=1, max_size=40))
def test_rounding_and_snapping_over_columns_are_the_scalar_ones(xs):
    """_round4 is Python's round(x, 4) on every double (halves, huge, NaN kept), and _snap is values.snap
    (tiny to 0, beyond HUGE unbounded, NaN to 0) on every one."""
    from checker.engine import values as v

    column = np.array(xs, dtype=float)
    rounded = columnar._round4(column).tolist()
    assert [str(r) for r in rounded] == [str(x if x != x else round(x, 4)) for x in xs]
    snapped = vector._snap(column).tolist()
    assert [str(s) for s in snapped] == [str(v._snap(x)) for x in xs]


ENDS = st.sampled_from([0.0, 1.0, -1.0, 2.5, -3.0, 1e-12, 7.0, np.inf, -np.inf])
INTERVALS = st.one_of(ENDS.map(lambda x: (x, x, 0)),  # a known number: most rows of a batch
                      st.tuples(ENDS, ENDS, st.sampled_from([0, 1, 2])).map(lambda t: (min(t[:2]), max(t[:2]), t[2])))


@given(st.lists(st.tuples(INTERVALS, INTERVALS), min_size=1, max_size=30))
def test_division_over_columns_is_the_scalar_one_row_by_row(pairs):
    """arith('/') over columns (known rows by the short form, the rest by the interval rule) gives values.div of
    each row, whatever the mix of known and open rows."""
    from checker.engine import values as v

    def column(nums):
        return vector.span(np.array([x[0] for x in nums]), np.array([x[1] for x in nums]),
                           np.array([x[2] for x in nums], dtype=np.int8))

    found = vector.arith("/", column([p[0] for p in pairs]), column([p[1] for p in pairs]))
    for row, (a, b) in enumerate(pairs):
        want = v.div(v.Num.span(*a), v.Num.span(*b))
        assert (found.lo[row], found.hi[row], found.undef[row]) == (want.lo, want.hi, want.undef), (a, b)
