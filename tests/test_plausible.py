"""Absurd money answers (revenue 1e12 万元) are kept but warned about, naming the field and its unit: per row in a
batch, beside the answer on the form and on its results page; 3千万 gets the number to write instead."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.columns import read_answers
from checker.company.answers import check as check_all
from checker.rules.profile import PLAUSIBLE_WAN, implausible, plausible_max

AS_OF = dt.date(2026, 6, 1)


def test_every_money_field_in_wan_has_a_plausibility_bound(pack):
    money = [d for d in pack.fields.values() if d.type in ("int", "decimal") and d.unit and d.unit.zh == "万元"]
    assert money and all(plausible_max(d) is not None for d in money)
    assert plausible_max(pack.fields["employees"]) is None  # persons: no money bound


@pytest.mark.parametrize(("value", "warned"), [(PLAUSIBLE_WAN, False), (PLAUSIBLE_WAN * 1.0001, True), (1e12, True),
                                               (4200, False), (-1e12, True)])
def test_the_bound_is_a_warning_past_it_and_nothing_up_to_it(pack, value, warned):
    assert (implausible(pack.fields["total_assets_wan"], value) is not None) is warned


def test_a_batch_row_keeps_an_absurd_revenue_and_warns_naming_the_field_and_unit(pack):
    reading = read_answers(pack, {"id": "K1", "revenue_wan": 1e12, "employees": 20}, AS_OF)
    assert reading.values["revenue_wan"] == 1e12 and reading.values["employees"] == 20
    (problem,) = reading.problems
    assert problem.field == "revenue_wan" and problem.problem.code == "problem.implausible"
    label = pack.fields["revenue_wan"].label
    assert problem.problem.text("zh").startswith(f"“{label.zh}”为 1,000,000,000,000 万元，远超常见范围")
    assert problem.problem.text("en").startswith(f"{label.en} is 1,000,000,000,000 10k CNY, far beyond")


def test_a_plausible_row_has_no_warning(pack):
    assert read_answers(pack, {"id": "K1", "revenue_wan": "4200", "total_assets_wan": "1.2亿"}, AS_OF).problems == []


def test_the_form_keeps_the_answer_and_warns(pack):
    checked = check_all(pack, {"entity_type": "enterprise", "revenue_wan": "1e12"}, AS_OF)
    assert checked.ok and checked.values["revenue_wan"] == 1e12
    assert [p.code for p in checked.warnings["revenue_wan"]] == ["problem.implausible"]
