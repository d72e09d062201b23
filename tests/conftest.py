"""Shared fixtures: the project's rule pack and a checker per engine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from checker import config
from checker.engine import Checker
from checker.rules.loader import load_pack
from checker.rules.pack import RulePack

ROOT = Path(__file__).resolve().parent.parent

# CI runs the same examples every time (a failure there is reproducible, never a fluke of the seed). Neither profile
# times the generation of inputs: on two shared cores a busy neighbour made "input generation is slow" fail a test
# whose property held; speed belongs in bench/, never in a test.
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, **_UNTIMED)
settings.register_profile("local", **_UNTIMED)
settings.load_profile("ci" if os.environ.get("CI") else "local")


@pytest.fixture(scope="session")
def pack() -> RulePack:
    """The project's rule pack, loaded once."""
    return load_pack(config.rules_dir())


@pytest.fixture(scope="session")
def durable(pack: RulePack):
    """A checker on the durable-rules engine."""
    checker = Checker(pack, "durable")
    yield checker
    checker.close()


@pytest.fixture(scope="session")
def reference(pack: RulePack) -> Checker:
    """A checker on the plain reference evaluator."""
    return Checker(pack, "reference")


@pytest.fixture(scope="session")
def fast(pack: RulePack):
    """A checker on compiled closures, cross-checked with durable-rules on every profile."""
    checker = Checker(pack, "fast", verify_every=1)
    yield checker
    checker.close()


@pytest.fixture(scope="session", autouse=True)
def _shared_browser():
    """Close the chromium the browser tests share (tests/browser.py) when the session ends, if one was started."""
    yield
    browser = sys.modules.get("tests.browser")
    if browser is not None:
        browser.close_browser()


@pytest.fixture(autouse=True)
def _own_agency_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's apps keep received uploads and cached workbooks in folders of their own: files are named by job
    id, and every test database starts at job 1, so two xdist workers sharing instance/ read each other's files."""
    folder = tmp_path_factory.mktemp("agency")
    monkeypatch.setenv("AGENCY_UPLOADS", str(folder / "uploads"))
    monkeypatch.setenv("AGENCY_EXPORTS", str(folder / "exports"))
    monkeypatch.setenv("CHECKER_PACK_CACHE", str(folder / "packs"))  # a CLI test never reads another's cached pack


@pytest.fixture(autouse=True)
def _xlsx_read_twice(monkeypatch):
    """Every XLSX a test reads is read by the fast reader and by openpyxl itself, which must agree row for row,
    type for type, error for error (tests/xlsx_agree.py)."""
    from checker.sheets import xlsx_read
    from tests.xlsx_agree import shadowed

    monkeypatch.setattr(xlsx_read, "sheet_rows", shadowed(xlsx_read.sheet_rows))
