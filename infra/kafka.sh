#!/usr/bin/env bash
# Throw-away Apache Kafka broker for tests: one KRaft node (broker + controller), bound to
# loopback only.
#
#   infra/kafka.sh          fetch jars if missing, format storage if needed, start;
#                           last line = bootstrap address (host:port, for KAFKA_BROKERS)
#   infra/kafka.sh start    same as above
#   infra/kafka.sh stop     stop the broker (SIGTERM, SIGKILL after 45s); data is kept
#   infra/kafka.sh status   print "running <host:port>" or "stopped" (exit 0 / 3)
#   infra/kafka.sh url      print the bootstrap address only
#   infra/kafka.sh destroy  stop and delete $INFRA_DIR/kafka (jars, data, log)
#
# Environment:
#   INFRA_DIR              default $PWD/.infra ; everything lives in $INFRA_DIR/kafka:
#                          libs/ (jars), data/ (KRaft metadata + topic logs), server.properties
#                          (written at each start), kafka.log, kafka.pid
#   KAFKA_PORT             default 59092 (client listener)
#   KAFKA_CONTROLLER_PORT  default KAFKA_PORT+1 (KRaft controller listener)
#   KAFKA_HEAP_OPTS        default "-Xmx512m -Xms256m"
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer, default 90
#   KAFKA_LIBS             default $INFRA_DIR/kafka/libs (the broker jars)
#   JAVA                   java binary (>= 17); default: java on PATH, else /usr/lib/jvm/*
#
# The jars are Maven Central's org.apache.kafka:kafka_2.13 and its runtime dependencies,
# copied by Maven from infra/kafka/pom.xml (the Kafka version is set there); they are
# fetched again only when that pom changes. The broker runs as `java -cp 'libs/*'
# kafka.Kafka server.properties`, detached in its own session, logging to kafka.log
# through infra/kafka/log4j2.properties. `start` returns once the broker answers over the
# Kafka protocol (metadata, group coordinator, producer ids: see ready_step), so an
# idempotent producer and a consumer group can be used at once.
set -euo pipefail

cmd="${1:-start}"
INFRA_DIR="${INFRA_DIR:-$PWD/.infra}"
KAFKA_PORT="${KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
URL="127.0.0.1:${KAFKA_PORT}"

SERVICE=kafka.sh
# shellcheck source=infra/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
POM="$HERE/kafka/pom.xml"
LOG4J_CONF="$HERE/kafka/log4j2.properties"

mkdir -p "$INFRA_DIR"
INFRA_DIR="$(cd "$INFRA_DIR" && pwd -P)"
KDIR="$INFRA_DIR/kafka"
# KAFKA_LIBS lets a second broker (a fault test's) share the jars instead of fetching its own.
LIBS="${KAFKA_LIBS:-$KDIR/libs}"
DATA_DIR="$KDIR/data"
CONF="$KDIR/server.properties"
PIDFILE="$KDIR/kafka.pid"
LOGFILE="$KDIR/kafka.log"
STAMP="$LIBS/.pom.sha256"


# ---------------------------------------------------------------- install

apt_install() {
  is_root || die "$1 is not installed and we are not root; run: apt-get install -y $2"
  log "installing $2 from apt"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "$2" >&2; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -qq >&2
    apt-get install -y -qq "$2" >&2
  fi
}

# Major version of a java binary (17 for "17.0.15", 8 for "1.8.0_x"), empty if it does not run.
java_major() {
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)"
  case "$v" in
    1.*) echo "$v" | cut -d. -f2 ;;
    ?*) echo "$v" | sed 's/[^0-9].*//' ;;
  esac
}

java_ok() { [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || return 1; local m; m="$(java_major "$1")"; [ -n "$m" ] && [ "$m" -ge 17 ]; }

# Sets JAVA: $JAVA if given, else java on PATH, else the lowest >= 17 under /usr/lib/jvm.
find_java() {
  local j
  if [ -n "${JAVA:-}" ]; then
    java_ok "$JAVA" || die "JAVA=$JAVA is not a Java >= 17"
    return 0
  fi
  for j in "$(command -v java 2>/dev/null || true)" ${JAVA_HOME:+"$JAVA_HOME/bin/java"} $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -V); do
    if [ -n "$j" ] && java_ok "$j"; then
      JAVA="$j"
      return 0
    fi
  done
  return 1
}

ensure_java() {
  find_java && return 0
  apt_install "Java >= 17" openjdk-17-jre-headless
  find_java || die "openjdk-17-jre-headless installed but no Java >= 17 found"
}

pom_hash() { sha256sum "$POM" | awk '{print $1}'; }

libs_ok() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(pom_hash)" ] && ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1
}

# Copy the broker jars from Maven Central (through ~/.m2) into $LIBS, unless the copy
# made from the current pom is already there.
ensure_libs() {
  libs_ok && return 0
  [ -f "$POM" ] || die "$POM not found"
  command -v mvn >/dev/null 2>&1 || apt_install Maven maven
  local tmp t0=$SECONDS
  rm -rf "$KDIR"/.libs.*
  tmp="$(mktemp -d "$KDIR/.libs.XXXXXX")"
  chmod 755 "$tmp"
  log "fetching the broker jars with Maven from $POM into $LIBS (first time: ~40 MB)"
  if ! (cd "$HERE/kafka" && mvn -B -q -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime) >"$KDIR/mvn.log" 2>&1; then
    tail -n 40 "$KDIR/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (log: $KDIR/mvn.log)"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven copied no kafka_2.13 jar into $tmp"
  pom_hash >"$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "fetched $(ls "$LIBS"/*.jar | wc -l) jars ($(basename "$(ls "$LIBS"/kafka_2.13-*.jar)")) in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- process


# True if $1 is a live (non-zombie) broker started from our server.properties.
pid_alive() {
  local pid="$1"
  proc_alive "$pid" || return 1
  # Guard against pid reuse: it must be kafka.Kafka on this directory's config.
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$CONF"
}

# Client port the running broker was started with (from the config written at its start).
running_port() {
  sed -n 's/^listeners=PLAINTEXT:\/\/[^:]*:\([0-9]*\).*/\1/p' "$CONF" 2>/dev/null | head -n 1 || true
}


# One Kafka request/response over /dev/tcp from bash. $1 api_key, $2 api_version, $3 request
# body in hex; prints the reply in hex (size, correlation id, then the body). Header v1:
# correlation id 1, client id "kafka.sh". Only versions with non-flexible headers are used.
kafka_call() {
  local req
  req="$(printf '%04x%04x%08x0008%s%s' "$1" "$2" 1 6b61666b612e7368 "$3")"
  req="$(printf '%08x' $((${#req} / 2)))$req"
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "$2" >&3
    dd bs=65536 count=1 status=none <&3 | od -An -v -tx1 | tr -d " \n"
  ' kafka_call "$KAFKA_PORT" "$(sed 's/../\\x&/g' <<<"$req")" 2>/dev/null || true
}

# Ready for clients, checked in three steps over the Kafka protocol:
#  1. Metadata v4 (no topics) lists at least one broker: the broker processes requests and
#     is registered with the controller (a fenced broker is left out of that list);
#  2. FindCoordinator v1 for a group answers error 0: __consumer_offsets exists (created by
#     this first call on a new cluster) and its leader is known, so consumer groups work;
#  3. InitProducerId v1 without a transactional id answers error 0: the broker holds a block
#     of producer ids from the controller, so idempotent producers start at once. Without it
#     the first idempotent producer after each start gets COORDINATOR_LOAD_IN_PROGRESS,
#     which kafkajs retries but logs at ERROR level.
# Reply layout for all three: size(4) correlation_id(4) throttle_time_ms(4), then the
# brokers count (Metadata) or an int16 error code (the others). Prints the failing step.
ready_step() {
  local hex
  hex="$(kafka_call 3 4 0000000000)"
  [ "${hex:8:8}" = 00000001 ] && [ ${#hex} -ge 32 ] && [ "${hex:24:8}" != 00000000 ] || { echo metadata; return 1; }
  # key "kafka.sh-ready" (14 bytes), key_type 0 (group)
  hex="$(kafka_call 10 1 "000e$(printf kafka.sh-ready | od -An -v -tx1 | tr -d ' \n')00")"
  [ "${hex:8:8}" = 00000001 ] && [ "${hex:24:4}" = 0000 ] || { echo "group coordinator"; return 1; }
  # transactional_id null, transaction_timeout_ms 60000
  hex="$(kafka_call 22 1 ffff0000ea60)"
  [ "${hex:8:8}" = 00000001 ] && [ "${hex:24:4}" = 0000 ] || { echo "producer ids"; return 1; }
}

wait_ready() {
  local t0=$SECONDS next=10 step=metadata
  while [ $((SECONDS - t0)) -lt "$KAFKA_START_TIMEOUT" ]; do
    if step="$(ready_step)"; then
      return 0
    fi
    is_running || {
      log "the broker process exited"
      return 1
    }
    if [ $((SECONDS - t0)) -ge "$next" ]; then
      log "waiting for the broker on $URL ($step)... $((SECONDS - t0))s"
      next=$((next + 10))
    fi
    sleep 0.5
  done
  log "no answer after ${KAFKA_START_TIMEOUT}s (waiting for: $step)"
  return 1
}

write_conf() {
  cat >"$CONF" <<EOF
# Written by infra/kafka.sh at each start; edits are overwritten.
# Single-node KRaft: this process is both the broker and the (only) controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${DATA_DIR}

# One replica of everything; topics are created on first use.
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
delete.topic.enable=true

# Small machine (2 cores, shared with PostgreSQL, Redis, FerretDB and Node in CI).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.segment.bytes=134217728
log.retention.hours=168
EOF
}

# Format the KRaft storage once (meta.properties marks a formatted directory).
ensure_formatted() {
  if [ -f "$DATA_DIR/meta.properties" ]; then
    return 0
  fi
  mkdir -p "$DATA_DIR"
  if [ -n "$(ls -A "$DATA_DIR")" ]; then
    die "$DATA_DIR is not empty but not formatted (no meta.properties); remove it (infra/kafka.sh destroy) and retry"
  fi
  # Cluster id: 16 random bytes, URL-safe base64 without padding (22 chars), as `random-uuid` makes. One in
  # 64 starts with '-', which the tool's argument parser takes for an option (Kafka's own Uuid avoids it too).
  local cid="-"
  while [ "${cid#-}" != "$cid" ]; do
    cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  log "formatting KRaft storage in $DATA_DIR (cluster id $cid)"
  if ! "$JAVA" -Xmx256m -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J_CONF" \
    kafka.tools.StorageTool format -t "$cid" -c "$CONF" >>"$LOGFILE" 2>&1; then
    tail -n 30 "$LOGFILE" >&2 || true
    die "kafka.tools.StorageTool format failed"
  fi
  [ -f "$DATA_DIR/meta.properties" ] || die "StorageTool format wrote no $DATA_DIR/meta.properties"
}

start() {
  mkdir -p "$KDIR"
  if is_running; then
    local p
    p="$(running_port)"
    if [ -n "$p" ] && [ "$p" != "$KAFKA_PORT" ]; then
      log "broker in $KDIR already runs on port $p (not $KAFKA_PORT); using it"
      KAFKA_PORT="$p"
      URL="127.0.0.1:${KAFKA_PORT}"
    fi
    wait_ready || die "kafka (pid $(server_pid)) is running but does not answer on $URL"
    echo "$URL"
    return
  fi
  if [ -f "$PIDFILE" ]; then
    log "removing stale pidfile (pid $(server_pid) is gone)"
    rm -f "$PIDFILE"
  fi
  [ "$KAFKA_CONTROLLER_PORT" != "$KAFKA_PORT" ] || die "KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT"
  if port_busy "$KAFKA_PORT"; then
    die "port $KAFKA_PORT is already in use by another process; set KAFKA_PORT to a free port"
  fi
  if port_busy "$KAFKA_CONTROLLER_PORT"; then
    die "controller port $KAFKA_CONTROLLER_PORT is already in use by another process; set KAFKA_CONTROLLER_PORT (or KAFKA_PORT) to a free port"
  fi
  ensure_java
  ensure_libs
  write_conf
  {
    echo
    echo "=== $(date -u +%FT%TZ) infra/kafka.sh start"
  } >>"$LOGFILE"
  ensure_formatted
  log "starting Kafka $(basename "$(ls "$LIBS"/kafka_2.13-*.jar)" .jar | sed 's/^kafka_2.13-//') (KRaft, $JAVA) on $URL, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, data $DATA_DIR"
  # No daemon mode: run detached in its own session, output to the log.
  # shellcheck disable=SC2086
  setsid "$JAVA" $KAFKA_HEAP_OPTS \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$KDIR" \
    -cp "$LIBS/*" kafka.Kafka "$CONF" \
    </dev/null >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  if ! wait_ready; then
    tail -n 40 "$LOGFILE" >&2 || true
    stop >/dev/null 2>&1 || true
    die "Kafka failed to start (log: $LOGFILE)"
  fi
  log "ready (${SECONDS}s since this script started)"
  echo "$URL"
}

# SIGTERM runs the broker's shutdown hook: a clean shutdown, logs flushed, so the next start needs no log recovery.
stop() { stop_server 45; }

running_url() { echo "127.0.0.1:$(running_port)"; }

run_command "$cmd" "$KDIR"
