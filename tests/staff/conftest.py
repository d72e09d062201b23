"""Fixtures of the staff tests: apps with the staff features wired in, staff and agency users, signed-in clients."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask

from checker import config
from checker.rules.pack import RulePack
from checker.web import create_app
from checker.web.staff import init_app
from tests.accounts import PASSWORD, add_user, shut, sign_in  # noqa: F401
from tests.dbtemplate import migrated_copy
from tests.web.util import MINI_RULES


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch) -> None:
    """Fast password hashes in tests (production keeps scrypt)."""
    monkeypatch.setattr("checker.accounts.users.HASH_METHOD", "pbkdf2:sha256:1000")


def private_rules(tmp_path: Path, source: Path) -> Path:
    """A copy of a rules folder (seeds linked beside it) that publishes may commit to: never the project's own."""
    dest = tmp_path / "pack"
    if not (dest / "rules").exists():
        shutil.copytree(source, dest / "rules")
        if (source.parent / "seeds").is_dir():
            (dest / "seeds").symlink_to((source.parent / "seeds").resolve(), target_is_directory=True)
    return dest / "rules"


def make_app(tmp_path: Path, pack: RulePack | None = None, **extra: Any) -> Flask:
    """An app with its own database and its own git-backed copy of the rules (the project's unless CHECKER_RULES
    names another folder; a folder inside the project is copied too), the staff features wired in."""
    rules = Path(extra.pop("CHECKER_RULES", None) or config.rules_dir()).resolve()
    if rules.is_relative_to(config.PROJECT_ROOT.resolve()):
        rules = private_rules(tmp_path, rules)
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                "DATABASE_URL": migrated_copy(tmp_path, extra), "AGENCY_RUNNER": "inline",
                "STAFF_POLL_SECONDS": 0.0, "STAFF_GIT_POLL_SECONDS": 0.0, "CHECKER_RULES": str(rules), **extra}
    if pack is not None:
        settings["CHECKER_PACK"] = pack
    application = create_app(settings)
    init_app(application)
    return application


@pytest.fixture
def app(tmp_path: Path, pack: RulePack) -> Iterator[Flask]:
    """The app on the project's rule pack."""
    application = make_app(tmp_path, pack)
    yield application
    shut(application)


@pytest.fixture
def chunked(tmp_path: Path, pack: RulePack) -> Iterator[Flask]:
    """The staff app with registry chunks of 1,000 rows."""
    application = make_app(tmp_path, pack, STAFF_REGISTRY_CHUNK=1000)
    yield application
    shut(application)


@pytest.fixture
def users(app: Flask) -> dict[str, int]:
    """A policy-staff user and an agency user."""
    return {"staff": add_user(app, "staff@example.com", None, "staff"),
            "agency": add_user(app, "a@example.com", "Agency A", "agency")}


@pytest.fixture
def staff(app: Flask, users):
    """A test client signed in as staff."""
    client = app.test_client()
    sign_in(client, "staff@example.com")
    return client


@contextmanager
def production_app(tmp_path: Path, pack: RulePack | None = None, **extra: Any) -> Iterator[Flask]:
    """An app with CSRF on, as in production, and a staff and an agency user; shut on leaving."""
    application = make_app(tmp_path, pack, **{"WTF_CSRF_ENABLED": True, **extra})
    add_user(application, "staff@example.com", None, "staff")
    add_user(application, "a@example.com", "Agency A", "agency")
    try:
        yield application
    finally:
        shut(application)


@pytest.fixture
def csrf_app(tmp_path: Path, pack: RulePack) -> Iterator[Flask]:
    """The staff app on the project's pack (jobs inline) with CSRF on, a staff and an agency user."""
    with production_app(tmp_path, pack) as application:
        yield application


@pytest.fixture
def mini_app(tmp_path):
    """The staff features on the fixture pack (reference engine)."""
    with production_app(tmp_path, CHECKER_RULES=str(MINI_RULES), CHECKER_ENGINE="reference",
                        WTF_CSRF_ENABLED=False) as application:
        yield application


@pytest.fixture
def mini(mini_app):
    """A staff client of the fixture-pack app."""
    client = mini_app.test_client()
    sign_in(client, "staff@example.com")
    return client
