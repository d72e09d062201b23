"""Errors carry a catalogue code and parameters from where they are raised, and are put into words where shown."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.batch import MAX_CELL, Row, _row
from checker.intake import read_profile
from checker.problems import Problem, ProblemError
from checker.rules.pack import RulePack
from checker.rules.profile import ProfileError, parse_value
from checker.sheets.verdicts import problems_table

AS_OF = dt.date(2025, 6, 30)


def _rejected(pack: RulePack, field: str, raw: object) -> Problem:
    with pytest.raises(ProblemError) as caught:
        parse_value(pack.fields[field], raw)
    return caught.value.problem


def test_a_bad_cell_names_its_code_and_value_and_reads_in_either_language(pack: RulePack) -> None:
    problem = _rejected(pack, "employees", "很多")
    assert problem == Problem("problem.not_a_number", {"value": "很多"})
    assert problem.text("zh") == "“很多”不是数字" and problem.text("en") == "'很多' is not a number"


def test_limits_are_written_out_in_every_language(pack: RulePack) -> None:
    problem = _rejected(pack, "revenue_wan", "1e13")
    assert problem.text("en") == "must be at most 1,000,000,000,000 in size"
    assert problem.text("zh") == "数值过大：不能超过 1,000,000,000,000"


def test_a_broken_consistency_check_carries_its_id_and_both_of_its_own_texts(pack: RulePack) -> None:
    with pytest.raises(ProfileError) as caught:
        read_profile(pack, {"employees": 10, "tech_staff": 11}, AS_OF)
    (problem,) = [p.problem for p in caught.value.problems if p.field == "tech_staff"]
    assert problem.code == "problem.check" and problem.params["check"]
    assert problem.text("zh") == problem.params["zh"] and problem.text("en") == problem.params["en"]
    assert "(" not in problem.text("en")  # no "English (中文)" string to match back


def test_a_stored_problem_is_shown_later_in_the_language_asked() -> None:
    stored = Problem("problem.extra_cells", {"cells": 5, "headers": 3}).to_json()
    assert stored["message"] == "5 cells but only 3 headers"
    sheet = problems_table([(2, "row", Problem.from_json(stored), "K001", "北京甲公司")], "zh")
    assert list(sheet.rows) == [[2, "K001", "北京甲公司", "row", "该行有 5 个单元格，但表头只有 3 列"]]


def test_a_problem_stored_before_codes_keeps_its_message() -> None:
    assert Problem.from_json({"field": "row", "message": "each line must be a JSON object"}).text("zh") == \
        "each line must be a JSON object"


def test_an_unreadable_row_says_why_with_a_code() -> None:
    row = _row(1, ["name"], ["x" * (MAX_CELL + 1)])
    assert isinstance(row, Row) and row.error == Problem("problem.cell_too_long", {"column": "name", "limit": MAX_CELL})
    assert row.error.text("zh") == f"“name”列的内容超过 {MAX_CELL} 个字符"


def test_a_parameter_may_be_called_key_or_lang() -> None:
    problem = Problem("refusal.lint_key", {"where": "a.yaml:3", "key": "logic", "message": "m", "message_zh": "中", "lang": "x"})
    assert problem.text("zh") == "校验错误 a.yaml:3 logic：中" and problem.text("en") == "lint: a.yaml:3: logic: m"


def test_a_problem_among_the_params_is_put_in_the_same_language() -> None:
    inner = Problem("lint.unknown_field_close", {"name": "rd_expens_wan", "close": "rd_expense_wan"})
    outer = Problem("lint.in_expression", {"reason": inner, "expr": "rd_expens_wan > 1", "column": 1})
    assert outer.text("en") == "unknown field 'rd_expens_wan'; did you mean 'rd_expense_wan'? (in 'rd_expens_wan > 1', column 1)"
    assert outer.text("zh") == "表达式 rd_expens_wan > 1 第 1 列：未知字段 'rd_expens_wan'，是否想写 'rd_expense_wan'？"


def test_a_problem_inside_a_problem_is_stored_and_read_back() -> None:
    import json

    outer = Problem("lint.in_expression", {"reason": Problem("lint.expr.empty"), "expr": "", "column": 1})
    stored = json.loads(json.dumps(outer.to_json()))
    assert stored["params"]["reason"]["code"] == "lint.expr.empty"
    assert Problem.from_json(stored) == outer and Problem.from_json(stored).text("zh").endswith("表达式为空")
