"""What the staff browser tests share: signing in as policy staff in chromium."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.accounts import PASSWORD


def sign_in_staff(page: Page, server: str, email: str = "staff@example.com") -> None:
    """Sign in through the login form of the served app; staff land on /staff/."""
    page.goto(server + "/agency/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/staff/")
