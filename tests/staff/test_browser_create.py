"""In a real browser: a staff member adds a dated parameter, a field and a measure reading both, publishes each,
and a company's profile is checked against them on two dates."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.conftest import PASSWORD, add_user, make_app, shut
from tests.staff.test_create import FIELD, MEASURE, PARAMETER, _status
from tests.web.util import MINI_RULES


@pytest.fixture
def csrf_mini(tmp_path):
    """The fixture-pack app with CSRF on, as in production."""
    application = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference", WTF_CSRF_ENABLED=True)
    add_user(application, "staff@example.com", None, "staff")
    yield application
    shut(application)


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page."""
    with chromium_page(1300, 900) as page:
        yield page


def _fill(page: Page, data: dict) -> None:
    """Fill a creation form from test data (selects and multi-selects included)."""
    for name, value in data.items():
        target = page.locator(f'#new-form [name="{name}"]')
        if isinstance(value, list) or target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)


def _create_and_publish(page: Page, base: str, url: str, data: dict, comment: str, shot: str) -> None:
    page.goto(base + url)
    _fill(page, data)
    page.screenshot(path=str(ARTIFACTS / f"{shot}-form.png"), full_page=True)
    page.click("#create")
    page.wait_for_url("**/staff/drafts/*")
    expect(page.locator("#no-errors")).to_be_visible()
    expect(page.locator("#publish-blocked")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / f"{shot}-draft.png"), full_page=True)
    page.click("#impact")  # publishing needs the impact preview of exactly these texts
    expect(page.locator("#impact-summary")).to_be_visible()
    page.go_back()
    page.fill("#comment", comment)
    page.click("#publish")
    page.wait_for_url("**/staff/")


def test_create_a_parameter_a_field_and_a_measure_in_the_browser(csrf_mini, page):
    ARTIFACTS.mkdir(exist_ok=True)
    with served(csrf_mini, threads=2) as base:
        page.goto(base + "/agency/login")
        page.fill("#email", "staff@example.com")
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.wait_for_url("**/staff/")
        _create_and_publish(page, base, "/staff/new/parameter", PARAMETER, "示例门槛2026年修订", "staff-new-parameter")
        _create_and_publish(page, base, "/staff/new/field", FIELD, "新增示例评分", "staff-new-field")
        _create_and_publish(page, base, "/staff/new/measure", MEASURE, "新增示例措施", "staff-new-measure")
        expect(page.locator("#live-version")).to_contain_text("v4")
        page.goto(base + "/staff/measures/demo-new")
        expect(page.locator("#dt-c1")).to_contain_text("参数 demo_floor，取值起始日：2026-01-01")
        page.screenshot(path=str(ARTIFACTS / "staff-decision-table.png"), full_page=True)
    csrf_mini.config["WTF_CSRF_ENABLED"] = False
    public = csrf_mini.test_client()
    profile = {"entity_type": "enterprise", "demo_score": 120}
    assert _status(public, profile, "2025-06-01") == "eligible"
    assert _status(public, profile, "2026-06-01") == "ineligible"
