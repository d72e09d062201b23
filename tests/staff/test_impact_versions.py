"""The impact preview compares both packs at the check date it is given: each side in the version in force then."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from checker import config
from checker.engine import Checker
from checker.rules.loader import load_pack
from checker.staff.impact_job import narrow
from tests.staff.impact_oracle import impact

FIRM = {"entity_type": "enterprise", "niche_market_years": 2, "revenue_wan": 1200, "rd_expense_wan": 150,
        "equity_financing_2y_wan": 0, "specialised_score": 70}
OLD_NICHE = '        test: "niche_market_years >= 2"\n'


def _draft(tmp_path: Path):
    """The pack with the 2022 version's niche threshold raised from 2 to 3 years (the 2026 version untouched; loading
    lints the pack, it does not run the examples this change breaks)."""
    rules = config.rules_dir()
    shutil.copytree(rules, tmp_path / "rules")
    shutil.copytree(rules.parent / "seeds", tmp_path / "seeds")
    path = tmp_path / "rules/measures/national/specialised-sme.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(OLD_NICHE) == 1
    new = '        test: "niche_market_years >= 3"\n        assumption: {zh: 假设3年, en: Assumed 3 years}\n'
    text = text.replace(OLD_NICHE, new)
    path.write_text(text, encoding="utf-8")
    return load_pack(tmp_path / "rules")


def test_a_change_to_the_old_version_shows_only_in_a_preview_dated_before_the_new_one(tmp_path, pack):
    draft_pack = narrow(_draft(tmp_path), ["specialised-sme"])
    live, draft = Checker(narrow(pack, ["specialised-sme"]), "reference"), Checker(draft_pack, "reference")
    before = impact(live, draft, [("firm", FIRM)], dt.date(2026, 3, 31))
    assert [(c.measure, c.before, c.after) for c in before.changes] == [("specialised-sme", "eligible", "ineligible")]
    after = impact(live, draft, [("firm", FIRM)], dt.date(2026, 12, 3))
    assert after.changes == [] and after.profiles == 1  # both sides use the 2026 version on that date
