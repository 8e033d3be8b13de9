#!/usr/bin/env bash
# Throw-away PostgreSQL server for tests, bound to loopback only.
#
#   infra/postgres.sh          install if missing, init if needed, start; last line = URL
#   infra/postgres.sh start    same as above
#   infra/postgres.sh stop     stop the server (data is kept)
#   infra/postgres.sh status   print "running <URL>" or "stopped" (exit 0 / 3)
#   infra/postgres.sh url      print the URL only
#   infra/postgres.sh destroy  stop and delete the data directory
#
# Environment:
#   INFRA_DIR  default $PWD/.infra ; data lives in $INFRA_DIR/postgres
#   PG_PORT    default 55432
#   PG_DB      default ticketing
#
# The server runs as the `postgres` OS user (postgres refuses to run as root).
# If that user cannot reach $INFRA_DIR (e.g. a clone under /root, mode 0700),
# the data goes to a fresh /var/tmp/ticketing-pg.XXXXXX directory and
# $INFRA_DIR/postgres becomes a symlink to it, so a fresh clone still gets a
# fresh database and `stop` finds the same server.
set -euo pipefail

cmd="${1:-start}"
INFRA_DIR="${INFRA_DIR:-$PWD/.infra}"
PG_PORT="${PG_PORT:-55432}"
PG_DB="${PG_DB:-ticketing}"
PG_OS_USER=postgres
URL="postgres://postgres@127.0.0.1:${PG_PORT}/${PG_DB}"

SERVICE=postgres.sh
# shellcheck source=infra/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$INFRA_DIR"
INFRA_DIR="$(cd "$INFRA_DIR" && pwd -P)"
LINK="$INFRA_DIR/postgres"


# Run a command as the database owner.
as_pg() {
  if is_root; then
    # cd /: the caller's cwd may be unreadable for that user (e.g. under /root).
    (cd / && runuser -u "$PG_OS_USER" -- "$@")
  else
    "$@"
  fi
}

# Newest /usr/lib/postgresql/<ver>/bin that holds a server (client-only dirs lack postgres/initdb).
find_bindir() {
  local d found=""
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    if [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && [ -x "$d/psql" ]; then
      found="$d"
    fi
  done
  echo "$found"
}

ensure_installed() {
  PG_BIN="$(find_bindir)"
  if [ -z "$PG_BIN" ]; then
    is_root || die "PostgreSQL is not installed and we are not root; run: apt-get install -y postgresql"
    log "installing PostgreSQL from apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    PG_BIN="$(find_bindir)"
    [ -n "$PG_BIN" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
  fi
  if is_root && ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    log "creating OS user $PG_OS_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$PG_OS_USER"
  fi
}

# Resolve (without creating) the data directory; empty if none yet.
existing_pgdata() {
  if [ -L "$LINK" ]; then
    readlink -f "$LINK" || true
  elif [ -d "$LINK" ]; then
    echo "$LINK"
  fi
  return 0
}

# Resolve the data directory, creating it (and choosing a location) if needed.
make_pgdata() {
  local d
  d="$(existing_pgdata)"
  if [ -n "$d" ] && [ -d "$d" ]; then
    PGDATA="$d"
  else
    [ -L "$LINK" ] && rm -f "$LINK"   # dangling symlink (e.g. /var/tmp wiped)
    chmod 755 "$INFRA_DIR"
    if ! is_root || as_pg test -x "$INFRA_DIR"; then
      mkdir -p "$LINK"
      PGDATA="$LINK"
    else
      PGDATA="$(mktemp -d /var/tmp/ticketing-pg.XXXXXX)"
      ln -s "$PGDATA" "$LINK"
      log "user $PG_OS_USER cannot reach $INFRA_DIR; data goes to $PGDATA (linked from $LINK)"
    fi
  fi
  if is_root; then
    chown -R "$PG_OS_USER:" "$PGDATA"
  fi
  chmod 700 "$PGDATA"
  as_pg test -w "$PGDATA" || die "$PGDATA is not writable by $PG_OS_USER"
}

# Unix socket dir: the data dir when its path is short enough (sun_path is 108 bytes).
socket_dir() {
  if [ $(( ${#PGDATA} + 20 )) -lt 100 ]; then echo "$PGDATA"; else echo /tmp; fi
}

postmaster_pid() {
  [ -n "${PGDATA:-}" ] && [ -f "$PGDATA/postmaster.pid" ] && head -n 1 "$PGDATA/postmaster.pid" || true
}

is_running() {
  local pid state
  [ -n "${PGDATA:-}" ] && [ -f "$PGDATA/PG_VERSION" ] || return 1
  pid="$(postmaster_pid)"
  [ -n "$pid" ] || return 1
  # A killed postmaster can linger as a zombie (kill -0 still succeeds): not running.
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  as_pg "$PG_BIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1
}

# Port the running server listens on (line 4 of postmaster.pid).
running_port() {
  sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true
}

# Remove a postmaster.pid left by a dead (or zombie) server, which would block a start.
clear_stale_pid() {
  local pid state
  pid="$(postmaster_pid)"
  [ -n "$pid" ] || return 0
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  if [ -z "$state" ] || [ "$state" = Z ]; then
    # Just killed: give the zombie and its backends a moment to go away, as
    # postgres also refuses a socket lock file whose pid still exists.
    local i
    for i in $(seq 1 50); do
      [ -e "/proc/$pid" ] || break
      sleep 0.2
    done
    log "removing stale postmaster.pid (pid $pid is gone)"
    rm -f "$PGDATA/postmaster.pid"
  fi
}

init_cluster() {
  if [ -f "$PGDATA/PG_VERSION" ]; then
    return
  fi
  if [ -n "$(ls -A "$PGDATA")" ]; then
    die "$PGDATA is not empty but holds no cluster; remove it (infra/postgres.sh destroy) and retry"
  fi
  log "initdb in $PGDATA"
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2 ||
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >&2
  # Connection settings are rewritten at every start (port/socket may change).
  as_pg sh -c "printf \"\\ninclude_if_exists = 'infra.conf'\\n\" >> '$PGDATA/postgresql.conf'"
  # Trust auth, loopback only (local socket + 127.0.0.1 + ::1).
  as_pg sh -c "cat > '$PGDATA/pg_hba.conf'" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
host    all       all   ::1/128        trust
local   replication all                trust
host    replication all 127.0.0.1/32   trust
EOF
}

write_infra_conf() {
  local sock
  sock="$(socket_dir)"
  as_pg sh -c "cat > '$PGDATA/infra.conf'" <<EOF
# Written by infra/postgres.sh at each start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = ${PG_PORT}
unix_socket_directories = '${sock}'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] '
timezone = 'UTC'
EOF
}


psql_admin() {
  PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    "postgres://postgres@127.0.0.1:${PG_PORT}/postgres" "$@"
}

ensure_database() {
  local exists
  exists="$(psql_admin -tAc "select 1 from pg_database where datname = '${PG_DB}'")"
  if [ "$exists" != "1" ]; then
    log "creating database ${PG_DB}"
    psql_admin -c "create database \"${PG_DB}\"" >/dev/null
  fi
}

start() {
  ensure_installed
  make_pgdata
  if is_running; then
    local p
    p="$(running_port)"
    if [ -n "$p" ] && [ "$p" != "$PG_PORT" ]; then
      log "server in $PGDATA already runs on port $p (not $PG_PORT); using it"
      PG_PORT="$p"
      URL="postgres://postgres@127.0.0.1:${PG_PORT}/${PG_DB}"
    fi
    ensure_database
    echo "$URL"
    return
  fi
  init_cluster
  clear_stale_pid
  if port_busy "$PG_PORT"; then
    die "port $PG_PORT is already in use by another process; set PG_PORT to a free port"
  fi
  write_infra_conf
  log "starting PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT, data $PGDATA"
  if ! as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "$PGDATA" -l "$PGDATA/server.log" >&2; then
    tail -n 30 "$PGDATA/server.log" >&2 || true
    die "PostgreSQL failed to start"
  fi
  ensure_database
  echo "$URL"
}

stop() {
  PG_BIN="$(find_bindir)"
  PGDATA="$(existing_pgdata)"
  if [ -z "$PG_BIN" ] || [ -z "$PGDATA" ] || ! is_running; then
    log "not running"
    return 0
  fi
  as_pg "$PG_BIN/pg_ctl" stop -w -t 60 -m fast -D "$PGDATA" >&2
}

case "$cmd" in
  start | up | "") start ;;
  stop | down) stop ;;
  status)
    PG_BIN="$(find_bindir)"
    PGDATA="$(existing_pgdata)"
    if [ -n "$PG_BIN" ] && is_running; then
      echo "running postgres://postgres@127.0.0.1:$(running_port)/${PG_DB}"
    else
      echo "stopped"
      exit 3
    fi
    ;;
  url) echo "$URL" ;;
  destroy)
    stop
    d="$(existing_pgdata)"
    [ -n "$d" ] && rm -rf "$d"
    rm -rf "$LINK"
    log "removed data directory"
    ;;
  *)
    echo "usage: $0 [start|stop|status|url|destroy]" >&2
    exit 2
    ;;
esac
