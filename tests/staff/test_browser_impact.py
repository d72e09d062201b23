"""In a real browser: the impact preview of a draft runs in the background; the page polls its progress and then
shows the report, at desktop width and at 390 px."""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from checker.staff import drafts
from tests.browser import ARTIFACTS, chromium_page, served
from tests.staff.browser import sign_in_staff
from tests.staff.conftest import production_app
from tests.staff.test_browser_staff import _shoot
from tests.staff.test_impact_job import _store
from tests.staff.util import MEASURE, raise_threshold


@pytest.fixture
def thread_app(tmp_path, pack):
    """The staff app with background jobs in their own thread and CSRF on, as in production."""
    with production_app(tmp_path, pack, AGENCY_RUNNER="thread", STAFF_IMPACT_CHUNK=40) as application:
        yield application


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page."""
    with chromium_page(1400, 1000) as page:
        yield page


def _draft(app) -> int:
    """A draft raising specialised-sme's R&D-ratio threshold."""
    files = app.extensions["staff"].current().files
    path = drafts.measure_path(files, MEASURE)
    with app.extensions["checker"].sessions() as session:
        draft = drafts.start_draft(session, files, path, raise_threshold(files[path]), "staff@example.com")
        session.commit()
        return draft.id


def test_the_impact_page_polls_then_shows_the_report(thread_app, page):
    _store(thread_app, 800)
    draft_id = _draft(thread_app)
    ARTIFACTS.mkdir(exist_ok=True)
    with served(thread_app, threads=2) as server:
        sign_in_staff(page, server)
        polls = []
        page.on("request", lambda r: polls.append(r.url) if "/staff/impact-jobs/" in r.url else None)
        first = page.goto(server + f"/staff/drafts/{draft_id}/impact?as_of=2026-06-01")
        assert 'data-finished="false"' in first.text()  # the request only started the job
        expect(page.locator("#impact-summary")).to_be_visible(timeout=60_000)
        assert polls, "the page polled the job's status"
        expect(page.locator("#impact-status")).to_have_attribute("data-status", "done")
        expect(page.locator("#impact-count")).to_have_text("800 / 800")
        assert int(page.locator("#n-lost").inner_text()) > 0
        expect(page.locator("#impact-meta")).to_contain_text("向量化批量判定，每批首个资料由 durable 复核")
        _shoot(page, "staff-impact-job")
