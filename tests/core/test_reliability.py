"""Broker outages during enqueueing, cache outages, and the health endpoint."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from django.core.cache import caches
from django.db import transaction
from django.test import override_settings

from config.celery_app import app as project_app
from core import health, redis_conn
from core.cache import ResilientRedisCache
from core.jobs.models import DeferredTask
from core.tasks import enqueue_on_commit, requeue_deferred_tasks


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dead_broker_task() -> Any:
    """A task whose app points at a port nothing listens on: publishing fails like a Redis outage."""
    dead = Celery("dead", broker=f"redis://127.0.0.1:{_dead_port()}/0", set_as_current=False)
    dead.conf.broker_connection_retry = False
    dead.conf.broker_connection_max_retries = 0
    dead.conf.task_publish_retry_policy = {"max_retries": 0}
    dead.conf.broker_transport_options = {"socket_connect_timeout": 0.5}

    @dead.task(name="tests.rebuild_report")
    def rebuild_report(report_id: int) -> int:
        return report_id

    return rebuild_report


@pytest.mark.django_db(transaction=True)
def test_enqueue_while_broker_down_defers_the_job_and_reports_delay(dead_broker_task: Any) -> None:
    # given: the broker is unreachable
    # when: a service enqueues a job in its transaction
    with transaction.atomic():
        ticket = enqueue_on_commit(dead_broker_task, 42)
        assert ticket.sent is None  # nothing is sent before the commit

    # then: the commit went through, the ticket says "delayed", and the job is stored for the requeue task
    assert not ticket and ticket.delayed
    row = DeferredTask.objects.get(pk=ticket.deferred_id)
    assert (row.task_name, row.args, row.sent_at) == ("tests.rebuild_report", [42], None)
    assert row.last_error


@pytest.mark.django_db(transaction=True)
def test_enqueue_is_dropped_with_a_rolled_back_transaction(dead_broker_task: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(dead_broker_task, 1)
        raise RuntimeError("service failed")
    assert DeferredTask.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_requeue_sends_deferred_jobs_once_the_broker_is_back() -> None:
    # given: two deferred jobs and the project's (running) broker
    rows = [DeferredTask.objects.create(task_name="tests.no_such_task", args=[i]) for i in range(2)]
    try:
        # when: the periodic task runs (twice: a second run must not resend)
        first = requeue_deferred_tasks.apply().get()
        second = requeue_deferred_tasks.apply().get()
    finally:
        project_app.control.purge()  # leave no message for an unknown task in the dev queue

    # then
    assert (first, second) == (2, 0)
    assert all(r.sent_at for r in DeferredTask.objects.filter(pk__in=[r.pk for r in rows]))


def test_cache_outage_is_a_miss_not_an_error() -> None:
    # given: a cache whose Redis is down
    cache = ResilientRedisCache(f"redis://127.0.0.1:{_dead_port()}/0", {})

    # when / then: every call answers like an empty cache
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("k") is False
    assert cache.has_key("k") is False


def test_cache_works_normally_when_redis_is_up() -> None:
    cache = caches["default"]
    cache.set("security-test-key", {"ok": 1}, 5)
    assert cache.get("security-test-key") == {"ok": 1}
    cache.delete("security-test-key")
    assert cache.get("security-test-key") is None


def test_cache_calls_share_one_redis_client_per_pool() -> None:
    """Django builds a ``redis.Redis`` per call; ours is built once (core.cache.ReusedClients)."""
    clients = caches["default"]._cache  # type: ignore[attr-defined]
    assert clients.get_client("a") is clients.get_client("b", write=True)


@pytest.mark.django_db
def test_health_reports_503_when_no_worker_answers(client: Any) -> None:
    # given: no worker consumes the queue (the test starts none) and no cached success
    health.redis_client().delete(health.WORKER_OK_KEY)
    with override_settings(HEALTH_WORKER_TIMEOUT=0.5):
        response = client.get("/health/")
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["redis"]["maxmemory_policy"] == "noeviction"
    assert body["checks"]["worker"]["status"] == "error"
    assert all("latency_ms" in c for c in body["checks"].values())


@pytest.mark.django_db
def test_health_without_worker_check_is_a_liveness_probe(client: Any) -> None:
    response = client.get("/health/?worker=0")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "redis"}


@pytest.mark.django_db
def test_health_reports_redis_down(client: Any) -> None:
    redis_conn._pool.cache_clear()
    try:
        with override_settings(REDIS_URL=f"redis://127.0.0.1:{_dead_port()}/0"):
            response = client.get("/health/")
    finally:
        redis_conn._pool.cache_clear()
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["redis"]["status"] == "error"
    assert body["checks"]["worker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.fixture
def celery_worker_thread() -> Iterator[Any]:
    from celery.contrib.testing.worker import start_worker

    health.redis_client().delete(health.WORKER_OK_KEY)
    with start_worker(project_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker
    health.redis_client().delete(health.WORKER_OK_KEY)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_health_is_ok_with_a_real_worker_and_caches_the_round_trip(
    client: Any, celery_worker_thread: Any
) -> None:
    # when: the health endpoint is called twice with a worker running
    first = client.get("/health/")
    second = client.get("/health/")

    # then: both are healthy, the first did a real round trip and the second reused it
    assert first.status_code == 200, first.json()
    assert first.json()["checks"]["worker"]["cached"] is False
    assert second.json()["checks"]["worker"]["cached"] is True


@pytest.mark.django_db
def test_health_warns_when_redis_may_evict_queued_tasks(client: Any, tmp_path: Any) -> None:
    from tests.faults.harness import RedisServer

    # given: a Redis configured to evict keys under memory pressure
    with RedisServer(tmp_path / "redis", appendonly=False, policy="allkeys-lru") as redis:
        redis_conn._pool.cache_clear()
        try:
            with override_settings(REDIS_URL=redis.url):
                response = client.get("/health/?worker=0")
        finally:
            redis_conn._pool.cache_clear()
    # then: still serving, but the warning names the policy
    check = response.json()["checks"]["redis"]
    assert response.status_code == 200
    assert (check["status"], check["maxmemory_policy"]) == ("warning", "allkeys-lru")


def test_task_log_lines_carry_the_task_id() -> None:
    import io
    import logging

    from celery import shared_task

    from core.logs import RequestContextFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(logging.Formatter("%(task_name)s %(task_id)s %(message)s"))
    logger = logging.getLogger("tests.security.task_logging")
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.INFO)

    @shared_task(name="tests.security.logging_task")
    def logging_task() -> None:
        logger.info("working")

    result = logging_task.apply(task_id="task-id-123")
    assert result.successful()
    assert stream.getvalue().strip() == "tests.security.logging_task task-id-123 working"


@pytest.mark.django_db(transaction=True)
def test_operators_see_deferred_jobs_in_the_admin_and_can_resend_them(client: Any, world: Any) -> None:
    from django.contrib.auth import get_user_model

    row = DeferredTask.objects.create(
        task_name="tests.no_such_task", args=[1], last_error="Connection refused"
    )
    url = "/admin/core/deferredtask/"
    # commission staff (even with admin access) do not see the operators' queue
    staff = world.users["province"]
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(url).status_code == 403
    # an administrator sees the job and its error, and resends it
    admin_user = get_user_model().objects.create_superuser("ops", password=None)
    client.force_login(admin_user)
    page = client.get(url)
    assert page.status_code == 200 and "tests.no_such_task" in page.content.decode()
    try:
        done = client.post(url, {"action": "resend_now", "_selected_action": [row.pk]}, follow=True)
    finally:
        project_app.control.purge()
    assert done.status_code == 200 and "已重发 1 个任务" in done.content.decode()
    row.refresh_from_db()
    assert row.sent_at is not None
