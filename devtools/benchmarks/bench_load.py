"""Sustained mixed load against gunicorn on loopback: home, pairing list and health pages from 20 concurrent
clients for a bounded time, while a writer thread inserts audited rows through the ORM.

Reports requests/s, p50/p95 latency and errors; targets: zero errors and zero lost writes (every inserted
row and its audit event is there afterwards). Roster uploads join the mix once the imports area lands.
``manage.py bench --only load [--quick]``.

The server must see committed rows, so nothing here runs in a rolled-back transaction: the suite deletes
what it adds (its user, membership and session, the staff rows written under load) when it ends, and
first what an interrupted run left (found by the user name and the licence numbers' prefix). It writes
under an existing pairing's lead hospital (``seed_demo`` first) and builds none.
"""

from __future__ import annotations

import os
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
    if errors or lost or stored_count != events:
        raise AssertionError(
            f"load test: {errors} errors, {lost} lost writes, {stored_count - events} missing events"
        )
