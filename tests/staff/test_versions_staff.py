"""Staff see a measure's dated versions side by side, each with its dates, sources and decision table."""

from __future__ import annotations

import re


def _section(page: str, suffix: str) -> str:
    return re.search(rf'<section class="version[^"]*" id="version{suffix}">.*?</section>', page, re.S).group(0)


def test_the_decision_table_page_shows_both_versions_side_by_side(staff):
    page = staff.get("/staff/measures/specialised-sme").get_data(as_text=True)
    assert page.count('<section class="version') == 2
    old, new = _section(page, "-2022-06-01"), _section(page, "")
    assert "2022-06-01 至 2026-03-31" in old and "工信部企业〔2022〕63号" in old and "今日适用" not in old
    assert "2026-04-01 至 今" in new and "工信部企业〔2026〕2号" in new and "今日适用" in new and "公开转述" in new
    niche = r'<tr id="dt-niche-years{}">.*?<td class="threshold">(\d+)'
    assert re.search(niche.format("-2022-06-01"), old, re.S).group(1) == "2"
    assert re.search(niche.format(""), new, re.S).group(1) == "3"
    assert 'id="dt-quality-score"' in new and "quality-score" not in old
    examples = re.search(r'<table class="examples".*?</table>', page, re.S).group(0)
    assert "specialised-sme@2022-06-01 #1" in examples and "specialised-sme@2026-04-01 #1" in examples


def test_an_undated_measure_keeps_its_single_table(staff):
    page = staff.get("/staff/measures/tech-sme").get_data(as_text=True)
    assert 'id="decision-table"' in page and 'class="versions"' not in page
