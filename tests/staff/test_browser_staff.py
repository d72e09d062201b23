"""In a real browser: a staff member raises specialised-sme's R&D-ratio threshold, sees the examples fail and
publishing refused, previews the impact, fixes the examples, publishes, sees it live, and rolls it back."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.conftest import PASSWORD, add_user, make_app, shut
from tests.staff.util import BORDERLINE, MEASURE, check_status, fix_examples, raise_threshold


@pytest.fixture
def csrf_app(tmp_path, pack):
    """The staff app with CSRF protection on, as in production."""
    application = make_app(tmp_path, pack, WTF_CSRF_ENABLED=True)
    add_user(application, "staff@example.com", None, "staff")
    yield application
    shut(application)


@pytest.fixture
def server(csrf_app) -> Iterator[str]:
    """The app served by waitress on a free local port, in a background thread."""
    with served(csrf_app, threads=2) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page."""
    with chromium_page(1400, 1000) as page:
        yield page


def _public_status(app) -> str:
    """specialised-sme's verdict on the borderline profile, checked as a new assessment (CSRF off for this client)."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        return check_status(app.test_client(), BORDERLINE)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_staff_edit_preview_publish_and_roll_back(csrf_app, server, page):
    assert _public_status(csrf_app) == "eligible"  # also stores a profile for the impact preview
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(server + "/staff/")
    page.wait_for_url("**/agency/login**")
    page.fill("#email", "staff@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/staff/")
    expect(page.locator("#live-version")).to_contain_text("v1")

    page.locator(f"#m-{MEASURE}").get_by_role("link", name="编辑").click()
    original = page.input_value("#text")
    page.fill("#text", raise_threshold(original))
    page.click("#save")
    page.wait_for_url("**/staff/drafts/*")
    expect(page.locator("#no-errors")).to_be_visible()
    expect(page.locator("#example-summary")).to_contain_text("2 失败")
    expect(page.locator("#publish-blocked")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "staff-draft-failing.png"), full_page=True)

    page.fill("#comment", "工信部提高研发占比要求")
    page.click("#publish")
    expect(page.locator("#refused")).to_contain_text("example fails")
    expect(page.locator("#example-summary")).to_contain_text("2 失败")

    page.click("#impact")
    expect(page.locator("#n-lost")).to_have_text("1")
    expect(page.locator("#changes")).to_contain_text(MEASURE)
    page.screenshot(path=str(ARTIFACTS / "staff-impact.png"), full_page=True)
    page.go_back()

    page.fill("#text", fix_examples(raise_threshold(original)))
    page.click("#save")
    expect(page.locator("#example-summary")).to_contain_text("0 失败")
    expect(page.locator("#publish-blocked")).to_have_count(0)
    page.fill("#comment", "工信部提高研发占比要求至4%")
    page.click("#publish")
    page.wait_for_url("**/staff/")
    expect(page.locator("#live-version")).to_contain_text("v2")
    assert _public_status(csrf_app) == "ineligible"

    page.goto(server + "/staff/versions")
    row = page.locator("#v-1")
    row.locator('input[name="comment"]').fill("通知撤回")
    row.get_by_role("button").click()
    expect(page.locator("#v-3")).to_contain_text("v3")
    expect(page.locator("#v-3")).to_contain_text("rollback")
    assert _public_status(csrf_app) == "eligible"
    page.goto(server + "/staff/audit")
    expect(page.locator("#audit")).to_contain_text("通知撤回")
    page.screenshot(path=str(ARTIFACTS / "staff-audit.png"), full_page=True)
