"""Celery plumbing for at-least-once delivery: a base class for idempotent tasks, enqueueing after commit that
survives a broker outage, and the periodic task that resends what could not be sent.

Delivery guarantees (settings in config/settings/base.py): a task is acknowledged only after it finished
(acks_late) and is handed back to the queue when its worker dies (reject_on_worker_lost); Redis redelivers
an unacknowledged task after the visibility timeout. So every task may run more than once and must be
idempotent: write with unique keys / upserts, check the job row's status first.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from celery import Task, current_app, shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.audit import audit_context
from core.imports.retention import uploads_purge
from core.jobs.models import DeferredTask
from core.redis_conn import redis_client

logger = logging.getLogger(__name__)

# Errors of the broker (Redis) connection when publishing a task.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    KombuOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    OSError,
)
# Transient errors a task retries on: the database or Redis restarting under it.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    KombuOperationalError,
    ConnectionError,
)


class IdempotentTask(Task):
    """Base of our tasks: retried with backoff on transient errors, audited as ``celery:<name>``.

    Use ``@shared_task(base=IdempotentTask, bind=True)``. The body must be idempotent (see module doc).
    """

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 8
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from django.db import close_old_connections

        # A connection broken by a database restart is dropped here rather than failing the task.
        close_old_connections()
        actor = kwargs.get("actor_id")
        with audit_context(actor=actor, source=f"celery:{self.name}", task_id=self.request.id):
            return super().__call__(*args, **kwargs)


@dataclasses.dataclass
class Enqueued:
    """What :func:`enqueue_on_commit` did. False once publishing failed (the job was deferred).

    The callback runs when the surrounding transaction commits, so read it after the service returned.
    """

    task_name: str
    sent: bool | None = None  # None: waiting for the commit
    task_id: str | None = None
    deferred_id: int | None = None

    def __bool__(self) -> bool:
        return self.sent is not False

    @property
    def delayed(self) -> bool:
        return self.sent is False


def send_or_defer(
    task: Any, args: tuple[Any, ...], kwargs: dict[str, Any], ticket: Enqueued | None = None
) -> Enqueued:
    """Publish ``task`` now; if the broker is unreachable, store a DeferredTask row for the requeue task."""

    ticket = ticket or Enqueued(task.name)
    try:
        result = task.apply_async(args=args, kwargs=kwargs)
    except BROKER_ERRORS as exc:
        deferred = DeferredTask.objects.create(
            task_name=task.name, args=list(args), kwargs=kwargs, attempts=1, last_error=str(exc)[:2000]
        )
        logger.warning("broker unavailable, task %s deferred as #%s: %s", task.name, deferred.pk, exc)
        ticket.sent, ticket.deferred_id = False, deferred.pk
        return ticket
    ticket.sent, ticket.task_id = True, result.id
    return ticket


def task_named(name: str) -> Task:
    """The registered Celery task called ``name``.

    Services start their app's tasks by name, so a services module never imports its tasks module (the
    tasks import the services they wrap). The registry is filled by autodiscovery on first use.
    """
    if name not in current_app.tasks:
        # Outside a worker no app's tasks module is imported yet: autodiscovery runs on this call.
        current_app.loader.import_default_modules()
    task: Task = current_app.tasks[name]
    return task


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> Enqueued:
    """Enqueue ``task`` once the current transaction commits (at once outside one).

    Never raises for a broker outage: the job is recorded (DeferredTask) and resent by
    ``requeue_deferred_tasks``; the returned ticket is then falsy so the view can say
    "后台任务将延迟执行" (the background job will run later).
    """
    ticket = Enqueued(task.name)
    transaction.on_commit(lambda: send_or_defer(task, args, kwargs, ticket))
    return ticket


DELAYED_MESSAGE = _("后台任务将延迟执行")


def notify_if_delayed(request: Any, ticket: Enqueued) -> bool:
    """Tell the user when their job could not be queued now; True when a message was added."""
    if ticket.delayed:
        from django.contrib import messages

        messages.warning(request, DELAYED_MESSAGE)
        return True
    return False


@shared_task(base=IdempotentTask, bind=True, name="core.tasks.requeue_deferred_tasks")
def requeue_deferred_tasks(self: Task, limit: int = 500) -> int:
    """Resend deferred jobs (beat, every minute). Rows are claimed with SKIP LOCKED so two beats never
    resend the same row at once; a row is marked sent only after the broker took it."""

    sent = 0
    with transaction.atomic():
        rows = list(
            DeferredTask.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)[:limit]
        )
        for row in rows:
            try:
                self.app.send_task(row.task_name, args=row.args, kwargs=row.kwargs)
            except BROKER_ERRORS as exc:
                DeferredTask.objects.filter(pk=row.pk).update(
                    attempts=row.attempts + 1, last_error=str(exc)[:2000]
                )
                break  # the broker is still down: try the rest next minute
            DeferredTask.objects.filter(pk=row.pk).update(sent_at=timezone.now(), attempts=row.attempts + 1)
            sent += 1
    if sent:
        logger.info("requeued %s deferred task(s)", sent)
    return sent


@shared_task(base=IdempotentTask, bind=True, name="core.tasks.purge_import_uploads")
def purge_import_uploads(self: Task) -> int:
    """Nightly: stored import uploads past their retention go, with their files (core.imports.retention)."""
    return uploads_purge()


@shared_task(base=IdempotentTask, bind=True, name="core.tasks.health_ping")
def health_ping(self: Task, key: str, nonce: str) -> str:
    """Proves a worker consumes the queue: writes ``nonce`` under ``key`` in Redis (config/health.py)."""

    redis_client().set(key, nonce, ex=120)
    return nonce
