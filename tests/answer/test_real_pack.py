"""Answer version 2 on the project's rule pack: the issue's 'Done when' and the core measures' corrections."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.engine.answer import TOTAL_KEYS, counts_as_eligible, money
from checker.intake import read_profile

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "haidian-software.json"
AS_OF = dt.date(2026, 6, 1)
INCUBATOR_CODE = "91110108MA01A2B3CF"  # 91: a company


def raw_example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def yes_to_everything(pack) -> dict:
    """The Haidian software firm answering true to every yes/no question of the pack."""
    return {**raw_example(), **{f: True for f, d in pack.fields.items() if d.type == "bool"}}


@pytest.fixture(scope="module")
def eager(pack, reference):
    profile = read_profile(pack, yes_to_everything(pack), AS_OF)
    return reference.check(profile, AS_OF).to_json()


def company_eligible(answer: dict) -> list[dict]:
    return [r for r in answer["results"] if r["status"] == "eligible" and r["applicant"] == "company"]


def test_the_yes_to_everything_firm_gets_nothing_expired_as_eligible(pack, eager):
    for item in eager["results"]:
        period = pack.measure(item["measure"]).spec.period
        if item["status"] == "eligible":
            assert period is None or period.end is None or period.end >= AS_OF, item["measure"]


def test_the_yes_to_everything_firm_gets_no_intention_among_its_results(pack, eager):
    intentions = {m.id for m in pack.measures if m.intention}
    assert not intentions & {r["measure"] for r in eager["results"]}
    assert {n["measure"] for n in eager["notices"]} == {i for i in intentions if pack.measure(i).in_force(AS_OF)}


def test_the_yes_to_everything_firm_counts_no_staff_programme_as_its_own(pack, eager):
    for item in company_eligible(eager):
        assert pack.measure(item["measure"]).spec.applicant == "company"
    assert all(not counts_as_eligible(r) for r in eager["results"] if r["applicant"] != "company")


ISSUE_NAMED = {  # the issue's examples of expired, intention and individual programmes reported as eligible
    "jjj-qualification-recognition", "jjj-first-set-insurance", "jjj-open-lab-services", "jjj-talent-cross-coverage",
    "zgcsc-offshore-ip-tax-pilot", "jjj-coop-park-loans", "bj-research-title-evaluation", "bj-talent-programmes",
}


def test_none_of_the_measures_the_issue_names_is_eligible_for_the_company(eager):
    assert not ISSUE_NAMED & {r["measure"] for r in company_eligible(eager)}


ONLY_ENCOURAGE = {  # issue 19: clauses that only say 鼓励 / 支持 / 建立机制, with no applicant, procedure or amount
    "hd-brand", "hd-credit-products", "hd-global-cooperation", "hd-joint-rd", "hd-patent-pool", "hd-incubator-support",
    "hd-international-events", "hd-standards", "hd-ip-high-end-services", "zgcsc-concept-verification",
    "zgcsc-open-digital-infra", "zgcsc-public-health-rd", "zgcsc-hard-tech-incubator", "zgcsc-international-incubator",
    "zgcsc-flagship-rd-institution", "zgcsc-listing-support", "tz-offshore-innovation", "tz-intl-service-agency",
}


def test_clauses_that_only_encourage_are_notices_never_results(pack, eager):
    assert not ONLY_ENCOURAGE & {r["measure"] for r in eager["results"]}
    assert {n["measure"] for n in eager["notices"]} >= ONLY_ENCOURAGE


def test_every_programme_with_money_says_how_much(pack):
    for m in pack.measures:
        benefit = m.spec.benefit
        if not m.intention and benefit.type in ("cash", "tax_saving", "financing"):
            assert benefit.amount or benefit.programme, m.id


def test_expired_intentions_are_not_current_notices(pack, reference):
    expired = {m.id for m in pack.measures if m.intention and m.spec.period and m.spec.period.end
               and m.spec.period.end < dt.date(2026, 12, 3)}
    assert len(expired) >= 6  # the jjj-* intentions of the 2016-2018 plan
    for day, shown in ((dt.date(2026, 12, 3), False), (dt.date(2017, 6, 1), True)):
        answer = reference.check(read_profile(pack, {"entity_type": "enterprise", "province": "beijing"}, day), day).to_json()
        assert (expired <= {n["measure"] for n in answer["notices"]}) is shown, day


def test_no_output_says_in_force_for_a_measure_without_a_confirmed_period(pack, reference):
    from checker.report import render_text

    day = dt.date(2026, 12, 3)
    result = reference.check(read_profile(pack, yes_to_everything(pack), day), day)
    for lang, in_force, unconfirmed in (("zh", "在政策有效期内", "有效期未确认，申报前向主管部门核实"),
                                        ("en", "within the period of force", "Period of force unconfirmed")):
        text = render_text(pack, result, lang)
        blocks = {b.splitlines()[0].rsplit("(", 1)[1].rstrip(")"): b for b in text.split("\n\n") if b.startswith("[")}
        unsure = [r.measure for r in result.results if r.status == "eligible" and not pack.measure(r.measure).period_confirmed
                  and pack.measure(r.measure).spec.period is not None]
        assert unsure, "the pack has measures with only a period note"
        for mid in unsure:
            assert in_force not in blocks[mid] and unconfirmed in blocks[mid], (lang, mid)
            assert " ..)" not in blocks[mid], (lang, mid)  # a period with neither end shows no threshold
        assert in_force in blocks["small-low-profit"] or result.verdict("small-low-profit").status != "eligible"


def test_totals_never_mix_money_types(pack, eager):
    expected = {"cash_wan": 0.0, "tax_saving_wan": 0.0, "financing_wan": 0.0}
    live = [r for r in eager["results"] if counts_as_eligible(r) and r["benefit"]["type"] in TOTAL_KEYS]
    kept = {r["measure"]: r for r in live}
    for item in live:  # of two that exclude each other, only the larger counts
        for rel in pack.measure(item["measure"]).spec.relations:
            other = kept.get(rel.measure)
            if rel.type == "excludes" and other is not None and item["measure"] in kept:
                kept.pop(min((item, other), key=lambda i: (money(i), i["measure"]))["measure"])
    for item in kept.values():
        expected[TOTAL_KEYS[item["benefit"]["type"]]] += money(item)
    assert eager["totals"] == {k: round(v, 4) for k, v in expected.items()}
    rd = next(r for r in eager["results"] if r["measure"] == "rd-super-deduction")
    assert rd["benefit"]["type"] == "deduction" and rd["benefit"]["amount_wan"] == 520
    # at 15% (valid 高企) the 520 deduction would save 78, more than the 39 of tax due on 260 taxable income
    assert rd["benefit"]["tax_saving_wan"] == pytest.approx(0.15 * 260)
    assert eager["totals"]["cash_wan"] < sum(r["benefit"]["amount_wan"] or 0 for r in company_eligible(eager))


def test_a_2024_10_30_hte_holder_sees_held_until_2027_10_30(pack, reference):
    profile = read_profile(pack, raw_example(), AS_OF)
    hte = reference.check(profile, AS_OF).verdict("hte-recognition")
    assert hte.held == {"since": "2024-10-30", "until": "2027-10-30"} and hte.status == "eligible"
    text = CliRunner().invoke(main, ["check", str(EXAMPLE), "--as-of", "2026-06-01"]).output
    block = text[text.index("[已获得] 高新技术企业认定"):]
    assert "有效期至 2027-10-30（2024-10-30 起），到期前重新申请" in block.splitlines()[1]


def test_the_holder_is_no_longer_held_on_the_third_anniversary(pack, reference):
    profile = read_profile(pack, raw_example(), dt.date(2027, 10, 30))
    assert reference.check(profile, dt.date(2027, 10, 30)).verdict("hte-recognition").held is None


@pytest.mark.parametrize("measure", ["small-low-profit", "rd-super-deduction", "tech-sme", "hte-recognition",
                                     "specialised-sme", "rd-intangible-amortisation", "rd-super-deduction-ic"])
def test_a_company_run_incubator_is_judged_as_an_enterprise(pack, reference, measure):
    raw = {**raw_example(), "entity_type": "incubator", "credit_code": INCUBATOR_CODE}
    result = reference.check(read_profile(pack, raw, AS_OF), AS_OF).verdict(measure)
    assert next(c for c in result.criteria if c.id == "enterprise").status == "met"


@pytest.mark.parametrize("measure", ["small-low-profit", "rd-super-deduction", "tech-sme"])
def test_the_company_run_incubator_is_not_ineligible_for_enterprise_measures(pack, reference, measure):
    raw = {**raw_example(), "entity_type": "incubator", "credit_code": INCUBATOR_CODE, "total_assets_wan": 2000}
    assert reference.check(read_profile(pack, raw, AS_OF), AS_OF).verdict(measure).status != "ineligible"


def test_tech_sme_has_no_tax_assessment_criterion(pack, reference):
    measure = pack.measure("tech-sme")
    assert all("tax_assessment" not in c.fields for c in measure.criteria)
    deemed = read_profile(pack, {**raw_example(), "tax_assessment": "deemed"}, AS_OF)
    assert reference.check(deemed, AS_OF).verdict("tech-sme").status == "eligible"
    assert reference.check(deemed, AS_OF).verdict("rd-super-deduction").status == "ineligible"


def specialised_oracle(p: dict) -> bool | None:
    """附件2 (四) by hand: score, award, two-year R&D average, financing or 创客中国 (None when open)."""
    routes = [p.get("specialised_score") is not None and p["specialised_score"] >= 60,
              bool(p.get("provincial_award_3y_top3")) or bool(p.get("national_award_3y_top5")),
              (p["rd_expense_wan"] + p["rd_expense_prev_wan"]) / 2 >= 1000,
              p["equity_financing_2y_wan"] >= 6000, bool(p.get("chuangke_top500_3y"))]
    return any(routes)


BASE = {"entity_type": "enterprise", "niche_market_years": 3, "rd_expense_wan": 1200.0, "revenue_wan": 20000.0,
        "equity_financing_2y_wan": 0.0, "specialised_score": 50, "provincial_award_3y_top3": False,
        "national_award_3y_top5": False, "chuangke_top500_3y": False, "rd_expense_prev_wan": 700.0}


@pytest.mark.parametrize("change", [
    {}, {"specialised_score": 60}, {"specialised_score": 59}, {"provincial_award_3y_top3": True},
    {"national_award_3y_top5": True}, {"chuangke_top500_3y": True}, {"rd_expense_prev_wan": 800.0},
    {"rd_expense_prev_wan": 799.99}, {"equity_financing_2y_wan": 6000.0}, {"equity_financing_2y_wan": 5999.99},
])
def test_specialised_sme_routes_agree_with_an_independent_reading(reference, change):
    profile = {**BASE, **change}
    status = reference.check(profile, LAST_DAY_2022).verdict("specialised-sme").status  # 附件2 of 2022 applies until then
    assert status == ("eligible" if specialised_oracle(profile) else "ineligible")


LAST_DAY_2022 = dt.date(2026, 3, 31)
BASE_2026 = {**BASE, "tech_innovative_sme": True, "dishonest_listed": False, "main_business_revenue_wan": 18000.0,
             "total_assets_wan": 30000.0, "total_liabilities_wan": 12000.0, "revenue_prev_wan": 15000.0, "ip_class1": 1,
             "provincial_rd_institution": False, "zjtx_quality_score": 55}


def specialised_2026_oracle(p: dict) -> bool:
    """附件1 of 工信部企业〔2026〕2号 by hand, as shared/spec/core-measures.md states it (a zero denominator never meets)."""
    def ratio(a: float, b: float) -> float | None:
        return a / b if b else None

    share = ratio(p["main_business_revenue_wan"], p["revenue_wan"])
    debt = ratio(p["total_liabilities_wan"], p["total_assets_wan"])
    rd1, rd2 = ratio(p["rd_expense_wan"], p["revenue_wan"]), ratio(p["rd_expense_prev_wan"], p["revenue_prev_wan"])
    return (p["entity_type"] == "enterprise" and not p["dishonest_listed"] and p["tech_innovative_sme"]
            and p["niche_market_years"] >= 3 and (p["revenue_wan"] >= 1500 or p["equity_financing_2y_wan"] >= 2000)
            and share is not None and share >= 0.8 and debt is not None and debt <= 0.8
            and p["rd_expense_wan"] >= 100 and p["rd_expense_prev_wan"] >= 100
            and rd1 is not None and rd1 >= 0.03 and rd2 is not None and rd2 >= 0.03
            and (p["ip_class1"] >= 1 or p["provincial_award_3y_top3"] or p["national_award_3y_top5"]
                 or p["provincial_rd_institution"]) and p["zjtx_quality_score"] >= 50)


@pytest.mark.parametrize("change", [
    {}, {"niche_market_years": 2}, {"specialised_score": 90, "zjtx_quality_score": 49}, {"zjtx_quality_score": 50},
    {"tech_innovative_sme": False}, {"revenue_wan": 1499.0, "main_business_revenue_wan": 1400.0, "rd_expense_wan": 100.0},
    {"revenue_wan": 1499.0, "main_business_revenue_wan": 1400.0, "rd_expense_wan": 100.0, "equity_financing_2y_wan": 2000.0},
    {"main_business_revenue_wan": 15999.0}, {"main_business_revenue_wan": 16000.0}, {"total_liabilities_wan": 24000.0},
    {"total_liabilities_wan": 24000.01}, {"total_assets_wan": 0.0, "total_liabilities_wan": 0.0},
    {"revenue_prev_wan": 23333.34}, {"revenue_prev_wan": 0.0}, {"rd_expense_prev_wan": 99.0},
    {"ip_class1": 0}, {"ip_class1": 0, "national_award_3y_top5": True}, {"dishonest_listed": True},
])
def test_specialised_sme_2026_agrees_with_an_independent_reading(reference, change):
    profile = {**BASE_2026, **change}
    for as_of in (dt.date(2026, 4, 1), dt.date(2026, 12, 3)):
        status = reference.check(profile, as_of).verdict("specialised-sme").status
        assert status == ("eligible" if specialised_2026_oracle(profile) else "ineligible"), as_of


@pytest.mark.parametrize(("measure", "amount", "saving"), [
    ("rd-super-deduction-ic", 1.2 * 520, 0.15 * 260), ("rd-intangible-amortisation", 80, 0.15 * 80)])
def test_the_new_deductions_pay_their_rate_and_save_tax(pack, reference, measure, amount, saving):
    raw = {**raw_example(), "ic_or_machine_tool_enterprise": True, "rd_intangible_amortisation_wan": 80}
    result = reference.check(read_profile(pack, raw, AS_OF), AS_OF)
    item = result.verdict(measure)
    assert (item.status, item.benefit_type) == ("eligible", "deduction")
    assert item.amount_wan == pytest.approx(amount) and item.tax_saving_wan == pytest.approx(saving)
    if measure == "rd-super-deduction-ic":  # instead of the 100% deduction, never both in totals
        assert ["rd-super-deduction", "rd-super-deduction-ic"] in [c["measures"] for c in result.conflicts]


@pytest.mark.parametrize(("measure", "money_type"), [
    ("hte-recognition", None), ("hte-tax-rate", "tax_saving"), ("tech-sme", None), ("small-low-profit", "tax_saving"),
    ("rd-super-deduction", "deduction"), ("specialised-sme", None), ("zgc-ip-pledge-subsidy", "cash")])
def test_each_core_measure_has_its_money_type(pack, measure, money_type):
    assert pack.measure(measure).spec.benefit.type == money_type


@pytest.mark.parametrize(("measure", "field", "day", "until"), [
    ("tech-sme", "tech_sme_registered_on", "2026-02-01", "2027-01-01"),
    ("specialised-sme", "specialised_sme_certified_on", "2024-07-01", "2027-07-01")])
def test_tech_sme_and_specialised_sme_show_held(pack, reference, measure, field, day, until):
    profile = read_profile(pack, {**raw_example(), field: day}, AS_OF)
    assert reference.check(profile, AS_OF).verdict(measure).held == {"since": day, "until": until}
