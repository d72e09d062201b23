"""One coherent tax picture (issue 21, item 2): every total prices all tax measures under one scenario.

Scenarios: the company is small low-profit (5% effective), or taxed at the 15% rate, or at 25%. The total takes the
best scenario the answers establish; a better one that may still apply is an 'if …' alternative, never added in.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from checker import config
from checker.engine.answer import compact
from checker.engine.vector import compact_answers

EXAMPLE = json.loads((config.PACKAGE_DIR.parent / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
AS_OF = dt.date(2026, 6, 1)
RATES = {"small_low_profit": 0.05, "hte_rate": 0.15, "standard": 0.25}
OWN = {"small_low_profit": "small-low-profit", "hte_rate": "hte-tax-rate", "standard": None}


def firm(**change) -> dict:
    """The README firm (no IC deduction, no amortisation, so one deduction counts) with changes; None drops a field."""
    profile = {k: v for k, v in EXAMPLE.items() if k != "name"}
    profile.update({"registered_on": dt.date(2019, 4, 18), "hte_certified_on": dt.date(2024, 10, 30),
                    "ic_or_machine_tool_enterprise": False})
    profile.update(change)
    return {k: v for k, v in profile.items() if v is not None}


def by_id(result: dict) -> dict:
    return {r["measure"]: r for r in result["results"]}


def counts(item: dict) -> bool:
    return (item["status"] == "eligible" and item["currency"] == "in_force" and not item["held"]
            and not item["condition"])


def consistent(result: dict, profile: dict, scenario: str, deductions_at: str | None = None) -> float:
    """An independent reading of one scenario's income-tax saving: its own rate measure (if it counts or is assumed)
    plus the R&D deduction priced at one rate, capped by the whole 25% tax; `deductions_at` mixes in another rate."""
    items, taxable = by_id(result), max(profile["taxable_income_wan"], 0.0)
    own = OWN[scenario]
    rate_saving = 0.0
    if own is not None and items[own]["status"] != "ineligible":
        rate_saving = items[own]["benefit"]["amount_wan"] or 0.0
    rate = RATES[deductions_at or scenario]
    deduction = items["rd-super-deduction"]
    saved = min(rate * deduction["benefit"]["amount_wan"], rate * taxable) if counts(deduction) else 0.0
    return round(min(rate_saving + saved, 0.25 * taxable), 4)


PROFILES = [firm(total_assets_wan=assets, taxable_income_wan=taxable, rd_expense_wan=rd, hte_certified=hte)
            for assets, taxable, rd, hte in itertools.product((None, 3000, 8000), (180, 260, 400), (50, 180, 520),
                                                                (True, False))]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: f"assets{p.get('total_assets_wan')}-taxable"
                         f"{p['taxable_income_wan']}-rd{p['rd_expense_wan']}-hte{p['hte_certified']}")
def test_no_total_mixes_two_tax_scenarios(reference, pack, profile):
    result = reference.check(profile, AS_OF).to_json()
    items, picture = by_id(result), result["tax_scenario"]
    chosen = picture["scenario"]
    total = result["totals"]["tax_saving_wan"]
    assert total == pytest.approx(consistent(result, profile, chosen))  # one scenario, independently priced
    own = OWN[chosen]
    assert own is None or counts(items[own])  # the total's scenario is established by the answers
    for other in RATES:
        if other != chosen and (OWN[other] is None or counts(items[OWN[other]])):
            assert consistent(result, profile, other) <= total + 1e-9  # and the best established one
    deduction = items["rd-super-deduction"]["benefit"]["tax_saving_wan"]
    assert deduction == pytest.approx(min(RATES[chosen] * profile["rd_expense_wan"],
                                          RATES[chosen] * profile["taxable_income_wan"]))
    for first, second in itertools.permutations(RATES, 2):  # a rate measure of one scenario, deductions of another
        mixed = consistent(result, profile, first, deductions_at=second)
        if mixed not in (consistent(result, profile, first), consistent(result, profile, second)):
            assert total != pytest.approx(mixed), (first, second)
    for alternative in picture["alternatives"]:
        assert alternative["scenario"] != chosen and alternative["tax_saving_wan"] > total
        assert alternative["tax_saving_wan"] == pytest.approx(consistent(result, profile, alternative["scenario"]))
    vector = compact_answers(pack, [profile], ["x"], AS_OF)[0]
    assert vector == compact({"id": "x", **result})  # the batch engine prices and totals the same


def test_unknown_assets_no_longer_add_the_15_percent_rate_to_a_deduction_priced_at_5(reference):
    """The case of the issue: 15% rate 18万 (not small low-profit) + super-deduction at 5% (9万) made 27万."""
    profile = firm(total_assets_wan=None, taxable_income_wan=180, rd_expense_wan=180)
    result = reference.check(profile, AS_OF).to_json()
    items = by_id(result)
    assert items["small-low-profit"]["status"] == "undetermined" and counts(items["hte-tax-rate"])
    assert result["tax_scenario"]["scenario"] == "hte_rate"
    assert items["rd-super-deduction"]["benefit"]["tax_saving_wan"] == pytest.approx(0.15 * 180)
    assert result["totals"]["tax_saving_wan"] == pytest.approx(18 + 27)  # = the whole 25% tax, not 18 + 9


def test_a_better_scenario_that_may_still_apply_is_an_if_not_a_part_of_the_total(reference):
    """No certificate, assets unknown: the total is at 25%; small low-profit (undetermined) is shown as 'if'."""
    profile = firm(total_assets_wan=None, hte_certified=False, taxable_income_wan=260, rd_expense_wan=50)
    result = reference.check(profile, AS_OF).to_json()
    picture = result["tax_scenario"]
    assert picture["scenario"] == "standard" and result["totals"]["tax_saving_wan"] == pytest.approx(0.25 * 50)
    assert picture["alternatives"] == [{"scenario": "small_low_profit", "rate": 0.05, "measures": ["small-low-profit"],
                                        "tax_saving_wan": pytest.approx(0.20 * 260 + 0.05 * 50)}]
