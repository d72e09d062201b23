"""What every browser test shares: the app served on loopback, and a page of Debian's chromium."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright

from tests.live import serve, stop

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def served(app: Flask, threads: int = 2) -> Iterator[str]:
    """The app served by waitress on a free local port in a background thread; its base URL."""
    base, server, thread = serve(app, threads)
    try:
        yield base
    finally:
        stop(server, thread)


@contextmanager
def chromium_page(width: int = 1200, height: int = 900, downloads: bool = False) -> Iterator[Page]:
    """A fresh page of Debian's chromium, driven by Playwright, in a context of its own (cookies, storage, cache):
    the browser is launched once per test process, not per page."""
    context = _browser().new_context(accept_downloads=downloads, viewport={"width": width, "height": height})
    try:
        yield context.new_page()
    finally:
        context.close()


_SHARED: dict[str, Any] = {}  # "playwright" and "browser", once started


def _browser() -> Browser:
    """The process's chromium (launched again if it died)."""
    browser = _SHARED.get("browser")
    if browser is None or not browser.is_connected():
        if "playwright" not in _SHARED:
            _SHARED["playwright"] = sync_playwright().start()
        browser = _SHARED["playwright"].chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        _SHARED["browser"] = browser
    return browser


def close_browser() -> None:
    """Close the shared chromium and stop Playwright, if they were started (tests/conftest.py, at session end)."""
    browser, playwright = _SHARED.pop("browser", None), _SHARED.pop("playwright", None)
    if browser is not None and browser.is_connected():
        browser.close()
    if playwright is not None:
        playwright.stop()
