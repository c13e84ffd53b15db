"""The web app and workers ride out Redis and PostgreSQL outages without manual action."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.test import override_settings

from devtools import factories as f
from pairings.models import DeferredTask
from tests.faults import urls as fault_urls
from tests.faults.harness import (
    CeleryWorker,
    PostgresCluster,
    RedisServer,
    WebServer,
    client_app,
    process_env,
    wait_for,
)

pytestmark = pytest.mark.faults


@pytest.mark.django_db(transaction=True)
def test_web_request_while_redis_is_down_works_and_says_the_job_is_delayed(
    client: Any, tmp_path: Path
) -> None:
    # given: a signed-in coordinator, and the Redis holding the queue and the cache goes down
    with RedisServer(tmp_path / "redis") as redis:
        app = client_app(redis.url)
        app.conf.broker_transport_options = {"socket_connect_timeout": 0.5}
        app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}

        @app.task(name="tests.faults.slow_job")
        def slow_job(key: str, rows: int, delay: float) -> None:  # the worker's task, as the sender sees it
            raise AssertionError("never executed in the sender")

        fault_urls.JOB_TASK["task"] = slow_job
        user = f.UserFactory(username="alice")
        client.force_login(user)
        redis.kill9()
        cache = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": redis.url}}

        # when: the user starts a background job and lands on the home page
        with override_settings(ROOT_URLCONF="tests.faults.urls", CACHES=cache):
            response = client.post("/faults/start-job/", follow=True)

        # then: the pages work, the user is told the job is delayed, and the job waits in the database
        assert response.status_code == 200
        assert "后台任务将延迟执行" in response.content.decode()
        deferred = DeferredTask.objects.get()
        assert (deferred.task_name, deferred.args, deferred.sent_at) == (
            "tests.faults.slow_job",
            ["job-from-web", 1, 0],
            None,
        )

        # and when Redis is back, requeueing through that broker delivers it
        redis.start()
        app.send_task(deferred.task_name, args=deferred.args)
        import redis as redis_lib

        assert redis_lib.Redis.from_url(redis.url).llen("celery") == 1


def _pg_job(url: str, key: str) -> tuple[Any, ...] | None:
    with psycopg2.connect(url, connect_timeout=3) as conn, conn.cursor() as cur:
        cur.execute("SELECT status, completions FROM faults_job WHERE key = %s", [key])
        return cur.fetchone()


def test_web_and_worker_recover_from_a_postgresql_restart(tmp_path: Path) -> None:
    # given: a throwaway PostgreSQL cluster with a web server (2 gunicorn workers) and a Celery worker on it
    with PostgresCluster() as pg, RedisServer(tmp_path / "redis") as redis:
        env = process_env(redis_url=redis.url, database_url=pg.url, HEALTH_WORKER_TIMEOUT="10")
        with (
            WebServer(env, log=tmp_path / "web.log") as web,
            CeleryWorker(env, log=tmp_path / "worker.log") as w,
        ):
            status, body = web.get("/health/")
            assert status == 200, body
            app = client_app(redis.url)
            app.send_task("tests.faults.slow_job", args=["before", 2, 0])
            wait_for(lambda: _pg_job(pg.url, "before") == ("done", 1), timeout=60, what="job before restart")

            # when: PostgreSQL crashes (immediate stop) and comes back
            pg.restart("immediate")

            # then: without any manual action the web app answers healthy again ...
            def healthy() -> bool:
                status, body = web.get("/health/")
                return status == 200 and json.loads(body)["checks"]["database"]["status"] == "ok"

            wait_for(healthy, timeout=60, interval=1, what="web health after the restart")
            # ... and the worker runs database jobs again
            app.send_task("tests.faults.slow_job", args=["after", 2, 0])
            wait_for(lambda: _pg_job(pg.url, "after") == ("done", 1), timeout=120, what="job after restart")
            assert w.running and web.running


@pytest.mark.django_db(transaction=True)
def test_api_answers_while_redis_is_unreachable_and_never_serves_what_changed_meanwhile(
    tmp_path: Path,
) -> None:
    """Writes committed while Redis cannot be reached still retire the cached answers from before."""
    import time

    import redis as redis_lib
    from django.urls import reverse

    from core.roles import Role
    from pairings.models import Hospital
    from tests.api.conftest import client_for

    with RedisServer(tmp_path / "redis") as redis:
        cache = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": redis.url}}
        with override_settings(CACHES=cache):
            pairing = f.PairingFactory()
            user = f.make_member("prov", Role.PROVINCE_STAFF, province=pairing.program.province)
            client = client_for(user)
            url = reverse("api:pairing-list")
            # given: an answer cached in Redis
            assert client.get(url).status_code == 200
            # when: Redis stops answering (paused, its data kept) while a write is committed
            redis_lib.Redis.from_url(redis.url).execute_command("CLIENT", "PAUSE", 3000, "ALL")
            started = time.monotonic()
            Hospital.objects.filter(pk=pairing.recipient_id).update(name="停机期间改名")
            # then: the API still answers, computed
            during = client.get(url)
            assert during.status_code == 200 and "停机期间改名" in during.content.decode()
            # and once Redis answers again, the cached answer from before the write is not served
            time.sleep(max(0.0, 3.2 - (time.monotonic() - started)))
            after = client.get(url)
            assert after.status_code == 200 and "停机期间改名" in after.content.decode()
