"""The data migrations into the one job vocabulary keep every existing job's meaning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from assessments.models import ReportFile, RuleRun
from core.jobs.choices import JobStatus
from core.jobs.services import jobs_dispatch_due
from devtools import factories as f
from teams.models import ImportJob

# The states just before the jobs layer's migrations (teams 0005, assessments 0008).
BEFORE = [("teams", "0004_identifier_constraints"), ("assessments", "0007_rectification")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_statuses_become_the_one_vocabulary_and_stuck_queued_jobs_get_sent() -> None:
    # given: rows written before the jobs layer, in each app's old vocabulary
    program = f.ProgramFactory()
    hospital = f.HospitalFactory()
    created = timezone.now() - dt.timedelta(days=1)
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE)
    try:
        old_import = old.get_model("teams", "ImportJob")
        old_run = old.get_model("assessments", "RuleRun")
        old_report = old.get_model("assessments", "ReportFile")
        imports = {
            status_kind: old_import.objects.create(
                kind=status_kind[1], hospital_id=hospital.pk, status=status_kind[0], file="x"
            ).pk
            for status_kind in [("pending", "attendance"), ("pending", "roster"), ("done", "attendance")]
        }
        runs = {
            s: old_run.objects.create(program_id=program.pk, status=s).pk for s in ("queued", "succeeded")
        }
        reports = {
            s: old_report.objects.create(program_id=program.pk, kind="evaluation", status=s).pk
            for s in ("queued", "running", "succeeded", "failed")
        }
        old_run.objects.update(created_at=created)
        old_report.objects.update(created_at=created)
        old_import.objects.update(created_at=created)
    finally:
        # when: migrating forward
        _migrate(leaves)

    # then: pending → queued, succeeded → done, the rest unchanged
    def status(model: Any, pk: int) -> str:
        return str(model.objects.get(pk=pk).status)

    assert status(ImportJob, imports[("pending", "attendance")]) == JobStatus.QUEUED
    assert status(ImportJob, imports[("pending", "roster")]) == JobStatus.QUEUED
    assert status(ImportJob, imports[("done", "attendance")]) == JobStatus.DONE
    assert [status(RuleRun, runs[s]) for s in ("queued", "succeeded")] == ["queued", "done"]
    assert [status(ReportFile, reports[s]) for s in ("queued", "running", "succeeded", "failed")] == [
        "queued",
        "running",
        "done",
        "failed",
    ]
    # and rows past the queue count as sent and run once
    done = ReportFile.objects.get(pk=reports["succeeded"])
    assert (done.dispatched_at, done.attempts) == (created, 1)
    # and the jobs that were stuck queued (never sent, or their message lost) are sent by the dispatcher;
    # the roster upload (a wizard file, never a job) is not
    assert jobs_dispatch_due() == 3
    assert ImportJob.objects.get(pk=imports[("pending", "attendance")]).dispatched_at is not None
    assert ImportJob.objects.get(pk=imports[("pending", "roster")]).dispatched_at is None
    assert RuleRun.objects.get(pk=runs["queued"]).dispatched_at is not None
    assert ReportFile.objects.get(pk=reports["queued"]).dispatched_at is not None
