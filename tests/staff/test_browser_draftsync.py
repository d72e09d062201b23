"""In a real browser: an officer's draft is refused because a commit made outside the editor changed the same line;
"bring the draft up to date" marks the conflict, the officer resolves it and publishes. Then a broken commit lands
on disk: publishing another measure names the broken file with a repair link, the officer opens its committed text,
sees the file:line error, fixes it and publishes; the site served the last good version meanwhile."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.conftest import PASSWORD, add_user, make_app, shut
from tests.staff.test_git import PATH, git
from tests.web.util import MINI_RULES


@pytest.fixture
def csrf_app(tmp_path):
    """The staff app on the fixture pack with CSRF protection on, as in production."""
    application = make_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference", WTF_CSRF_ENABLED=True)
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
    with chromium_page(1280, 1000) as page:
        yield page


def _publish(page: Page, draft_url: str, comment: str) -> None:
    """Preview the draft's impact (required), then publish it with the comment."""
    page.goto(draft_url + "/impact")
    page.wait_for_selector('[data-status="done"]')
    page.goto(draft_url)
    page.fill("#comment", comment)
    page.click("#publish")


def _editor(page: Page) -> str:
    """The editor's text."""
    return page.input_value("#text").replace("\r\n", "\n").lstrip("\n")


def test_bring_a_conflicting_draft_up_to_date_then_repair_a_broken_commit(csrf_app, server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    rules = Path(csrf_app.config["CHECKER_RULES"])
    page.goto(server + "/agency/login")
    page.fill("#email", "staff@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/staff/")

    page.goto(server + "/staff/measures/grant-a/edit")
    original = _editor(page)
    page.fill("#text", original.replace("给予补助, en", "给予资金补助, en"))
    page.click("#save")
    page.wait_for_url("**/staff/drafts/*")
    draft_url = page.url.split("?")[0]
    outside = original.replace("给予补助, en", "给予一次性补助, en").replace("向测试局申报", "向测试局政务窗口申报")
    (rules / PATH).write_text(outside, encoding="utf-8")
    git(rules, "commit", "-qam", "officer: one-off grant")

    page.fill("#comment", "资金补助措辞")
    page.click("#publish")
    expect(page.locator("#refused")).to_contain_text(f"{PATH} 在草稿开始后被编辑器之外的提交（officer: one-off grant）修改")
    expect(page.locator("#refused")).not_to_contain_text("已被他人发布修改")
    page.click("#update-draft")
    expect(page.locator("p.flash").first).to_contain_text(f"{PATH} 第 3 行与最新版本冲突")
    marked = _editor(page)
    assert "<<<<<<< draft\n" in marked and "给予资金补助" in marked and "给予一次性补助" in marked
    assert "向测试局政务窗口申报" in marked  # the part of the commit that does not overlap is merged in
    expect(page.locator("#publish-blocked")).to_be_visible()
    expect(page.locator("#errors")).to_contain_text(f"{PATH}:3")
    expect(page.locator("#errors")).to_contain_text("第 3 行开始一处未解决的冲突")
    page.screenshot(path=str(ARTIFACTS / "staff-draft-conflict.png"), full_page=True)
    page.fill("#text", re.sub(r"<<<<<<< draft\n(.*?)\n=======\n.*?\n>>>>>>> latest\n", r"\1\n", marked, flags=re.S))
    page.click("#save")
    expect(page.locator("#no-errors")).to_be_visible()
    expect(page.locator("#update-draft")).to_have_count(0)
    _publish(page, draft_url, "资金补助措辞")
    page.wait_for_url("**/staff/")
    expect(page.locator("#live-version")).to_contain_text("v3")  # v2 is the outside commit
    published = (rules / PATH).read_text(encoding="utf-8")
    assert "给予资金补助" in published and "向测试局政务窗口申报" in published and "<<<<<<<" not in published

    fixed = published
    (rules / PATH).write_text(fixed.replace("kind: subsidy", "kind: [subsidy"), encoding="utf-8")
    git(rules, "commit", "-qam", "officer: oops")
    page.goto(server + "/staff/")
    expect(page.locator("#rules-refused")).to_be_visible()
    expect(page.locator("#live-version")).to_contain_text("v3")  # the last good version stays live

    page.goto(server + "/staff/measures/relief-b/edit")
    page.fill("#text", _editor(page) + "# 备注\n")
    page.click("#save")
    page.wait_for_url("**/staff/drafts/*")
    page.fill("#comment", "备注")
    page.click("#publish")
    expect(page.locator("#refused")).to_contain_text(f"已提交的规则在文件 {PATH} 中有错误")
    page.locator("#refused a.repair-link").click()
    page.wait_for_url("**/staff/repair?**")
    expect(page.locator("#errors")).to_contain_text(f"{PATH}:")
    assert "kind: [subsidy" in _editor(page)  # the committed (broken) text, not the live one
    page.screenshot(path=str(ARTIFACTS / "staff-repair.png"), full_page=True)
    page.fill("#text", _editor(page).replace("kind: [subsidy", "kind: subsidy"))
    page.click("#save")
    page.wait_for_url("**/staff/drafts/*")
    expect(page.locator("#no-errors")).to_be_visible()
    expect(page.locator("#update-draft")).to_have_count(0)
    _publish(page, page.url.split("?")[0], "修复 kind")
    page.wait_for_url("**/staff/")
    expect(page.locator("#rules-refused")).to_have_count(0)
    expect(page.locator("#live-version")).to_contain_text("v4")
    assert (rules / PATH).read_text(encoding="utf-8") == fixed
    assert git(rules, "log", "-1", "--format=%ae|%s").strip() == "staff@example.com|修复 kind"
