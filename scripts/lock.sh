#!/usr/bin/env bash
# Regenerate requirements.lock: every runtime and dev package of pyproject.toml pinned with its hashes.
#   bash scripts/lock.sh            keep the pins already in the lock, resolve only what is new or no longer fits
#   bash scripts/lock.sh --upgrade  move every package to the newest version pyproject's ranges allow
# Run it after changing dependencies in pyproject.toml, then `bash scripts/setup.sh` installs exactly the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9            # the resolver, pinned so everyone gets the same lock from the same inputs
LOCK_PYTHON=3.11             # the README's Python; the pins also install on newer ones
TOOLS=.venv-lock             # a small venv for the resolver, apart from .venv
PY=${PYTHON:-python3}
if [ "$("$TOOLS/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  [ -x "$TOOLS/bin/python" ] || "$PY" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
# After a merge, a conflicted lock keeps the pins both sides agree on; packages pinned differently are resolved anew.
if grep -qE '^(<<<<<<<|=======|>>>>>>>)' requirements.lock 2>/dev/null; then
  grep -oE '^[A-Za-z0-9._-]+==[^ ;\\]+' requirements.lock | sort -u \
    | awk -F'==' '{seen[$1]++; pin[$1]=$0} END {for (n in pin) if (seen[n] == 1) print pin[n]}' | sort > requirements.lock.tmp
  mv requirements.lock.tmp requirements.lock
  echo "requirements.lock had merge conflicts: kept $(wc -l < requirements.lock) agreed pins, re-resolving the rest" >&2
fi
args=(pip compile pyproject.toml --extra dev --generate-hashes --python-version "$LOCK_PYTHON"
      --output-file requirements.lock --quiet
      --custom-compile-command "bash scripts/lock.sh")
[ "${1:-}" = "--upgrade" ] && args+=(--upgrade)
"$TOOLS/bin/uv" "${args[@]}"
echo "requirements.lock: $(grep -c '^[a-z0-9].*==' requirements.lock) packages pinned with hashes" >&2
