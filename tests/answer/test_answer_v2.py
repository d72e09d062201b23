"""Answer version 2 on a small fixture pack: held, currency, notices, applicant, money types and totals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.engine import Checker
from checker.engine.answer import compact
from checker.engine.vector import compact_answers, matrix_rows
from checker.rules.loader import load_pack

RULES = Path(__file__).parent / "fixtures" / "rules"
AS_OF = dt.date(2026, 6, 1)
HOLDER = {"entity_type": "enterprise", "hte_certified": True, "hte_certified_on": dt.date(2024, 10, 30),
          "taxable_income_wan": 200.0, "rd_expense_wan": 100.0}


@pytest.fixture(scope="module")
def mini():
    return load_pack(RULES)


@pytest.fixture(scope="module", params=["durable", "reference", "fast"])
def engine(request, mini):
    checker = Checker(mini, request.param, verify_every=1)
    yield checker
    checker.close()


def answer(engine, profile=HOLDER, as_of=AS_OF):
    data = engine.check(profile, as_of).to_json()
    return data, {r["measure"]: r for r in data["results"]}


def test_a_2024_10_30_certificate_is_held_until_2027_10_30(engine):
    _, by_id = answer(engine)
    assert by_id["recog"]["held"] == {"since": "2024-10-30", "until": "2027-10-30"}
    assert by_id["recog"]["status"] == "eligible"  # status still says whether the criteria are met


def test_held_ends_on_the_third_anniversary(engine):
    _, by_id = answer(engine, as_of=dt.date(2027, 10, 30))
    assert by_id["recog"]["held"] is None
    _, before = answer(engine, as_of=dt.date(2027, 10, 29))
    assert before["recog"]["held"]["until"] == "2027-10-30"


def test_held_is_null_without_a_certificate_or_its_date(engine):
    for profile in ({**HOLDER, "hte_certified": False}, {k: v for k, v in HOLDER.items() if k != "hte_certified_on"}):
        _, by_id = answer(engine, profile)
        assert by_id["recog"]["held"] is None


def test_currency_needs_an_end_date_or_a_confirming_document(engine):
    _, by_id = answer(engine)
    assert by_id["cash-ok"]["currency"] == "in_force"  # confirmed_by
    assert by_id["small-low-profit"]["currency"] == "in_force"  # end date covers as_of
    assert by_id["cash-unconfirmed"]["currency"] == "unconfirmed"
    assert by_id["cash-expired"]["status"] == "ineligible"


def test_a_confirmation_dated_after_as_of_does_not_confirm(engine):
    _, by_id = answer(engine, as_of=dt.date(2019, 12, 31))
    assert by_id["cash-ok"]["currency"] == "unconfirmed"


def test_intentions_are_notices_and_never_results(engine):
    data, by_id = answer(engine)
    assert "idea" not in by_id
    assert [n["measure"] for n in data["notices"]] == ["idea"]
    assert data["notices"][0]["quote"] == "测试条款" and data["notices"][0]["clause"] == "第一条"


def test_every_result_says_who_applies_and_its_money_type(engine):
    _, by_id = answer(engine)
    assert by_id["staff-prog"]["applicant"] == "staff" and by_id["cash-ok"]["applicant"] == "company"
    assert {m: by_id[m]["benefit"]["type"] for m in ("recog", "deduct", "loan", "rate15")} == {
        "recog": None, "deduct": "deduction", "loan": "financing", "rate15": "tax_saving"}


def test_a_deduction_saves_tax_at_the_lowest_rate_that_may_apply(engine):
    # holder of a valid certificate (15%) who is also small-low-profit (5% effective): 5% of 100
    _, by_id = answer(engine)
    assert by_id["deduct"]["benefit"] == {**by_id["deduct"]["benefit"], "amount_wan": 100, "tax_saving_wan": 5.0}
    _, hte_only = answer(engine, {**HOLDER, "taxable_income_wan": 1000.0})
    assert hte_only["deduct"]["benefit"]["tax_saving_wan"] == 15.0
    _, plain = answer(engine, {**HOLDER, "hte_certified": False, "taxable_income_wan": 1000.0})
    assert plain["deduct"]["benefit"]["tax_saving_wan"] == 25.0


def test_a_deduction_never_saves_more_than_the_tax_due(engine):
    _, by_id = answer(engine, {**HOLDER, "hte_certified": False, "taxable_income_wan": 400.0, "rd_expense_wan": 2000.0})
    assert by_id["deduct"]["benefit"]["tax_saving_wan"] == 100.0  # 25% of 400, not of 2000
    _, loss = answer(engine, {**HOLDER, "taxable_income_wan": -50.0})
    assert loss["deduct"]["benefit"]["tax_saving_wan"] == 0


def test_a_deduction_without_taxable_income_has_no_saving(engine):
    _, by_id = answer(engine, {k: v for k, v in HOLDER.items() if k != "taxable_income_wan"})
    assert by_id["deduct"]["benefit"]["tax_saving_wan"] is None


def test_totals_count_eligible_confirmed_company_money_by_type(engine):
    data, _ = answer(engine, {**HOLDER, "taxable_income_wan": 1000.0})
    # cash: cash-ok 7 only (expired 10, unconfirmed 5, staff 3, intention 50 left out)
    # tax: rate15 100 (small-low-profit ineligible at 1000) + deduct 15% of 100
    assert data["totals"] == {"cash_wan": 7.0, "tax_saving_wan": 115.0, "financing_wan": 100.0}


def test_totals_keep_only_the_larger_of_two_measures_that_exclude_each_other(engine):
    data, by_id = answer(engine)  # taxable 200: rate15 20, small-low-profit 40; deduction 5
    assert by_id["rate15"]["status"] == by_id["small-low-profit"]["status"] == "eligible"
    assert data["totals"]["tax_saving_wan"] == 45.0


def test_totals_leave_out_held_recognitions_the_company_already_has(mini):
    from checker.engine.answer import totals
    item = {"measure": "recog", "status": "eligible", "currency": "in_force", "applicant": "company",
            "held": {"since": "2024-10-30", "until": "2027-10-30"}, "benefit": {"type": "cash", "amount_wan": 9}}
    assert totals(mini, [item])["cash_wan"] == 0
    assert totals(mini, [{**item, "held": None}])["cash_wan"] == 9


def test_version_1_keys_are_all_still_there(engine):
    data, by_id = answer(engine)
    assert {"rulepack", "as_of", "results", "conflicts"} <= set(data)
    assert {"measure", "status", "criteria", "missing", "benefit", "values"} <= set(by_id["cash-ok"])
    assert {"amount_wan", "text"} <= set(by_id["cash-ok"]["benefit"])


PROFILES = [HOLDER, {**HOLDER, "taxable_income_wan": 1000.0}, {"entity_type": "incubator"}, {},
            {**HOLDER, "hte_certified_on": dt.date(2020, 1, 1)}, {k: v for k, v in HOLDER.items() if k != "hte_certified"}]


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2017, 6, 1), dt.date(2027, 10, 30)])
def test_the_vectorised_path_gives_the_same_version_2_fields(mini, as_of):
    reference = Checker(mini, "reference")
    full = [{"id": i, **reference.check(p, as_of).to_json()} for i, p in enumerate(PROFILES)]
    assert compact_answers(mini, PROFILES, list(range(len(PROFILES))), as_of) == [compact(r) for r in full]
    from checker.batch import flat_row
    assert matrix_rows(mini, PROFILES, list(range(len(PROFILES))), as_of) == [flat_row(r) for r in full]


def test_the_flat_matrix_has_held_currency_and_totals_columns(mini):
    (row,) = matrix_rows(mini, [HOLDER], ["A"], AS_OF)
    assert row["recog:held_until"] == "2027-10-30" and row["cash-unconfirmed:currency"] == "unconfirmed"
    assert row["deduct:tax_saving_wan"] == 5.0 and row["cash_wan"] == 7.0
    assert "idea:status" not in row


def run(*args):
    return CliRunner().invoke(main, ["--rules", str(RULES), *args], catch_exceptions=False)


def write_holder(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({**HOLDER, "hte_certified_on": "2024-10-30"}), encoding="utf-8")
    return path


def test_batch_jsonl_is_compact_by_default_and_whole_with_full(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "A", **HOLDER, "hte_certified_on": "2024-10-30"}) + "\n", encoding="utf-8")
    run("batch", str(source), "-o", str(tmp_path / "c.jsonl"), "--as-of", "2026-06-01")
    line = json.loads((tmp_path / "c.jsonl").read_text(encoding="utf-8"))
    assert set(line) == {"id", "rulepack", "as_of", "results", "totals"}
    item = next(r for r in line["results"] if r["measure"] == "deduct")
    assert item == {"measure": "deduct", "status": "eligible", "missing": [], "failed": [], "held": None,
                    "currency": "in_force", "benefit": {"amount_wan": 100, "type": "deduction", "tax_saving_wan": 5.0}}
    failed = next(r for r in line["results"] if r["measure"] == "cash-expired")["failed"]
    assert failed == ["in_force"]
    run("batch", str(source), "-o", str(tmp_path / "f.jsonl"), "--as-of", "2026-06-01", "--full")
    whole = json.loads((tmp_path / "f.jsonl").read_text(encoding="utf-8"))
    checked = run("check", str(write_holder(tmp_path)), "--as-of", "2026-06-01", "--format", "json")
    assert whole == {"id": "A", **json.loads(checked.output)}


def test_check_json_carries_totals_notices_and_held(tmp_path):
    data = json.loads(run("check", str(write_holder(tmp_path)), "--as-of", "2026-06-01", "--format", "json").output)
    assert data["totals"]["cash_wan"] == 7.0 and data["notices"][0]["measure"] == "idea"
    assert next(r for r in data["results"] if r["measure"] == "recog")["held"]["until"] == "2027-10-30"


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ["[已获得] recog", "有效期至 2027-10-30", "向主管部门核实", "面向员工个人申请", "政策意向",
            "资金支持 7 万元", "少缴税款 45 万元", "融资额度 100 万元", "加计扣除额 100 万元，约少缴税 5 万元"]),
    ("en", ["[already held] recog", "valid until 2027-10-30", "check with the authority", "for your staff",
            "Policy intentions", "cash 7 10k CNY", "tax saved 45 10k CNY", "financing 100 10k CNY"]),
])
def test_the_text_report_shows_held_verification_notices_and_totals_by_type(tmp_path, lang, words):
    text = run("check", str(write_holder(tmp_path)), "--as-of", "2026-06-01", "--lang", lang).output
    for word in words:
        assert word in text, word
    assert text.index("[已获得]" if lang == "zh" else "[already held]") < text.index("cash-ok")


def test_the_text_report_puts_staff_programmes_apart_from_the_company_list(tmp_path):
    text = run("check", str(write_holder(tmp_path)), "--as-of", "2026-06-01").output
    assert "[员工可申报] staff-prog" in text and "[可申报] staff-prog" not in text
    assert text.index("[可申报] cash-ok") < text.index("[员工可申报] staff-prog")
