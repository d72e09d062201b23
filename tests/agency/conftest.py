"""Fixtures of the agency tests: apps with the agency features wired in, two agencies, signed-in clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from flask import Flask

from checker.cli import main
from checker.web import create_app
from checker.web.agency import init_app
from tests.accounts import PASSWORD, add_token, add_user, shut, sign_in  # noqa: F401
from tests.dbtemplate import migrated_copy
from tests.web.util import MINI_RULES


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch) -> None:
    """Fast password hashes in tests (production keeps scrypt)."""
    monkeypatch.setattr("checker.accounts.users.HASH_METHOD", "pbkdf2:sha256:1000")


def make_app(tmp_path: Path, **extra: Any) -> Flask:
    """An app on the mini pack with its own database, the agency features wired in."""
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                "DATABASE_URL": migrated_copy(tmp_path, extra), "CHECKER_RULES": str(MINI_RULES),
                "CHECKER_ENGINE": "reference", "AGENCY_RUNNER": "inline",
                "AGENCY_EXPORTS": str(tmp_path / "exports"), **extra}
    application = create_app(settings)
    init_app(application)
    return application


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The app with jobs run inline during the request."""
    application = make_app(tmp_path)
    yield application
    shut(application)


@pytest.fixture
def users(app: Flask) -> dict[str, int]:
    """Two agencies with one user each, and a policy-staff user."""
    return {"a": add_user(app, "a@example.com", "Agency A"), "b": add_user(app, "b@example.com", "Agency B"),
            "staff": add_user(app, "staff@example.com", None, "staff")}


@pytest.fixture
def alice(app: Flask, users):
    """A test client signed in as agency A."""
    client = app.test_client()
    sign_in(client, "a@example.com")
    return client


@pytest.fixture
def bob(app: Flask, users):
    """A test client signed in as agency B."""
    client = app.test_client()
    sign_in(client, "b@example.com")
    return client


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """A database with an agency user, shared by the CLI and a web app."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.setenv("CHECKER_RULES", str(MINI_RULES))  # the CLI and the web app share one database and pack
    monkeypatch.setattr("checker.accounts.users.HASH_METHOD", "pbkdf2:sha256:1000")
    added = CliRunner().invoke(main, ["users", "add", "t@example.com", "--agency", "T", "--password", "long-enough-pass"])
    assert added.exit_code == 0, added.output
    web = make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite'}")
    yield web
    shut(web)
