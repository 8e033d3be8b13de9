# Helpers shared by the infra/*.sh service scripts. Source it after setting
# SERVICE (the log prefix) and PIDFILE; the script defines pid_alive PID
# (is PID our live server?) before calling stop_server.
# shellcheck shell=bash

log() { echo "[$SERVICE] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# True if process $1 exists and is not a zombie (a dead daemon can linger as one; kill -0 still succeeds).
proc_alive() {
  local state
  [ -n "${1:-}" ] || return 1
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != Z ]
}

# The pid written by our last start, digits only.
server_pid() {
  [ -f "$PIDFILE" ] && head -n 1 "$PIDFILE" | tr -dc 0-9 || true
}

is_running() { pid_alive "$(server_pid)"; }

# True if something listens on 127.0.0.1:$1.
port_busy() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# SIGTERM the server, wait up to $1 seconds, then SIGKILL; removes the pidfile.
stop_server() {
  local grace="$1" pid i
  pid="$(server_pid)"
  if ! pid_alive "$pid"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((grace * 5))); do
    pid_alive "$pid" || break
    sleep 0.2
  done
  if pid_alive "$pid"; then
    log "still alive after ${grace}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PIDFILE"
}

# The subcommands every server script offers. The script defines start, stop and
# running_url and sets URL; $2 is the directory `destroy` removes.
run_command() {
  local dir="$2"
  case "$1" in
    start | up | "") start ;;
    stop | down) stop ;;
    status)
      if is_running; then
        echo "running $(running_url)"
      else
        echo "stopped"
        exit 3
      fi
      ;;
    url) echo "$URL" ;;
    destroy)
      stop
      rm -rf "$dir"
      log "removed $dir"
      ;;
    *)
      echo "usage: $0 [start|stop|status|url|destroy]" >&2
      exit 2
      ;;
  esac
}
