"""The example company's results in chromium: fits a phone, prints the summary on at most two A4 pages."""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from tests.browser import ARTIFACTS, chromium_page, served
from tests.web.util import as_form, example_profile

NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def results_url(app, client) -> Iterator[str]:
    """The saved results page of the example company, served on loopback."""
    location = client.post("/", data=as_form(example_profile())).headers["Location"]
    with served(app, threads=2) as url:
        yield url + location


def _pages(pdf: bytes) -> int:
    """The number of pages of a PDF."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_results_fit_a_390_px_phone(results_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_page(width=390, height=844) as page:
        page.goto(results_url)
        assert page.evaluate(NO_SIDEWAYS)
        page.locator("details.card").first.locator("summary").click()
        page.locator("#g-ineligible > summary").click()
        assert page.evaluate(NO_SIDEWAYS)
        page.screenshot(path=str(ARTIFACTS / "results-390.png"), full_page=True)


def test_summary_prints_on_two_a4_pages_and_detail_is_optional(results_url):
    with chromium_page() as page:
        page.goto(results_url)
        summary = page.pdf(format="A4", print_background=True)
        (ARTIFACTS / "results-summary.pdf").write_bytes(summary)
        assert 1 <= _pages(summary) <= 2, _pages(summary)
        page.goto(results_url + "?detail=1")
        assert page.locator("details.card[open]").count() == page.locator("details.card").count() > 0
        detail = page.pdf(format="A4")
        assert _pages(detail) > _pages(summary)
