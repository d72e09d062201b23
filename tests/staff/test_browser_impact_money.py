"""In a real browser: the impact preview of a cap raised from 2027 shows the money table (before/after totals per
type, who gains) and the date it checked, at 1280 px and at 390 px without the page scrolling sideways."""

from __future__ import annotations

import time
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.browser import sign_in_staff
from tests.staff.test_impact_money import _draft, _store_clients


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page at 1280 px."""
    with chromium_page(1280, 900) as page:
        yield page


def _overflow(page: Page) -> int:
    """How far the page is wider than the window once its layout has settled (0 when nothing scrolls sideways): a
    loaded machine may measure between a resize or a progress update and the reflow, so it measures again for up to
    5 s (polled from here: wait_for_function evaluates its predicate by eval, which the page's CSP refuses)."""
    deadline = time.monotonic() + 5
    while True:
        wider = int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
        if wider <= 0 or time.monotonic() > deadline:
            return wider
        page.wait_for_timeout(100)


def test_the_money_table_at_desktop_and_phone_width(csrf_app, page):
    _store_clients(csrf_app)
    draft_id = _draft(csrf_app)
    ARTIFACTS.mkdir(exist_ok=True)
    with served(csrf_app, threads=2) as server:
        sign_in_staff(page, server)
        page.goto(server + f"/staff/drafts/{draft_id}/impact?as_of=2027-06-01")
        expect(page.locator("#impact-summary")).to_be_visible(timeout=60_000)
        expect(page.locator("#impact-as-of")).to_contain_text("2027-06-01")
        cash = page.locator('#money-by-type tr[data-type="cash_wan"]')
        expect(cash).to_contain_text("资金补贴")
        expect(cash.locator("td").nth(3)).to_have_text("+30.00")
        expect(page.locator("#money-companies")).to_contain_text("金额增加的企业 1 家，减少的 0 家")
        expect(page.locator("#money-top")).to_contain_text("Agency A / Capped")
        assert _overflow(page) <= 0
        page.screenshot(path=str(ARTIFACTS / "staff-impact-money.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.locator("#money-by-type")).to_be_visible()
        assert _overflow(page) <= 0, "the page scrolls sideways at 390 px"
        page.screenshot(path=str(ARTIFACTS / "staff-impact-money-390.png"), full_page=True)
