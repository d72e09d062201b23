"""In a real browser: an officer uploads a sample CSV on a draft's impact page and reads the report (counts, money,
the bad row by number), then starts a generated-registry preview labelled as not real companies; at 1280 px and at
390 px without the page scrolling sideways."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from checker.staff import drafts
from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.browser import sign_in_staff
from tests.staff.test_sample_impact import MEASURE, lower_income_cap, sample_csv


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page at 1280 px."""
    with chromium_page(1280, 900) as page:
        yield page


def _overflow(page: Page) -> int:
    """How far the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _draft(app) -> int:
    """A draft lowering small-low-profit's taxable-income cap."""
    files = app.extensions["staff"].current().files
    path = drafts.measure_path(files, MEASURE)
    with app.extensions["checker"].sessions() as session:
        found = drafts.start_draft(session, files, path, lower_income_cap(files[path]), "staff@example.com")
        session.commit()
        return found.id


def _at_phone_width(page: Page, name: str) -> None:
    """Narrow the window to 390 px: nothing may scroll sideways; keep a screenshot."""
    page.set_viewport_size({"width": 390, "height": 844})
    assert _overflow(page) <= 0, f"{name} scrolls sideways at 390 px"
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_sample_file_and_the_registry_from_the_impact_page(csrf_app, page, tmp_path):
    draft_id = _draft(csrf_app)
    sample = tmp_path / "样本.csv"
    sample.write_bytes(sample_csv(csrf_app.extensions["staff"].current().pack))
    ARTIFACTS.mkdir(exist_ok=True)
    with served(csrf_app, threads=2) as server:
        sign_in_staff(page, server)
        page.goto(server + f"/staff/drafts/{draft_id}/impact?as_of=2026-06-01")
        expect(page.locator("#sample-sources")).to_be_visible(timeout=60_000)
        _at_phone_width(page, "staff-sample-forms")
        page.set_input_files("#sample-upload", str(sample))
        page.click("#sample-file-form button[type=submit]")
        expect(page.locator("#impact-summary")).to_be_visible(timeout=60_000)
        expect(page.locator("#sample-source")).to_contain_text("样本.csv")
        expect(page.locator("#n-rows")).to_have_text("8")
        expect(page.locator("#bad-rows tr[data-row='7']")).to_contain_text("注册成立日期")
        expect(page.locator(f"#by-measure tr[data-measure='{MEASURE}'] td[data-kind='no_longer_eligible']")).not_to_have_text("0")
        expect(page.locator("#money-top")).to_contain_text("北京样本科技有限公司")
        assert _overflow(page) <= 0
        page.screenshot(path=str(ARTIFACTS / "staff-sample-impact.png"), full_page=True)
        _at_phone_width(page, "staff-sample-impact")
        page.goto(server + f"/staff/drafts/{draft_id}/impact?as_of=2026-06-01")
        page.fill("#registry-n", "2000")
        page.fill("#registry-seed", "5")
        page.click("#registry-form button[type=submit]")
        expect(page.locator("#impact-summary")).to_be_visible(timeout=60_000)
        expect(page.locator("#sample-source")).to_contain_text("不是真实企业")
        expect(page.locator("#sample-source")).to_contain_text("2,000")
        _at_phone_width(page, "staff-registry-impact")


def test_a_running_registry_preview_is_cancelled_and_shows_its_partial_result(csrf_app, page):
    from tests.staff.test_sample_jobs import _registry_job, _run

    job_id = _registry_job(csrf_app, n=2500)
    assert not _run(csrf_app, job_id, chunks=1)  # 1,000 of 2,500 rows compared, still running
    ARTIFACTS.mkdir(exist_ok=True)
    with served(csrf_app, threads=2) as server:
        sign_in_staff(page, server)
        with page.expect_response(lambda r: r.url.endswith(f"/staff/sample-impacts/{job_id}.json")):
            page.goto(server + f"/staff/sample-impacts/{job_id}")  # the page, then progress.js's first poll
        expect(page.locator("#impact-status")).to_have_attribute("data-status", "running")
        expect(page.locator("#impact-count")).to_have_text("1,000 / 2,500")  # as the poll writes it: thousands grouped
        expect(page.locator("#impact-bar")).to_have_text("1,000 / 2,500")
        expect(page.locator("#impact-summary")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "staff-sample-running.png"), full_page=True)
        _at_phone_width(page, "staff-sample-running")
        page.click("#sample-cancel button[type=submit]")
        expect(page.locator("#impact-status")).to_have_attribute("data-status", "cancelled")
        expect(page.locator("#impact-status")).to_have_text("已取消")
        expect(page.locator("#sample-partial")).to_contain_text("前 1,000 行（共 2,500 行）")
        expect(page.locator("#sample-cancel")).to_have_count(0)
        expect(page.locator("#n-rows")).to_have_text("1,000")
        expect(page.locator("#money-top")).to_contain_text("生成的企业 #")
        assert _overflow(page) <= 0
        page.screenshot(path=str(ARTIFACTS / "staff-sample-cancelled.png"), full_page=True)
        _at_phone_width(page, "staff-sample-cancelled")
        page.click("#sample-restart")
        expect(page.locator("#registry-n")).to_have_value("2500")
        expect(page.locator("#registry-seed")).to_have_value("3")
