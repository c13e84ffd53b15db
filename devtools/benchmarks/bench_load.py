"""Sustained mixed load against gunicorn on loopback: home, pairing list and health pages from 20 concurrent
clients for a bounded time, while a writer thread inserts audited rows through the ORM.

Reports requests/s, p50/p95 latency and errors; targets: zero errors and zero lost writes (every inserted
row and its audit event is there afterwards). A second line gives the CPU time spent per request by the
gunicorn workers, by the PostgreSQL cluster (every backend and background process of it: the writes' too) and
by this process (the clients and the writer), read from ``/proc``: on a shared machine the latency follows the
other processes' load, the CPU a request costs much less, so two versions compare by it in one sitting.
Roster uploads join the mix once the imports area lands.
``manage.py bench --only load [--quick]``.

The server must see committed rows, so nothing here runs in a rolled-back transaction: the suite deletes
what it adds (its user, membership and session, the staff rows written under load) when it ends, and
first what an interrupted run left (found by the user name and the licence numbers' prefix). It writes
under an existing pairing's lead hospital (``seed_demo`` first) and builds none.
"""

from __future__ import annotations

import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from core.roles import Role
from pairings.models import Pairing
from teams.choices import Title
from teams.models import Staff

CLIENTS = 20
MAX_REQUESTS = 20_000
PATHS = ["/", "/pairings/", "/health/?worker=0"]
USERNAME = "bench-load"
# Every staff row written under load has a licence number starting with this (ASCII digits and upper-case
# letters only: staff_licence_no_format); no other suite's rows do.
LICENCE_PREFIX = "BENCHLOAD"


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (field 3 first), or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _cpu_seconds(pid: int, *, reaped: bool) -> float:
    """User + system CPU seconds of a process (and, with ``reaped``, of its children it has waited for)."""
    fields = _proc_stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if reaped else 0)
    return ticks / _TICK


def _tree_cpu(pid: int | None) -> float | None:
    """CPU seconds of a process, its live children and those it reaped (None: not a local process)."""
    if pid is None or _proc_stat(pid) is None:
        return None
    return _cpu_seconds(pid, reaped=True) + sum(_cpu_seconds(c, reaped=False) for c in _children(pid))


def _postmaster_pid() -> int | None:
    """The local PostgreSQL postmaster (our backend's parent), or None when the server runs elsewhere."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = int(cur.fetchone()[0])
    fields = _proc_stat(backend)
    try:
        if fields is None or "postgres" not in Path(f"/proc/{backend}/comm").read_text():
            return None
    except OSError:
        return None
    return int(fields[1])


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _world(pairing: Pairing) -> tuple[Any, Any]:
    """A province user and the supporter hospital to write under."""
    from devtools import factories as f

    user = f.make_member(USERNAME, Role.PROVINCE_STAFF, province=pairing.program.province)
    return user, pairing.supporters.get(is_lead=True).hospital


def cleanup() -> None:
    """Delete what this suite adds: the staff rows written under load, the user's sessions, memberships
    and the user (their audit events stay: the trail is not the suite's to rewrite)."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from pairings.models import Membership

    Staff.objects.filter(licence_no__startswith=LICENCE_PREFIX).delete()
    users = get_user_model().objects.filter(username=USERNAME)
    user_ids = {str(pk) for pk in users.values_list("pk", flat=True)}
    if user_ids:
        # A session stores its user in the encoded data: decode the few there are.
        stale = [s.pk for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) in user_ids]
        Session.objects.filter(pk__in=stale).delete()
    Membership.objects.filter(user__in=users).delete()
    users.delete()


def _session_cookie(user: Any) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _client(
    base: str, cookie: str, deadline: float, budget: list[int], lock: threading.Lock, out: list[Any]
) -> None:
    i = 0
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        path = PATHS[i % len(PATHS)]
        i += 1
        request = urllib.request.Request(base + path, headers={"Cookie": cookie})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, OSError):
            ok = False
        out.append((path, time.perf_counter() - start, ok))


def _writer(employer: Any, tag: str, deadline: float, written: list[str]) -> None:
    from django.db import close_old_connections

    n = 0
    try:
        while time.monotonic() < deadline:
            licence = f"{tag}{n:06d}"
            Staff.objects.create(
                employer=employer, name=f"压测{n}", licence_no=licence, title=Title.INTERMEDIATE
            )
            written.append(licence)
            n += 1
            time.sleep(0.01)
    finally:
        close_old_connections()


def run(ctx: Any) -> None:
    pairing = Pairing.objects.select_related("program__province").order_by("pk").first()
    if pairing is None:
        ctx.out("  (load: skipped, no pairing to write under: run seed_demo first)")
        return
    cleanup()  # what an interrupted run left
    try:
        _run(ctx, pairing)
    finally:
        cleanup()


def _run(ctx: Any, pairing: Pairing) -> None:
    from pghistory.models import Events

    duration = 8.0 if ctx.quick else 30.0
    user, employer = _world(pairing)
    cookie = _session_cookie(user)
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = Path(settings.BASE_DIR) / "var" / "log" / "bench-load-gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3", "--log-level", "warning"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    # Licence numbers are stored as ASCII digits and upper-case letters only (staff_licence_no_format).
    tag = f"{LICENCE_PREFIX}{uuid.uuid4().hex[:6].upper()}"
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/health/?worker=0", timeout=2).read()  # noqa: S310
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        results: list[Any] = []
        written: list[str] = []
        budget, lock = [MAX_REQUESTS], threading.Lock()
        postmaster = _postmaster_pid()
        cpu_before = (_self_cpu(), _tree_cpu(postmaster))
        start = time.monotonic()
        deadline = start + duration
        threads = [
            threading.Thread(target=_client, args=(base, cookie, deadline, budget, lock, results))
            for _ in range(CLIENTS)
        ]
        threads.append(threading.Thread(target=_writer, args=(employer, tag, deadline, written)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        # The workers' CPU before they stop (a worker gunicorn replaced meanwhile is not counted).
        workers_cpu = sum(_cpu_seconds(w, reaped=True) for w in _children(server.pid))
        cpu_after = (_self_cpu(), _tree_cpu(postmaster))
    finally:
        server.terminate()
        server.wait(timeout=30)

    latencies = sorted(r[1] for r in results)
    errors = sum(1 for r in results if not r[2])
    stored = Staff.objects.filter(licence_no__startswith=tag)
    stored_count = stored.count()
    events = Events.objects.tracks(list(stored)).filter(pgh_label="insert").count() if stored_count else 0
    lost = len(written) - stored_count
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    ctx.report(
        "mixed load p95 latency",
        p95,
        target="0 errors, 0 lost writes",
        requests=len(results),
        rps=round(len(results) / elapsed, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 1) if latencies else None,
        p95_ms=round(p95 * 1000, 1),
        errors=errors,
        writes=len(written),
        lost_writes=lost,
        audit_events_missing=stored_count - events,
        clients=CLIENTS,
        duration_s=round(elapsed, 1),
    )
    n = max(len(results), 1)
    db_cpu = (
        f"{(cpu_after[1] - cpu_before[1]) * 1000 / n:.1f}"
        if cpu_after[1] is not None and cpu_before[1] is not None
        else "n/a (not a local server)"
    )
    ctx.out(
        f"  CPU per request: gunicorn workers {workers_cpu * 1000 / n:.1f} ms, PostgreSQL {db_cpu} ms, "
        f"clients and writer {(cpu_after[0] - cpu_before[0]) * 1000 / n:.1f} ms ({len(written)} writes)"
    )
    if errors or lost or stored_count != events:
        raise AssertionError(
            f"load test: {errors} errors, {lost} lost writes, {stored_count - events} missing events"
        )
