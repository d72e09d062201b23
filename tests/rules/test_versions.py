"""Dated versions of a measure: the check date picks the version, every engine and renderer uses it."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from checker.batch import flat_row
from checker.engine import Checker
from checker.engine.answer import compact
from checker.engine.vector import compact_answers, matrix_rows
from checker.intake import read_profile
from checker.report import render_text
from checker.rules.examples import example_as_of, example_profile
from checker.rules.loader import load_pack
from checker.ruletest import run_measure, run_pack

FIXTURES = Path(__file__).parent / "fixtures"
BEFORE, ON, TODAY = dt.date(2026, 3, 31), dt.date(2026, 4, 1), dt.date(2026, 12, 3)
SME = "specialised-sme"
# The firm of shared/spec/core-measures.md: 2 years in its niche, 12 M CNY revenue.
FIRM = {"entity_type": "enterprise", "niche_market_years": 2, "revenue_wan": 1200, "rd_expense_wan": 150,
        "equity_financing_2y_wan": 0, "specialised_score": 70}


@pytest.fixture
def demo(tmp_path):
    """The lint fixtures' base pack whose one measure has two versions (threshold 100 until 2025-12-31, then 200)."""
    shutil.copytree(FIXTURES / "base", tmp_path / "rules")
    shutil.copytree(FIXTURES / "seeds", tmp_path / "seeds")
    shutil.copy(FIXTURES / "versioned-demo.yaml", tmp_path / "rules/measures/demo/demo-measure.yaml")
    return load_pack(tmp_path / "rules")


def _threshold(pack, as_of):
    return pack.at(as_of).measure("demo-measure").criteria[1].test.right.value


def test_the_pack_keeps_the_latest_version_per_id_and_every_version_beside_it(demo):
    assert [m.id for m in demo.measures] == ["demo-measure"]
    assert [m.version for m in demo.versions["demo-measure"]] == [(None, dt.date(2025, 12, 31)), (dt.date(2026, 1, 1), None)]
    assert demo.measure("demo-measure") is demo.versions["demo-measure"][-1]
    assert len(demo.every_version()) == 2


def test_the_check_date_picks_the_version_and_a_segment_is_built_once(demo):
    assert [_threshold(demo, d) for d in (dt.date(2020, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1))] == [100, 100, 200]
    assert demo.at(dt.date(2026, 1, 1)) is demo
    assert demo.at(dt.date(2024, 1, 1)) is demo.at(dt.date(2025, 12, 31))


def test_a_checker_decides_with_the_version_in_force(demo):
    checker = Checker(demo, "durable")
    try:
        profile = {"entity_type": "enterprise", "rd_expense_wan": 150}
        assert checker.check(profile, dt.date(2025, 12, 31)).verdict("demo-measure").status == "eligible"
        assert checker.check(profile, dt.date(2026, 1, 1)).verdict("demo-measure").status == "ineligible"
        assert len(checker._segments) == 2  # one compiled ruleset set per date segment, not per date
        segments = list(checker._segments.values())
    finally:
        checker.close()
    assert all(s.rules is None or not s.rules.stages for s in segments)  # every segment's rulesets freed


def test_the_spec_firm_may_apply_before_the_2026_standard_and_not_after(pack, durable):
    profile = read_profile(pack, FIRM, TODAY)
    assert durable.check(profile, BEFORE).verdict(SME).status == "eligible"
    after = durable.check(profile, TODAY).verdict(SME)
    assert after.status == "ineligible"
    assert {c.id: c.status for c in after.criteria}["niche-years"] == "not_met"


def test_the_result_json_names_the_version_that_decided(pack, durable):
    profile = read_profile(pack, FIRM, TODAY)
    for as_of, version in ((BEFORE, {"from": "2022-06-01", "to": "2026-03-31"}), (ON, {"from": "2026-04-01", "to": None})):
        results = durable.check(profile, as_of).to_json()["results"]
        assert [r["version"] for r in results if r["measure"] == SME] == [version]
        ids = [r["measure"] for r in results]
        assert len(ids) == len(set(ids)) == sum(not m.intention for m in pack.measures)  # every measure once
    assert "version" not in next(r for r in results if r["measure"] == "tech-sme")


def test_the_text_report_shows_the_versions_own_criteria_and_source(pack, durable):
    profile = read_profile(pack, FIRM, TODAY)
    old = render_text(pack, durable.check(profile, BEFORE))
    new = render_text(pack, durable.check(profile, TODAY))
    assert "工信部企业〔2022〕63号" in old and "从事特定细分市场时间达到2年以上" in old
    assert "工信部企业〔2026〕2号" in new and "达到3年以上" in new and "工信部企业〔2022〕63号 附件2" not in new


def _examples_at_every_date():
    pack = load_pack(Path(__file__).parents[2] / "rules")
    for version in pack.versions[SME]:
        for example in version.spec.examples:
            for as_of in (BEFORE, ON, example_as_of(version, example)):
                yield pack, version, example, as_of


def test_every_engine_agrees_on_both_versions_around_the_change(pack, durable, reference, fast):
    rows = list(_examples_at_every_date())
    profiles = [read_profile(pack, example_profile(v, e), d) for _, v, e, d in rows]
    for as_of in {d for *_, d in rows}:
        batch = [(i, p) for i, (p, row) in enumerate(zip(profiles, rows)) if row[3] == as_of]
        ids, group = [i for i, _ in batch], [p for _, p in batch]
        expected = [reference.check(p, as_of).to_json() for p in group]
        assert [durable.check(p, as_of).to_json() for p in group] == expected
        assert [fast.check(p, as_of).to_json() for p in group] == expected
        assert matrix_rows(pack, group, ids, as_of) == [flat_row({"id": i, **e}) for i, e in zip(ids, expected)]
        assert compact_answers(pack, group, ids, as_of) == [compact({"id": i, **e}) for i, e in zip(ids, expected)]


def test_examples_and_coverage_run_per_version(pack):
    outcomes, gaps = run_pack(pack, measures=pack.versions[SME])
    assert len(outcomes) == sum(len(v.spec.examples) for v in pack.versions[SME])
    assert [o for o in outcomes if not o.passed] == []
    assert {o.measure for o in outcomes} == {"specialised-sme@2022-06-01", "specialised-sme@2026-04-01"}
    assert gaps == []
    old = pack.versions[SME][0]
    fewer = replace(old, spec=old.spec.model_copy(update={"examples": old.spec.examples[:2]}))  # no 1-year example
    _, old_gaps = run_measure(pack, fewer)
    assert ("specialised-sme@2022-06-01", "niche-years", "not_met") in old_gaps

