"""In chromium at 1280 and 390 px: the decision table cites each row's own clause, ends with the benefit row, labels
fields in Chinese, and neither overflows nor breaks a word across lines (issue 22 item 10)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.conftest import PASSWORD, add_user

# Cells wider than their box, and Latin words or numbers (beijing, 20000, >=, rd_ratio) split over two lines.
LAYOUT = """table => {
  const cells = [...table.querySelectorAll('th, td')];
  const overflowing = cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.trim().slice(0, 40));
  const broken = [];
  for (const cell of cells) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/[A-Za-z0-9.%<>=!-]{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  const box = table.getBoundingClientRect();
  return {overflowing, broken, right: box.right, page: document.documentElement.scrollWidth,
          wordBreak: getComputedStyle(table.querySelector('td')).wordBreak};
}"""


def _sign_in(page: Page, server: str) -> None:
    page.goto(server + "/agency/login")
    page.fill("#email", "staff@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/staff/")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_decision_table_cites_each_row_and_fits_the_screen(app, width):
    add_user(app, "staff@example.com", None, "staff")
    with served(app) as server, chromium_page(width, 900) as page:
        _sign_in(page, server)
        for measure in ("hte-recognition", "zgc-ip-pledge-subsidy"):
            page.goto(f"{server}/staff/measures/{measure}")
            table = page.locator("#decision-table")
            rows = table.locator("tbody tr")
            criteria = len(app.extensions["checker"].pack.measure(measure).criteria)
            assert rows.count() == criteria + 1 and rows.last.get_attribute("id") == "dt-benefit"
            benefit = page.locator("#dt-benefit").inner_text()
            assert benefit.startswith("支持内容与金额")
            layout = table.evaluate(LAYOUT)
            assert layout["overflowing"] == [] and layout["broken"] == [], layout
            assert layout["right"] <= width and layout["page"] <= width and layout["wordBreak"] == "keep-all", layout
            table.screenshot(path=str(ARTIFACTS / f"staff-decision-table-{measure}-{width}.png"))
        page.goto(f"{server}/staff/measures/hte-recognition")
        staff = page.locator("#dt-tech-staff-ratio td.source").inner_text()
        assert "第十一条（四）" in staff and "10%" in staff and "第十一条（六）" not in staff and "60%" not in staff
        assert page.locator("#dt-tech-staff-ratio .field-label").inner_text() == "科技人员占比"
        page.goto(f"{server}/staff/measures/zgc-ip-pledge-subsidy")
        assert page.locator("#dt-in-beijing td.threshold").inner_text() == "北京"
        assert "金额：min(" in page.locator("#dt-benefit").inner_text()
        assert "50万元" in page.locator("#dt-benefit td.source").inner_text()
