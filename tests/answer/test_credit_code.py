"""Credit-code facts (GB 32100-2015) and their use at intake on every path."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.intake import read_profile
from checker.rules import credit_code
from checker.rules.profile import ProfileError

AS_OF = dt.date(2026, 6, 1)


def code(prefix: str, region: str, body: str = "MA01A2B3C") -> str:
    """A valid 18-character code: prefix (2) + region (6) + body (9) + the computed check digit."""
    head = prefix + region + body
    total = sum(credit_code.CHARS.index(c) * w for c, w in zip(head, credit_code.WEIGHTS))
    return head + credit_code.CHARS[(31 - total % 31) % 31]


def test_the_example_code_is_valid_and_a_haidian_enterprise():
    facts = credit_code.parse("91110108MA01A2B3CF")
    assert facts == credit_code.CreditCodeFacts("enterprise", "beijing", "haidian")


@pytest.mark.parametrize(("prefix", "form"), [
    ("91", "enterprise"), ("92", "enterprise"), ("93", "enterprise"), ("11", "government"),
    ("12", "public_institution"), ("51", "social_organisation"), ("52", "private_non_enterprise"),
    ("53", "other"), ("59", "other"), ("31", "other"), ("Y1", "other"),
])
def test_legal_form_is_read_from_the_first_two_characters(prefix, form):
    assert credit_code.parse(code(prefix, "110108")).legal_form == form


@pytest.mark.parametrize(("region", "district"), sorted(credit_code.BEIJING_DISTRICTS.items()))
def test_every_beijing_district_code_gives_its_district(region, district):
    assert credit_code.parse(code("91", region)) == credit_code.CreditCodeFacts("enterprise", "beijing", district)


@pytest.mark.parametrize(("region", "province"), [
    ("120101", "tianjin"), ("130102", "hebei"), ("310101", "other"), ("440305", "other")])
def test_province_outside_beijing_has_no_district(region, province):
    facts = credit_code.parse(code("91", region))
    assert (facts.province, facts.district) == (province, None)


def test_an_unlisted_beijing_region_gives_beijing_without_a_district():
    assert credit_code.parse(code("91", "110100")) == credit_code.CreditCodeFacts("enterprise", "beijing", None)


@pytest.mark.parametrize("bad", ["91110108MA01A2B3C0", "91110108MA01A2B3C", "91110108MA01A2B3CFX", "9111010IMA01A2B3CF"])
def test_an_invalid_code_is_refused(bad):
    assert not credit_code.valid(bad)
    with pytest.raises(ValueError, match="GB 32100"):
        credit_code.parse(bad)


def test_lower_case_input_is_read():
    assert credit_code.parse(" 91110108ma01a2b3cf ").district == "haidian"


def test_intake_derives_legal_form_province_and_district(pack):
    values = read_profile(pack, {"credit_code": "91110108MA01A2B3CF"}, AS_OF)
    assert (values["legal_form"], values["province"], values["district"]) == ("enterprise", "beijing", "haidian")


def test_intake_keeps_an_answered_province_and_district(pack):
    values = read_profile(pack, {"credit_code": "91110108MA01A2B3CF", "province": "beijing",
                                 "district": "chaoyang"}, AS_OF)
    assert values["district"] == "chaoyang"
    moved = read_profile(pack, {"credit_code": "91110108MA01A2B3CF", "province": "hebei"}, AS_OF)
    assert moved["province"] == "hebei" and "district" not in moved


def test_intake_refuses_a_legal_form_that_contradicts_the_code(pack):
    with pytest.raises(ProfileError) as info:
        read_profile(pack, {"credit_code": "91110108MA01A2B3CF", "legal_form": "public_institution"}, AS_OF)
    (problem,) = info.value.problems
    assert problem.field == "legal_form"
    assert "public_institution" in problem.message and "91110108MA01A2B3CF" in problem.message


def test_intake_accepts_a_matching_legal_form(pack):
    values = read_profile(pack, {"credit_code": code("12", "110108"), "legal_form": "public_institution"}, AS_OF)
    assert values["legal_form"] == "public_institution"


def test_without_a_code_nothing_is_derived(pack):
    assert "legal_form" not in read_profile(pack, {"entity_type": "incubator"}, AS_OF)


def test_a_company_run_incubator_is_an_enterprise_by_its_code(pack):
    from checker.engine.reference import evaluate
    from checker.engine.scope import Scope
    values = read_profile(pack, {"credit_code": "91110108MA01A2B3CF", "entity_type": "incubator"}, AS_OF)
    assert evaluate(pack.derived["is_enterprise"].expr, Scope(pack, values, AS_OF)) is True


CONTRADICTION = {"credit_code": "91110108MA01A2B3CF", "legal_form": "public_institution", "entity_type": "enterprise"}


def test_cli_check_refuses_the_contradiction_naming_both(tmp_path):
    import json

    from click.testing import CliRunner

    from checker.cli import main
    path = tmp_path / "p.json"
    path.write_text(json.dumps(CONTRADICTION), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--as-of", "2026-06-01"])
    assert result.exit_code == 3
    assert "legal_form: answered 'public_institution' but credit_code 91110108MA01A2B3CF" in result.output


def test_batch_reports_the_contradiction_on_its_row_and_checks_the_rest(pack, tmp_path):
    from checker.batch import BatchReport, Row, check_rows
    from checker.engine import Checker
    report = BatchReport()
    rows = [Row(1, CONTRADICTION), Row(2, {"credit_code": "91110108MA01A2B3CF", "entity_type": "incubator"})]
    out = list(check_rows(Checker(pack, "reference"), rows, AS_OF, report))
    assert [(p.row, p.field) for p in report.problems] == [(1, "legal_form")]
    small = next(r for r in out[0]["results"] if r["measure"] == "small-low-profit")
    enterprise = next(c for c in small["criteria"] if c["id"] == "enterprise")
    assert enterprise["status"] == "met"  # the incubator's 91 code makes it an enterprise


def test_web_answers_get_the_derived_legal_form_and_the_contradiction_error(pack):
    from checker.company.answers import check

    checked = check(pack, {"credit_code": "91110108MA01A2B3CF"}, AS_OF)
    assert checked.values["legal_form"] == "enterprise" and checked.values["district"] == "haidian" and checked.ok
    problem = check(pack, dict(CONTRADICTION), AS_OF).errors["legal_form"][0]
    assert problem.code == "problem.legal_form" and "credit_code" in problem.text("en")
    assert problem.text("zh") == "填写为 public_institution，但统一社会信用代码 91110108MA01A2B3CF 的前两位表明是 enterprise"
