"""The jobs layer under faults: a broker outage delays jobs and loses none; a job that keeps killing its
worker is failed after ``JOBS_MAX_ATTEMPTS`` runs instead of being redelivered for ever.

Real processes: a Redis the test stops and starts, a ``celery worker`` with the beat scheduler embedded
(the dispatcher), the project's pages and API in-process with the Celery app pointed at that Redis.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from assessments.choices import ReportKind
from assessments.models import ReportFile, RuleRun
from config.celery_app import app as project_app
from core.jobs.choices import JobStatus
from core.jobs.models import Job
from core.jobs.web import DELAYED_MESSAGE
from devtools.dingtalk_samples import write_sample
from teams.models import ImportJob, ImportKind
from tests.api.conftest import client_for
from tests.faults.harness import CeleryWorker, RedisServer, client_app, process_env, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("transactional_db")]

PUNCHES = 60


def _jobs() -> list[Job]:
    return [*RuleRun.objects.all(), *ReportFile.objects.all(), *ImportJob.objects.all()]


def _delayed_shown(response: Any) -> bool:
    return str(DELAYED_MESSAGE) in response.content.decode()


def test_jobs_started_while_redis_is_down_are_delayed_then_run_exactly_once(
    world: Any, tmp_path: Path, settings: Any, client: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    sample = write_sample(tmp_path / "punches.csv", PUNCHES, n_people=3)
    with RedisServer(tmp_path / "redis") as redis:
        # given: the Redis holding the queue and the cache is down
        sender = client_app(redis.url)
        sender.conf.broker_transport_options = {"socket_connect_timeout": 0.5}
        sender.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
        sender.set_current()
        redis.kill9()
        cache = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": redis.url}}
        try:
            with override_settings(CACHES=cache):
                # when: province staff start a report and a rule check from the pages
                client.force_login(world.users["province"])
                report_page = client.post(
                    reverse("assessments:report_create"),
                    {"program": world.program.pk, "kind": ReportKind.ANNUAL_WORKBOOK, "year": 2023},
                    follow=True,
                )
                run_page = client.post(
                    reverse("assessments:rule_run_start"), {"program": world.program.pk}, follow=True
                )
                # and a recipient coordinator uploads attendance from the page and through the API
                client.force_login(world.users["alice"])
                with sample.open("rb") as fh:
                    upload_page = client.post(
                        reverse("teams:attendance_upload"),
                        {"hospital": world.recipient_a.pk, "file": fh},
                        follow=True,
                    )
                with sample.open("rb") as fh:
                    api = client_for(world.users["alice"]).post(
                        reverse("api:attendance-import-list"), {"file": fh}, format="multipart"
                    )
        finally:
            project_app.set_current()

        # then: every request succeeds and says the job is delayed; the jobs wait in the database
        for page in (report_page, run_page, upload_page):
            assert page.status_code == 200 and _delayed_shown(page), page.content.decode()[:2000]
        assert api.status_code == 202 and api.json()["delayed"] is True, api.json()
        jobs = _jobs()
        assert len(jobs) == 4
        assert all((j.status, j.dispatched_at, j.delayed) == (JobStatus.QUEUED, None, True) for j in jobs)

        # when: Redis is back and a worker with beat (the dispatcher, every second) starts
        redis.start()
        env = process_env(
            redis_url=redis.url, MEDIA_ROOT=str(settings.MEDIA_ROOT), JOBS_DISPATCH_INTERVAL="1"
        )
        worker = CeleryWorker(env, log=tmp_path / "worker.log", beat=True).start()
        try:
            wait_for(lambda: all(j.finished for j in _jobs()), timeout=240, what="every job to finish")
            time.sleep(3)  # a few more dispatcher rounds: nothing may be sent or run again
            jobs = _jobs()
        finally:
            worker.kill9()

    # then: each job ran exactly once and succeeded
    log = (tmp_path / "worker.log").read_text(errors="replace")
    for job in jobs:
        assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 1, ""), (job, log)
        assert job.dispatched_at is not None and not job.delayed
        assert job.log.count("开始执行") == 1, job.log
    report = ReportFile.objects.get()
    assert report.file and report.file.size > 0
    assert RuleRun.objects.get().counts
    assert [j.counts["rows_read"] for j in ImportJob.objects.order_by("pk")] == [PUNCHES, PUNCHES]
    # the dispatcher sent the four jobs once each: four job messages reached the worker
    received = [t for t in re.findall(r"Task (\S+)\[[^\]]+\] received", log) if t != "core.jobs.dispatch_due"]
    assert sorted(received) == sorted(
        ["assessments.build_report", "assessments.rules.run_program_rules"]
        + ["teams.tasks.run_import_job"] * 2
    ), log


def test_a_job_that_kills_its_worker_is_failed_after_the_cap_not_redelivered_for_ever(
    world: Any, redis_server: RedisServer, tmp_path: Path, settings: Any
) -> None:
    # given: an import job whose run kills the worker process every time (acks_late +
    # reject_on_worker_lost hand it back to the queue after each crash)
    settings.MEDIA_ROOT = tmp_path / "media"
    job = ImportJob(kind=ImportKind.ATTENDANCE, hospital=world.recipient_a, original_name="hostile.xlsx")
    job.file.save("hostile.xlsx", ContentFile(b"PK"), save=False)
    job.run_after = timezone.now()
    job.save()
    env = process_env(redis_url=redis_server.url, MEDIA_ROOT=str(settings.MEDIA_ROOT), JOBS_MAX_ATTEMPTS="3")
    worker = CeleryWorker(env, log=tmp_path / "worker.log").start()
    try:
        # when: the job is delivered
        client_app(redis_server.url).send_task("tests.faults.crash_job", args=[job.pk])

        # then: after three runs, each killing its worker process, the fourth delivery fails the job
        wait_for(
            lambda: ImportJob.objects.get(pk=job.pk).status == JobStatus.FAILED,
            timeout=180,
            what="the job to be failed",
        )
        time.sleep(3)  # no further delivery arrives
        failed = ImportJob.objects.get(pk=job.pk)
        assert worker.running, worker.log_tail()
    finally:
        worker.kill9()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert (failed.status, failed.attempts) == (JobStatus.FAILED, 3), log
    assert "工作进程多次中断" in failed.error and failed.finished_at is not None
    assert log.count("exited with 'signal 9 (SIGKILL)'") == 3, log
    queue = redis_lib.Redis.from_url(redis_server.url)
    assert queue.llen("celery") == 0 and queue.hlen("unacked") == 0
