"""Issue 24 in chromium: the impact preview draws who gains and loses per measure, and money before/after by type,
with the numbers of the tables beside the charts, at 1280 px and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.charts import assert_chart_matches_table
from tests.staff.browser import sign_in_staff
from tests.staff.test_browser_impact import _draft
from tests.staff.test_impact_job import _store


@pytest.mark.parametrize("width", [1280, 390])
def test_the_impact_preview_draws_gains_losses_and_money_beside_the_tables(csrf_app, width):
    _store(csrf_app, 60)
    draft_id = _draft(csrf_app)
    ARTIFACTS.mkdir(exist_ok=True)
    with served(csrf_app, threads=2) as server, chromium_page(width, 900) as page:
        sign_in_staff(page, server)
        page.goto(server + f"/staff/drafts/{draft_id}/impact?as_of=2026-06-01")
        expect(page.locator("#impact-summary")).to_be_visible(timeout=60_000)
        expect(page.locator("#gain-chart")).to_have_attribute("data-chart-drawn", "1", timeout=10_000)
        gains = assert_chart_matches_table(page, "#gain-chart", "by-measure")
        assert gains["series"][1]["data"][0] == int(page.locator("#n-lost").inner_text()) > 0
        if page.locator('#money-by-type tr[data-type]').count():
            assert_chart_matches_table(page, "#impact-chart", "money-by-type")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(ARTIFACTS / f"staff-impact-charts-{width}.png"), full_page=True)
