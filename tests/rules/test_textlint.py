"""Lint of what measures say: no placeholder publishes, criterion texts are words, benefit amounts come from the
parameter they state (filled on the check date), a fixed amount the text states is the one computed."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.engine import Checker
from checker.problems import Problem
from checker.rules.loader import RulePackError, load_pack
from checker.staff.create import new_measure_files
from tests.rules.test_lint_fixtures import make_pack
from tests.rules.test_parameters import DATED_EXAMPLE, dated_pack

MEASURE = "measures/demo/demo-measure.yaml"


def _errors(rules) -> list[str]:
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    return [str(e) for e in caught.value.errors]


def _edit(rules, old: str, new: str) -> None:
    path = rules / MEASURE
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# What the first creation form wrote when the officer filled in neither the criterion words nor the benefit nor
# how to apply (the row-based form still writes the same 待补充 marks for an empty benefit or apply).
PLACEHOLDER_MEASURE = """id: demo-new
title: {zh: "新措施", en: "New measure"}
summary: {zh: "新措施", en: "New measure"}
kind: subsidy
issuer: {zh: "测试", en: "测试"}
entities: [enterprise]
source:
  - document: "《测试奖励办法》"
    article: "第三条"
    quote: "研发费用不低于100万元的企业给予奖励"
criteria:
  - id: main
    text: {zh: "rd_expense_wan >= 100", en: "rd_expense_wan >= 100"}
    test: "rd_expense_wan >= 100"
benefit:
  text: {zh: "待补充：支持内容与金额", en: "To fill in: the support and its amount"}
apply: {zh: "待补充：申报渠道与材料", en: "To fill in: where and how to apply"}
example_base: {entity_type: enterprise, rd_expense_wan: 100}
examples:
  - name: "符合条件的示例"
    expect: {status: eligible, criteria: {main: met}}
  - name: "不符合条件的示例"
    profile: {rd_expense_wan: 99}
    expect: {status: ineligible, criteria: {main: not_met}}
reviewed_on: 2026-12-03
review: {zh: "新建时按所引文件录入，尚未核实其有效期",
         en: "Entered from the cited document when created; its period is not yet confirmed"}
"""


def test_the_creation_forms_placeholders_are_refused_with_file_and_line(tmp_path):
    rules = make_pack(tmp_path)
    index = {"measures/demo/index.yaml": (rules / "measures/demo/index.yaml").read_text()}
    for path, text in new_measure_files(index, "demo", "demo-new", PLACEHOLDER_MEASURE).items():
        (rules / path).write_text(text, encoding="utf-8")
    errors = _errors(rules)
    file = "rules/measures/demo/demo-new.yaml"
    assert f"{file}:13: criteria[0].text.zh: the criterion text only repeats its test rd_expense_wan >= 100: say the " \
        "condition in words an applicant reads (e.g. \"Revenue at most 200 M CNY\")" in errors
    assert f'{file}:16: benefit.text.zh: still the placeholder "待补充：支持内容与金额": write the real text before ' \
        "publishing" in errors
    assert any(e.startswith(f"{file}:16: benefit.text.en: still the placeholder") for e in errors)
    assert any(e.startswith(f"{file}:17: apply.zh: still the placeholder \"待补充：申报渠道与材料\"") for e in errors)
    assert len(errors) == 6, errors


def test_the_messages_have_chinese_text():
    zh = Problem("lint.placeholder_text", {"text": "待补充：支持内容与金额"}).text("zh")
    assert zh == "仍是待补充的占位文字“待补充：支持内容与金额”：请写出实际内容再发布"
    stale = Problem("lint.benefit_text_stale", {"number": "50", "name": "cap_wan", "values": "50 (2021-03-01)"})
    assert "{cap_wan}" in stale.text("zh") and "{cap_wan}" in stale.text("en")


def test_a_benefit_text_writing_the_parameters_number_is_refused(tmp_path):
    rules = dated_pack(tmp_path)
    _edit(rules, "benefit:\n  text: {zh: 奖励, en: A reward}",
          'benefit:\n  type: cash\n  text: {zh: 奖励100万元, en: A reward of 1 M CNY}\n  amount: "demo_rd_min_wan"')
    assert _errors(rules) == [
        "rules/measures/demo/demo-measure.yaml:23: benefit.text.zh: the benefit text writes the number 100 while the "
        "amount reads the parameter demo_rd_min_wan (100 (2020-01-01), 150 (2026-01-01)): write {demo_rd_min_wan} "
        "instead, pages fill in the value in force on the check date"]


def test_a_placeholder_is_filled_with_the_value_on_the_check_date(tmp_path):
    rules = dated_pack(tmp_path)
    _edit(rules, "benefit:\n  text: {zh: 奖励, en: A reward}",
          'benefit:\n  type: cash\n  text: {zh: "奖励{demo_rd_min_wan}万元", en: "A reward of {demo_rd_min_wan} × 10k CNY"}\n'
          '  amount: "demo_rd_min_wan"')
    pack = load_pack(rules)
    checker = Checker(pack, "reference")
    profile = {"entity_type": "enterprise", "rd_expense_wan": 200}
    old = checker.check(profile, dt.date(2025, 6, 1), lang="zh").results[0]
    new = checker.check(profile, dt.date(2026, 6, 1), lang="en").results[0]
    assert (old.benefit_text, old.amount_wan) == ("奖励100万元", 100)
    assert (new.benefit_text, new.amount_wan) == ("A reward of 150 × 10k CNY", 150)
    assert pack.benefit_text(pack.measures[0], "zh", dt.date(2026, 6, 1)) == "奖励150万元"


def test_an_unknown_placeholder_names_the_parameters(tmp_path):
    rules = dated_pack(tmp_path)
    _edit(rules, "text: {zh: 奖励, en: A reward}", 'text: {zh: "奖励{demo_cap}万元", en: A reward}')
    assert _errors(rules) == [
        'rules/measures/demo/demo-measure.yaml:22: benefit.text.zh: "{demo_cap}" is not a parameter: only parameters '
        "declared in parameters/ can be filled in (demo_rd_min_wan)"]


def test_a_fixed_amount_the_text_does_not_state_is_refused(tmp_path):
    rules = make_pack(tmp_path)
    _edit(rules, "benefit:\n  text: {zh: 奖励, en: A reward}",
          'benefit:\n  type: cash\n  text: {zh: 奖励50万元, en: A reward}\n  amount: "100"')
    assert _errors(rules) == [
        "rules/measures/demo/demo-measure.yaml:23: benefit.text.zh: the benefit text states 50 (10k CNY), which the "
        "amount 100 does not contain: make the text and the amount agree"]
    assert DATED_EXAMPLE  # the dated pack's example is what keeps its second value checked
