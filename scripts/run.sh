#!/usr/bin/env bash
# Runs the web server, the Celery worker and Celery beat in the foreground as one unit:
# Ctrl-C (SIGINT) or SIGTERM stops all three, and if any one of them exits the others are stopped too.
# Called by `make run` after migrate/seed/collectstatic; PORT (default 8000) is the web port, HOST (default
# 127.0.0.1) the address it listens on. The demo runs with DEBUG and published passwords (the superuser's
# included), so it is served to this machine only unless asked: `HOST=0.0.0.0 make run`.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
PY=.venv/bin/python
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
mkdir -p var

# Job control: each child gets a process group of its own, so stopping one also stops what it
# spawned (runserver's autoreloader child, the worker's pool processes).
set -m
# With `make run | tee log`, Ctrl-C kills tee first: a message to the dead pipe must not kill us
# before the children are stopped.
trap '' PIPE
say() { printf '%s\n' "run: $*" 2>/dev/null || true; }

declare -A NAMES=()
start() {
    local name="$1"
    shift
    "$@" </dev/null &
    NAMES[$!]="$name"
    say "started $name (pid $!)"
}

stopping=0
stop_all() {
    [ "$stopping" = 1 ] && return 0
    stopping=1
    local pid alive
    for pid in "${!NAMES[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    say "stopping ${NAMES[*]}"
    # Celery's warm shutdown lets running tasks finish; give everyone 15 s, then force.
    for _ in $(seq 1 75); do
        alive=0
        for pid in "${!NAMES[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.2
    done
    for pid in "${!NAMES[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
    wait 2>/dev/null
    return 0
}

trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

case "$HOST" in
    *:*) ADDR="[$HOST]:$PORT" ;;  # an IPv6 address
    *) ADDR="$HOST:$PORT" ;;
esac
case "$HOST" in
    127.* | localhost | ::1)
        say "web: http://$ADDR/ — this machine only (HOST=0.0.0.0 make run to serve the network)" ;;
    *)
        say "web: http://$ADDR/ — WARNING: reachable from the network, with DEBUG on and the published demo"
        say "passwords (superuser included); add this machine's name to DJANGO_ALLOWED_HOSTS to be reached" ;;
esac
start web "$PY" manage.py runserver "$ADDR"
start worker .venv/bin/celery -A config.celery_app worker -l info --concurrency 2
start beat .venv/bin/celery -A config.celery_app beat -l info --schedule var/celerybeat-schedule

# Whichever exits first (crash, or killed from outside) takes the others down with it.
rc=0
wait -n || rc=$?
[ "$stopping" = 0 ] && say "a process exited (status $rc): stopping the others"
stop_all
exit "$rc"
