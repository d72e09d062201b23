"""The 15% rate by tax year (国家税务总局公告2017年第24号 第一条) on the real pack, on both engines.

From the tax year of issue the saving counts; in the year the certificate's three years end the result carries a
condition (re-recognition by 12-31) and no total counts it; from 1 January after, it is not eligible.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from checker import config
from checker.agency.jobs import compact as stored
from checker.batch import flat_row
from checker.engine.answer import compact
from checker.engine.vector import compact_answers, compact_results, matrix_rows
from checker.sheets import verdicts as export
from checker.web import answer as web_answer

HTE = "hte-tax-rate"
EXAMPLE = json.loads((config.PACKAGE_DIR.parent / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 12, 3)


def firm(certified_on: dt.date) -> dict:
    """The README example firm with a certificate issued on certified_on (dates parsed as the CLI does)."""
    profile = {k: v for k, v in EXAMPLE.items() if k != "name"}
    profile["registered_on"] = dt.date.fromisoformat(profile["registered_on"])
    return {**profile, "hte_certified_on": certified_on}


def hte(result: dict) -> dict:
    return next(r for r in result["results"] if r["measure"] == HTE)


@pytest.mark.parametrize(("certified_on", "as_of", "status", "until"), [
    (dt.date(2025, 11, 20), dt.date(2025, 11, 20), "eligible", None),           # issue day, tax year of issue
    (dt.date(2025, 11, 20), dt.date(2025, 12, 31), "eligible", None),           # end of the year of issue
    (dt.date(2023, 12, 5), dt.date(2025, 12, 31), "eligible", None),            # last day before the expiry year
    (dt.date(2023, 12, 5), dt.date(2026, 1, 1), "eligible", "2026-12-31"),      # the expiry year begins
    (dt.date(2023, 12, 5), TODAY, "eligible", "2026-12-31"),                    # still valid, but expires this year
    (dt.date(2023, 12, 5), dt.date(2026, 12, 5), "eligible", "2026-12-31"),     # three years over, same tax year
    (dt.date(2023, 12, 5), dt.date(2026, 12, 31), "eligible", "2026-12-31"),    # 12-31 of the expiry year
    (dt.date(2023, 12, 5), dt.date(2027, 1, 1), "ineligible", None),            # 01-01 after: re-certify first
])
def test_the_rate_runs_by_tax_year_and_is_conditional_in_the_expiry_year(durable, pack, certified_on, as_of,
                                                                          status, until):
    profile = firm(certified_on)
    full = durable.check(profile, as_of).to_json()
    item = hte(full)
    assert item["status"] == status
    assert (item["condition"] or {}).get("until") == until
    if until:
        assert "12月31日前重新通过高新技术企业认定" in item["condition"]["text"]
    vector = compact_answers(pack, [profile], ["x"], as_of)[0]
    assert vector == compact({"id": "x", **full})  # the batch engine says the same, condition and totals included
    assert matrix_rows(pack, [profile], ["x"], as_of)[0] == flat_row({"id": "x", **full})


def test_the_example_firm_counts_the_saving_only_when_no_re_recognition_is_pending(durable):
    expiring = durable.check(firm(dt.date(2023, 12, 5)), TODAY).to_json()
    last_year = durable.check(firm(dt.date(2025, 11, 20)), TODAY).to_json()
    saving = hte(last_year)["benefit"]["amount_wan"]
    assert saving == hte(expiring)["benefit"]["amount_wan"] == 26  # 10% of 260万 taxable income
    assert hte(last_year)["condition"] is None
    # the conditional 15% rate is not counted, so nothing in the expiring firm's total is priced at 15% either
    assert (last_year["tax_scenario"]["scenario"], expiring["tax_scenario"]["scenario"]) == ("hte_rate", "standard")
    assert HTE in last_year["tax_scenario"]["measures"] and HTE not in expiring["tax_scenario"]["measures"]
    assert last_year["totals"]["tax_saving_wan"] == last_year["tax_scenario"]["tax_saving_wan"] == 26 + 0.15 * 260
    assert expiring["totals"]["tax_saving_wan"] == expiring["tax_scenario"]["tax_saving_wan"] == 0.25 * 260


def test_deductions_save_at_15_percent_while_the_rate_counts_and_25_from_the_expiry_year(durable):
    """The deduction rate is the rate the totals use: 15% while the 15% rate counts; from the expiry year (the rate
    only on condition of re-recognition, not counted) and after, 25% (never a mix of the two)."""
    profile = firm(dt.date(2023, 12, 5))  # 520万 R&D, 260万 taxable income: the saving is capped by the tax due
    def saving(day: dt.date) -> float:
        items = durable.check(profile, day).to_json()["results"]
        return next(r for r in items if r["measure"] == "rd-super-deduction")["benefit"]["tax_saving_wan"]
    assert saving(dt.date(2025, 12, 31)) == pytest.approx(0.15 * 260)
    assert saving(dt.date(2026, 12, 31)) == pytest.approx(0.25 * 260)
    assert saving(dt.date(2027, 1, 1)) == pytest.approx(0.25 * 260)


def test_agency_storage_counts_and_page_groups_leave_the_conditional_result_out(durable, pack):
    profile = firm(dt.date(2023, 12, 5))
    result = durable.check(profile, TODAY)
    kept = stored(result)
    item = hte(kept)
    assert item["condition"] == {"until": "2026-12-31"} and not export.counts_as_eligible(item)
    assert export.status_of(item) == "verify"
    assert compact_results(pack, [profile], TODAY)[0] == kept  # the vectorised agency path stores the same
    count, sums, _ = export.money(pack, kept)
    full = result.to_json()
    assert sums["tax_saving"] == pytest.approx(full["totals"]["tax_saving_wan"])
    assert count == sum(1 for r in full["results"] if export.counts_as_eligible(r))
    assert web_answer.placement(hte(full), "company") == "verify"


def test_the_text_report_labels_a_conditional_or_unconfirmed_result_apart_from_可申报(durable, pack):
    from checker.report import render_text

    result = durable.check(firm(dt.date(2023, 12, 5)), dt.date(2026, 12, 3))
    text = render_text(pack, result)
    assert "[附条件可申报] 高新技术企业减按15%税率征收企业所得税 (hte-tax-rate)" in text
    unconfirmed = [r.measure for r in result.results if r.status == "eligible" and r.currency == "unconfirmed"
                   and r.applicant == "company" and not r.held]
    assert unconfirmed and all(f"[需核实] {pack.measure(m).spec.title.zh} ({m})" in text for m in unconfirmed)
    later = render_text(pack, durable.check(firm(dt.date(2025, 11, 20)), dt.date(2026, 12, 3)))
    assert "[可申报] 高新技术企业减按15%税率征收企业所得税 (hte-tax-rate)" in later
