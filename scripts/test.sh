#!/usr/bin/env bash
# Set everything up (venv, packages, Debian's chromium for the browser test), lint, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser test" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/ruff check checker tests
.venv/bin/checker rules lint
.venv/bin/checker rules test
.venv/bin/python -m pytest -q "$@"
