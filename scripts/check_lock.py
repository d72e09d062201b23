"""Fail with a clear message when requirements.lock no longer satisfies pyproject.toml (runtime and dev).

Run by scripts/setup.sh, so a branch that adds a package to pyproject.toml without `bash scripts/lock.sh`
is told so at once, instead of failing later on an import.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def pins(lock_text: str) -> dict[str, str]:
    """Package name (canonical) to pinned version, from a requirements lock."""
    found = {}
    for line in lock_text.splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def problems(pyproject_text: str, lock_text: str) -> list[str]:
    """Each runtime or dev requirement the lock misses or pins outside its range."""
    project = tomllib.loads(pyproject_text)["project"]
    wanted = project.get("dependencies", []) + project.get("optional-dependencies", {}).get("dev", [])
    locked = pins(lock_text)
    out = []
    for text in wanted:
        req = Requirement(text)
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            out.append(f"{req.name}: in pyproject.toml, not in requirements.lock")
        elif not req.specifier.contains(version, prereleases=True):
            out.append(f"{req.name}: requirements.lock pins {version}, pyproject.toml asks {req.specifier}")
    return out


def main() -> int:
    """Compare the project's files; the exit status."""
    found = problems((ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                     (ROOT / "requirements.lock").read_text(encoding="utf-8"))
    for line in found:
        print(f"requirements.lock is out of date: {line}", file=sys.stderr)
    if found:
        print("run: bash scripts/lock.sh   (then commit requirements.lock)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
