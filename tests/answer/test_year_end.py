"""year_end(d): 31 December of a date's year, the same in every evaluator."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from checker.engine import values as v
from checker.engine.compiled import Compiled
from checker.engine.reference import evaluate
from checker.engine.scope import Scope
from checker.engine.vector import Columns
from checker.rules import expr as ex
from checker.rules.functions import FUNCTIONS
from checker.rules.typecheck import DATE, check

TEST = "hte_certified_on <= as_of and as_of < add_days(year_end(hte_certified_on), 1)"


@pytest.mark.parametrize(("day", "as_of", "expected"), [
    (dt.date(2026, 3, 1), dt.date(2026, 12, 31), True), (dt.date(2026, 3, 1), dt.date(2027, 1, 1), False),
    (dt.date(2026, 3, 1), dt.date(2026, 2, 28), False), (dt.date(2024, 2, 29), dt.date(2024, 12, 31), True),
])
def test_year_end_in_reference_compiled_and_vector(pack, day, as_of, expected):
    node = ex.parse(TEST)
    profile = {"hte_certified_on": day}
    assert evaluate(node, Scope(pack, profile, as_of)) is expected
    assert Scope(pack, profile, as_of, Compiled()).eval(node) is expected
    column = Columns(pack, [profile], as_of).eval(node)
    assert column.tolist() == [2 if expected else 0]


def test_year_end_of_an_unknown_date_is_unknown(pack):
    value = evaluate(ex.parse("year_end(hte_certified_on)"), Scope(pack, {}, dt.date(2026, 1, 1)))
    assert isinstance(value, v.Num) and not value.exact
    year_end = FUNCTIONS["year_end"]
    assert v.call(year_end, [v.Num.of(v.to_ordinal(dt.date(2025, 7, 4)))], ()).lo == v.to_ordinal(dt.date(2025, 12, 31))
    assert np.isinf(v.call(year_end, [v.Num(-np.inf, np.inf)], ()).hi)


def test_year_end_takes_exactly_one_date(pack):
    env = pack.types
    assert check(ex.parse("year_end(hte_certified_on)"), env) == DATE
    for bad in ("year_end(hte_certified_on, 1)", "year_end(employees)"):
        with pytest.raises(ex.ExprError):
            check(ex.parse(bad), env)
