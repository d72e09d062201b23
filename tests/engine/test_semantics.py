"""Three-valued semantics: a criterion is decided as soon as the known answers decide it."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.engine import values as v
from checker.engine.reference import evaluate
from checker.engine.scope import Scope
from checker.rules.expr import ExprError, parse
from checker.rules.functions import FUNCTIONS

AS_OF = dt.date(2026, 6, 1)


def ev(pack, text: str, **profile):
    return evaluate(parse(text), Scope(pack, profile, AS_OF))


def test_ratio_over_zero_denominator_never_meets_a_threshold(pack):
    assert ev(pack, "tech_staff / employees >= 10%", tech_staff=5, employees=0) is False
    assert ev(pack, "not (tech_staff / employees >= 10%)", tech_staff=5, employees=0) is True


def test_ratio_with_unknown_denominator_is_open_unless_numerator_is_zero(pack):
    assert ev(pack, "tech_staff / employees >= 10%", tech_staff=5) is None
    assert ev(pack, "tech_staff / employees >= 10%", tech_staff=0) is False


def test_threshold_band_decides_when_ratio_clears_every_band(pack):
    assert ev(pack, "rd_ratio_3y >= hte_rd_threshold", rd_expense_3y_wan=6, revenue_3y_wan=100) is True
    assert ev(pack, "rd_ratio_3y >= hte_rd_threshold", rd_expense_3y_wan=4, revenue_3y_wan=100) is None
    assert ev(pack, "rd_ratio_3y >= hte_rd_threshold", rd_expense_3y_wan=2.9, revenue_3y_wan=100) is False


@pytest.mark.parametrize(("op", "value", "expected"), [
    (">=", 5, True), (">=", 4.99, False), (">", 5, False), (">", 5.01, True),
    ("<=", 5, True), ("<=", 5.01, False), ("<", 5, False), ("<", 4.99, True),
    ("==", 5, True), ("==", 4, False), ("!=", 5, False), ("!=", 4, True),
])
def test_boundaries_are_exact(pack, op, value, expected):
    assert ev(pack, f"revenue_wan {op} 5", revenue_wan=value) is expected


def test_unknown_number_ranges_over_its_declared_domain(pack):
    assert ev(pack, "revenue_wan >= 0") is True  # min 0 is declared
    assert ev(pack, "revenue_wan >= 1") is None
    assert ev(pack, "innovation_score <= 100") is True  # max 100 is declared


def test_kleene_and_or(pack):
    assert ev(pack, "core_ip and hpi_industry", core_ip=False) is False
    assert ev(pack, "core_ip or hpi_industry", core_ip=True) is True
    assert ev(pack, "core_ip and hpi_industry", core_ip=True) is None


def test_certificate_valid_three_calendar_years(pack):
    on = dt.date(2023, 6, 1)
    assert ev(pack, "hte_valid", hte_certified=True, hte_certified_on=on) is False  # as_of == on + 3y
    assert ev(pack, "hte_valid", hte_certified=True, hte_certified_on=dt.date(2023, 6, 2)) is True
    assert ev(pack, "hte_valid", hte_certified=False) is False


def test_leap_day_certificate_expires_on_28_february():
    day = v.Num.of(v.to_ordinal(dt.date(2024, 2, 29)))
    assert v.from_ordinal(v.call(FUNCTIONS["add_years"], [day], (3.0,)).lo) == dt.date(2027, 2, 28)


def test_tech_sme_score_interval_decides_when_it_cannot_reach_60(pack):
    profile = dict(tech_staff=10, employees=100, rd_expense_wan=100, revenue_wan=5000, cost_expense_wan=100000)
    score = ev(pack, "tech_sme_score", **profile)
    assert (score.lo, score.hi) == (14, 44)
    assert ev(pack, "tech_sme_score >= 60", **profile) is False


def test_starts_with_and_membership(pack):
    assert ev(pack, "starts_with(industry_code, 'C16', 'F')", industry_code="F5211") is True
    assert ev(pack, "starts_with(industry_code, 'C16', 'F')", industry_code="C1711") is False
    assert ev(pack, "starts_with(industry_code, 'C16')") is None
    assert ev(pack, "entity_type in ['incubator', 'maker_space']", entity_type="incubator") is True
    assert ev(pack, "entity_type not in ['incubator', 'maker_space']", entity_type="incubator") is False


@pytest.mark.parametrize("text", [
    "__import__('os')", "revenue_wan >= ", "a.b > 1", "open('x')", "1 +* 2", "x[0] > 1", "lambda: 1",
    "(" * 60 + "1" + ")" * 60,
])
def test_parser_rejects_anything_outside_the_language(text):
    with pytest.raises(ExprError):
        tree = parse(text)
        from checker.rules.typecheck import check
        check(tree, {})


def test_missing_names_only_fields_that_could_still_decide(pack, reference):
    from checker.engine.scope import Scope
    from checker.engine.verdict import relevant_unanswered

    scope = Scope(pack, {"entity_type": "university"}, AS_OF)
    test = parse("(entity_type == 'enterprise' and core_ip) or (entity_type == 'university' and hpi_industry)")
    assert relevant_unanswered(test, scope) == ["hpi_industry"]
    assert relevant_unanswered(parse("revenue_wan / employees >= 5"), Scope(pack, {"employees": 3}, AS_OF)) == ["revenue_wan"]
