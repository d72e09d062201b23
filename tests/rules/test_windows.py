"""Application windows: each result says open / upcoming / closed / none with dates and the notice's link."""

from __future__ import annotations

import datetime as dt

import pytest

from checker.engine import Checker
from checker.rules.loader import RulePackError, load_pack
from tests.rules.test_lint_fixtures import make_pack

WINDOWS = """windows:
  - measure: demo-measure
    opens: 2026-03-01
    closes: 2026-04-30
    url: "https://example.gov.cn/notice-2026"
  - measure: demo-measure
    opens: 2027-03-01
    closes: 2027-04-30
"""
PROFILE = {"entity_type": "enterprise", "rd_expense_wan": 120}


def pack_with(tmp_path, text: str):
    rules = make_pack(tmp_path)
    (rules / "windows.yaml").write_text(text, encoding="utf-8")
    return load_pack(rules)


@pytest.mark.parametrize("day, expected", [
    ("2026-02-28", {"status": "upcoming", "opens": "2026-03-01", "closes": "2026-04-30", "url": "https://example.gov.cn/notice-2026"}),
    ("2026-03-01", {"status": "open", "opens": "2026-03-01", "closes": "2026-04-30", "url": "https://example.gov.cn/notice-2026"}),
    ("2026-04-30", {"status": "open", "opens": "2026-03-01", "closes": "2026-04-30", "url": "https://example.gov.cn/notice-2026"}),
    ("2026-05-01", {"status": "upcoming", "opens": "2027-03-01", "closes": "2027-04-30", "url": None}),
    ("2027-05-01", {"status": "closed", "opens": "2027-03-01", "closes": "2027-04-30", "url": None}),
])
def test_each_result_carries_its_window(tmp_path, day, expected):
    checker = Checker(pack_with(tmp_path, WINDOWS), "reference")
    result = checker.check(PROFILE, dt.date.fromisoformat(day)).to_json()["results"][0]
    assert result["window"] == expected


def test_no_window_published(tmp_path):
    result = Checker(load_pack(make_pack(tmp_path)), "reference").check(PROFILE, dt.date(2026, 6, 1)).to_json()
    assert result["results"][0]["window"] == {"status": "none", "opens": None, "closes": None, "url": None}


def test_window_mistakes_are_linted(tmp_path):
    with pytest.raises(RulePackError) as caught:
        pack_with(tmp_path / "a", WINDOWS.replace("measure: demo-measure", "measure: demo-measur", 1))
    messages = [str(e) for e in caught.value.errors]
    assert messages == ["rules/windows.yaml:2: windows[0].measure: unknown measure 'demo-measur'; did you mean 'demo-measure'?"]
    with pytest.raises(RulePackError) as caught:
        pack_with(tmp_path / "b", WINDOWS.replace("2027-04-30", "2027-02-01"))
    messages = [str(e) for e in caught.value.errors]
    assert len(messages) == 1 and messages[0].startswith("rules/windows.yaml:6: windows[1]: ")
    assert "'closes' is before 'opens'" in messages[0]
