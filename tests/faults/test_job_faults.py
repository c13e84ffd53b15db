"""Real jobs survive a worker killed -9 mid-run: a DingTalk attendance import and a report build each
complete exactly once after the worker restarts (at-least-once delivery + idempotent services).

Both jobs are slowed only by the size of their data: an import of 100,000 punches, a workbook with
tens of thousands of training rows. Nothing of ours is mocked; the worker is a real ``celery worker``.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from django.core.files import File
from openpyxl import load_workbook

from assessments.choices import JobStatus, ReportKind
from assessments.models import ReportFile
from config.settings.base import _next_redis_db
from devtools import factories as f
from devtools.dingtalk_samples import raw_rows, write_sample
from teams.models import (
    AttendancePunch,
    AttendanceRecord,
    DingTalkIdentity,
    ImportJob,
    ImportKind,
    ImportStatus,
)
from teams.services.attendance import attendance_import
from teams.services.jobs import import_job_run, progress_key
from tests.faults.harness import CeleryWorker, RedisServer, client_app, process_env, wait_for
from training.models import TraineeStint

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("transactional_db")]

PUNCHES = 100_000  # ~15 s of import on a busy 2-core machine: the first progress tick comes at 50,000
PEOPLE = 100
DEPLOYED = 3  # of them deployed to the recipient and known by their DingTalk id
DEPLOYED_FROM, DEPLOYED_TO = dt.date(2023, 1, 1), dt.date(2023, 6, 30)
STINTS = 40_000  # rows of the workbook's 进修培训 sheet (~15 s of build)
VISIBILITY_TIMEOUT = 5  # seconds (production: 2 h)


def _worker(tmp_path: Path, redis: RedisServer, media: Path) -> CeleryWorker:
    # Unacknowledged tasks are redelivered after the visibility timeout so the restarted worker gets them.
    env = process_env(
        redis_url=redis.url, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT), MEDIA_ROOT=str(media)
    )
    return CeleryWorker(env, log=tmp_path / "worker.log")


def _restart_once_redeliverable(worker: CeleryWorker, sent_at: float) -> None:
    """Start the worker again once the killed task's visibility timeout has passed: a starting worker
    restores the expired unacknowledged tasks at once, later ones only on its periodic sweep (~100 s)."""
    time.sleep(max(0.0, sent_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    worker.start()


def _import_state(job_id: int) -> ImportJob:
    return ImportJob.objects.get(pk=job_id)


def _cached_progress(redis: RedisServer, job_id: int) -> int:
    """The progress the worker publishes in the cache (KEY_PREFIX "pairing", version 1), which lives in the
    database after the broker's (settings: the cache never shares the queue's keyspace)."""
    raw = redis_lib.Redis.from_url(_next_redis_db(redis.url)).get(f"pairing:1:{progress_key(job_id)}")
    return int(raw) if raw is not None else 0


def test_worker_killed_mid_attendance_import_completes_the_job_exactly_once(
    world: Any, redis_server: RedisServer, tmp_path: Path, settings: Any
) -> None:
    # given: three people of the export deployed to recipient A and mapped by DingTalk id, the rest unknown
    settings.MEDIA_ROOT = tmp_path / "media"
    team = f.TeamFactory(pairing=world.pairing_a)
    for i in range(DEPLOYED):
        dep = f.DeploymentFactory(team=team, planned_start=DEPLOYED_FROM, planned_end=DEPLOYED_TO)
        DingTalkIdentity.objects.create(hospital=world.recipient_a, userid=f"ding{i:06d}", staff=dep.staff)
    # and a 100,000-punch 原始记录 export stored as an import job
    sample = write_sample(tmp_path / "punches.xlsx", PUNCHES, n_people=PEOPLE)
    rows = list(raw_rows(PUNCHES, n_people=PEOPLE))
    unique_punches = len({(r[1], r[3], r[5], r[4]) for r in rows})
    deployed_ids = {f"ding{i:06d}" for i in range(DEPLOYED)}
    expected_records = len(
        {
            (r[1], r[3])
            for r in rows
            if r[1] in deployed_ids and DEPLOYED_FROM <= dt.date.fromisoformat(r[3]) <= DEPLOYED_TO
        }
    )
    job = ImportJob(
        kind=ImportKind.ATTENDANCE,
        hospital=world.recipient_a,
        created_by=world.users["alice"],
        original_name="punches.xlsx",
    )
    with sample.open("rb") as fh:
        job.file.save("punches.xlsx", File(fh), save=False)
    job.save()
    worker = _worker(tmp_path, redis_server, settings.MEDIA_ROOT).start()
    try:
        sent_at = time.monotonic()
        client_app(redis_server.url).send_task("teams.tasks.run_import_job", args=[job.pk])
        wait_for(
            lambda: (
                _import_state(job.pk).status == ImportStatus.RUNNING
                and _cached_progress(redis_server, job.pk) > 0
            ),
            timeout=120,
            interval=0.1,
            what="the import to be running with progress",
        )

        # when: the whole worker is killed -9 in the middle of the import, then a new one starts
        worker.kill9()
        killed = _import_state(job.pk)
        assert killed.status == ImportStatus.RUNNING and killed.finished_at is None, worker.log_tail()
        assert AttendancePunch.objects.count() == 0  # the punch transaction died with the worker
        _restart_once_redeliverable(worker, sent_at)

        # then: the job is redelivered, rerun from scratch and finishes
        wait_for(
            lambda: _import_state(job.pk).status in (ImportStatus.DONE, ImportStatus.FAILED),
            timeout=240,
            what="the import to finish",
        )
    finally:
        worker.kill9()
    done = _import_state(job.pk)
    assert (done.status, done.progress, done.errors) == (ImportStatus.DONE, 100, []), worker.log_tail()
    # every punch of the file exactly once, all credited to this job
    assert AttendancePunch.objects.count() == unique_punches == PUNCHES
    assert AttendancePunch.objects.filter(job_id=job.pk).count() == unique_punches
    # one record per deployed person and day, derived once
    assert AttendanceRecord.objects.count() == expected_records > 0
    assert AttendanceRecord.objects.filter(source="dingtalk").count() == expected_records
    # and the summary counts what this run (the one that completed) did
    assert done.counts == {
        "rows_read": PUNCHES,
        "inserted": unique_punches,
        "duplicates": 0,
        "unmatched": AttendancePunch.objects.filter(staff__isnull=True).count(),
        "unmatched_users": PEOPLE - DEPLOYED,
        "rejected": 0,
        "records": expected_records,
        "dry_run": False,
    }


def test_worker_killed_mid_report_build_leaves_one_succeeded_readable_workbook(
    world: Any, redis_server: RedisServer, tmp_path: Path, settings: Any
) -> None:
    # given: a program whose 2023 workbook has a deployment and tens of thousands of training stints
    settings.MEDIA_ROOT = tmp_path / "media"
    team = f.TeamFactory(pairing=world.pairing_a, year=2023)
    f.DeploymentFactory(team=team)
    stints = f.TraineeStintFactory.build_batch(STINTS, pairing=world.pairing_a, host=world.supporter_a)
    TraineeStint.objects.bulk_create(stints, batch_size=5000)
    report = ReportFile.objects.create(
        program=world.program,
        kind=ReportKind.ANNUAL_WORKBOOK,
        year=2023,
        requested_by=world.users["province"],
    )
    worker = _worker(tmp_path, redis_server, settings.MEDIA_ROOT).start()
    try:
        sent_at = time.monotonic()
        client_app(redis_server.url).send_task("assessments.build_report", args=[report.pk])
        wait_for(
            lambda: ReportFile.objects.filter(
                pk=report.pk, status=JobStatus.RUNNING, progress__gt=0, progress__lt=100
            ).exists(),
            timeout=120,
            interval=0.1,
            what="the report build to be under way",
        )

        # when: the whole worker is killed -9 mid-build, then a new one starts
        worker.kill9()
        killed = ReportFile.objects.get(pk=report.pk)
        assert (killed.status, bool(killed.file)) == (JobStatus.RUNNING, False), worker.log_tail()
        _restart_once_redeliverable(worker, sent_at)

        # then: the build is redelivered and succeeds
        wait_for(
            lambda: ReportFile.objects.get(pk=report.pk).status in (JobStatus.DONE, JobStatus.FAILED),
            timeout=240,
            what="the report to finish",
        )
    finally:
        worker.kill9()
    assert ReportFile.objects.count() == 1
    built = ReportFile.objects.get()
    assert (built.status, built.progress, built.error) == (JobStatus.DONE, 100, ""), worker.log_tail()
    # one file on disk, readable, with every stint on the training sheet (+ its header row)
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert [p.name for p in files] == [Path(built.file.name).name]
    workbook = load_workbook(io.BytesIO(built.file.read()), read_only=True)
    assert "进修培训" in workbook.sheetnames
    training = [r for r in workbook["进修培训"].iter_rows(values_only=True) if any(v is not None for v in r)]
    assert len(training) == STINTS + 1


def test_rerun_after_a_crash_between_the_punch_and_job_commits_still_counts_the_punches(
    world: Any, tmp_path: Path, settings: Any
) -> None:
    """The window a kill -9 rarely hits: the punches committed, the job row not yet finished."""
    # given: a job whose first run stored its punches, then died before marking the job done
    settings.MEDIA_ROOT = tmp_path / "media"
    sample = write_sample(tmp_path / "small.csv", 60, n_people=3)
    job = ImportJob(kind=ImportKind.ATTENDANCE, hospital=world.recipient_a, original_name="small.csv")
    with sample.open("rb") as fh:
        job.file.save("small.csv", File(fh), save=False)
    job.status = ImportStatus.RUNNING
    job.save()
    with sample.open("rb") as fh:
        first = attendance_import(
            user=None,
            hospital=world.recipient_a,
            f=fh,
            name="small.csv",
            job_id=job.pk,
            check_permission=False,
        )
    assert first.inserted == 60 and _import_state(job.pk).status == ImportStatus.RUNNING

    # when: the task is redelivered and runs the job again
    done = import_job_run(job_id=job.pk)

    # then: nothing is stored twice and the summary still says the job inserted the 60 punches
    assert AttendancePunch.objects.count() == 60
    assert (done.status, done.counts["rows_read"], done.counts["inserted"], done.counts["duplicates"]) == (
        ImportStatus.DONE,
        60,
        60,
        0,
    )
    # and a further redelivery of a finished job changes nothing
    again = import_job_run(job_id=job.pk)
    assert (again.counts, again.finished_at) == (done.counts, done.finished_at)
