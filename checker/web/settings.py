"""Configuration of the web app: defaults, then the environment, then test overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from checker import config
from checker.db import sqlite_url


def secret_key(instance: Path) -> str:
    """$SECRET_KEY, else a random key kept in the instance folder (created once)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def settings(instance: Path, test_config: dict[str, Any] | None) -> dict[str, Any]:
    """The app's settings for this instance folder."""
    values: dict[str, Any] = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or sqlite_url(instance),
        "CHECKER_RULES": str(config.rules_dir()),
        "CHECKER_ENGINE": config.engine_name(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh",
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "AUTO_MIGRATE": None,
    }
    values.update(test_config or {})
    if "SECRET_KEY" not in values:
        values["SECRET_KEY"] = secret_key(instance)
    if values["AUTO_MIGRATE"] is None:
        values["AUTO_MIGRATE"] = values["DATABASE_URL"].startswith("sqlite")
    return values
