"""The jobs layer (core/jobs): start after commit, the outbox dispatcher, and the run claim.

Real PostgreSQL and Redis; a broker outage is a Celery app whose broker is a port nothing listens on, made
the current app (the one the jobs layer sends through) for the duration of a test.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.choices import ReportKind
from assessments.models import ReportFile, RuleRun
from config.celery_app import app as project_app
from core.jobs.choices import JobStatus
from core.jobs.services import job_execute, job_start, jobs_dispatch_due
from devtools import factories as f
from teams.models import ImportJob, ImportKind
from tests.api.conftest import client_for


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker_down() -> Iterator[Celery]:
    """The broker is unreachable while the test runs (the current Celery app points at a dead port)."""
    dead = Celery("dead", broker=f"redis://127.0.0.1:{_dead_port()}/0", set_as_current=False)
    dead.conf.broker_connection_retry = False
    dead.conf.broker_connection_max_retries = 0
    dead.conf.task_publish_retry_policy = {"max_retries": 0}
    dead.conf.broker_transport_options = {"socket_connect_timeout": 0.5}
    dead.set_current()
    try:
        yield dead
    finally:
        project_app.set_current()


def _run(world: Any, **fields: Any) -> RuleRun:
    return RuleRun.objects.create(program=world.program, **fields)


def test_job_start_sends_on_commit_and_marks_the_row_dispatched(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given / when: a rule run started inside a transaction
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        run = job_start(job=RuleRun(program=world.program))
        # then nothing is sent before the commit
        assert RuleRun.objects.get(pk=run.pk).dispatched_at is None
    # then: one send after the commit, recorded on the row; not delayed
    assert len(callbacks) == 1
    row = RuleRun.objects.get(pk=run.pk)
    assert (row.status, row.dispatch_error, row.delayed) == (JobStatus.QUEUED, "", False)
    assert row.dispatched_at is not None and row.task_id and row.run_after is not None
    # and the dispatcher has nothing left to send
    assert jobs_dispatch_due() == 0


def test_broker_outage_keeps_the_job_and_the_dispatcher_sends_it_once_back(
    world: Any, broker_down: Celery, django_capture_on_commit_callbacks: Any
) -> None:
    # given the broker is down: starting a job does not raise, the job waits, marked delayed
    with django_capture_on_commit_callbacks(execute=True):
        run = job_start(job=RuleRun(program=world.program))
    assert run.delayed
    row = RuleRun.objects.get(pk=run.pk)
    assert (row.status, row.dispatched_at, row.delayed) == (JobStatus.QUEUED, None, True)
    assert row.dispatch_error
    # and a dispatcher round while the broker is still down sends nothing and keeps the row
    assert jobs_dispatch_due() == 0
    assert RuleRun.objects.get(pk=run.pk).dispatched_at is None

    # when the broker is back
    project_app.set_current()
    sent = jobs_dispatch_due()

    # then the job is sent once and no longer delayed; a second round sends nothing
    row = RuleRun.objects.get(pk=run.pk)
    assert sent == 1 and row.dispatched_at is not None and not row.delayed and row.task_id
    assert jobs_dispatch_due() == 0


def test_a_rolled_back_start_leaves_no_row_and_sends_nothing(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            job_start(job=RuleRun(program=world.program))
            raise RuntimeError("the service failed after starting the job")
    assert callbacks == [] and not RuleRun.objects.exists()


def test_dispatcher_sends_only_started_due_jobs(world: Any) -> None:
    # given: a roster upload kept for the wizard (never started as a job), a recheck due in a minute,
    # a finished run, and one started job the broker never took
    upload = ImportJob.objects.create(kind=ImportKind.ROSTER, hospital=world.supporter_a, file="x.xlsx")
    later = _run(world, run_after=timezone.now() + dt.timedelta(minutes=1))
    _run(world, status=JobStatus.DONE, run_after=timezone.now())
    due = _run(world, run_after=timezone.now())
    # when the dispatcher runs, then only the due one is sent
    assert jobs_dispatch_due() == 1
    assert RuleRun.objects.get(pk=due.pk).dispatched_at is not None
    assert RuleRun.objects.get(pk=later.pk).dispatched_at is None
    assert ImportJob.objects.get(pk=upload.pk).dispatched_at is None


def test_dispatcher_resends_a_queued_job_whose_message_was_lost(world: Any, settings: Any) -> None:
    # given: a job sent long ago that no worker ever took (Redis lost the message)
    settings.JOBS_REDISPATCH_AFTER = 60
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    lost = _run(world, run_after=long_ago, dispatched_at=long_ago)
    fresh = _run(world, run_after=timezone.now(), dispatched_at=timezone.now())
    # when / then: only the lost one is sent again
    assert jobs_dispatch_due() == 1
    assert RuleRun.objects.get(pk=lost.pk).dispatched_at > long_ago
    assert RuleRun.objects.get(pk=fresh.pk).dispatched_at == fresh.dispatched_at
    assert jobs_dispatch_due() == 0


@pytest.mark.django_db(transaction=True)
def test_dispatcher_skips_rows_another_dispatcher_holds() -> None:
    # given: two due jobs, one of them locked by another dispatcher's transaction (another connection)
    program = f.ProgramFactory()
    held, free = (RuleRun.objects.create(program=program, run_after=timezone.now()) for _ in range(2))
    locked, release = threading.Event(), threading.Event()

    def other_dispatcher() -> None:
        try:
            with transaction.atomic():
                list(RuleRun.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_dispatcher)
    thread.start()
    try:
        assert locked.wait(30)
        # when this dispatcher runs meanwhile, then it sends the free row and skips the held one
        assert jobs_dispatch_due() == 1
        assert RuleRun.objects.get(pk=free.pk).dispatched_at is not None
        assert RuleRun.objects.get(pk=held.pk).dispatched_at is None
    finally:
        release.set()
        thread.join(30)
    # and once released, the next round sends it
    assert jobs_dispatch_due() == 1


def test_execute_runs_a_job_once_and_a_redelivery_does_nothing(world: Any) -> None:
    run = _run(world, run_after=timezone.now())
    calls: list[int] = []
    first, ran = job_execute(model=RuleRun, pk=run.pk, run=lambda job: calls.append(job.pk), task_id="t1")
    assert ran and first is not None
    assert (first.status, first.attempts, first.progress, first.task_id) == (JobStatus.DONE, 1, 100, "t1")
    assert first.started_at and first.finished_at and "开始执行" in first.log
    again, ran_again = job_execute(model=RuleRun, pk=run.pk, run=lambda job: calls.append(job.pk))
    assert (ran_again, calls, again.attempts if again else None) == (False, [run.pk], 1)


def test_execute_records_a_failure_with_its_traceback(world: Any) -> None:
    run = _run(world)

    def broken(job: RuleRun) -> None:
        raise ValueError("no such parameter")

    with pytest.raises(ValueError):
        job_execute(model=RuleRun, pk=run.pk, run=broken)
    row = RuleRun.objects.get(pk=run.pk)
    assert row.status == JobStatus.FAILED and "no such parameter" in row.error
    assert "Traceback" in row.traceback and row.finished_at


def test_an_interrupted_run_is_resumed_until_the_cap_then_failed(world: Any, settings: Any) -> None:
    settings.JOBS_MAX_ATTEMPTS = 3
    seen: list[tuple[int, bool]] = []
    # given: a job left running by a dead worker after its first run (its run lock is free)
    run = _run(world, status=JobStatus.RUNNING, attempts=1, started_at=timezone.now())
    # when redelivered, then it runs again, knowing it resumes
    _, ran = job_execute(model=RuleRun, pk=run.pk, run=lambda job: seen.append((job.attempts, job.resumed)))
    assert ran and seen == [(2, True)] and RuleRun.objects.get(pk=run.pk).status == JobStatus.DONE

    # given: a job whose three runs all died with their worker
    crashed = _run(world, status=JobStatus.RUNNING, attempts=3, started_at=timezone.now())
    # when delivered again
    row, ran = job_execute(model=RuleRun, pk=crashed.pk, run=lambda job: seen.append((0, False)))
    # then it is failed with a clear message and not run
    assert not ran and len(seen) == 1
    row = RuleRun.objects.get(pk=crashed.pk)
    assert (row.status, row.attempts) == (JobStatus.FAILED, 3)
    assert "工作进程多次中断" in row.error and row.finished_at
    # and a further delivery leaves it failed
    assert job_execute(model=RuleRun, pk=crashed.pk, run=lambda job: seen.append((0, False)))[1] is False


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_run_the_job_once(settings: Any) -> None:
    # given: a job delivered twice at the same moment (a duplicate message), its run taking a while
    settings.JOBS_LOCK_WAIT = 0.5
    run = RuleRun.objects.create(program=f.ProgramFactory(), run_after=timezone.now())
    calls: list[int] = []
    barrier = threading.Barrier(2)

    def slow(job: RuleRun) -> None:
        calls.append(job.pk)
        time.sleep(2)

    def deliver() -> None:
        try:
            barrier.wait()
            job_execute(model=RuleRun, pk=run.pk, run=slow)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # then: one run, one attempt, done; the run lock was released
    row = RuleRun.objects.get(pk=run.pk)
    assert (calls, row.status, row.attempts) == ([run.pk], JobStatus.DONE, 1)
    with connection.cursor() as cur:
        # pg_locks is cluster-wide: count only this database's locks (a parallel test worker has its own)
        cur.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert cur.fetchone()[0] == 0


def test_dispatcher_resends_an_orphaned_running_job(world: Any, settings: Any) -> None:
    # given: a job running since long ago whose worker is gone (no run lock held) and whose message is lost
    settings.JOBS_REDISPATCH_AFTER = 60
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    orphan = _run(world, status=JobStatus.RUNNING, attempts=1, started_at=long_ago, dispatched_at=long_ago)
    # when / then: the dispatcher sends it again (its next run counts as a resumed attempt)
    assert jobs_dispatch_due() == 1
    assert RuleRun.objects.get(pk=orphan.pk).dispatched_at > long_ago
    # and not again on the next round while no worker has taken it yet
    assert jobs_dispatch_due() == 0


def test_the_api_shows_which_jobs_wait_for_the_queue(
    world: Any, broker_down: Celery, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a rule run and a report started while the broker is down, and a rule run that got through
    with django_capture_on_commit_callbacks(execute=True):
        waiting_run = job_start(job=RuleRun(program=world.program))
        waiting_report = job_start(job=ReportFile(program=world.program, kind=ReportKind.EVALUATION))
    sent_run = _run(world, run_after=timezone.now(), dispatched_at=timezone.now())
    client = client_for(world.users["province"])
    # when / then: the API lists them with "delayed"
    runs = {r["id"]: r for r in client.get(reverse("api:rule-run-list")).json()["results"]}
    assert (runs[waiting_run.pk]["delayed"], runs[sent_run.pk]["delayed"]) == (True, False)
    assert runs[waiting_run.pk]["status"] == "queued"
    reports = client.get(reverse("api:report-list")).json()["results"]
    assert [(r["id"], r["status"], r["delayed"]) for r in reports] == [(waiting_report.pk, "queued", True)]
