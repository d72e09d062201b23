#!/usr/bin/env bash
# Set everything up (venv, packages, chromium and PostgreSQL from Debian), lint, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian packages the browser tests need: chromium, and a CJK font so screenshots show Chinese.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
# redis-server: the broker of the distributed-job tests (tests/agency/test_distributed.py starts its own on loopback).
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# A throwaway PostgreSQL on loopback for the database tests (besides the SQLite default).
if [ -z "${TEST_POSTGRES_URL:-}" ] && [ "${CHECKER_SKIP_POSTGRES:-}" != 1 ]; then
  eval "$(bash scripts/pg.sh)"
  trap 'bash scripts/pg.sh stop "$CHECKER_PG_DIR" >/dev/null 2>&1 || true' EXIT
fi
.venv/bin/ruff check checker tests
# Types: checker/ as [tool.mypy] in pyproject.toml says (strict on the rules and the engine).
.venv/bin/mypy
# Known vulnerabilities of the locked packages (one plain line when the advisory database is unreachable).
.venv/bin/python scripts/audit.py
.venv/bin/checker rules lint
# The embedded rule examples run once, in pytest (tests/rules/test_examples.py, on both engines), not also here.
# Two workers (the machine's two cores); a module's tests stay on one worker, sharing its module fixtures.
# Arguments go to pytest (e.g. -n 0 for one process).
.venv/bin/python -m pytest -q -n 2 --dist loadscope "$@"
