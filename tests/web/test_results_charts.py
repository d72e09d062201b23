"""Issue 24 in chromium: the company result draws money by type and what opens when, each with the numbers of the
small table beside it, at 1280 px and at 390 px, under the strict CSP."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, chromium_page, served
from tests.charts import assert_chart_matches_table, chart_of
from tests.web.util import as_form, example_profile


@pytest.mark.parametrize("width", [1280, 390])
def test_the_result_draws_money_by_type_and_windows_from_its_tables(app, client, width):
    location = client.post("/", data=as_form(example_profile())).headers["Location"]
    ARTIFACTS.mkdir(exist_ok=True)
    with served(app, threads=2) as url, chromium_page(width, 900) as page:
        csp: list[str] = []
        page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.goto(url + location)
        page.wait_for_selector('[data-chart-for="totals-table"][data-chart-drawn]')
        money = assert_chart_matches_table(page, '[data-chart-for="totals-table"]', "totals-table")
        assert len(money["labels"]) == page.locator("#totals li").count() > 0  # one bar per total the page lists
        if page.locator("#windows-table").count():
            page.wait_for_selector('[data-chart-for="windows-table"][data-chart-drawn]')
            assert_chart_matches_table(page, '[data-chart-for="windows-table"]', "windows-table")
        else:
            assert chart_of(page, '[data-chart-for="windows-table"]') is None
        assert not csp, csp
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / f"results-charts-{width}.png"))
