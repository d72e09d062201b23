"""`checker impact` over a generated registry: its counts and money equal a per-profile computation with Checker.check."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.agency.jobs import compact
from checker.cli import main
from checker.engine import Checker
from checker.engine.answer import broad_kind, change_kind
from checker.engine.columnar import table_profile
from checker.rules.loader import load_pack
from checker.rules.pack import RulePack
from checker.staff import impact_money, registry
from checker.staff.registry import Side
from tests.conftest import ROOT

EARLY, LATE = dt.date(2026, 6, 1), dt.date(2027, 6, 1)


def profiles_of(pack: RulePack, table: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a generated table as profile dicts (unanswered fields left out)."""
    return [table_profile(pack, table, row) for row in range(len(next(iter(table.values()))))]


def reference(before: Side, after: Side, profiles: list[dict[str, Any]]) -> dict[str, Any]:
    """The impact computed profile by profile with Checker.check and the staff preview's own folding."""
    old_checker, new_checker = Checker(before.pack, "reference"), Checker(after.pack, "reference")
    types = impact_money.money_types(before.pack), impact_money.money_types(after.pack)
    counts: dict[str, dict[str, int]] = {}
    money = impact_money.empty()
    for row, profile in enumerate(profiles):
        old = compact(old_checker.check(profile, before.as_of))["results"]
        new = compact(new_checker.check(profile, after.as_of))["results"]
        impact_money.profile_money(money, registry.company(row), old, new, *types)
        was, now = ({i["measure"]: i["status"] for i in items} for items in (old, new))
        for measure in was.keys() | now.keys():
            kind = broad_kind(change_kind(was.get(measure), now.get(measure)))
            if kind:
                counts.setdefault(measure, {}).setdefault(kind, 0)
                counts[measure][kind] += 1
    return {"rows": len(profiles), "counts": dict(sorted(counts.items())), "money": money}


def assert_same(found: dict[str, Any], expected: dict[str, Any]) -> None:
    """Counts exactly; money sums to rounding (the reference rounds after every profile); companies and movers."""
    assert found["rows"] == expected["rows"]
    assert found["counts"] == expected["counts"]
    for group in ("types", "measures"):
        assert found["money"][group].keys() == expected["money"][group].keys()
        for name, row in expected["money"][group].items():
            got = found["money"][group][name]
            assert {k: got[k] for k in ("changed", "gained", "lost")} == {k: row[k] for k in ("changed", "gained", "lost")}
            for key in ("before", "after"):
                assert got[key] == pytest.approx(row[key], abs=1e-3), (group, name, key)
    companies, want = found["money"]["companies"], expected["money"]["companies"]
    assert (companies["gained"], companies["lost"]) == (want["gained"], want["lost"])
    assert [(e["company"], e["delta"], e["types"]) for e in companies["top"]] == \
        [(e["company"], pytest.approx(e["delta"], abs=1e-3), e["types"]) for e in want["top"]]


def test_the_pack_at_two_dates_over_chunks_equals_checking_each_profile(pack: RulePack) -> None:
    before, after = Side(pack, EARLY), Side(pack, LATE)
    n = 260
    *_, found = registry.registry_impact(before, after, n, seed=3, size=100)  # three chunks folded
    profiles = [p for table in registry.chunks(pack, n, 3, 100) for p in profiles_of(pack, table)]
    expected = reference(before, after, profiles)
    assert expected["counts"] and expected["money"]["companies"]["lost"]  # the dates do change verdicts and money
    assert_same(found.to_json(), expected)


def test_a_removed_measure_counts_as_moved_and_its_money_as_lost(pack: RulePack) -> None:
    gone = "hte-tax-rate"
    cut = [m for m in pack.measures if m.id != gone]
    after = Side(replace(pack, measures=cut, index={m.id: m for m in cut}), EARLY)
    table = registry.registry_table(pack, 150, seed=5)
    found = registry.chunk_impact(Side(pack, EARLY), after, table).to_json()
    expected = reference(Side(pack, EARLY), after, profiles_of(pack, table))
    assert set(expected["counts"]) == {gone} and expected["money"]["measures"][gone]["lost"] > 0
    assert_same(found, expected)


def test_the_generated_registry_leaves_answers_out_and_keeps_tech_staff_within_employees(pack: RulePack) -> None:
    table = registry.registry_table(pack, 2000, seed=1)
    profiles = profiles_of(pack, table)
    share = sum("employees" not in p for p in profiles) / 2000
    assert 0.15 < share < 0.25
    assert all(p["tech_staff"] <= p["employees"] for p in profiles if "tech_staff" in p and "employees" in p)
    assert any("tech_staff" in p and "employees" in p and p["tech_staff"] < p["employees"] for p in profiles)
    assert {type(p["registered_on"]) for p in profiles if "registered_on" in p} == {dt.date}
    one, two = (profiles_of(pack, registry.registry_table(pack, 50, seed=seed)) for seed in (1, 2))
    assert one != two


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    """A copy of the project's rules with the HTE staff-ratio criterion turned round."""
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    measure = folder / "measures/national/hte-recognition.yaml"
    text = measure.read_text(encoding="utf-8")
    assert "tech_staff_ratio >= 10%" in text
    measure.write_text(text.replace("tech_staff_ratio >= 10%", "tech_staff_ratio < 10%"), encoding="utf-8")
    return folder


def test_checker_impact_against_the_current_pack_equals_checking_each_profile(draft: Path, pack: RulePack) -> None:
    result = CliRunner().invoke(main, ["--rules", str(draft), "impact", "--against", str(ROOT / "rules"), "--n", "120",
                                       "--seed", "9", "--as-of", "2026-06-01", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    drafted = load_pack(draft)
    profiles = [p for table in registry.chunks(drafted, 120, 9) for p in profiles_of(drafted, table)]
    expected = reference(Side(pack, EARLY), Side(drafted, EARLY), profiles)
    assert set(expected["counts"]) == {"hte-recognition"}
    assert_same(found, expected)


def test_checker_impact_prints_changes_money_by_type_and_the_rate(pack: RulePack) -> None:
    result = CliRunner().invoke(main, ["impact", "--before", "2026-06-01", "--as-of", "2027-06-01", "--n", "300"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{pack.version} on 2026-06-01 -> {pack.version} on 2027-06-01: 300 profiles"
    assert any(line.startswith("hte-tax-rate ") for line in lines)
    assert any(line.startswith("tax_saving_wan ") for line in lines)
    assert lines[-1].startswith("300 profiles in ")
