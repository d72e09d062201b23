"""checker/config.py is the one place that reads the app's settings: the app config, else the environment, else the
default, each read as its default's type."""

from __future__ import annotations

import ast

import pytest

from checker import config
from checker.config import PACKAGE_DIR, SETTINGS, admin_seed, setting


def test_the_app_config_wins_over_the_environment_which_wins_over_the_default(monkeypatch):
    monkeypatch.delenv("AGENCY_MAX_ROWS", raising=False)
    assert setting("AGENCY_MAX_ROWS", {}) == 100_000
    monkeypatch.setenv("AGENCY_MAX_ROWS", "250")
    assert setting("AGENCY_MAX_ROWS", {}) == 250 and setting("AGENCY_MAX_ROWS") == 250
    assert setting("AGENCY_MAX_ROWS", {"AGENCY_MAX_ROWS": "7"}) == 7
    assert setting("AGENCY_MAX_ROWS", {"AGENCY_MAX_ROWS": ""}) == 250  # an empty value counts as unset


def test_values_are_read_as_the_defaults_type(monkeypatch):
    monkeypatch.setenv("AGENCY_BACKGROUND", "off")
    monkeypatch.setenv("LOGIN_BASE_DELAY", "2")
    assert setting("AGENCY_BACKGROUND") is False and setting("AGENCY_BACKGROUND", {"AGENCY_BACKGROUND": "yes"}) is True
    assert setting("AGENCY_RESUME", {"AGENCY_RESUME": 0}) is False and setting("AGENCY_RESUME") is True
    assert setting("LOGIN_BASE_DELAY") == 2.0 and isinstance(setting("LOGIN_BASE_DELAY"), float)
    assert setting("AGENCY_RECHECK_SWEEP_S", {"AGENCY_RECHECK_SWEEP_S": 0.2}) == 0.2  # a float stays one


def test_a_value_that_does_not_read_names_its_setting(monkeypatch):
    monkeypatch.setenv("AGENCY_CHUNK", "lots")
    with pytest.raises(ValueError, match="AGENCY_CHUNK: 'lots' is not a int"):
        setting("AGENCY_CHUNK")
    with pytest.raises(ValueError, match="AGENCY_WEBHOOK_PRIVATE"):
        setting("AGENCY_WEBHOOK_PRIVATE", {"AGENCY_WEBHOOK_PRIVATE": "maybe"})
    with pytest.raises(KeyError):
        setting("AGENCY_NO_SUCH_SETTING")


def test_the_admin_seed_holds_only_the_variables_that_are_set(monkeypatch):
    for name in config.ADMIN_SEED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENCY_ADMIN_EMAIL", "root@example.com")
    monkeypatch.setenv("AGENCY_ADMIN_ROLE", "")
    assert admin_seed() == {"AGENCY_ADMIN_EMAIL": "root@example.com"}


def _reads(path, root=PACKAGE_DIR) -> list[str]:
    """Where a module reads a SETTINGS name by hand (`x.get("NAME")`, `x["NAME"]`): "file:line NAME"."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "setdefault") \
                and node.args and isinstance(node.args[0], ast.Constant):
            key = node.args[0].value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and not (isinstance(node.value, ast.Name) and node.value.id == "SETTINGS"):  # a default, not a setting
            key = node.slice.value
        if key in SETTINGS:
            found.append(f"{path.relative_to(root)}:{node.lineno} {key}")
    return found


def test_no_module_but_config_reads_the_settings_by_hand():
    found = [line for path in sorted(PACKAGE_DIR.rglob("*.py")) if path.name != "config.py" for line in _reads(path)]
    assert found == []


def test_the_agency_and_sign_in_pages_read_no_environment():
    folders = [PACKAGE_DIR / "web" / "agency", PACKAGE_DIR / "web" / "accounts", PACKAGE_DIR / "accounts"]
    assert [str(p.relative_to(PACKAGE_DIR)) for folder in folders for p in sorted(folder.rglob("*.py"))
            if "os.environ" in p.read_text(encoding="utf-8") or "getenv" in p.read_text(encoding="utf-8")] == []


def test_the_check_sees_a_hand_read_setting(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('def f(app, env):\n    return app.config.get("AGENCY_CHUNK", 5), env["LOGIN_MAX_DELAY"], env["HOME"], '
                     'SETTINGS["AGENCY_RUNNER"]\n',
                     encoding="utf-8")
    assert _reads(probe, tmp_path) == ["probe.py:2 AGENCY_CHUNK", "probe.py:2 LOGIN_MAX_DELAY"]
