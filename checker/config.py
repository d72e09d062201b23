"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from checker.engine import EngineName

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


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
