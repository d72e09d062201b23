"""Fixtures of the hardening tests: fully wired apps (agency, hardening, limits, observe), users, tokens, live servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from checker.web import create_app, hardening, limits, observe
from checker.web.agency import init_app as init_agency
from tests.accounts import PASSWORD, add_token, add_user, shut, sign_in  # noqa: F401
from tests.dbtemplate import migrated_copy
from tests.live import serve, stop  # noqa: F401  (the hardening tests import them from here)
from tests.web.util import MINI_RULES


def wire(app: Flask) -> Flask:
    """What create_app is to call: hardening, limits, observability; then the agency features."""
    hardening.init_app(app)
    limits.init_app(app)
    observe.init_app(app)
    init_agency(app)
    return app


def make_app(tmp_path: Path, **extra: Any) -> Flask:
    """A wired app on the mini pack (reference engine) with its own SQLite file; jobs run inline.

    A preloaded CHECKER_PACK needs its CHECKER_RULES too: the staff features import that folder as the live pack.
    """
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                "DATABASE_URL": migrated_copy(tmp_path, extra), "CHECKER_RULES": str(MINI_RULES),
                "CHECKER_ENGINE": "reference", "AGENCY_RUNNER": "inline", **extra}
    return wire(create_app(settings))


@pytest.fixture
def cheap_hashes(monkeypatch) -> None:
    """Fast password hashes (production keeps scrypt)."""
    monkeypatch.setattr("checker.accounts.users.HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def app(tmp_path: Path, cheap_hashes) -> Iterator[Flask]:
    """A wired app on the mini pack, CSRF off."""
    application = make_app(tmp_path)
    yield application
    shut(application)


@pytest.fixture
def csrf_app(tmp_path: Path, cheap_hashes) -> Iterator[Flask]:
    """A wired app with CSRF protection on, as in production."""
    application = make_app(tmp_path, TESTING=False, WTF_CSRF_ENABLED=True)
    yield application
    shut(application)
