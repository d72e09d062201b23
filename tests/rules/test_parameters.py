"""Dated parameters: a check as of a date uses the value in force then, on every engine; lint guards them."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.engine import Checker
from checker.engine.vector import matrix_rows
from checker.rules.loader import RulePackError, load_pack
from tests.rules.test_lint_fixtures import make_pack

LIMITS = """parameters:
  - id: demo_rd_min_wan
    label: {zh: 研发费用下限, en: R&D floor}
    unit: {zh: 万元, en: 10k CNY}
    values:
      - from: 2020-01-01
        value: 100
        source: {document: 《示例办法》, article: 第三条, quote: 研发费用不低于100万元}
      - from: 2026-01-01
        value: 150
        source: {document: 《示例办法（修订）》, article: 第三条, quote: 研发费用不低于150万元, url: "https://example.gov.cn/notice"}
"""
OLD, NEW = dt.date(2025, 6, 1), dt.date(2026, 6, 1)
PROFILE = {"entity_type": "enterprise", "rd_expense_wan": 120}


DATED_EXAMPLE = """  - name: 新门槛下研发费用恰为150万元符合
    as_of: 2026-06-01
    profile: {rd_expense_wan: 150}
    expect: {status: eligible}
"""


def dated_pack(tmp_path, limits: str = LIMITS):
    """The base pack whose R&D criterion reads the dated parameter."""
    rules = make_pack(tmp_path)
    (rules / "parameters").mkdir()
    (rules / "parameters" / "limits.yaml").write_text(limits, encoding="utf-8")
    path = rules / "measures/demo/demo-measure.yaml"
    text = path.read_text(encoding="utf-8").replace('test: "rd_expense_wan >= 100"', 'test: "rd_expense_wan >= demo_rd_min_wan"')
    text = text.replace("example_base:", "example_as_of: 2025-06-01\nexample_base:")
    path.write_text(text + DATED_EXAMPLE, encoding="utf-8")
    return rules


@pytest.mark.parametrize("engine", ["reference", "fast", "durable"])
def test_a_check_uses_the_value_in_force_on_its_date(tmp_path, engine):
    pack = load_pack(dated_pack(tmp_path))
    checker = Checker(pack, engine, verify_every=1)  # type: ignore[arg-type]
    try:
        old, new = (checker.check(PROFILE, day).results[0] for day in (OLD, NEW))
    finally:
        checker.close()
    assert old.status == "eligible" and new.status == "ineligible"
    assert [c.threshold for c in old.criteria if c.id == "c2"] == [100]
    assert [c.threshold for c in new.criteria if c.id == "c2"] == [150]
    before_any = Checker(pack, "reference").check(PROFILE, dt.date(2019, 1, 1)).results[0]
    assert before_any.status == "eligible"  # the earliest value applies before its date


def test_the_vectorised_batch_uses_the_dated_value_too(tmp_path):
    pack = load_pack(dated_pack(tmp_path))
    profiles = [PROFILE, {**PROFILE, "rd_expense_wan": 150}]
    assert [r["demo-measure:status"] for r in matrix_rows(pack, profiles, [1, 2], OLD)] == ["eligible", "eligible"]
    assert [r["demo-measure:status"] for r in matrix_rows(pack, profiles, [1, 2], NEW)] == ["ineligible", "eligible"]


def test_parameter_mistakes_are_linted_with_file_and_line(tmp_path):
    swapped = LIMITS.replace("2020-01-01", "2027-01-01")
    with pytest.raises(RulePackError) as caught:
        load_pack(dated_pack(tmp_path / "a", swapped))
    assert any(str(e).startswith("rules/parameters/limits.yaml:2: parameters[0]: ") and "oldest first" in str(e)
               for e in caught.value.errors), caught.value.errors
    clash = LIMITS.replace("id: demo_rd_min_wan", "id: rd_expense_wan")
    with pytest.raises(RulePackError) as caught:
        load_pack(dated_pack(tmp_path / "b", clash))
    assert any("parameters[0].id: 'rd_expense_wan' is already a field" in str(e) for e in caught.value.errors)
    typo = LIMITS.replace("id: demo_rd_min_wan", "id: demo_rd_min")
    with pytest.raises(RulePackError) as caught:
        load_pack(dated_pack(tmp_path / "c", typo))
    assert any("unknown field 'demo_rd_min_wan'; did you mean 'demo_rd_min'?" in str(e) for e in caught.value.errors)


def test_a_new_dated_value_needs_an_example_checked_after_it(tmp_path):
    rules = dated_pack(tmp_path)
    path = rules / "measures/demo/demo-measure.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(DATED_EXAMPLE, ""), encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(rules)
    assert [str(e) for e in caught.value.errors] == [
        "rules/parameters/limits.yaml:9: demo_rd_min_wan.values[1]: the value of demo_rd_min_wan from 2026-01-01 is "
        "checked by no example: add an example with as_of on or after 2026-01-01 to a measure that reads it (demo-measure)"]


def test_the_project_pack_reads_the_small_low_profit_limits_from_parameters():
    from checker import config

    pack = load_pack(config.rules_dir())
    measure = pack.measure("small-low-profit")
    assert {"small_low_profit_taxable_income_max_wan", "small_low_profit_employees_max",
            "small_low_profit_assets_max_wan"} <= measure.reads
    income = pack.parameters["small_low_profit_taxable_income_max_wan"]
    assert income.value_on(dt.date(2018, 6, 1)) == 100 and income.value_on(dt.date(2026, 6, 1)) == 300
    assert "zgc_ip_pledge_subsidy_cap_wan" in pack.measure("zgc-ip-pledge-subsidy").reads
