#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: a new cluster in a temp dir, on 127.0.0.1 only, on a free port.
#
#   eval "$(scripts/pg.sh)"        # start; exports TEST_POSTGRES_URL (and CHECKER_PG_DIR for stopping)
#   scripts/pg.sh stop [DIR]       # stop the cluster and delete its dir (DIR defaults to $CHECKER_PG_DIR)
#
# Installs Debian's postgresql if no server binaries are found (needs root and the network).
# Only the export lines go to stdout; progress and the server log path go to stderr.
set -euo pipefail

say() { echo "pg.sh: $*" >&2; }

bin_dir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$found" && -x "$found/initdb" ]]; then echo "$found"; fi
}

as_owner() {  # run a server tool as the cluster owner: postgres when we are root, else ourselves
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ "${1:-}" == "stop" ]]; then
  dir="${2:-${CHECKER_PG_DIR:-}}"
  [[ -n "$dir" && -f "$dir/data/PG_VERSION" ]] || { say "no cluster dir given (arg or \$CHECKER_PG_DIR)"; exit 2; }
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" stop -m fast >&2 || true
  rm -rf "$dir"
  say "stopped and removed $dir"
  exit 0
fi

BIN=$(bin_dir)
if [[ -z "$BIN" ]]; then
  say "installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y postgresql >&2 || { apt-get update >&2 && apt-get install -y postgresql >&2; }
  BIN=$(bin_dir)
  [[ -n "$BIN" ]] || { say "postgresql is installed but no /usr/lib/postgresql/*/bin/initdb"; exit 1; }
fi

DIR=$(mktemp -d /tmp/checker-pg.XXXXXX)
chmod 700 "$DIR"
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
printf '%s\n' "$PASSWORD" > "$DIR/pwfile"
if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$DIR"; fi

say "initdb in $DIR/data ($BIN)"
as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 \
  --no-sync >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
rm -f "$DIR/pwfile"
# loopback TCP only, socket in the temp dir; durability off: this cluster is thrown away
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >&2 || { cat "$DIR/server.log" >&2; exit 1; }
PGPASSWORD="$PASSWORD" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres checker_test
say "PostgreSQL on 127.0.0.1:$PORT, log $DIR/server.log; stop with: scripts/pg.sh stop $DIR"
echo "export TEST_POSTGRES_URL=postgresql+psycopg://postgres:$PASSWORD@127.0.0.1:$PORT/checker_test"
echo "export CHECKER_PG_DIR=$DIR"
