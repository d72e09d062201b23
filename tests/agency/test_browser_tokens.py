"""In chromium: an agency names a token, sees it once, revokes it; the page fits a 390 px phone; sign-out ends the session."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask

from tests.agency.conftest import PASSWORD, add_user, make_app, shut
from tests.browser import ARTIFACTS, chromium_page, served


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app (CSRF on, as in production) served on loopback with one agency user."""
    application: Flask = make_app(tmp_path, WTF_CSRF_ENABLED=True, TESTING=False)
    add_user(application, "agent@example.com", "Agency A")
    try:
        with served(application, threads=4) as url:
            yield url
    finally:
        shut(application)


@pytest.mark.parametrize("width", [1200, 390])
def test_tokens_page_create_revoke_and_logout(server, width):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium_page(width=width, height=800) as page:
        page.goto(f"{server}/agency/login?next=/agency/tokens&lang=en")
        page.fill("input[name=email]", "agent@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        assert page.url.endswith("/agency/tokens")
        page.fill("#label", "nightly ERP export")
        page.select_option("#days", "30")
        page.click("#create-token")
        token = page.inner_text("#new-token")
        assert token.startswith("pc_")
        row = page.locator("#tokens tbody tr").first
        assert "nightly ERP export" in row.inner_text() and "active" in row.inner_text()
        assert page.input_value("#label") == ""  # the form is cleared once the token is made
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.evaluate("[...document.querySelectorAll('#tokens td')].every(td => td.getBoundingClientRect().right"
                             " <= window.innerWidth)")  # every cell visible, none scrolled off on a phone
        page.screenshot(path=str(ARTIFACTS / f"agency-tokens-{width}.png"), full_page=True)
        page.locator("#tokens button").first.click()
        assert "revoked" in page.locator("#tokens tbody tr").first.inner_text()
        assert page.locator("#tokens button").count() == 0 and token not in page.content()
        cookies = page.context.cookies()
        page.click("#logout")
        page.context.add_cookies(cookies)  # replay the signed-in cookie after signing out
        page.goto(f"{server}/agency/tokens")
        assert "/agency/login" in page.url
