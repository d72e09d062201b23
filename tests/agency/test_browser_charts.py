"""Issue 24 in chromium: the portfolio dashboard draws each chart (clients by measure, money by type, by district
and industry) with the numbers of the table beside it, at 1280 px and at 390 px, under the strict CSP; the
workbook opens on a 汇总 sheet with native charts."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.accounts import PASSWORD
from tests.agency.test_portfolio import CLIENTS
from tests.agency.util import job_id_of, jsonl_bytes, upload
from tests.browser import ARTIFACTS, chromium_page, served
from tests.charts import assert_chart_matches_table

DISTRICTS = ["haidian", "haidian", "chaoyang", None]
PLACED = [{**c, "province": "beijing", "district": d, "industry_code": code}
          for c, d, code in zip(CLIENTS, DISTRICTS, ["C39", "I65", "C39", "M73"])]
CHARTS = [("board-measures", "stack"), ("board-money", "bar"), ("board-districts", "hbar"),
          ("board-industries", "hbar")]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_portfolio_dashboard_draws_its_charts_from_its_tables(app, alice, width):
    job_id_of(upload(alice, "c.jsonl", jsonl_bytes(PLACED)))
    ARTIFACTS.mkdir(exist_ok=True)
    with served(app) as server, chromium_page(width, 900, downloads=True) as page:
        csp: list[str] = []
        page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.goto(server + "/agency/login")
        page.fill("#email", "a@example.com")
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.goto(server + "/agency/portfolio")
        for table, _kind in CHARTS:
            expect(page.locator(f'[data-chart-for="{table}"]')).to_have_attribute("data-chart-drawn", re.compile(r"\d+"))
        measures = assert_chart_matches_table(page, '[data-chart-for="board-measures"]', "board-measures")
        assert sum(measures["series"][0]["data"]) > 0  # some client is 可申报 somewhere
        assert_chart_matches_table(page, '[data-chart-for="board-money"]', "board-money")
        districts = assert_chart_matches_table(page, '[data-chart-for="board-districts"]', "board-districts")
        by_district = dict(zip(districts["labels"], districts["series"][0]["data"]))
        assert by_district["haidian"] == 2 and by_district["未填写"] == 1  # the mini pack has no district labels
        assert_chart_matches_table(page, '[data-chart-for="board-industries"]', "board-industries")
        assert not csp, csp
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(ARTIFACTS / f"agency-dashboard-{width}.png"), full_page=True)
        if width == 1280:
            with page.expect_download() as info:
                page.click('a[href$="/portfolio/results.xlsx"]')
            book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
            assert book.sheetnames[0] == "汇总" and len(book["汇总"]._charts) == 2
            summary = book["汇总"]
            assert summary["A1"].value == "政策" and summary["B1"].value == "可申报"
            assert [c.value for c in summary["A"]][1:len(measures["labels"]) + 1][:3] == measures["labels"][:3]
