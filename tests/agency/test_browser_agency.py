"""End to end in chromium: an agency signs in, downloads the template, uploads clients, follows the job, downloads results."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Page

from tests.agency.conftest import PASSWORD, add_user, make_app, shut
from tests.agency.util import GOOD, csv_bytes
from tests.browser import ARTIFACTS, chromium_page, served


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """The app with the background worker thread, as in production."""
    application = make_app(tmp_path, AGENCY_RUNNER="thread", AGENCY_CHUNK=25)
    add_user(application, "agent@example.com", "Agency A")
    yield application
    shut(application)


@pytest.fixture
def server(live_app: Flask) -> Iterator[str]:
    """The app served by waitress on a free local port."""
    with served(live_app, threads=4) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page that accepts downloads."""
    with chromium_page(downloads=True) as page:
        yield page


def _download(page: Page, selector: str) -> bytes:
    """Click a download link and return the file's bytes."""
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def test_agency_uploads_clients_and_downloads_results(server, page):
    csp_errors: list[str] = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(server + "/agency/")
    page.fill("#email", "agent@example.com")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/agency/")
    assert page.locator("h1").inner_text() == "批量检查"

    template = load_workbook(io.BytesIO(_download(page, "#template")))
    assert template["客户信息"]["A1"].value == "客户编号" and template["客户信息"].data_validations.dataValidation

    rows = [{**GOOD, "id": "=1+1"}, {**GOOD, "id": "broken", "employees": "lots"}]
    rows += [{**GOOD, "id": f"c{i:03d}"} for i in range(300)]
    page.set_input_files("#file", files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": csv_bytes(rows)}])
    page.fill("#as_of", "2026-06-01")
    page.click("#start")
    page.wait_for_url("**/agency/jobs/*")
    page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)
    assert page.locator("#job-bar").get_attribute("value") == "302"
    assert page.locator("#job-errors").inner_text() == "0"  # the bad cell is read as unknown, the client checked
    problem = page.locator("#problems tbody tr").first.inner_text()
    assert problem.startswith("3") and "职工总数" in problem and "不是数字" in problem  # Excel's row 3, under the header
    assert page.locator("#summary-clients").inner_text() == "302"
    assert "可申报" in page.locator("#matrix").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "agency-job.png"), full_page=True)

    book = load_workbook(io.BytesIO(_download(page, "#dl-xlsx")))
    assert book["客户×政策"]["B2"].value == "=1+1" and book["客户×政策"].max_row == 303  # as typed: never evaluated
    assert book["客户×政策"]["B2"].data_type == "s"
    csv_text = _download(page, "#dl-csv").decode("utf-8-sig")
    assert "'=1+1" in csv_text
    assert csp_errors == []


def test_a_wps_header_the_template_does_not_use_is_named_on_the_job_page(tmp_path):
    """成立日期 (the template says 注册成立日期) and 联系人: the finished job's page names both once, at 1280 and 390 px."""
    from tests.conftest import ROOT

    application = make_app(tmp_path, AGENCY_RUNNER="thread", CHECKER_RULES=str(ROOT / "rules"))
    add_user(application, "agent@example.com", "Agency A")
    text = "客户编号,企业（机构）名称,成立日期,北京注册区,联系人\r\nK1,北京云算软件有限公司,2021/11/7,海淀区,张三\r\n"
    try:
        with served(application, threads=4) as url, chromium_page(1280, 900) as page:
            page.goto(url + "/agency/")
            page.fill("#email", "agent@example.com")
            page.fill("#password", PASSWORD)
            page.click("#login")
            page.wait_for_url("**/agency/")
            page.set_input_files("#file", files=[{"name": "客户.csv", "mimeType": "text/csv", "buffer": text.encode("gbk")}])
            page.fill("#as_of", "2026-06-01")
            page.click("#start")
            page.wait_for_url("**/agency/jobs/*")
            page.wait_for_selector('#job-status[data-status="done"]', timeout=30_000)
            note = page.locator("#unread-columns")
            assert note.locator("strong").all_inner_texts() == ["成立日期", "联系人"]
            assert "成立日期（最接近的字段：注册成立日期）；联系人。" in note.inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "agency-job-unread.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(ARTIFACTS / "agency-job-unread-390.png"), full_page=True)
    finally:
        shut(application)
