"""The impact preview compares only what a draft can change, and names newly and no longer eligible companies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from checker.engine import Checker
from checker.staff import drafts, store
from checker.staff.impact_job import narrow
from tests.staff import impact_oracle as impact
from tests.staff.util import BORDERLINE, MEASURE, raise_threshold
from tests.web.util import ROOT

AS_OF = dt.date(2026, 6, 1)


def test_threshold_change_moves_only_the_borderline_company(pack):
    files = store.read_tree(ROOT / "rules")
    path = drafts.measure_path(files, MEASURE)
    draft_files = {**files, path: raise_threshold(files[path])}
    checked = drafts.check_files(files, draft_files, ROOT / "seeds")
    assert checked.pack is not None and checked.changed == [MEASURE] and len(checked.failing) == 2
    before = Checker(narrow(pack, checked.changed), "reference")
    after = Checker(narrow(checked.pack, checked.changed), "reference")
    assert [m.id for m in before.pack.measures] == [MEASURE]
    clear = {**BORDERLINE, "rd_expense_wan": 200}
    report = impact.impact(before, after, [("Borderline", BORDERLINE), ("Clear", clear), ("Bad", {"revenue_wan": "x"})], AS_OF)
    assert report.profiles == 3 and report.unreadable == 1
    assert [(c.company, c.measure, c.kind) for c in report.changes] == [("Borderline", MEASURE, "no_longer_eligible")]
    assert report.companies == ["Borderline"] and report.by_measure()[MEASURE]["no_longer_eligible"] == 1
    back = impact.impact(after, before, [("Borderline", BORDERLINE)], AS_OF)
    assert back.count("newly_eligible") == 1


def test_shared_files_keep_the_whole_pack(pack):
    assert narrow(pack, ["derived.yaml"]) is pack
    assert narrow(pack, ["fields/company.yaml"]) is pack
    assert len(narrow(pack, ["measures/national/index.yaml", MEASURE]).measures) == 1


def test_unsafe_paths_are_refused(tmp_path: Path):
    import pytest

    for bad in ("../x.yaml", "/etc/x.yaml", "a/../../x.yaml", "x.txt"):
        assert not store.safe_path(bad)
        with pytest.raises(ValueError):
            store.materialise({bad: "x"}, tmp_path, tmp_path / "out")
