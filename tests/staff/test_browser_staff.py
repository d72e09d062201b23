"""In a real browser: a staff member edits specialised-sme with a typo (a Chinese lint message with "did you mean";
the refused publish keeps the text), raises its R&D-ratio threshold, sees the examples fail and publishing refused,
previews the impact, fixes the examples, publishes (the file in rules/ changes and is committed), restarts (still
live), and rolls it back after its impact preview."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.conftest import PASSWORD, add_user, make_app, shut
from tests.staff.test_git import git
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


def _shoot(page: Page, name: str) -> None:
    """Screenshots at desktop width and at 390 px."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


def test_staff_edit_preview_publish_restart_and_roll_back(tmp_path, csrf_app, server, page):
    assert _public_status(csrf_app) == "eligible"  # also stores a profile for the impact preview
    ARTIFACTS.mkdir(exist_ok=True)
    rules = Path(csrf_app.config["CHECKER_RULES"])
    path = next(rules.glob(f"measures/*/{MEASURE}.yaml"))
    on_disk = path.read_text(encoding="utf-8")

    page.goto(server + "/agency/login")
    page.fill("#email", "staff@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/staff/")  # staff land in their own area
    expect(page.locator("#live-version")).to_contain_text("v1")

    page.fill('#pack-search input[name="q"]', MEASURE)
    page.click('#pack-search button')
    expect(page.locator("#measures tbody tr")).to_have_count(1)
    page.locator(f"#m-{MEASURE}").get_by_role("link", name="编辑").click()
    original = page.input_value("#text")
    typo = original.replace('test: "rd_ratio_1y >= 3%"', 'test: "rd_ratio_1yr >= 3%"')
    page.fill("#text", typo)
    page.click("#save")
    page.wait_for_url("**/staff/drafts/*")
    expect(page.locator("#errors")).to_contain_text("未知字段 'rd_ratio_1yr'，是否想写 'rd_ratio_1y'？")
    page.fill("#comment", "试试")
    page.click("#publish")
    expect(page.locator("#refused")).to_contain_text("校验错误")
    expect(page.locator("#refused")).to_contain_text("是否想写 'rd_ratio_1y'")
    assert page.input_value("#text").replace("\r\n", "\n").strip() == typo.replace("\r\n", "\n").strip()
    _shoot(page, "staff-draft-typo")

    page.fill("#text", raise_threshold(original))
    page.click("#save")
    expect(page.locator("#no-errors")).to_be_visible()
    expect(page.locator("#example-summary")).to_contain_text("2 失败")
    expect(page.locator("#publish-blocked")).to_be_visible()
    page.fill("#comment", "工信部提高研发占比要求")
    page.click("#publish")
    expect(page.locator("#refused")).to_contain_text("example fails")

    page.click("#impact")
    expect(page.locator("#n-lost")).to_have_text("1")
    expect(page.locator(f"#changes td[title=\"{MEASURE}\"]")).to_contain_text("专精特新")  # the title, not the id
    _shoot(page, "staff-impact")
    page.go_back()

    page.fill("#text", fix_examples(raise_threshold(original)))
    page.click("#save")
    expect(page.locator("#example-summary")).to_contain_text("0 失败")
    expect(page.locator("#publish-blocked")).to_have_count(0)
    page.fill("#comment", "工信部提高研发占比要求至4%")
    page.click("#publish")
    expect(page.locator("#refused")).to_contain_text("发布前须先预览这份草稿当前文字的影响")  # the preview was of older texts
    page.click("#impact")
    expect(page.locator("#n-lost")).to_have_text("1")
    page.go_back()
    page.fill("#comment", "工信部提高研发占比要求至4%")
    page.click("#publish")
    page.wait_for_url("**/staff/")
    expect(page.locator("#live-version")).to_contain_text("v2")
    assert _public_status(csrf_app) == "ineligible"
    published = path.read_text(encoding="utf-8")
    assert published != on_disk and 'rd_ratio_1y >= 4%' in published
    assert git(rules, "log", "-1", "--format=%ae|%s").strip() == "staff@example.com|工信部提高研发占比要求至4%"
    assert git(rules, "status", "--porcelain", "--", ".") == ""

    again = make_app(tmp_path, csrf_app.config["CHECKER_PACK"], CHECKER_RULES=str(rules))  # a restart
    try:
        assert again.extensions["staff"].current().seq == 2
        assert again.extensions["checker"].pack.version == csrf_app.extensions["checker"].pack.version
        assert _public_status(again) == "ineligible"
    finally:
        shut(again)

    page.goto(server + "/staff/versions")
    page.locator("#v-1 a.rollback-preview").click()
    expect(page.locator("#impact-summary")).to_be_visible()
    expect(page.locator("#n-newly")).to_have_text("3")  # the three borderline assessments stored so far
    expect(page.locator("#rollback-diff")).to_contain_text("rd_ratio_1y >= 3%")
    _shoot(page, "staff-rollback-preview")
    page.fill("#comment", "通知撤回")
    page.click("#confirm-rollback")
    expect(page.locator("#v-3")).to_contain_text("rollback")
    assert _public_status(csrf_app) == "eligible"
    assert path.read_text(encoding="utf-8") == on_disk
    assert git(rules, "log", "-1", "--format=%s").strip() == "back to v1: 通知撤回"
    page.goto(server + "/staff/audit")
    expect(page.locator("#audit")).to_contain_text("通知撤回")
    expect(page.locator("#audit")).to_contain_text("refused")
    _shoot(page, "staff-audit")
