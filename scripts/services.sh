#!/usr/bin/env bash
# Project-local PostgreSQL + Redis for development and tests.
#
#   scripts/services.sh start    start both (idempotent), write var/env
#   scripts/services.sh stop     stop both
#   scripts/services.sh status   show state and URLs (exit 0 when every needed service runs)
#   scripts/services.sh purge    stop both and delete their data (used by `make clean`)
#
# Contract:
#   var/ports  PG_PORT=<n> / REDIS_PORT=<n>: free loopback ports picked at first start and kept, so several
#              clones of the repo can run side by side; a remembered port found taken by something else is
#              replaced by a new free one.
#   var/env    DATABASE_URL=postgres://pairing@127.0.0.1:<PG_PORT>/pairing
#              REDIS_URL=redis://127.0.0.1:<REDIS_PORT>/0
#              (read by the Django settings when the real environment does not set them).
#   If DATABASE_URL and REDIS_URL are both set in the environment, nothing is started or written;
#   if only one is set, only the other service is started (and only its line is written to var/env).
#
# Knobs: PG_BIN (folder holding initdb/pg_ctl/postgres), REDIS_SERVER (path of redis-server).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VAR="$ROOT/var"
PGDATA="$VAR/pg"
PGLOG="$VAR/log/postgres.log"
REDIS_DIR="$VAR/redis"
REDIS_PID="$VAR/redis/redis.pid"
REDIS_LOG="$VAR/log/redis.log"
PORTS_FILE="$VAR/ports"
ENV_FILE="$VAR/env"
DB_NAME=pairing
DB_ROLE=pairing
# Ports are drawn from this range: below Linux's ephemeral range (32768-60999) so an outgoing
# connection never grabs a remembered port while our server is stopped.
PORT_MIN=20000
PORT_MAX=32000

say() { printf '%s\n' "services: $*"; }
die() { printf '%s\n' "services: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# A live process (a zombie waiting to be reaped counts as gone).
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z ]
}

# --- which services this run manages ------------------------------------------------------------------

want_pg() { [ -z "${DATABASE_URL:-}" ]; }
want_redis() { [ -z "${REDIS_URL:-}" ]; }

# --- ports --------------------------------------------------------------------------------------------

PG_PORT=""
REDIS_PORT=""

load_ports() {
    PG_PORT=""
    REDIS_PORT=""
    if [ -f "$PORTS_FILE" ]; then
        PG_PORT="$(sed -n 's/^PG_PORT=\([0-9]\+\)$/\1/p' "$PORTS_FILE")"
        REDIS_PORT="$(sed -n 's/^REDIS_PORT=\([0-9]\+\)$/\1/p' "$PORTS_FILE")"
    fi
}

save_ports() {
    local tmp="$PORTS_FILE.tmp.$$"
    {
        [ -n "$PG_PORT" ] && echo "PG_PORT=$PG_PORT"
        [ -n "$REDIS_PORT" ] && echo "REDIS_PORT=$REDIS_PORT"
        true
    } >"$tmp"
    mv -f "$tmp" "$PORTS_FILE"
}

# True when nothing listens on / holds 127.0.0.1:$1 (a bind test, so it also sees sockets that are
# not yet accepting).
port_free() {
    python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
EOF
}

# A free port in [PORT_MIN, PORT_MAX], other than $1 (the port just given to the other service).
pick_port() {
    local avoid="${1:-}" port
    for _ in $(seq 1 200); do
        port=$((PORT_MIN + RANDOM % (PORT_MAX - PORT_MIN)))
        [ "$port" = "$avoid" ] && continue
        if port_free "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free TCP port found on 127.0.0.1 in $PORT_MIN-$PORT_MAX"
}

# --- PostgreSQL ---------------------------------------------------------------------------------------

PG_BINDIR=""
PG_USER=""  # OS user that owns and runs the cluster (only when we are root)

find_pg_bin() {
    local d want=""
    [ -f "$PGDATA/PG_VERSION" ] && want="$(cat "$PGDATA/PG_VERSION")"
    if [ -n "${PG_BIN:-}" ]; then
        if [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ]; then
            PG_BINDIR="$PG_BIN"
            return 0
        fi
        die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in PG_BIN=$PG_BIN: apt-get install postgresql-15, or set DATABASE_URL"
    fi
    # An existing cluster needs binaries of its own major version.
    if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ]; then
        PG_BINDIR="/usr/lib/postgresql/$want/bin"
        return 0
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            PG_BINDIR="$d"
            return 0
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null && command -v postgres >/dev/null; then
        PG_BINDIR="$(dirname "$(command -v pg_ctl)")"
        return 0
    fi
    die "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or PATH: apt-get install postgresql-15, or set DATABASE_URL"
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres` (or `pgrunner`).
pick_pg_user() {
    is_root || return 0
    if id -u postgres >/dev/null 2>&1; then
        PG_USER=postgres
    else
        if ! id -u pgrunner >/dev/null 2>&1; then
            say "creating system user pgrunner to run PostgreSQL (it refuses to run as root)"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin pgrunner
        fi
        PG_USER=pgrunner
    fi
}

# Runs from / so the cluster's user never needs to read the (maybe private) current folder.
as_pg() {
    if [ -n "$PG_USER" ]; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        "$@"
    fi
}

# The cluster's real path: var/pg, or where its symlink points (see pg_home_outside).
pg_dir() {
    if [ -L "$PGDATA" ]; then readlink -f "$PGDATA"; else echo "$PGDATA"; fi
}

# The postmaster of var/pg is alive (pg_ctl status alone would also count a killed, not yet reaped one).
pg_running() {
    local pid comm
    [ -f "$PGDATA/PG_VERSION" ] && [ -f "$PGDATA/postmaster.pid" ] || return 1
    pid="$(sed -n '1p' "$PGDATA/postmaster.pid" 2>/dev/null)"
    [ -n "$pid" ] && alive "$pid" || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    case "$comm" in postgres | postmaster) ;; *) return 1 ;; esac
    as_pg "$PG_BINDIR/pg_ctl" status -D "$(pg_dir)" >/dev/null 2>&1
}

pg_wait_ready() {
    for _ in $(seq 1 60); do
        "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 1 && return 0
        sleep 0.5
    done
    die "postgres runs but does not accept connections on 127.0.0.1:$PG_PORT (see $(pg_logfile))"
}

# The port the running postmaster really listens on (line 4 of postmaster.pid).
pg_live_port() {
    sed -n '4p' "$PGDATA/postmaster.pid" 2>/dev/null
}

# A postmaster.pid whose pid is dead, a not yet reaped zombie, or now some other program (pid reuse
# after a crash or reboot) would block the start. It is removed, but only once no backend of the old
# server still works in the data folder (they exit by themselves soon after their postmaster died).
pg_backends_left() {
    local dir p
    dir="$(pg_dir)"
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/cwd" 2>/dev/null)" = "$dir" ] && alive "${p#/proc/}" && return 0
    done
    return 1
}

pg_clear_stale_pid() {
    local pidfile="$PGDATA/postmaster.pid" pid comm
    [ -f "$pidfile" ] || return 0
    pid="$(sed -n '1p' "$pidfile")"
    if [ -n "$pid" ] && alive "$pid"; then
        comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
        case "$comm" in postgres | postmaster) return 0 ;; esac
    fi
    for _ in $(seq 1 30); do
        pg_backends_left || break
        sleep 0.5
    done
    pg_backends_left && die "processes of a dead postgres still use $(pg_dir); stop them first"
    say "removing stale $pidfile (pid ${pid:-?} is not a running postgres)"
    rm -f "$pidfile"
}

# Where the cluster's files really live. Normally var/pg itself; when the cluster's OS user cannot
# reach the checkout (e.g. a clone inside a root-only 0700 folder) the data goes to a folder of its
# own under /var/tmp and var/pg is a symlink to it.
pg_home_outside() {
    local key
    key="$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
    echo "/var/tmp/pairing-pg-$key"
}

pg_user_reaches_var() {
    [ -z "$PG_USER" ] && return 0
    runuser -u "$PG_USER" -- test -x "$VAR" 2>/dev/null
}

pg_init() {
    local locale=C tmp home=""
    if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then locale=C.UTF-8; fi

    # A symlink left pointing at nothing means an earlier run was interrupted: start over.
    if [ -L "$PGDATA" ] && [ ! -e "$PGDATA" ]; then rm -f "$PGDATA"; fi

    if pg_user_reaches_var; then
        tmp="$VAR/pg.init.$$"
    else
        home="$(pg_home_outside)"
        say "user $PG_USER cannot reach $VAR; keeping the cluster in $home (var/pg links to it)"
        mkdir -p "$home"
        chown "$PG_USER" "$home"
        chmod 700 "$home"
        tmp="$home/data.init.$$"
        PGLOG="$home/postgres.log"
        # var/ was deleted by hand but the cluster outside survived: link it again.
        if [ -f "$home/data/PG_VERSION" ]; then
            ln -s "$home/data" "$PGDATA"
            ln -sf "$home/postgres.log" "$VAR/log/postgres.log"
            return 0
        fi
        rm -rf "$home/data"
    fi
    # Leftovers of an init killed outright (we hold the checkout lock, so nobody else is initialising).
    rm -rf "$VAR"/pg.init.* "${tmp%/*}"/data.init.*
    mkdir -p "$tmp"
    chmod 700 "$tmp"
    [ -n "$PG_USER" ] && chown "$PG_USER" "$tmp"
    # Removed if initdb fails or we are interrupted, so var/pg is either absent or a complete cluster.
    trap 'rm -rf "$tmp" "$tmp.log"' EXIT

    say "initdb ($("$PG_BINDIR/postgres" --version | awk '{print $3}'), $locale)"
    if ! as_pg "$PG_BINDIR/initdb" -D "$tmp" -U postgres -A trust -E UTF8 --locale="$locale" \
        --no-instructions >"$tmp.log" 2>&1; then
        cat "$tmp.log" >&2
        rm -f "$tmp.log"
        die "initdb failed"
    fi
    rm -f "$tmp.log"
    cat >>"$tmp/postgresql.conf" <<'EOF'

# --- project-local development/test cluster (scripts/services.sh) ---
listen_addresses = '127.0.0.1'
# TCP only: no socket file to collide with a system server or outgrow the path-length limit.
unix_socket_directories = ''
# Throw-away dev/test data: trade crash safety for speed on a small machine.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
log_min_messages = warning
EOF
    if [ -n "$home" ]; then
        mv "$tmp" "$home/data"
        ln -s "$home/data" "$PGDATA"
        ln -sf "$home/postgres.log" "$VAR/log/postgres.log"
    else
        mv "$tmp" "$PGDATA"
    fi
    trap - EXIT
}

pg_logfile() {
    # Follow var/log/postgres.log when it is a symlink to the out-of-tree log.
    if [ -L "$VAR/log/postgres.log" ]; then readlink "$VAR/log/postgres.log"; else echo "$PGLOG"; fi
}

psql_admin() {
    "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_ensure_database() {
    local has_role has_db
    has_role="$(psql_admin -tAc "select 1 from pg_roles where rolname = '$DB_ROLE'")" ||
        die "cannot query postgres on 127.0.0.1:$PG_PORT (see $(pg_logfile))"
    if [ "$has_role" != 1 ]; then
        psql_admin -c "create role $DB_ROLE login superuser"
    fi
    has_db="$(psql_admin -tAc "select 1 from pg_database where datname = '$DB_NAME'")"
    if [ "$has_db" != 1 ]; then
        say "creating database $DB_NAME (owner $DB_ROLE)"
        psql_admin -c "create database $DB_NAME owner $DB_ROLE"
    fi
}

pg_start() {
    find_pg_bin
    pick_pg_user
    local logfile live

    if [ ! -f "$PGDATA/PG_VERSION" ]; then
        # Refuse to initdb over a folder that is not ours (an empty one is fine).
        if [ -d "$PGDATA" ] && [ ! -L "$PGDATA" ]; then rmdir "$PGDATA" 2>/dev/null || true; fi
        if [ -e "$PGDATA" ] && [ ! -L "$PGDATA" ]; then
            die "$PGDATA exists but is not a PostgreSQL cluster; move it away (or run make clean)"
        fi
        pg_init
    fi
    # The data folder must belong to the user that runs the server (e.g. after a copy made as root).
    if [ -n "$PG_USER" ] && [ "$(stat -L -c %U "$PGDATA")" != "$PG_USER" ]; then
        chown -R "$PG_USER" "$PGDATA/"
    fi

    if pg_running; then
        live="$(pg_live_port)"
        if [ -n "$live" ] && [ "$live" != "$PG_PORT" ]; then PG_PORT="$live"; fi
        say "postgres already running on 127.0.0.1:$PG_PORT"
        pg_wait_ready
        pg_ensure_database
        return 0
    fi
    pg_clear_stale_pid

    if [ -z "$PG_PORT" ] || ! port_free "$PG_PORT"; then
        [ -n "$PG_PORT" ] && say "port $PG_PORT (remembered for postgres) is taken by another program: picking a new one"
        PG_PORT="$(pick_port "$REDIS_PORT")"
    fi

    logfile="$(pg_logfile)"
    touch "$logfile"
    [ -n "$PG_USER" ] && chown "$PG_USER" "$logfile"
    say "starting postgres on 127.0.0.1:$PG_PORT (log: ${logfile#"$ROOT"/})"
    if ! as_pg "$PG_BINDIR/pg_ctl" start -D "$(pg_dir)" -l "$logfile" -w -t 60 -o "-p $PG_PORT" >/dev/null 8>&- 9>&-; then
        tail -n 20 "$logfile" >&2 || true
        die "postgres did not start (see $logfile)"
    fi
    pg_wait_ready
    pg_ensure_database
}

pg_stop() {
    [ -f "$PGDATA/PG_VERSION" ] || return 0
    find_pg_bin
    pick_pg_user
    if pg_running; then
        say "stopping postgres"
        as_pg "$PG_BINDIR/pg_ctl" stop -D "$(pg_dir)" -m fast -w -t 60 >/dev/null
    fi
}

# --- Redis --------------------------------------------------------------------------------------------

REDIS_BIN=""

find_redis() {
    if [ -n "${REDIS_SERVER:-}" ]; then
        [ -x "$REDIS_SERVER" ] || die "REDIS_SERVER=$REDIS_SERVER is not an executable"
        REDIS_BIN="$REDIS_SERVER"
        return 0
    fi
    if command -v redis-server >/dev/null; then
        REDIS_BIN="$(command -v redis-server)"
        return 0
    fi
    if ! is_root; then
        die "redis-server is missing: install it with \`sudo apt-get install redis-server\` or set REDIS_URL"
    fi
    say "redis-server is missing: installing Debian's redis-server (we run our own instance, not the system service)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends redis-server redis-tools >/dev/null
    # The package may start its own service on 6379; we never use it, so stop and disable it.
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now redis-server >/dev/null 2>&1 || true
    else
        service redis-server stop >/dev/null 2>&1 || true
    fi
    command -v redis-server >/dev/null || die "redis-server still missing after apt-get install"
    REDIS_BIN="$(command -v redis-server)"
}

redis_ping() {
    if command -v redis-cli >/dev/null; then
        [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
    else
        # No redis-cli: speak the inline protocol over bash's /dev/tcp.
        local reply
        reply="$(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$1"'; printf "PING\r\n" >&3; head -c 5 <&3' 2>/dev/null)"
        [ "${reply%$'\r'}" = "+PONG" ]
    fi
}

# Pid of our redis-server if it is alive; a pid file whose process is gone or is some other program
# (pid reuse) is removed.
redis_pid() {
    local pid cmd
    [ -f "$REDIS_PID" ] || return 1
    pid="$(cat "$REDIS_PID" 2>/dev/null || true)"
    if [ -n "$pid" ] && alive "$pid"; then
        cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
        case "$cmd" in
            *redis-server*)
                echo "$pid"
                return 0
                ;;
        esac
    fi
    rm -f "$REDIS_PID"
    return 1
}

# The port our running redis-server listens on. Redis retitles itself "redis-server 127.0.0.1:<port>"
# (then the original `--port <n>` arguments are gone), so read whichever is there.
redis_live_port() {
    local cmd
    cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true)"
    if [[ "$cmd" =~ --port\ ([0-9]+) ]] || [[ "$cmd" =~ redis-server\ [^\ ]*:([0-9]+) ]]; then
        echo "${BASH_REMATCH[1]}"
    fi
}

redis_running() {
    local pid port
    pid="$(redis_pid)" || return 1
    port="$(redis_live_port "$pid")"
    [ -n "$port" ] && redis_ping "$port"
}

redis_start() {
    local pid live
    if pid="$(redis_pid)"; then
        live="$(redis_live_port "$pid")"
        if [ -n "$live" ] && redis_ping "$live"; then
            REDIS_PORT="$live"
            say "redis already running on 127.0.0.1:$REDIS_PORT"
            return 0
        fi
        say "redis pid $pid does not answer: stopping it"
        kill "$pid" 2>/dev/null || true
        sleep 1
        rm -f "$REDIS_PID"
    fi
    find_redis
    if [ -z "$REDIS_PORT" ] || ! port_free "$REDIS_PORT"; then
        [ -n "$REDIS_PORT" ] && say "port $REDIS_PORT (remembered for redis) is taken by another program: picking a new one"
        REDIS_PORT="$(pick_port "$PG_PORT")"
    fi
    mkdir -p "$REDIS_DIR"
    say "starting redis on 127.0.0.1:$REDIS_PORT (log: ${REDIS_LOG#"$ROOT"/})"
    "$REDIS_BIN" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --daemonize yes \
        --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" \
        --maxmemory-policy noeviction --save '' --appendonly no >/dev/null 8>&- 9>&-
    for _ in $(seq 1 50); do
        redis_ping "$REDIS_PORT" && return 0
        sleep 0.2
    done
    tail -n 20 "$REDIS_LOG" >&2 || true
    die "redis did not answer on 127.0.0.1:$REDIS_PORT (see $REDIS_LOG)"
}

redis_stop() {
    local pid
    pid="$(redis_pid)" || return 0
    say "stopping redis"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        alive "$pid" || break
        sleep 0.2
    done
    if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$REDIS_PID"
}

# --- var/env ------------------------------------------------------------------------------------------

write_env() {
    local tmp="$ENV_FILE.tmp.$$"
    {
        echo "# Written by scripts/services.sh: the project-local services. Real environment variables win."
        want_pg && echo "DATABASE_URL=postgres://$DB_ROLE@127.0.0.1:$PG_PORT/$DB_NAME"
        want_redis && echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
        true
    } >"$tmp"
    if [ -f "$ENV_FILE" ] && cmp -s "$tmp" "$ENV_FILE"; then
        rm -f "$tmp"
    else
        mv -f "$tmp" "$ENV_FILE"
    fi
}

# --- commands -----------------------------------------------------------------------------------------

# One start/stop at a time per checkout. The lock fds (8, 9) are closed for the servers we launch,
# so a daemon never keeps holding them.
lock_checkout() {
    exec 8>"$VAR/.services.lock"
    flock -w 120 8 || die "another scripts/services.sh has held $VAR/.services.lock for 2 minutes"
}

cmd_start() {
    if ! want_pg && ! want_redis; then
        say "DATABASE_URL and REDIS_URL are set: using them, starting nothing"
        return 0
    fi
    mkdir -p "$VAR/log"
    lock_checkout
    # Port picking is serialised across checkouts on this machine; the wait is bounded so that a
    # stuck holder elsewhere can only slow us down.
    local machine_lock="${TMPDIR:-/tmp}/pairing-services.ports.lock"
    if { exec 9>>"$machine_lock"; } 2>/dev/null; then
        chmod a+rw "$machine_lock" 2>/dev/null || true
        flock -w 20 9 || say "another checkout holds $machine_lock: going on without it"
    fi
    load_ports
    want_pg || say "DATABASE_URL is set: not starting postgres"
    want_redis || say "REDIS_URL is set: not starting redis"
    want_pg && pg_start
    want_redis && redis_start
    save_ports
    write_env
    exec 9>&- 8>&-
    want_pg && say "DATABASE_URL=postgres://$DB_ROLE@127.0.0.1:$PG_PORT/$DB_NAME"
    want_redis && say "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    true
}

cmd_stop() {
    [ -d "$VAR" ] || return 0
    mkdir -p "$VAR/log"
    lock_checkout
    pg_stop
    redis_stop
    exec 8>&-
}

cmd_status() {
    local rc=0 pid
    load_ports
    if [ -f "$PGDATA/PG_VERSION" ]; then
        find_pg_bin
        pick_pg_user
        if pg_running; then
            say "postgres: running on 127.0.0.1:$(pg_live_port) (data: ${PGDATA#"$ROOT"/})"
        else
            say "postgres: stopped"
            want_pg && rc=3
        fi
    else
        say "postgres: not initialised"
        want_pg && rc=3
    fi
    if pid="$(redis_pid)" && redis_running; then
        say "redis: running on 127.0.0.1:$(redis_live_port "$pid") (pid $pid)"
    else
        say "redis: stopped"
        want_redis && rc=3
    fi
    want_pg || say "DATABASE_URL set in the environment: $DATABASE_URL"
    want_redis || say "REDIS_URL set in the environment: $REDIS_URL"
    if [ -f "$ENV_FILE" ]; then grep -v '^#' "$ENV_FILE" | sed 's/^/services: var\/env: /' || true; fi
    return "$rc"
}

cmd_purge() {
    local target=""
    cmd_stop
    [ -L "$PGDATA" ] && target="$(readlink "$PGDATA")"
    if [ -n "$target" ]; then
        say "removing $(dirname "$target")"
        rm -rf "$(dirname "$target")"
    fi
    rm -rf "$PGDATA" "$REDIS_DIR" "$PORTS_FILE" "$ENV_FILE"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    purge) cmd_purge ;;
    *)
        echo "usage: $0 start|stop|status|purge" >&2
        exit 2
        ;;
esac
