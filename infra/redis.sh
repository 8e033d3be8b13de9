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

log() { echo "[redis.sh] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$INFRA_DIR"
INFRA_DIR="$(cd "$INFRA_DIR" && pwd -P)"
RDIR="$INFRA_DIR/redis"
CONF="$RDIR/redis.conf"
PIDFILE="$RDIR/redis.pid"
LOGFILE="$RDIR/redis.log"

is_root() { [ "$(id -u)" -eq 0 ]; }

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

server_pid() {
  [ -f "$PIDFILE" ] && head -n 1 "$PIDFILE" | tr -dc 0-9 || true
}

# True if $1 is a live (non-zombie) redis-server process.
pid_alive() {
  local pid="$1" state
  [ -n "$pid" ] || return 1
  # A dead daemon can linger as a zombie (kill -0 still succeeds): not running.
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  # Guard against pid reuse after a reboot / wiped process table.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis-server
}

is_running() { pid_alive "$(server_pid)"; }

# Port the running server was started with (from the config written at its start).
running_port() {
  awk '$1 == "port" { print $2; exit }' "$CONF" 2>/dev/null || true
}

port_busy() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltn "sport = :$REDIS_PORT" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null
  fi
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
  if port_busy; then
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

stop() {
  local pid i
  pid="$(server_pid)"
  if ! pid_alive "$pid"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping redis-server (pid $pid)"
  # save "" and appendonly no: SIGTERM shuts down without writing anything.
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    pid_alive "$pid" || break
    sleep 0.2
  done
  if pid_alive "$pid"; then
    log "still alive after 20s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PIDFILE"
}

case "$cmd" in
  start | up | "") start ;;
  stop | down) stop ;;
  status)
    if is_running; then
      echo "running redis://127.0.0.1:$(running_port)"
    else
      echo "stopped"
      exit 3
    fi
    ;;
  url) echo "$URL" ;;
  destroy)
    stop
    rm -rf "$RDIR"
    log "removed $RDIR"
    ;;
  *)
    echo "usage: $0 [start|stop|status|url|destroy]" >&2
    exit 2
    ;;
esac
