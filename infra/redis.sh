#!/usr/bin/env bash
# Throw-away Redis server for tests, bound to loopback only.
#
#   infra/redis.sh          install if missing, start; last line = URL
#   infra/redis.sh start    same as above
#   infra/redis.sh stop     stop the server
#   infra/redis.sh status   print "running <URL>" or "stopped" (exit 0 / 3)
#   infra/redis.sh url      print the URL only
#   infra/redis.sh destroy  stop and delete the directory (config, log, pidfile)
#
# Environment:
#   INFRA_DIR   default $PWD/.infra ; config, pidfile and log live in $INFRA_DIR/redis
#   REDIS_PORT  default 56379
#
# This is a private instance started from a generated config, not the system
# redis-server service. Nothing is persisted (save "", appendonly no).
set -euo pipefail

cmd="${1:-start}"
INFRA_DIR="${INFRA_DIR:-$PWD/.infra}"
REDIS_PORT="${REDIS_PORT:-56379}"
URL="redis://127.0.0.1:${REDIS_PORT}"

SERVICE=redis.sh
# shellcheck source=infra/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$INFRA_DIR"
INFRA_DIR="$(cd "$INFRA_DIR" && pwd -P)"
RDIR="$INFRA_DIR/redis"
CONF="$RDIR/redis.conf"
PIDFILE="$RDIR/redis.pid"
LOGFILE="$RDIR/redis.log"

have_redis() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }

ensure_installed() {
  have_redis && return 0
  is_root || die "Redis is not installed and we are not root; run: apt-get install -y redis-server"
  log "installing redis-server from apt"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq redis-server >&2; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -qq >&2
    apt-get install -y -qq redis-server >&2
  fi
  have_redis || die "redis-server installed but redis-server/redis-cli not found on PATH"
}


# True if $1 is a live (non-zombie) redis-server process.
pid_alive() {
  local pid="$1"
  proc_alive "$pid" || return 1
  # Guard against pid reuse after a reboot / wiped process table.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis-server
}

# Port the running server was started with (from the config written at its start).
running_port() {
  awk '$1 == "port" { print $2; exit }' "$CONF" 2>/dev/null || true
}


ping() {
  [ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ]
}

write_conf() {
  cat >"$CONF" <<EOF
# Written by infra/redis.sh at each start; edits are overwritten.
port ${REDIS_PORT}
bind 127.0.0.1
protected-mode yes
daemonize yes
supervised no
pidfile "${PIDFILE}"
logfile "${LOGFILE}"
loglevel notice
dir "${RDIR}"
save ""
appendonly no
databases 16
EOF
}

wait_ready() {
  local i
  for i in $(seq 1 150); do
    ping && return 0
    # Daemonized child died (bad config, port race...): no point waiting.
    if [ "$i" -gt 10 ] && [ -f "$PIDFILE" ] && ! is_running; then
      return 1
    fi
    sleep 0.2
  done
  return 1
}

start() {
  mkdir -p "$RDIR"
  if is_running; then
    local p
    p="$(running_port)"
    if [ -n "$p" ] && [ "$p" != "$REDIS_PORT" ]; then
      log "server in $RDIR already runs on port $p (not $REDIS_PORT); using it"
      REDIS_PORT="$p"
      URL="redis://127.0.0.1:${REDIS_PORT}"
    fi
    wait_ready || die "redis-server (pid $(server_pid)) is running but does not answer PING on port $REDIS_PORT"
    echo "$URL"
    return
  fi
  if [ -f "$PIDFILE" ]; then
    log "removing stale pidfile (pid $(server_pid) is gone)"
    rm -f "$PIDFILE"
  fi
  if port_busy "$REDIS_PORT"; then
    die "port $REDIS_PORT is already in use by another process; set REDIS_PORT to a free port"
  fi
  ensure_installed
  write_conf
  log "starting redis-server ($(command -v redis-server)) on 127.0.0.1:$REDIS_PORT, dir $RDIR"
  if ! (cd "$RDIR" && redis-server "$CONF") >&2 || ! wait_ready; then
    tail -n 30 "$LOGFILE" >&2 2>/dev/null || true
    die "Redis failed to start"
  fi
  echo "$URL"
}

# save "" and appendonly no: SIGTERM shuts down without writing anything.
stop() { stop_server 20; }

running_url() { echo "redis://127.0.0.1:$(running_port)"; }

run_command "$cmd" "$RDIR"
