#!/usr/bin/env bash
# A throw-away PostgreSQL for the store tests (engine/postgres).
#
#   eval "$(bash .ci/postgres.sh start)"   # installs PostgreSQL if needed, starts a cluster,
#                                          # prints the export lines for OZGFORM_TEST_POSTGRES
#   bash .ci/postgres.sh stop              # stops the cluster and removes its folder
#
# The cluster lives in a temporary folder, listens on 127.0.0.1 only, on a free port, and
# trusts local connections: it holds nothing but test data. Diagnostics go to stderr, so that
# stdout is exactly what the caller evals. "start" also writes the export lines to
# $OZGFORM_PG_ENV (default /tmp/ozgform-postgres.env); "stop" reads the folder from
# OZGFORM_PG_DIR or from that file.
set -euo pipefail

env_file=${OZGFORM_PG_ENV:-/tmp/ozgform-postgres.env}

log() { echo "postgres.sh: $*" >&2; }

# pg_bin prints the bin folder of the newest installed PostgreSQL (Debian keeps the server
# programs out of PATH, in /usr/lib/postgresql/<version>/bin).
pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
    echo "$d"
  fi
}

install_postgres() {
  if [ -n "$(pg_bin)" ]; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL is not installed and this is not root: apt-get install -y postgresql"
    exit 1
  fi
  log "installing PostgreSQL from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  # policy-rc.d (if present) keeps the package from starting its own cluster; ours is separate.
  apt-get install -y --no-install-recommends postgresql >&2
  if [ -z "$(pg_bin)" ]; then
    log "PostgreSQL was installed, but no /usr/lib/postgresql/*/bin/initdb was found"
    exit 1
  fi
}

# as_owner runs a command as the cluster's owner: PostgreSQL refuses to run as root, and CI
# runs as root, so root hands the cluster to the postgres user the package created.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local port
  for port in $(seq 54329 54429); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  log "no free port between 54329 and 54429"
  exit 1
}

start() {
  cd /tmp
  install_postgres
  local bin dir port
  bin=$(pg_bin)
  dir=$(mktemp -d /tmp/ozgform-pg.XXXXXX)
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
  fi
  port=$(free_port)
  log "initdb in $dir ($bin)"
  as_owner "$bin/initdb" -D "$dir/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  log "starting on 127.0.0.1:$port"
  # fsync stays on: the tests are small, and they should see the real commit path.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres ozgform_test >&2
  {
    echo "export OZGFORM_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/ozgform_test?sslmode=disable'"
    echo "export OZGFORM_PG_DIR='$dir'"
  } | tee "$env_file"
  log "ready: database ozgform_test on 127.0.0.1:$port"
}

stop() {
  cd /tmp
  local dir=${OZGFORM_PG_DIR:-}
  if [ -z "$dir" ] && [ -f "$env_file" ]; then
    dir=$(sed -n "s/^export OZGFORM_PG_DIR='\(.*\)'$/\1/p" "$env_file")
  fi
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    log "no cluster to stop"
    return
  fi
  case "$dir" in
    /tmp/ozgform-pg.*) ;;
    *) log "refusing to remove $dir: not a folder made by this script"; exit 1 ;;
  esac
  local bin
  bin=$(pg_bin)
  if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$dir"
  rm -f "$env_file"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
