#!/usr/bin/env bash
# Throw-away MongoDB-wire server for tests: FerretDB v1 on SQLite (or PostgreSQL, see below),
# bound to loopback only.
#
#   infra/ferretdb.sh          build if missing, start; last line = URL
#   infra/ferretdb.sh start    same as above
#   infra/ferretdb.sh stop     stop the server (data is kept)
#   infra/ferretdb.sh status   print "running <URL>" or "stopped" (exit 0 / 3)
#   infra/ferretdb.sh url      print the URL only
#   infra/ferretdb.sh destroy  stop and delete the data directory (the binary is kept)
#
# Environment:
#   INFRA_DIR     default $PWD/.infra ; data, log, pidfile in $INFRA_DIR/ferretdb,
#                 binary in $INFRA_DIR/bin/ferretdb
#   MONGO_PORT    default 57017
#   FERRETDB_BIN  default $INFRA_DIR/bin/ferretdb (built from source if missing)
#   FERRETDB_POSTGRESQL_URL  when set, store data in that PostgreSQL database
#                 (FerretDB's postgresql backend, ~20x faster writes here) instead of SQLite
#
# The binary is built with the Go toolchain (>= 1.24) from the FerretDB module
# v1.24.2 (a few minutes on 2 cores; the Go build cache makes rebuilds fast).
# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a
# binary that panics at startup ("Invalid build/version/version.txt file
# content"): that generated file is not in the module zip. So the module source
# is copied to a scratch dir, version.txt is written, and `go build` runs there.
set -euo pipefail

cmd="${1:-start}"
INFRA_DIR="${INFRA_DIR:-$PWD/.infra}"
MONGO_PORT="${MONGO_PORT:-57017}"
FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
URL="mongodb://127.0.0.1:${MONGO_PORT}/"

SERVICE=ferretdb.sh
# shellcheck source=infra/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$INFRA_DIR"
INFRA_DIR="$(cd "$INFRA_DIR" && pwd -P)"
FDIR="$INFRA_DIR/ferretdb"
DATA_DIR="$FDIR/data"
PIDFILE="$FDIR/ferretdb.pid"
LOGFILE="$FDIR/ferretdb.log"
BIN="${FERRETDB_BIN:-$INFRA_DIR/bin/ferretdb}"

# ---------------------------------------------------------------- install

find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [ -x /usr/local/go/bin/go ]; then
    echo /usr/local/go/bin/go
  else
    return 1
  fi
}

# True if the binary runs and reports the wanted version.
bin_ok() {
  [ -x "$BIN" ] || return 1
  # Captured first: `grep -q` closing the pipe early would SIGPIPE the binary and fail the check under pipefail.
  local out
  out="$("$BIN" --version 2>/dev/null)" || return 1
  grep -q "version: ${FERRETDB_VERSION}\$" <<<"$out"
}


build_ferretdb() {
  local go gover major minor bindir work moddir bpid n=0 t0=$SECONDS
  go="$(find_go)" || die "Go >= 1.24 is needed to build FerretDB and \`go\` was not found. Debian 12's golang-go (1.19) is too old; install Go from https://go.dev/dl/ or set FERRETDB_BIN to a FerretDB ${FERRETDB_VERSION} binary"
  gover="$("$go" env GOVERSION)"
  major="$(echo "$gover" | sed -n 's/^go\([0-9]*\)\.\([0-9]*\).*/\1/p')"
  minor="$(echo "$gover" | sed -n 's/^go\([0-9]*\)\.\([0-9]*\).*/\2/p')"
  if [ -z "$major" ] || [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 24 ]; }; then
    die "Go >= 1.24 is needed to build FerretDB ${FERRETDB_VERSION} (found $gover at $go); install Go from https://go.dev/dl/ or set FERRETDB_BIN"
  fi

  bindir="$(dirname "$BIN")"
  mkdir -p "$bindir"
  rm -rf "$bindir"/.ferretdb-build.*   # leftovers of an interrupted build
  work="$(mktemp -d "$bindir/.ferretdb-build.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT

  log "building FerretDB ${FERRETDB_VERSION} with $gover into $BIN (a few minutes on 2 cores)"
  log "downloading module ${FERRETDB_MODULE}@${FERRETDB_VERSION}"
  moddir="$(cd "$work" && GOFLAGS= GOWORK=off "$go" mod download -json "${FERRETDB_MODULE}@${FERRETDB_VERSION}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -n "$moddir" ] && [ -d "$moddir/cmd/ferretdb" ] || die "go mod download ${FERRETDB_MODULE}@${FERRETDB_VERSION} failed"

  cp -R "$moddir/." "$work/src"
  chmod -R u+w "$work/src"
  printf '%s\n' "$FERRETDB_VERSION" >"$work/src/build/version/version.txt"

  log "compiling (go build ./cmd/ferretdb; log in $work/build.log while it runs)"
  (
    cd "$work/src" &&
      GOFLAGS= GOWORK=off exec "$go" build -buildvcs=false -trimpath -o "$work/ferretdb" ./cmd/ferretdb
  ) >"$work/build.log" 2>&1 &
  bpid=$!
  while proc_alive "$bpid"; do
    sleep 1
    n=$((n + 1))
    if [ $((n % 30)) -eq 0 ]; then log "still compiling... ${n}s"; fi
  done
  if ! wait "$bpid"; then
    tail -n 40 "$work/build.log" >&2 || true
    die "building FerretDB failed"
  fi
  mv -f "$work/ferretdb" "$BIN"
  rm -rf "$work"
  trap - EXIT
  bin_ok || die "built $BIN but \`$BIN --version\` does not report ${FERRETDB_VERSION}"
  log "built $BIN in $((SECONDS - t0))s"
}

ensure_installed() {
  bin_ok && return 0
  if [ -e "$BIN" ]; then
    if [ -n "${FERRETDB_BIN:-}" ]; then
      die "FERRETDB_BIN=$BIN does not report version ${FERRETDB_VERSION} (\`$BIN --version\`)"
    fi
    log "$BIN is not a working FerretDB ${FERRETDB_VERSION}; rebuilding"
  fi
  build_ferretdb
}

# ---------------------------------------------------------------- process


# True if $1 is a live (non-zombie) ferretdb process.
pid_alive() {
  local pid="$1"
  [ -n "$pid" ] || return 1
  # A dead server can linger as a zombie (kill -0 still succeeds): not running.
  proc_alive "$pid" || return 1
  # Guard against pid reuse.
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1 | grep -q ferretdb
}

# Port the running server listens on (from its --listen-addr argument).
running_port() {
  local pid
  pid="$(server_pid)"
  [ -n "$pid" ] || return 0
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null |
    sed -n 's/^--listen-addr=.*:\([0-9]*\)$/\1/p' | head -n 1 || true
}


# Real MongoDB-wire round trip from bash: send OP_MSG {ping: 1, $db: "admin"}
# over /dev/tcp and look for `ok: 1.0` (BSON double) in the reply.
wire_ping() {
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    # header: length 51, requestID 1, responseTo 0, opCode 2013 (OP_MSG); flags 0;
    # section kind 0 + BSON {ping: int32 1, $db: "admin"} (30 bytes)
    printf "\x33\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\$db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    dd bs=65536 count=1 status=none <&3 | od -An -v -tx1 | tr -d " \n" | grep -q 016f6b00000000000000f03f
  ' wire_ping "$MONGO_PORT" 2>/dev/null
}

wait_ready() {
  local i
  for i in $(seq 1 300); do
    if wire_ping; then
      return 0
    fi
    is_running || return 1
    sleep 0.2
  done
  return 1
}

# file: URI for the SQLite backend (a directory, must end with "/").
sqlite_url() {
  local p="$DATA_DIR/"
  p="${p//%/%25}"
  p="${p// /%20}"
  p="${p//\?/%3F}"
  p="${p//#/%23}"
  echo "file:$p"
}

start() {
  mkdir -p "$DATA_DIR"
  if is_running; then
    local p
    p="$(running_port)"
    if [ -n "$p" ] && [ "$p" != "$MONGO_PORT" ]; then
      log "server in $FDIR already runs on port $p (not $MONGO_PORT); using it"
      MONGO_PORT="$p"
      URL="mongodb://127.0.0.1:${MONGO_PORT}/"
    fi
    wait_ready || die "ferretdb (pid $(server_pid)) is running but does not answer a ping on port $MONGO_PORT"
    echo "$URL"
    return
  fi
  if [ -f "$PIDFILE" ]; then
    log "removing stale pidfile (pid $(server_pid) is gone)"
    rm -f "$PIDFILE"
  fi
  if port_busy "$MONGO_PORT"; then
    die "port $MONGO_PORT is already in use by another process; set MONGO_PORT to a free port"
  fi
  ensure_installed
  local backend=(--handler=sqlite --sqlite-url="$(sqlite_url)") where="data $DATA_DIR"
  if [ -n "${FERRETDB_POSTGRESQL_URL:-}" ]; then
    # Measured here: ~1,800 read-model writes/s on PostgreSQL against ~90/s on SQLite once a collection
    # holds tens of thousands of documents (FerretDB's SQLite backend scans for every _id lookup).
    backend=(--handler=postgresql --postgresql-url="$FERRETDB_POSTGRESQL_URL")
    where="on PostgreSQL"
  fi
  log "starting FerretDB ${FERRETDB_VERSION} (${backend[0]#--handler=}) on 127.0.0.1:$MONGO_PORT, $where"
  {
    echo
    echo "=== $(date -u +%FT%TZ) infra/ferretdb.sh start"
  } >>"$LOGFILE"
  # No daemon mode: run detached in its own session, output to the log.
  # --debug-addr=- : no metrics/pprof HTTP listener (default 127.0.0.1:8088 could clash).
  # --state-dir    : state.json (instance UUID, telemetry choice) goes here, not into $PWD.
  setsid "$BIN" \
    --listen-addr="127.0.0.1:${MONGO_PORT}" \
    "${backend[@]}" \
    --state-dir="$FDIR" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=info \
    </dev/null >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  if ! wait_ready; then
    tail -n 30 "$LOGFILE" >&2 || true
    stop >/dev/null 2>&1 || true
    die "FerretDB failed to start"
  fi
  echo "$URL"
}

stop() { stop_server 30; }

running_url() { echo "mongodb://127.0.0.1:$(running_port)/"; }

run_command "$cmd" "$FDIR"
