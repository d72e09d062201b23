"""Issue 11 on the real pack: the seed measures say when they apply, what they are, who applies, what they pay."""

from __future__ import annotations

import datetime as dt
import json

from checker.intake import read_profile
from checker.rules.schema import MONEY_TYPES
from tests.conftest import ROOT

AS_OF = dt.date(2026, 6, 1)
SEED_FOLDERS = ("beijing-2022", "haidian-2014", "jjj", "two-zones", "zgc-science-city")


def seed_measures(pack):
    return [m for m in pack.measures if m.file.split("/")[-2] in SEED_FOLDERS]


def yes_to_everything(pack) -> dict:
    """The issue's Haidian software firm answering yes to every yes/no question."""
    profile = json.loads((ROOT / "examples" / "haidian-software.json").read_text(encoding="utf-8"))
    for name, decl in pack.fields.items():
        if decl.type == "bool" and name not in ("major_incident_last_year", "dishonest_listed", "restricted_products"):
            profile[name] = True
    profile["company_not_yet_registered"] = False  # it is registered: "still being set up" contradicts its date
    return read_profile(pack, profile, AS_OF)


def test_every_jjj_measure_ends_with_the_2016_2018_plan_and_is_ineligible_in_2026(pack, reference):
    jjj = [m for m in pack.measures if m.id.startswith("jjj-")]
    assert jjj and all(m.spec.period.end == dt.date(2018, 12, 31) for m in jjj)
    answer = reference.check(yes_to_everything(pack), AS_OF)
    results = {r.measure: r for r in [*answer.results, *answer.intentions]}  # intentions are notices, still judged
    assert {m.id: results[m.id].status for m in jjj} == {m.id: "ineligible" for m in jjj}


def test_haidian_2014_measures_stay_open_ended_and_unconfirmed(pack):
    hd = [m for m in pack.measures if m.id.startswith("hd-")]
    assert len(hd) == 21
    assert all(m.spec.period.end is None and m.spec.period.confirmed_on is None for m in hd)


def test_no_eligible_seed_measure_is_past_its_end_for_the_yes_firm(pack, reference):
    answer = reference.check(yes_to_everything(pack), AS_OF)
    results = {r.measure: r.status for r in [*answer.results, *answer.intentions]}
    for measure in seed_measures(pack):
        period = measure.spec.period
        if period and period.end and period.end < AS_OF:
            assert results[measure.id] == "ineligible", measure.id


def test_the_issue_s_intentions_are_marked_intention(pack):
    for mid in ("jjj-qualification-recognition", "jjj-first-set-insurance", "zgcsc-offshore-ip-tax-pilot",
                "jjj-coop-park-loans", "tz-hte-facilitation"):
        assert pack.measure(mid).spec.nature == "intention", mid


def test_programmes_for_individuals_and_institutions_are_not_the_company_s(pack):
    for mid in ("bj-research-title-evaluation", "bj-talent-programmes", "zgcsc-foreign-student-work-permit",
                "zgcsc-talent-tax-subsidy", "hd-high-level-talent"):
        assert pack.measure(mid).spec.applicant == "staff", mid
    for mid in ("tz-tech-ownership-reform", "tz-lump-sum-funding-pilot", "zgcsc-reform-award"):
        assert pack.measure(mid).spec.applicant == "institution", mid


def test_money_measures_say_their_type(pack):
    kinds = {m.id: m.spec.benefit.type for m in seed_measures(pack)}
    assert set(kinds.values()) <= {None, *MONEY_TYPES}
    assert kinds["bj-basic-research-deduction"] == "deduction"
    # The rubric (rules/README.md): a money type needs the amount or the implementing programme. These name who
    # applies and how (a voucher call, the renewal centre) but no amount, so they stay programmes with no money type.
    for mid in ("zgcsc-innovation-voucher", "zgcsc-loan-renewal-center"):
        assert pack.measure(mid).spec.nature == "programme" and kinds[mid] is None, mid
    for m in seed_measures(pack):
        if m.spec.nature == "programme" and kinds[m.id] in ("cash", "tax_saving", "financing"):
            assert m.spec.benefit.amount or m.spec.benefit.programme, m.id


def test_duplicates_are_merged_with_both_sources(pack):
    ids = {m.id for m in pack.measures}
    assert not {"bj-renewal-loan-centre", "bj-ownership-reform-pilot"} & ids
    assert {s.seed for s in pack.measure("zgcsc-loan-renewal-center").spec.source} >= {"000", "004"}
    assert {s.seed for s in pack.measure("tz-tech-ownership-reform").spec.source} >= {"003", "004"}


def test_a_one_firm_beijing_incubator_is_not_recognised(pack, reference):
    profile = {"entity_type": "incubator", "province": "beijing", "district": "haidian", "incubated_firms": 1,
               "incubation_area_m2": 5000, "graduated_firms": 5, "operating_years": 3}
    result = next(r for r in reference.check(profile, AS_OF).results if r.measure == "bj-incubator-recognition")
    assert result.status == "ineligible"


def test_the_incubator_questions_are_read_by_a_measure(pack):
    reads = set().union(*(m.reads for m in pack.measures))
    assert {"incubation_area_m2", "incubated_firms", "graduated_firms", "operating_years"} <= reads


def test_a_company_run_incubator_is_judged_as_an_enterprise(pack, reference):
    profile = {"entity_type": "incubator", "legal_form": "enterprise", "province": "beijing", "district": "haidian",
               "had_bank_loan": True, "bank_loan_need": True}
    result = next(r for r in reference.check(profile, AS_OF).results if r.measure == "zgcsc-loan-renewal-center")
    assert result.status == "eligible"
    enterprise_tests = [c for m in seed_measures(pack) for c in m.spec.criteria if c.test == "entity_type == 'enterprise'"]
    assert enterprise_tests == []
