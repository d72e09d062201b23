"""End to end in a real browser: Debian's chromium driven by Playwright against waitress."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page

from checker.rules.pack import RulePack
from checker.web.services import pack as current_pack
from tests.browser import ARTIFACTS, chromium_page, served
from tests.web.util import AS_OF, example_profile


@pytest.fixture
def server(app) -> Iterator[str]:
    """The app served by waitress on a free local port, in a background thread."""
    with served(app, threads=2) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh chromium page."""
    with chromium_page() as page:
        yield page


def _answer(page: Page, pack: RulePack, fid: str, value: object) -> None:
    """Answer one question the way a person would."""
    decl = pack.fields[fid]
    if decl.type == "bool":
        page.check(f'input[name="q_{fid}"][value="{"true" if value else "false"}"]')
    elif decl.type == "enum":
        page.select_option(f'select[name="q_{fid}"]', str(value))
    else:
        page.fill(f'input[name="q_{fid}"]', str(value))


def _try_answer(page: Page, pack: RulePack, fid: str, value: object) -> bool:
    """Answer a question if it is on screen; whether it was."""
    if not page.locator(f"#f-{fid}").is_visible():
        return False
    _answer(page, pack, fid, value)
    return True


def test_new_user_checks_a_haidian_software_company(app, server, page):
    with app.app_context():
        pack = current_pack()
    profile = example_profile()
    csp_errors: list[str] = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)

    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "开始自评"
    _answer(page, pack, "entity_type", profile.pop("entity_type"))
    other = [f for f, d in pack.fields.items() if d.entities and "enterprise" not in d.entities]
    for fid in other:
        assert not page.locator(f"#f-{fid}").is_visible(), fid
    todo = [f for f in pack.fields if f in profile]  # in the form's order, as a person reads it
    for _ in range(2):  # a second pass for questions shown only after a later answer
        todo = [f for f in todo if not _try_answer(page, pack, f, profile[f])]
    assert len(todo) < len(profile) / 4, todo
    page.fill('input[name="as_of"]', AS_OF)
    page.click("#submit")
    page.wait_for_url("**/a/*")

    eligible = page.locator("#g-eligible")
    assert "可申报" in eligible.locator("h2").inner_text()
    assert "高新技术企业认定" in page.locator("#g-held").inner_text()  # certified 2024-10-30: 已获得
    assert "已获得" in page.locator("#g-held").inner_text()
    assert "万元" in eligible.inner_text()
    assert page.locator("#totals .total-tax_saving").count() == 1 and page.locator("#totals li").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)
    assert Path(ARTIFACTS / "results.png").stat().st_size > 10_000

    page.click("#lang-switch")
    page.wait_for_load_state()
    eligible = page.locator("#g-eligible")
    assert "Eligible" in eligible.locator("h2").inner_text()
    assert "High-tech enterprise (HTE) recognition" in page.locator("#g-held").inner_text()
    assert "CNY" in eligible.inner_text()
    page.screenshot(path=str(ARTIFACTS / "results-en.png"), full_page=True)
    assert csp_errors == []
