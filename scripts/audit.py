"""Report known vulnerabilities of the packages pinned in requirements.lock, with pip-audit.

Asks the registry's advisory data first, then OSV. When neither can be reached (or every package comes back
unaudited) it says so on one line and exits 0: the tests still run offline. A found vulnerability is listed
(package, version, advisory, fixed versions) and exits 1 only with AUDIT_STRICT=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("pypi", "osv")
TIMEOUT = 180


@dataclass
class Audit:
    """What one pip-audit run found: vulnerable packages, how many were audited and skipped, or why it failed."""

    vulnerable: list[str] = field(default_factory=list)
    audited: int = 0
    skipped: int = 0
    error: str = ""


def parse(code: int, stdout: str, stderr: str) -> Audit:
    """The findings of pip-audit's JSON output (and exit code / stderr when it produced none)."""
    try:
        report = json.loads(stdout)
    except ValueError:
        last = [line for line in stderr.strip().splitlines() if line.strip() and not line.startswith("WARNING:")]
        return Audit(error=last[-1].split(": ")[0][:120] if last else f"pip-audit exited {code} without a report")
    audit = Audit()
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            audit.skipped += 1
            continue
        audit.audited += 1
        for vuln in dep.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            audit.vulnerable.append(f"{dep['name']} {dep.get('version', '?')}: {vuln.get('id', '?')} (fixed in {fixed})")
    return audit


def run(service: str, lock: Path) -> Audit:
    """pip-audit over the hashed lock file (no install, no resolution) against one advisory service."""
    command = [sys.executable, "-m", "pip_audit", "--requirement", str(lock), "--require-hashes", "--disable-pip",
               "--progress-spinner", "off", "--format", "json", "--vulnerability-service", service]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return Audit(error=f"no answer within {TIMEOUT} s")
    return parse(done.returncode, done.stdout, done.stderr)


def main() -> int:
    """Audit the lock; print the result; the exit status."""
    lock = ROOT / "requirements.lock"
    reasons = []
    for service in SERVICES:
        audit = run(service, lock)
        if audit.audited:
            break
        reasons.append(f"{service}: {audit.error or f'all {audit.skipped} packages skipped (no advisory data)'}")
    else:
        print(f"vulnerability audit skipped: the advisory database is unreachable ({'; '.join(reasons)})")
        return 0
    skipped = f", {audit.skipped} not found there" if audit.skipped else ""
    if not audit.vulnerable:
        print(f"vulnerability audit ({service}): no known vulnerabilities in {audit.audited} locked packages{skipped}")
        return 0
    print(f"vulnerability audit ({service}): {len(audit.vulnerable)} known vulnerabilities in requirements.lock{skipped}:")
    for line in audit.vulnerable:
        print(f"  {line}")
    return 1 if os.environ.get("AUDIT_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
