#!/usr/bin/env bash
# Set everything up, then serve the web app on http://127.0.0.1:8000/ (SQLite in instance/, rules from rules/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/checker serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
