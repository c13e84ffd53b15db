"""Workers and Redis die; jobs still complete exactly once (at-least-once delivery + idempotent tasks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import job_state
from tests.faults.harness import CeleryWorker, RedisServer, client_app, process_env, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("fault_tables")]


def test_worker_killed_mid_task_completes_the_job_exactly_once_after_restart(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    # given: a worker whose unacknowledged tasks are redelivered after 5 s (production: 2 h)
    env = process_env(redis_url=redis_server.url, CELERY_VISIBILITY_TIMEOUT="5")
    worker = CeleryWorker(env, log=tmp_path / "worker.log").start()
    app = client_app(redis_server.url)
    try:
        app.send_task("tests.faults.slow_job", args=["job-a", 20, 0.25])
        wait_for(lambda: job_state("job-a")[3] >= 5, timeout=60, what="the job to be half-way")

        # when: the whole worker is killed -9 half-way, then a new one starts
        worker.kill9()
        status, starts, _, rows_at_kill, _ = job_state("job-a")
        assert (status, starts) == ("running", 1) and rows_at_kill < 20
        worker.start()

        # then: the job is redelivered, resumes, and completes once with every row exactly once
        wait_for(lambda: job_state("job-a")[0] == "done", timeout=120, what="the job to complete")
    finally:
        worker.kill9()
    status, starts, completions, rows, distinct = job_state("job-a")
    assert (status, completions, rows, distinct) == ("done", 1, 20, 20)
    assert starts == 2, worker.log_tail()


def test_queued_tasks_survive_a_redis_restart_and_the_worker_reconnects(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    # given: three jobs queued while no worker runs
    env = process_env(redis_url=redis_server.url)
    app = client_app(redis_server.url)
    for key in ("q1", "q2", "q3"):
        app.send_task("tests.faults.slow_job", args=[key, 3, 0])

    # when: Redis is killed -9 and restarted (appendonly keeps the queue), then a worker starts
    redis_server.restart(hard=True)
    worker = CeleryWorker(env, log=tmp_path / "worker.log").start()
    try:
        # then: all three run
        wait_for(
            lambda: all(job_state(k)[0] == "done" for k in ("q1", "q2", "q3")), timeout=90, what="q jobs"
        )

        # when: Redis restarts again under the running worker
        redis_server.restart(hard=True)
        client_app(redis_server.url).send_task("tests.faults.slow_job", args=["after", 2, 0])

        # then: the worker reconnects by itself and runs the new job
        wait_for(lambda: job_state("after")[0] == "done", timeout=120, what="the job sent after the restart")
    finally:
        worker.kill9()
    assert [job_state(k)[2] for k in ("q1", "q2", "q3", "after")] == [1, 1, 1, 1], worker.log_tail()


def test_without_appendonly_a_redis_restart_loses_queued_tasks(tmp_path: Path, fault_tables: Any) -> None:
    """Why production Redis must persist (docs/operations.md): without AOF a restart drops the queue."""
    with RedisServer(tmp_path / "volatile", appendonly=False) as redis:
        client_app(redis.url).send_task("tests.faults.slow_job", args=["lost", 1, 0])
        redis.restart(hard=True)
        import redis as redis_lib

        assert redis_lib.Redis.from_url(redis.url).llen("celery") == 0
