"""Fixtures of the web tests: apps on a temporary SQLite database, and their clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask

from checker.rules.pack import RulePack
from checker.web import create_app
from tests.dbtemplate import migrated_copy
from tests.web.util import MINI_RULES


def _make(tmp_path: Path, **extra: Any) -> Flask:
    """An app with its own database file."""
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                "DATABASE_URL": migrated_copy(tmp_path, extra), **extra}
    return create_app(settings)


@pytest.fixture
def app(tmp_path: Path, pack: RulePack) -> Iterator[Flask]:
    """The app on the project's rule pack (CHECKER_RULES, loaded once), CSRF off for posting forms directly."""
    application = _make(tmp_path, CHECKER_PACK=pack)
    yield application
    application.extensions["checker"].close()


@pytest.fixture
def client(app: Flask):
    """A test client of the app."""
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def mini_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on the small fixture pack of tests/web/fixtures (assumptions, exclusions, entity questions)."""
    application = _make(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference")
    yield application
    application.extensions["checker"].close()


@pytest.fixture
def mini(mini_app: Flask):
    """A test client of the fixture-pack app."""
    with mini_app.test_client() as test_client:
        yield test_client


@pytest.fixture
def csrf_app(tmp_path: Path) -> Iterator[Flask]:
    """The app with CSRF protection on, as in production."""
    application = _make(tmp_path, TESTING=False, WTF_CSRF_ENABLED=True, CHECKER_RULES=str(MINI_RULES))
    yield application
    application.extensions["checker"].close()
