#!/usr/bin/env bash
# Local infrastructure for class-management-service: PostgreSQL, Redis and a
# single-node Kafka (KRaft), all bound to 127.0.0.1, all state under
# <repo>/.services/ (git-ignored). No Docker needed.
#
# Usage: scripts/services.sh <command> [args]
#   up                 install what is missing, start postgres, redis, kafka
#                      (each only if not already running from this checkout),
#                      wait until ready, write <repo>/.services.env
#   down               stop everything started from this checkout
#   reset              empty every service of this checkout: PostgreSQL's databases
#                      (recreates an empty cms), Kafka's topics, offsets and log dir,
#                      Redis's keys; a service that is down gets its data dir wiped
#                      and stays down
#   start <service>    start one service (postgres|redis|kafka) and wait for it
#   stop <service>     stop one service (kafka: SIGTERM, SIGKILL after ~15 s)
#   restart <service>  stop + start
#   status             print each service's state
#   env                print the env file
#   install            only install missing packages (incl. wrk for benchmarks)
#   kafka-class <main-class> [args...]
#                      run a Java class from the Kafka jar cache, e.g.
#                      org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:PORT --list
#
# Environment:
#   CMS_PG_PORT, CMS_REDIS_PORT, CMS_KAFKA_PORT   override ports (Kafka controller
#                      listens on CMS_KAFKA_PORT+1). Defaults derive from a hash
#                      of the repo path so two checkouts do not clash; the ports
#                      chosen are remembered in .services/ports.env.
#   CMS_KAFKA_CACHE    Kafka jar cache (default ~/.cache/class-management-service/kafka-<version>)
#   CMS_KAFKA_READY_TIMEOUT (60), CMS_KAFKA_STOP_TIMEOUT (15), CMS_PG_READY_TIMEOUT (60),
#   CMS_REDIS_READY_TIMEOUT (30)   seconds
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
STATE_DIR="$REPO_ROOT/.services"
ENV_FILE="$REPO_ROOT/.services.env"
PORTS_FILE="$STATE_DIR/ports.env"
KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"

PG_DIR="$STATE_DIR/postgres"          # owned by the postgres user when run as root
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"
# unix socket paths are limited to ~107 bytes: fall back to a short dir for deep checkouts
if [ "${#PG_SOCK}" -gt 85 ]; then
    PG_SOCK="/tmp/cms-pg-$(printf '%s' "$REPO_ROOT" | cksum | awk '{print $1}')"
fi
PG_LOG="$PG_DIR/postgres.log"
REDIS_DIR="$STATE_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"
KAFKA_DIR="$STATE_DIR/kafka"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_OUT="$KAFKA_LOGS/kafka.out"
KAFKA_CLUSTER_ID_FILE="$KAFKA_DIR/cluster-id"

KAFKA_READY_TIMEOUT="${CMS_KAFKA_READY_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT="${CMS_KAFKA_STOP_TIMEOUT:-15}"
PG_READY_TIMEOUT="${CMS_PG_READY_TIMEOUT:-60}"
REDIS_READY_TIMEOUT="${CMS_REDIS_READY_TIMEOUT:-30}"

SERVICES=(postgres redis kafka)

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# --------------------------------------------------------------------------
# package installation
# --------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "missing packages: $* (not root and no sudo; install them manually)"
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing packages: $* and no apt-get available"
    log "installing packages: $*"
    # Keep Debian's postinst scripts from auto-starting the system-wide
    # postgresql/redis services on 5432/6379 (we run our own instances).
    local policy_created=0
    if [ ! -e /usr/sbin/policy-rc.d ] && is_root; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_created=1
    fi
    local rc=0
    {
        if [ "$APT_UPDATED" -eq 0 ]; then
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
            APT_UPDATED=1
        fi
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
            install -y -qq --no-install-recommends "$@"
    } || rc=$?
    if [ "$policy_created" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    [ "$rc" -eq 0 ] || die "apt-get install $* failed (exit $rc)"
}

pg_bindir() {
    local d best=""
    # newest /usr/lib/postgresql/<ver>/bin that has initdb
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V); do
        [ -x "$d/initdb" ] && best="$d"
    done
    if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null || true)"
        [ -n "$d" ] && [ -x "$d/initdb" ] && best="$d"
    fi
    printf '%s' "$best"
}

java_major() {
    java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

# ensure_installed <service...>   (services: postgres redis kafka bench)
ensure_installed() {
    local pkgs=() s
    for s in "$@"; do
        case "$s" in
            postgres) [ -n "$(pg_bindir)" ] || pkgs+=(postgresql) ;;
            redis) { command -v redis-server && command -v redis-cli; } >/dev/null 2>&1 || pkgs+=(redis-server) ;;
            kafka)
                command -v java >/dev/null 2>&1 || pkgs+=(default-jre-headless)
                # maven is only needed to fill the jar cache
                if ! kafka_cache_complete; then command -v mvn >/dev/null 2>&1 || pkgs+=(maven); fi
                ;;
            bench) command -v wrk >/dev/null 2>&1 || pkgs+=(wrk) ;;
        esac
    done
    apt_install "${pkgs[@]}"
    for s in "$@"; do
        case "$s" in
            postgres) [ -n "$(pg_bindir)" ] || die "PostgreSQL server binaries (initdb) not found after install" ;;
            kafka)
                local jm
                jm="$(java_major)"
                [ -n "$jm" ] && [ "$jm" -ge 17 ] || die "Kafka needs Java >= 17 (found: $(java -version 2>&1 | head -1))"
                ;;
        esac
    done
}

# --------------------------------------------------------------------------
# ports
# --------------------------------------------------------------------------
default_base_port() {
    # Below the kernel's ephemeral port range (32768-60999 by default): a listening port inside it
    # can be taken by the local end of an outgoing connection between the free-port check and the
    # bind (seen once: the Kafka broker port was free when checked, and a second later the broker
    # died with "Address already in use").
    local h low slots
    h="$(printf '%s' "$REPO_ROOT" | cksum | awk '{print $1}')"
    low="$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
    slots=$(((low - 20000) / 100 - 1)) # each checkout takes base+32 .. base+93
    [ "$slots" -ge 1 ] || slots=1
    echo $((20000 + (h % slots) * 100))
}

load_ports() {
    local base saved_pg="" saved_redis="" saved_kafka=""
    base="$(default_base_port)"
    if [ -f "$PORTS_FILE" ]; then
        saved_pg="$(sed -n 's/^PG_PORT=//p' "$PORTS_FILE")"
        saved_redis="$(sed -n 's/^REDIS_PORT=//p' "$PORTS_FILE")"
        saved_kafka="$(sed -n 's/^KAFKA_PORT=//p' "$PORTS_FILE")"
    fi
    PG_PORT="${CMS_PG_PORT:-${saved_pg:-$((base + 32))}}"
    REDIS_PORT="${CMS_REDIS_PORT:-${saved_redis:-$((base + 79))}}"
    KAFKA_PORT="${CMS_KAFKA_PORT:-${saved_kafka:-$((base + 92))}}"
    local p
    for p in "$PG_PORT" "$REDIS_PORT" "$KAFKA_PORT"; do
        [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -ge 1024 ] && [ "$p" -le 65534 ] || die "invalid port: $p"
    done
    KAFKA_CTRL_PORT=$((KAFKA_PORT + 1))
    SAVED_PG_PORT="$saved_pg"
    SAVED_REDIS_PORT="$saved_redis"
    SAVED_KAFKA_PORT="$saved_kafka"
}

save_ports() {
    mkdir -p "$STATE_DIR"
    printf 'PG_PORT=%s\nREDIS_PORT=%s\nKAFKA_PORT=%s\n' "$PG_PORT" "$REDIS_PORT" "$KAFKA_PORT" >"$PORTS_FILE.tmp"
    mv -f "$PORTS_FILE.tmp" "$PORTS_FILE"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port_in_use() {
    local p="$1"
    if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
        return 0
    fi
    port_open "$p"
}

require_free_port() {
    local port="$1" what="$2" env_var="$3"
    if port_in_use "$port"; then
        local who=""
        command -v ss >/dev/null 2>&1 && who="$(ss -Hltnp "sport = :$port" 2>/dev/null | head -3)"
        die "port $port (for $what) is already in use by another process; free it or set $env_var to another port.${who:+ Listener: $who}"
    fi
}

# A service that is running must keep the port it was started with.
check_port_unchanged() {
    local svc="$1" chosen="$2" saved="$3" env_var="$4"
    if [ -n "$saved" ] && [ "$chosen" != "$saved" ]; then
        die "$svc is running on port $saved but $env_var=$chosen was requested; run 'scripts/services.sh stop $svc' first"
    fi
}

# --------------------------------------------------------------------------
# process helpers
# --------------------------------------------------------------------------
# alive <pid>: process exists and is not a zombie
alive() {
    local pid="$1" st
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    st="$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null || true)"
    [ -n "$st" ] && [ "$st" != "Z" ] && [ "$st" != "X" ]
}

cmdline_of() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" || true; }

pid_from_file() {
    local f="$1" pid
    [ -f "$f" ] || return 1
    pid="$(head -1 "$f" 2>/dev/null | tr -dc '0-9')"
    [ -n "$pid" ] || return 1
    printf '%s' "$pid"
}

# wait_gone <pid> <seconds>
wait_gone() {
    local pid="$1" secs="$2" i
    for ((i = 0; i < secs * 5; i++)); do
        alive "$pid" || return 0
        sleep 0.2
    done
    ! alive "$pid"
}

# terminate <pid> <name> <seconds>: SIGTERM, wait, SIGKILL
terminate() {
    local pid="$1" name="$2" secs="$3"
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" "$secs"; then
        log "$name (pid $pid) did not exit after ${secs}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || die "could not kill $name (pid $pid)"
    fi
}

# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------
# Run a command as the postgres OS user (postgres refuses to run as root).
as_pg() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_running() {
    local bindir
    [ -f "$PG_DATA/PG_VERSION" ] || return 1
    bindir="$(pg_bindir)"
    [ -n "$bindir" ] || return 1
    as_pg "$bindir/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_pid() { pid_from_file "$PG_DATA/postmaster.pid"; }

pg_init() {
    local bindir="$1"
    mkdir -p "$PG_DIR"
    if is_root; then
        id postgres >/dev/null 2>&1 || die "system user 'postgres' not found (is the postgresql package installed?)"
        chown postgres:postgres "$PG_DIR"
        runuser -u postgres -- test -x "$PG_DIR" ||
            die "the postgres user cannot access $PG_DIR; every parent directory of the repo must be world-executable (chmod o+x)"
    fi
    as_pg mkdir -p "$PG_SOCK"
    as_pg chmod 700 "$PG_SOCK"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        log "postgres: initdb $PG_DATA"
        rm -rf "$PG_DATA"
        as_pg "$bindir/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
            { tail -20 "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
        # Throwaway local/test cluster: durability is deliberately traded for
        # speed (fsync/synchronous_commit/full_page_writes off). Never copy
        # these settings to a real database.
        as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# ---- class-management-service local/test cluster (scripts/services.sh) ----
# THROWAWAY CLUSTER: durability disabled on purpose, data may be lost on crash.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCK'
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
password_encryption = 'scram-sha-256'
logging_collector = off
log_min_messages = warning
EOF
        # loopback only: local socket trusted, TCP 127.0.0.1 with password
        as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<'EOF'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
EOF
    fi
}

pg_psql_admin() {
    local bindir
    bindir="$(pg_bindir)"
    as_pg "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres
}

start_postgres() {
    local t0 bindir
    t0="$(now)"
    bindir="$(pg_bindir)"
    if pg_running; then
        check_port_unchanged postgres "$PG_PORT" "$SAVED_PG_PORT" CMS_PG_PORT
        log "postgres: already running (pid $(pg_pid || echo ?), port $PG_PORT)"
    else
        require_free_port "$PG_PORT" postgres CMS_PG_PORT
        pg_init "$bindir"
        log "postgres: starting on 127.0.0.1:$PG_PORT"
        # pg_ctl detaches the postmaster into its own session (setsid).
        if ! as_pg "$bindir/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$PG_READY_TIMEOUT" \
            -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k '$PG_SOCK'" >/dev/null 9>&-; then
            tail -30 "$PG_LOG" >&2 || true
            die "postgres failed to start (log: $PG_LOG)"
        fi
    fi
    wait_postgres_ready "$bindir"
    log "postgres: ready on 127.0.0.1:$PG_PORT ($(elapsed "$t0"))"
}

wait_postgres_ready() {
    local bindir="$1" deadline=$((SECONDS + PG_READY_TIMEOUT))
    until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres; do
        [ "$SECONDS" -lt "$deadline" ] || { tail -30 "$PG_LOG" >&2 || true; die "postgres not ready after ${PG_READY_TIMEOUT}s"; }
        sleep 0.3
    done
    # role cms (superuser, so tests can create throwaway databases) + database cms
    pg_psql_admin <<'EOF'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cms') THEN
    CREATE ROLE cms LOGIN SUPERUSER CREATEDB PASSWORD 'cms';
  ELSE
    ALTER ROLE cms LOGIN SUPERUSER CREATEDB PASSWORD 'cms';
  END IF;
END
$$;
SELECT 'CREATE DATABASE cms OWNER cms' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'cms')
\gexec
EOF
    # real check over TCP with the credentials the app uses: can we create a db?
    local probe="cms_ready_probe_$$"
    PGPASSWORD=cms PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PG_PORT" -U cms -d postgres \
        -c "DROP DATABASE IF EXISTS $probe" -c "CREATE DATABASE $probe" -c "DROP DATABASE $probe" ||
        die "postgres: user cms cannot connect / create a database on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
    local bindir
    if ! pg_running; then
        log "postgres: not running"
        return 0
    fi
    bindir="$(pg_bindir)"
    log "postgres: stopping"
    as_pg "$bindir/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 >/dev/null 2>&1 ||
        as_pg "$bindir/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 >/dev/null 2>&1 ||
        die "postgres: could not stop the cluster in $PG_DATA"
    log "postgres: stopped"
}

status_postgres() {
    if pg_running; then echo "postgres: running (pid $(pg_pid || echo ?), 127.0.0.1:$PG_PORT, data $PG_DATA)"; else echo "postgres: stopped"; fi
}

# --------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------
redis_pid() {
    local pid
    pid="$(pid_from_file "$REDIS_PID")" || return 1
    alive "$pid" || return 1
    case "$(cmdline_of "$pid")" in *redis-server*) printf '%s' "$pid" ;; *) return 1 ;; esac
}
redis_running() { redis_pid >/dev/null; }

start_redis() {
    local t0 pid
    t0="$(now)"
    if redis_running; then
        check_port_unchanged redis "$REDIS_PORT" "$SAVED_REDIS_PORT" CMS_REDIS_PORT
        log "redis: already running (pid $(redis_pid), port $REDIS_PORT)"
    else
        require_free_port "$REDIS_PORT" redis CMS_REDIS_PORT
        mkdir -p "$REDIS_DIR"
        rm -f "$REDIS_PID"
        log "redis: starting on 127.0.0.1:$REDIS_PORT"
        # no persistence: a restart comes back empty (like a real outage of a cache)
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
            --save "" --appendonly no --daemonize yes \
            --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" 9>&- ||
            { tail -20 "$REDIS_LOG" >&2 || true; die "redis-server failed to start"; }
    fi
    local deadline=$((SECONDS + REDIS_READY_TIMEOUT))
    until [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { tail -20 "$REDIS_LOG" >&2 || true; die "redis not ready after ${REDIS_READY_TIMEOUT}s"; }
        sleep 0.2
    done
    # the pid file is written right after daemonizing; make sure we have it
    for _ in $(seq 1 25); do redis_running && break; sleep 0.2; done
    redis_running || die "redis answers on $REDIS_PORT but $REDIS_PID is missing/stale (another redis on that port?)"
    log "redis: ready on 127.0.0.1:$REDIS_PORT ($(elapsed "$t0"))"
}

stop_redis() {
    local pid
    if ! pid="$(redis_pid)"; then
        log "redis: not running"
        rm -f "$REDIS_PID"
        return 0
    fi
    log "redis: stopping (pid $pid)"
    terminate "$pid" redis 10
    rm -f "$REDIS_PID"
    log "redis: stopped"
}

status_redis() {
    if redis_running; then echo "redis: running (pid $(redis_pid), 127.0.0.1:$REDIS_PORT)"; else echo "redis: stopped"; fi
}

# --------------------------------------------------------------------------
# Kafka
# --------------------------------------------------------------------------
kafka_version() {
    sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -1
}
KAFKA_VERSION="$(kafka_version)"
[ -n "$KAFKA_VERSION" ] || die "cannot read kafka.version from $KAFKA_POM"
KAFKA_CACHE="${CMS_KAFKA_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/class-management-service/kafka-$KAFKA_VERSION}"
KAFKA_LIBS="$KAFKA_CACHE/libs"
KAFKA_MARKER="$KAFKA_CACHE/.complete"

pom_hash() { cksum <"$KAFKA_POM" | awk '{print $1}'; }

kafka_cache_complete() {
    [ -f "$KAFKA_MARKER" ] && [ "$(cat "$KAFKA_MARKER" 2>/dev/null)" = "$(pom_hash)" ] &&
        compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null
}

ensure_kafka_jars() {
    kafka_cache_complete && return 0
    command -v mvn >/dev/null 2>&1 || die "maven (mvn) is required to download Kafka"
    mkdir -p "$KAFKA_CACHE"
    (
        # serialize concurrent downloads (two checkouts sharing the cache)
        exec 8>"$KAFKA_CACHE/.lock"
        flock 8
        kafka_cache_complete && exit 0
        local t0 tmp
        t0="$(now)"
        tmp="$KAFKA_CACHE/libs.tmp.$$"
        rm -rf "$tmp"
        log "kafka: downloading Kafka $KAFKA_VERSION jars with maven into $KAFKA_CACHE (first run only)"
        if ! mvn -q -B -f "$KAFKA_POM" dependency:copy-dependencies \
            -DoutputDirectory="$tmp" -DincludeScope=runtime >"$KAFKA_CACHE/mvn.log" 2>&1 8>&-; then
            tail -40 "$KAFKA_CACHE/mvn.log" >&2
            rm -rf "$tmp"
            die "maven failed to fetch Kafka (log: $KAFKA_CACHE/mvn.log)"
        fi
        rm -rf "$KAFKA_LIBS"
        mv "$tmp" "$KAFKA_LIBS"
        pom_hash >"$KAFKA_MARKER"
        log "kafka: jars ready ($(ls "$KAFKA_LIBS" | wc -l) files) in $(elapsed "$t0")"
    )
    kafka_cache_complete || die "kafka jar cache incomplete: $KAFKA_CACHE"
}

write_kafka_tools_log4j() {
    mkdir -p "$KAFKA_CACHE"
    local f="$KAFKA_CACHE/log4j2-tools.xml"
    [ -f "$f" ] && return 0
    cat >"$f.tmp.$$" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDERR" target="SYSTEM_ERR">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="STDERR"/></Root>
  </Loggers>
</Configuration>
EOF
    mv -f "$f.tmp.$$" "$f"
}

# java command line for Kafka CLI tools (small, fast-starting JVM)
kafka_tool_cmd() {
    write_kafka_tools_log4j
    KAFKA_TOOL_CMD=(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
        -Djava.net.preferIPv4Stack=true -Dlog4j2.shutdownHookEnabled=false
        "-Dlog4j2.configurationFile=$KAFKA_CACHE/log4j2-tools.xml" -cp "$KAFKA_LIBS/*")
}

# run a main class from the Kafka jars
kafka_class() {
    kafka_tool_cmd
    "${KAFKA_TOOL_CMD[@]}" "$@"
}

write_kafka_config() {
    mkdir -p "$KAFKA_DATA" "$KAFKA_LOGS"
    cat >"$KAFKA_PROPS" <<EOF
# Generated by scripts/services.sh on every start -- edit the script, not this file.
# Single-node KRaft (combined broker + controller) for local development / tests.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CTRL_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CTRL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
# fewer internal partitions than the default 50: faster first consumer-group use
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF
    cat >"$KAFKA_DIR/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <ThresholdFilter level="WARN" onMatch="ACCEPT" onMismatch="DENY"/>
    </Console>
    <RollingFile name="SERVER" fileName="$KAFKA_LOGS/server.log" filePattern="$KAFKA_LOGS/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="50 MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO">
      <AppenderRef ref="STDOUT"/>
      <AppenderRef ref="SERVER"/>
    </Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="kafka.log.LogCleaner" level="WARN"/>
    <Logger name="org.apache.kafka.storage.internals.log.LogCleaner" level="WARN"/>
  </Loggers>
</Configuration>
EOF
}

kafka_pid() {
    local pid
    pid="$(pid_from_file "$KAFKA_PID")" || return 1
    alive "$pid" || return 1
    case "$(cmdline_of "$pid")" in *kafka.Kafka*"$KAFKA_PROPS"*) printf '%s' "$pid" ;; *) return 1 ;; esac
}
kafka_running() { kafka_pid >/dev/null; }

# brokers of this checkout that lost their pid file (e.g. state dir tampering)
kafka_stray_pids() {
    local d pid
    for d in /proc/[0-9]*; do
        pid="${d#/proc/}"
        case "$(cmdline_of "$pid")" in
            *kafka.Kafka*"$KAFKA_PROPS"*) alive "$pid" && echo "$pid" ;;
        esac
    done
}

kafka_format_storage() {
    [ -f "$KAFKA_DATA/meta.properties" ] && return 0
    local cid
    if [ ! -s "$KAFKA_CLUSTER_ID_FILE" ]; then
        cid="$(kafka_class kafka.tools.StorageTool random-uuid | tail -1 | tr -d '[:space:]')"
        [ -n "$cid" ] || die "kafka: could not generate a cluster id"
        echo "$cid" >"$KAFKA_CLUSTER_ID_FILE"
    fi
    cid="$(cat "$KAFKA_CLUSTER_ID_FILE")"
    log "kafka: formatting storage (cluster id $cid)"
    kafka_class kafka.tools.StorageTool format --standalone -t "$cid" -c "$KAFKA_PROPS" >"$KAFKA_LOGS/format.log" 2>&1 ||
        { cat "$KAFKA_LOGS/format.log" >&2; die "kafka: storage format failed"; }
    echo "$KAFKA_CTRL_PORT" >"$KAFKA_DIR/formatted-controller-port"
}

start_kafka() {
    local t0 pid
    t0="$(now)"
    ensure_kafka_jars
    if kafka_running; then
        check_port_unchanged kafka "$KAFKA_PORT" "$SAVED_KAFKA_PORT" CMS_KAFKA_PORT
        log "kafka: already running (pid $(kafka_pid), port $KAFKA_PORT)"
    else
        for pid in $(kafka_stray_pids); do
            log "kafka: stopping stray broker of this checkout (pid $pid)"
            terminate "$pid" kafka "$KAFKA_STOP_TIMEOUT"
        done
        require_free_port "$KAFKA_PORT" "kafka broker" CMS_KAFKA_PORT
        require_free_port "$KAFKA_CTRL_PORT" "kafka controller (CMS_KAFKA_PORT+1)" CMS_KAFKA_PORT
        write_kafka_config
        kafka_format_storage
        if [ -f "$KAFKA_DIR/formatted-controller-port" ] &&
            [ "$(cat "$KAFKA_DIR/formatted-controller-port")" != "$KAFKA_CTRL_PORT" ]; then
            log "kafka: WARNING: storage was formatted with controller port $(cat "$KAFKA_DIR/formatted-controller-port"), now $KAFKA_CTRL_PORT; if the broker does not come up, 'rm -rf $KAFKA_DIR' (loses topics)"
        fi
        log "kafka: starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CTRL_PORT)"
        {
            echo "===== $(date -Is) starting kafka ====="
        } >>"$KAFKA_OUT"
        # setsid: own session, so Ctrl-C in the calling terminal / make does not hit it
        setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
            -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
            -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" -Dkafka.logs.dir="$KAFKA_LOGS" \
            -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
            </dev/null >>"$KAFKA_OUT" 2>&1 9>&- &
        pid=$!
        echo "$pid" >"$KAFKA_PID"
        sleep 0.2
        if ! kafka_running; then
            # setsid may have forked: find the broker by its command line
            pid="$(kafka_stray_pids | head -1)"
            [ -n "$pid" ] && echo "$pid" >"$KAFKA_PID"
        fi
    fi
    wait_kafka_ready
    log "kafka: ready on 127.0.0.1:$KAFKA_PORT ($(elapsed "$t0"))"
}

kafka_fail() {
    log "kafka: $1"
    log "---- tail of $KAFKA_LOGS/server.log ----"
    tail -40 "$KAFKA_LOGS/server.log" >&2 2>/dev/null || true
    log "---- tail of $KAFKA_OUT ----"
    tail -20 "$KAFKA_OUT" >&2 2>/dev/null || true
    exit 1
}

wait_kafka_ready() {
    local deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
    # 1) the listener accepts connections
    until port_open "$KAFKA_PORT"; do
        kafka_running || kafka_fail "broker process exited during startup"
        [ "$SECONDS" -lt "$deadline" ] || kafka_fail "port $KAFKA_PORT not open after ${KAFKA_READY_TIMEOUT}s"
        sleep 0.3
    done
    # 2) a real Metadata + ApiVersions round trip through the admin client
    local out
    kafka_tool_cmd
    while true; do
        kafka_running || kafka_fail "broker process exited during startup"
        local left=$((deadline - SECONDS))
        [ "$left" -gt 0 ] || kafka_fail "broker not answering metadata requests after ${KAFKA_READY_TIMEOUT}s"
        [ "$left" -le 20 ] || left=20
        if out="$(timeout "$left" "${KAFKA_TOOL_CMD[@]}" org.apache.kafka.tools.BrokerApiVersionsCommand \
            --bootstrap-server "127.0.0.1:$KAFKA_PORT" 2>&1)" &&
            grep -q "127.0.0.1:$KAFKA_PORT (id: 1" <<<"$out"; then
            return 0
        fi
        sleep 0.5
    done
}

stop_kafka() {
    local pid stray
    if pid="$(kafka_pid)"; then
        log "kafka: stopping (pid $pid, SIGTERM; SIGKILL after ${KAFKA_STOP_TIMEOUT}s)"
        terminate "$pid" kafka "$KAFKA_STOP_TIMEOUT"
        log "kafka: stopped"
    else
        log "kafka: not running"
    fi
    for stray in $(kafka_stray_pids); do
        log "kafka: stopping stray broker of this checkout (pid $stray)"
        terminate "$stray" kafka "$KAFKA_STOP_TIMEOUT"
    done
    rm -f "$KAFKA_PID"
}

status_kafka() {
    if kafka_running; then echo "kafka: running (pid $(kafka_pid), 127.0.0.1:$KAFKA_PORT, controller 127.0.0.1:$KAFKA_CTRL_PORT)"; else echo "kafka: stopped"; fi
}

# --------------------------------------------------------------------------
# env file
# --------------------------------------------------------------------------
write_env_file() {
    cat >"$ENV_FILE.tmp.$$" <<EOF
CLASS_MANAGEMENT_SERVICE_DATABASE_URL=postgresql+asyncpg://cms:cms@127.0.0.1:$PG_PORT/cms
CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
CLASS_MANAGEMENT_SERVICE_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
CMS_PG_ADMIN_URL=postgresql://cms:cms@127.0.0.1:$PG_PORT/postgres
EOF
    mv -f "$ENV_FILE.tmp.$$" "$ENV_FILE"
}

# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------
lock_state() {
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/.lock"
    if ! flock -w 300 9; then die "another scripts/services.sh is running for this checkout (lock $STATE_DIR/.lock)"; fi
}

valid_service() {
    case "${1:-}" in postgres | redis | kafka) ;; *) die "unknown service '${1:-}' (expected: postgres, redis or kafka)" ;; esac
}

# Before starting anything (and before remembering the ports): every service
# that is not running needs free ports, every running one keeps its port.
preflight_ports() {
    local s
    for s in "$@"; do
        case "$s" in
            postgres)
                if pg_running; then check_port_unchanged postgres "$PG_PORT" "$SAVED_PG_PORT" CMS_PG_PORT
                else require_free_port "$PG_PORT" postgres CMS_PG_PORT; fi
                ;;
            redis)
                if redis_running; then check_port_unchanged redis "$REDIS_PORT" "$SAVED_REDIS_PORT" CMS_REDIS_PORT
                else require_free_port "$REDIS_PORT" redis CMS_REDIS_PORT; fi
                ;;
            kafka)
                if kafka_running; then check_port_unchanged kafka "$KAFKA_PORT" "$SAVED_KAFKA_PORT" CMS_KAFKA_PORT
                elif [ -z "$(kafka_stray_pids)" ]; then
                    require_free_port "$KAFKA_PORT" "kafka broker" CMS_KAFKA_PORT
                    require_free_port "$KAFKA_CTRL_PORT" "kafka controller (CMS_KAFKA_PORT+1)" CMS_KAFKA_PORT
                fi
                ;;
        esac
    done
}

cmd_up() {
    local t0
    t0="$(now)"
    lock_state
    load_ports
    ensure_installed postgres redis kafka
    preflight_ports postgres redis kafka
    save_ports
    start_postgres
    start_redis
    start_kafka
    write_env_file
    log "all services ready in $(elapsed "$t0"); env file: $ENV_FILE"
}

cmd_down() {
    lock_state
    load_ports
    # stop in reverse order; keep going if one fails
    local rc=0
    stop_kafka || rc=1
    stop_redis || rc=1
    stop_postgres || rc=1
    return "$rc"
}

# A running service is emptied in place (postgres, redis) or restarted on an empty log dir
# (kafka: deleting topics one by one would leave consumer offsets and the KRaft metadata behind);
# one that is down only loses its data dir. Redis keeps nothing on disk (--save "").
cmd_reset() {
    lock_state
    load_ports
    if pg_running; then
        log "postgres: dropping every database, recreating an empty cms"
        pg_psql_admin <<'EOF'
SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database
 WHERE datname NOT IN ('postgres', 'template0', 'template1')
\gexec
CREATE DATABASE cms OWNER cms;
EOF
    else
        log "postgres: not running; removing $PG_DATA (the next 'up' initialises a new cluster)"
        rm -rf "$PG_DATA"
    fi
    if redis_running; then
        log "redis: FLUSHALL"
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" FLUSHALL >/dev/null
    else
        log "redis: not running (it keeps nothing on disk)"
    fi
    if kafka_running || [ -n "$(kafka_stray_pids)" ]; then
        stop_kafka
        log "kafka: removing $KAFKA_DATA (topics, consumer offsets, metadata)"
        rm -rf "$KAFKA_DATA"
        start_kafka
    else
        log "kafka: not running; removing $KAFKA_DATA (topics, consumer offsets, metadata)"
        rm -rf "$KAFKA_DATA"
    fi
    log "reset done; a running 'make run' needs a restart (it migrates the new database)"
}

cmd_start() {
    valid_service "${1:-}"
    lock_state
    load_ports
    ensure_installed "$1"
    preflight_ports "$1"
    save_ports
    "start_$1"
    write_env_file
}

cmd_stop() {
    valid_service "${1:-}"
    lock_state
    load_ports
    "stop_$1"
}

cmd_status() {
    load_ports
    local s
    for s in "${SERVICES[@]}"; do "status_$s"; done
}

cmd_env() {
    [ -f "$ENV_FILE" ] || die "$ENV_FILE does not exist; run 'scripts/services.sh up' first"
    cat "$ENV_FILE"
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

main() {
    local cmd="${1:-}"
    [ "$#" -gt 0 ] && shift
    case "$cmd" in
        up) cmd_up ;;
        down) cmd_down ;;
        reset) cmd_reset ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        restart) valid_service "${1:-}"; "$0" stop "$1"; "$0" start "$1" ;;
        status) cmd_status ;;
        env) cmd_env ;;
        install) ensure_installed postgres redis kafka bench; ensure_kafka_jars ;;
        kafka-class)
            [ "$#" -gt 0 ] || die "usage: $0 kafka-class <main-class> [args...]"
            ensure_installed kafka
            ensure_kafka_jars
            kafka_class "$@"
            ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
