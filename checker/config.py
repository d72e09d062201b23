"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from checker.engine import EngineName

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
MB = 1024 * 1024
SETTINGS: dict[str, Any] = {  # the app's tunable settings and their defaults; a value is read as the default's type
    "AGENCY_MAX_UPLOAD": 200 * MB, "AGENCY_MAX_UNCOMPRESSED": 200 * MB, "AGENCY_MAX_ROWS": 100_000,
    "AGENCY_UPLOADS": "", "AGENCY_EXPORTS": "",  # empty: the instance folder's uploads/ and exports/
    "AGENCY_RUNNER": "thread", "AGENCY_CHUNK": 2000, "AGENCY_BACKGROUND": False, "AGENCY_RESUME": True,
    "AGENCY_RECHECK_SWEEP_S": 60.0, "AGENCY_WEBHOOK_PRIVATE": False, "CHECKER_BROKER_URL": "",
    "SESSION_IDLE_MINUTES": 8 * 60.0, "SESSION_MAX_HOURS": 7 * 24.0,
    "LOGIN_ACCOUNT_FREE": 5, "LOGIN_BASE_DELAY": 1.0, "LOGIN_MAX_DELAY": 900.0, "LOGIN_ACCOUNT_WINDOW": 3600.0,
    "LOGIN_ADDRESS_LIMIT": 30, "LOGIN_ADDRESS_WINDOW": 900.0,
}
ADMIN_SEED = ("AGENCY_ADMIN_EMAIL", "AGENCY_ADMIN_PASSWORD", "AGENCY_ADMIN_AGENCY", "AGENCY_ADMIN_ROLE")
TRUE_WORDS = ("1", "true", "yes", "on")


def resource_dir(name: str) -> Path:
    """A folder the app ships (templates, migrations): the checkout's top-level one, else the wheel's copy."""
    top = PROJECT_ROOT / name
    if (PROJECT_ROOT / "pyproject.toml").is_file() and top.is_dir():
        return top
    return PACKAGE_DIR / name


def rules_dir() -> Path:
    """Where the rule pack lives: $CHECKER_RULES, else rules/ of the project."""
    return Path(os.environ.get("CHECKER_RULES", PROJECT_ROOT / "rules"))


def seeds_dir(rules: Path) -> Path:
    """The policy texts rule quotes are checked against: $CHECKER_SEEDS or $STAFF_SEEDS, else seeds/ beside the rules
    folder, else the checkout's (or the installed package's) seeds/."""
    override = os.environ.get("CHECKER_SEEDS") or os.environ.get("STAFF_SEEDS")
    if override:
        return Path(override)
    beside = rules.parent / "seeds"
    return beside if beside.is_dir() else resource_dir("seeds")


def instance_dir() -> Path:
    """The web app's instance folder (its SQLite database, its secret key): where Flask puts it for checker.web."""
    from flask import Flask

    return Path(Flask("checker.web", instance_relative_config=True).instance_path)


def database_url() -> str:
    """The web app's database: $DATABASE_URL, else the SQLite file of its instance folder."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir() / 'checker.sqlite'}"


def engine_name() -> EngineName:
    """Which engine checks profiles: $CHECKER_ENGINE (durable | reference | fast), default durable."""
    name = os.environ.get("CHECKER_ENGINE", "durable")
    if name not in ("durable", "reference", "fast"):
        raise ValueError(f"CHECKER_ENGINE must be durable, reference or fast, not {name!r}")
    return cast("EngineName", name)  # one of the three, checked above


def setting(name: str, app_config: Mapping[str, Any] | None = None) -> Any:
    """A setting of SETTINGS: the app config's value, else the environment's, else the default (empty counts as unset),
    read as the default's type; a value that does not read names the setting (ValueError)."""
    default = SETTINGS[name]
    value = (app_config or {}).get(name)
    if value is None or value == "":
        value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return _as_type(type(default), value)
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a {type(default).__name__}") from None


def _as_type(kind: type, value: Any) -> Any:
    """The value as this type: a bool from true/false words or a number, others by their constructor."""
    if kind is bool:
        if isinstance(value, bool | int):
            return bool(value)
        word = str(value).strip().lower()
        if word not in (*TRUE_WORDS, "0", "false", "no", "off"):
            raise ValueError(word)
        return word in TRUE_WORDS
    return value if isinstance(value, kind) else kind(value)


def admin_seed() -> dict[str, str]:
    """The first user to create, from $AGENCY_ADMIN_EMAIL, _PASSWORD, _AGENCY and _ROLE (those that are set)."""
    return {name: os.environ[name] for name in ADMIN_SEED if os.environ.get(name)}
