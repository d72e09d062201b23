#!/usr/bin/env bash
# Create .venv and install exactly the versions of requirements.lock (hash-checked), then the project itself. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
.venv/bin/python scripts/check_lock.py  # a package added to pyproject.toml but not locked is named here
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
