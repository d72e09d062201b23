"""Issue 12 item 16: the vulnerability step reads pip-audit's report, and says plainly when no advisory data was reached."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("audit_script", ROOT / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
sys.modules["audit_script"] = audit  # dataclasses look their module up there
spec.loader.exec_module(audit)

REPORT = {"dependencies": [
    {"name": "flask", "version": "3.1.3", "vulns": []},
    {"name": "werkzeug", "version": "3.0.0", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["3.0.6"]}]},
    {"name": "private-pkg", "skip_reason": "Dependency not found on PyPI and could not be audited"}]}


def test_parse_lists_each_vulnerability_with_its_fix_and_counts_skips():
    found = audit.parse(1, json.dumps(REPORT), "")
    assert found.vulnerable == ["werkzeug 3.0.0: GHSA-xxxx (fixed in 3.0.6)"]
    assert (found.audited, found.skipped, found.error) == (2, 1, "")


def test_parse_names_the_error_when_pip_audit_gave_no_report():
    stderr = "WARNING: Location 'x' is ignored\nTraceback ...\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(...)"
    assert audit.parse(1, "", stderr).error == "requests.exceptions.ConnectionError"


def _main(monkeypatch, capsys, results: dict, strict: bool = False):
    """Run main() with fake pip-audit results per service; (exit status, printed lines)."""
    monkeypatch.setattr(audit, "run", lambda service, lock: results[service])
    monkeypatch.setenv("AUDIT_STRICT", "1" if strict else "0")
    code = audit.main()
    return code, capsys.readouterr().out.splitlines()


def test_unreachable_everywhere_is_one_plain_line_and_not_a_failure(monkeypatch, capsys):
    code, lines = _main(monkeypatch, capsys, {"pypi": audit.Audit(skipped=84), "osv": audit.Audit(error="ConnectionError")})
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith("vulnerability audit skipped: the advisory database is unreachable")
    assert "84 packages skipped" in lines[0] and "ConnectionError" in lines[0]


@pytest.mark.parametrize("strict, status", [(False, 0), (True, 1)])
def test_vulnerabilities_are_listed_and_fail_only_when_strict(monkeypatch, capsys, strict, status):
    found = audit.Audit(vulnerable=["werkzeug 3.0.0: GHSA-xxxx (fixed in 3.0.6)"], audited=84)
    code, lines = _main(monkeypatch, capsys, {"pypi": audit.Audit(skipped=84), "osv": found}, strict)
    assert code == status and "1 known vulnerabilities" in lines[0] and "(osv)" in lines[0]
    assert lines[1].strip() == "werkzeug 3.0.0: GHSA-xxxx (fixed in 3.0.6)"


def test_a_clean_audit_says_how_many_packages_were_checked(monkeypatch, capsys):
    code, lines = _main(monkeypatch, capsys, {"pypi": audit.Audit(audited=84), "osv": audit.Audit(error="unused")})
    assert code == 0 and lines == ["vulnerability audit (pypi): no known vulnerabilities in 84 locked packages"]


def test_the_lock_pins_every_package_with_hashes_and_the_range_of_each_runtime_dependency_is_bounded():
    import tomllib

    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = [line for line in lock.splitlines() if line and not line[0].isspace() and not line.startswith("#")]
    assert len(pins) > 40 and all("==" in pin and pin.endswith("\\") for pin in pins)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        assert "==" in requirement or (">=" in requirement and "<" in requirement), requirement
        name = requirement.split("[")[0].split(">")[0].split("=")[0].strip().lower()
        assert f"\n{name}==" in "\n" + lock, f"{name} missing from requirements.lock"


def _check_lock():
    """scripts/check_lock.py as a module."""
    spec_ = importlib.util.spec_from_file_location("check_lock_script", ROOT / "scripts" / "check_lock.py")
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return module


def test_the_project_lock_satisfies_pyproject():
    check = _check_lock()
    assert check.problems((ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                          (ROOT / "requirements.lock").read_text(encoding="utf-8")) == []


def test_a_package_added_without_relocking_is_named():
    check = _check_lock()
    pyproject = ('[project]\ndependencies = ["flask>=3.0,<4", "XlsxWriter>=3.1"]\n'
                 '[project.optional-dependencies]\ndev = ["pytest>=9"]\n')
    lock = "flask==3.1.3 \\\n    --hash=sha256:ab\npytest==8.4.0 \\\n    --hash=sha256:cd\n"
    assert check.problems(pyproject, lock) == ["XlsxWriter: in pyproject.toml, not in requirements.lock",
                                               "pytest: requirements.lock pins 8.4.0, pyproject.toml asks >=9"]
