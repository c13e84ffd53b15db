"""Start, dispatch and run background jobs (see the package docstring and docs/operations.md).

Delivery is at least once (acks_late + reject_on_worker_lost, config/settings/base.py), sending is at
least once (on commit, then the beat dispatcher for whatever the broker did not take), so a job's task may
be delivered several times. :func:`job_execute` makes that harmless: a delivery runs the job only after
taking the row's PostgreSQL advisory lock (held for the whole run by the worker's session, released by the
server when the worker dies) and claiming it under ``SELECT … FOR UPDATE``; a delivery that finds the row
finished, or running in a live worker, does nothing. A row found ``running`` with its lock free was
interrupted (its worker died): it is run again, at most ``JOBS_MAX_ATTEMPTS`` times in all, then failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.jobs.choices import JobStatus
from core.jobs.models import Job
from core.tasks import task_named

log = logging.getLogger(__name__)

J = TypeVar("J", bound=Job)

# Errors of the broker (Redis) connection when publishing.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    KombuOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    OSError,
)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def job_models() -> list[type[Job]]:
    """Every concrete job model of the installed apps."""
    return [m for m in apps.get_models() if issubclass(m, Job)]


def _log_line(text: str) -> str:
    return f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {text}\n"


def _append_log(model: type[Job], pk: int, text: str, **fields: object) -> None:
    model._default_manager.filter(pk=pk).update(log=Concat("log", Value(_log_line(text))), **fields)


# --- starting and sending ---------------------------------------------------------------------------------


def job_start(*, job: J, countdown: float | None = None) -> J:
    """Save ``job`` queued and send its task once the current transaction commits (at once outside one).

    Never raises for a broker outage: the row stays queued with ``dispatched_at`` NULL and
    ``dispatch_error`` set (``job.delayed`` is then true, so the page can say the job is delayed), and the
    beat task :func:`jobs_dispatch_due` sends it when the broker is back. A rolled-back transaction takes
    the row with it, so no task is ever sent for a job that does not exist.
    """
    now = timezone.now()
    job.status = JobStatus.QUEUED
    job.run_after = now + dt.timedelta(seconds=countdown) if countdown else now
    job.dispatched_at = None
    job.dispatch_error = ""
    job.save()
    transaction.on_commit(lambda: job_send(job=job))
    return job


def job_send(*, job: Job) -> bool:
    """Hand ``job`` to the broker now and record it on the row (and on ``job``); False if the broker
    refused. Used on commit and by the dispatcher; sending twice is harmless (the run claims the row)."""
    model = type(job)
    eta = job.run_after if job.run_after and job.run_after > timezone.now() else None
    try:
        # ignore_result: jobs report through their row. With a result subscription, a Redis outage would
        # also break the app's result consumer for good ("The Celery application must be restarted").
        # Through the registered task (not send_task by name) so that eager mode, as browser tests set it,
        # runs the job in place; the message sent is the same.
        result = task_named(job.job_task_name()).apply_async(args=[job.pk], eta=eta, ignore_result=True)
    except Exception as exc:  # noqa: BLE001 - never fail the request that started the job
        if isinstance(exc, BROKER_ERRORS):
            log.warning(
                "broker unavailable, %s #%s waits for the dispatcher: %s", model.__name__, job.pk, exc
            )
        else:
            log.exception("sending %s #%s failed; the dispatcher retries", model.__name__, job.pk)
        job.dispatch_error = f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {exc}"[:2000]
        try:
            model._default_manager.filter(pk=job.pk, dispatched_at__isnull=True).update(
                dispatch_error=job.dispatch_error
            )
        except Exception:  # noqa: BLE001 - the row stays queued either way; the dispatcher sends it
            log.exception("could not record the dispatch error of %s #%s", model.__name__, job.pk)
        return False
    job.dispatched_at, job.dispatch_error = timezone.now(), ""
    try:
        model._default_manager.filter(pk=job.pk).update(
            dispatched_at=job.dispatched_at, dispatch_error="", task_id=result.id or ""
        )
    except Exception:  # noqa: BLE001 - sent but not marked: the dispatcher may send it again (harmless)
        log.exception("could not mark %s #%s dispatched", model.__name__, job.pk)
    return True


def jobs_dispatch_due(*, limit: int = 200) -> int:
    """Send every started job the broker has not taken (the beat task, every ``JOBS_DISPATCH_INTERVAL``).

    Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so two dispatchers never send the same row at once,
    and marked sent only after the broker took them. Also resent: a job still queued
    ``JOBS_REDISPATCH_AFTER`` seconds after it was sent (its message was lost, e.g. Redis restarted without
    its append-only file), and a job left ``running`` by a worker that is gone while its message was lost
    too (no advisory lock held for it) — its next run counts as an interrupted attempt.
    """
    now = timezone.now()
    stale = now - dt.timedelta(seconds=_setting("JOBS_REDISPATCH_AFTER", 1800))
    sent = 0
    for model in job_models():
        with transaction.atomic():
            rows = list(
                model._default_manager.select_for_update(skip_locked=True)
                .filter(status=JobStatus.QUEUED, run_after__lte=now)
                .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))
                .order_by("run_after", "pk")[:limit]
            )
            rows += _orphans(model, stale, limit)
            for row in rows:
                if not job_send(job=row):
                    log.info("dispatcher: broker still unavailable, %s job(s) sent this round", sent)
                    return sent  # the broker is still down: the rest next round
                sent += 1
    if sent:
        log.info("dispatcher sent %s job(s)", sent)
    return sent


def _orphans(model: type[Job], stale: dt.datetime, limit: int) -> list[Job]:
    """Rows ``running`` since before ``stale`` whose run lock nobody holds (their worker died and their
    message is gone). Only possible when the broker lost the message: normally it is redelivered."""
    rows = list(
        model._default_manager.select_for_update(skip_locked=True)
        .filter(status=JobStatus.RUNNING, started_at__lt=stale)
        # not resent again every round while no worker takes it
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))[:limit]
    )
    if not rows:
        return []
    classid = _lock_class(model)
    with connection.cursor() as cur:
        cur.execute(
            # pg_locks is cluster-wide: another database on the same server (a staging copy, a parallel test
            # worker's database) may hold the same key
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [classid],
        )
        held = {int(r[0]) for r in cur.fetchall()}
    return [r for r in rows if (r.pk & 0x7FFFFFFF) not in held]


# --- running ------------------------------------------------------------------------------------------------


def _lock_class(model: type[Job]) -> int:
    """A stable 31-bit advisory-lock class per job model (its label's CRC; the rule engine's own advisory
    locks use small constants)."""
    return zlib.crc32(model._meta.label_lower.encode()) & 0x7FFFFFFF


@contextmanager
def _run_lock(model: type[Job], pk: int) -> Iterator[bool]:
    """Hold the row's session-level advisory lock while the job runs.

    A delivery redelivered right after its worker was killed may arrive before PostgreSQL has noticed the
    dead connection, so the lock is tried for ``JOBS_LOCK_WAIT`` seconds before concluding that a live
    worker is running the job.
    """
    key = [_lock_class(model), pk & 0x7FFFFFFF]
    deadline = time.monotonic() + _setting("JOBS_LOCK_WAIT", 10)
    got = False
    with connection.cursor() as cur:
        while True:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            got = bool(cur.fetchone()[0])
            if got or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def interrupted_message(attempts: int) -> str:
    return _("工作进程多次中断（已执行 %(n)d 次），任务已停止，不再重试。请检查上传的文件或联系管理员。") % {
        "n": attempts
    }


def _claim(model: type[J], pk: int, task_id: str) -> tuple[J | None, bool]:
    """(row, claimed). Claimed rows are ``running`` with one more attempt, committed before the work."""
    with transaction.atomic():
        job = model._default_manager.select_for_update().filter(pk=pk).first()
        if job is None or job.finished:
            return job, False
        now = timezone.now()
        if job.status == JobStatus.RUNNING and job.attempts >= job.max_attempts:
            # Every earlier run died with its worker (it holds no lock): stop the crash loop.
            job.status, job.finished_at = JobStatus.FAILED, now
            job.error = interrupted_message(job.attempts)
            job.log += _log_line(job.error)
            job.save(update_fields=["status", "finished_at", "error", "log"])
            log.error("%s #%s failed after %s interrupted runs", model.__name__, pk, job.attempts)
            return job, False
        job.resumed = job.status == JobStatus.RUNNING
        note = _("上次执行被中断，重新执行") if job.resumed else _("开始执行")
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = now
        job.dispatched_at = job.dispatched_at or now
        job.task_id = task_id or job.task_id
        job.error = job.traceback = ""
        job.log += _log_line(f"{note}（{job.attempts}/{job.max_attempts}）")
        job.save(
            update_fields=[
                "status",
                "attempts",
                "started_at",
                "dispatched_at",
                "task_id",
                "error",
                "traceback",
                "log",
            ]
        )
    return job, True


def _exc_message(exc: BaseException) -> str:
    messages = getattr(exc, "messages", None)  # Django's ValidationError: the messages, not their repr
    text = "；".join(str(m) for m in messages) if messages else f"{exc.__class__.__name__}: {exc}"
    return text[:500]


def job_execute(
    *, model: type[J], pk: int, run: Callable[[J], object], task_id: str = "", error: str = ""
) -> tuple[J | None, bool]:
    """Run job ``pk`` of ``model`` through ``run`` once (the body of every job task): (row, ran).

    ``run(job)`` does the work; it may finish the row itself (status done/failed with its own results),
    otherwise the row is marked done when it returns. An exception marks the row failed with ``error``
    (default: a generic message) and its traceback, then propagates so Celery records the failure.
    Idempotent: see the module docstring.
    """
    with _run_lock(model, pk) as got:
        if not got:
            log.info("%s #%s is being run by another worker; this delivery does nothing", model.__name__, pk)
            return model._default_manager.filter(pk=pk).first(), False
        job, claimed = _claim(model, pk, task_id)
        if job is None or not claimed:
            return job, False
        try:
            run(job)
        except Exception as exc:
            log.exception("%s #%s failed", model.__name__, pk)
            message = error or _("任务失败：%(error)s") % {"error": _exc_message(exc)}
            model._default_manager.filter(pk=pk, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED,
                error=message,
                traceback=traceback.format_exc()[-20000:],
                finished_at=timezone.now(),
            )
            raise
        now = timezone.now()
        model._default_manager.filter(pk=pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, progress=100, finished_at=now
        )
        _append_log(model, pk, _("执行结束"))
        job.refresh_from_db()
        return job, True
