"""Every lint error carries a catalogue code: English for the CLI as before, Chinese from the catalogue, no regex."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from checker.problems import Problem
from checker.rules.loader import RulePackError, load_pack
from tests.rules.test_lint_fixtures import BROKEN, header, make_pack

CHECKER = Path(__file__).parents[2] / "checker"
CJK = re.compile(r"[\u4e00-\u9fff]")
MEASURE = "measures/demo/demo-measure.yaml"
EDITS = [  # (old, new) in the demo measure: expression, schema and YAML mistakes the fixtures do not cover
    ("kind: subsidy", "kind：subsidy"), ("kind: subsidy", "kind: gift"), ("summary:", "sumary:"),
    ("rd_expense_wan >= 100", "rd_expense_wan >= 'a'"), ("rd_expense_wan >= 100", "rd_expense_wan $ 100"),
    ("rd_expense_wan >= 100", "rd_expense_wan + 100"), ("rd_expense_wan >= 100", "foo(1)"),
    ("rd_expense_wan >= 100", "not rd_expense_wan"), ("rd_expense_wan >= 100", "date('x') > as_of"),
    ("rd_expense_wan >= 100", "upto(rd_expense_wan, 5, 1, 3, 2, 0)"),
]


def _errors(rules: Path) -> list:
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    return caught.value.errors


def _assert_coded(problem: Problem) -> None:
    assert problem.code.startswith("lint.") or problem.code.startswith("problem."), problem
    zh, en = problem.text("zh"), problem.text("en")
    assert CJK.search(zh) and zh != en and problem.code not in zh, (problem, zh)


@pytest.mark.parametrize("fixture", BROKEN, ids=[p.stem for p in BROKEN])
def test_every_error_of_a_broken_fixture_has_a_code_with_a_chinese_text(tmp_path, fixture):
    rules = make_pack(tmp_path)
    shutil.copy(fixture, rules / header(fixture)[0])
    for error in _errors(rules):
        _assert_coded(error.problem)
        assert error.message == str(error.problem) == error.problem.text("en")


@pytest.mark.parametrize("old, new", EDITS, ids=[e[1] for e in EDITS])
def test_expression_schema_and_yaml_mistakes_have_codes_too(tmp_path, old, new):
    rules = make_pack(tmp_path)
    path = rules / MEASURE
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    for error in _errors(rules):
        _assert_coded(error.problem)


def test_a_type_is_named_in_the_messages_language(tmp_path):
    rules = make_pack(tmp_path)
    path = rules / MEASURE
    path.write_text(path.read_text(encoding="utf-8").replace("rd_expense_wan >= 100", "rd_expense_wan + 100", 1),
                    encoding="utf-8")
    [error] = _errors(rules)
    assert error.message == "expected a bool expression, found a number one (in 'rd_expense_wan + 100', column 1)"
    assert error.problem.text("zh") == "表达式 rd_expense_wan + 100 第 1 列：这里需要 是/否 类型的表达式，写成的是 数值 类型"


def test_a_rule_of_the_schema_is_put_into_chinese(tmp_path):
    rules = make_pack(tmp_path)
    shutil.copy(BROKEN[0].parent / "document-without-quote.yaml", rules / MEASURE)
    [error] = [e for e in _errors(rules) if e.key == "source[1]"]
    assert error.message.startswith("Value error, a source needs 'seed'")
    assert error.problem.text("zh").startswith("来源须写 'seed'")


def test_no_lint_message_is_translated_by_pattern_any_more():
    sources = [p for p in CHECKER.rglob("*.py") if "in_language" in p.read_text(encoding="utf-8")]
    assert sources == []


def test_an_error_with_its_place_reads_as_the_cli_prints_it_and_in_chinese():
    from checker.rules.yamlsrc import RuleError

    error = RuleError("rules/x.yaml", 3, "logic", Problem("lint.criterion_unused", {"name": "c2"}))
    refused = Problem("refusal.old_version", {"seq": 4, "error": error.located})
    assert str(error) == "rules/x.yaml:3: logic: criterion 'c2' is not used in 'logic'"
    assert refused.text("en") == f"version 4 no longer loads: {error}"
    assert refused.text("zh") == "第 4 版已无法加载：rules/x.yaml:3 logic：条件 'c2' 未在 'logic' 中使用"
    assert str(RuleError("rules/fields", 1, "", Problem("lint.no_fields"))) == "rules/fields:1: no field declarations found"
