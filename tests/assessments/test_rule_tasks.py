"""Rule runs through Celery: coalesced rechecks, overlapping runs, and a real worker against real Redis."""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections

from assessments.models import Finding, RuleRun
from assessments.selectors import indicator_facts
from assessments.services.findings import (
    request_pairing_recheck,
    rule_facts_refresh,
    rule_run_create,
    rule_run_execute,
    rule_run_start,
    rules_sweep,
)
from config.celery_app import app
from devtools import factories as f
from tests.assessments.rules_helpers import AS_OF, D, pairing, program


def test_ten_edits_in_a_row_make_one_recheck(world, django_capture_on_commit_callbacks):
    # when ten edits of pairing A each ask for a recheck
    with django_capture_on_commit_callbacks() as callbacks:
        runs = [request_pairing_recheck(pairing_id=world.pairing_a.pk, reason=f"edit {i}") for i in range(10)]
    # then one queued event run exists and one task is enqueued
    assert len({r.pk for r in runs}) == 1
    run = RuleRun.objects.get()
    assert (run.pairing, run.trigger, run.status) == (world.pairing_a, "event", "queued")
    assert len(callbacks) == 1


def test_a_recheck_after_the_run_started_queues_the_next_one(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        first = request_pairing_recheck(pairing_id=world.pairing_a.pk, reason="roster filed")
    RuleRun.objects.filter(pk=first.pk).update(status="running")
    with django_capture_on_commit_callbacks() as callbacks:
        second = request_pairing_recheck(pairing_id=world.pairing_a.pk, reason="deployment edited")
        other = request_pairing_recheck(pairing_id=world.pairing_b.pk, reason="deployment edited")
    assert len({first.pk, second.pk, other.pk}) == 3 and len(callbacks) == 2


def test_recheck_inside_a_rolled_back_edit_leaves_nothing(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            request_pairing_recheck(pairing_id=world.pairing_a.pk, reason="edit")
            raise RuntimeError("the edit failed")
    assert not RuleRun.objects.exists() and callbacks == []


def test_only_commission_may_start_runs(world, django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    for who in ("alice", "charlie", "county_a", "dashboard", "nobody"):
        with pytest.raises(PermissionDenied):
            rule_run_start(user=world.users[who], program=world.program)
    # city staff may recheck a pairing of their city, not the whole program nor another city's pairing
    with pytest.raises(PermissionDenied):
        rule_run_start(user=world.users["city_a"], program=world.program)
    with pytest.raises(PermissionDenied):
        rule_run_start(user=world.users["city_a"], program=world.program, pairing=world.pairing_b)
    assert not RuleRun.objects.exists()
    with django_capture_on_commit_callbacks() as callbacks:
        rule_run_start(user=world.users["city_a"], program=world.program, pairing=world.pairing_a)
        rule_run_start(user=world.users["province"], program=world.program)
    assert RuleRun.objects.count() == 2 and len(callbacks) == 2


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_produce_no_duplicates():
    # given a program with findings to make and two runs started at the same moment
    prog = program()
    for _ in range(3):
        pairing(prog)
    runs = [rule_run_create(program=prog, enqueue=False) for _ in range(2)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(run_id: int) -> None:
        try:
            barrier.wait()
            rule_run_execute(run_id=run_id, as_of=AS_OF)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(r.pk,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # then both succeed, one after the other, and every finding exists once
    assert errors == []
    done = list(RuleRun.objects.filter(pk__in=[r.pk for r in runs]).order_by("finished_at"))
    assert [r.status for r in done] == ["done", "done"]
    assert sum(c["new"] for c in done[0].counts.values()) == Finding.objects.count() > 0
    assert sum(c["new"] for c in done[1].counts.values()) == 0
    assert Finding.objects.values("fingerprint").distinct().count() == Finding.objects.count()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_nightly_sweep_end_to_end_with_a_real_worker_and_redis():
    # given an active program with a gap and an inactive one
    prog = program()
    p = pairing(prog)
    team = f.TeamFactory(pairing=p, year=2023, start_date=D(2023, 1, 1))
    f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    f.ProgramFactory(code="OLD", is_active=False, start_date=D(2019, 1, 1), end_date=D(2021, 12, 31))
    # (never computed: its indicator facts are stale)
    assert indicator_facts.stale_pairings([p.pk]) == [p.pk]
    # when the beat task's body queues the sweep and a real worker consumes it from Redis
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        [run] = rules_sweep()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in ("done", "failed"):
                break
            time.sleep(0.2)
    # then the run succeeded through the worker and its findings are stored
    assert (run.program, run.trigger, run.status) == (prog, "schedule", "done"), run.error
    assert run.task_id
    gap = Finding.objects.get(rule_code="COVERAGE_GAP", pairing=p)
    assert (gap.period_start, gap.period_end, gap.last_run_id) == (D(2023, 7, 1), D(2023, 12, 31), run.pk)
    # and the run brought the program's stale facts up to date before it swept
    assert indicator_facts.stale_pairings([p.pk]) == []


@pytest.mark.django_db(transaction=True)
def test_a_program_run_refreshes_the_stale_facts_first_and_only_those(settings):
    # given a program with two pairings, one of them computed and fresh, the other written since
    prog = program()
    fresh, written = pairing(prog), pairing(prog)
    indicator_facts.refresh([fresh.pk, written.pk])
    team = f.TeamFactory(pairing=written, year=2023, start_date=D(2023, 1, 1))
    f.DeploymentFactory(team=team, planned_start=D(2023, 1, 1), planned_end=D(2023, 6, 30))
    assert indicator_facts.stale_pairings([fresh.pk, written.pk]) == [written.pk]
    # when a program run executes
    run = rule_run_create(program=prog, enqueue=False)
    rule_run_execute(run_id=run.pk, as_of=AS_OF)
    # then the written pairing's facts are fresh again, its gap is found, and a second refresh does nothing
    assert indicator_facts.stale_pairings([fresh.pk, written.pk]) == []
    assert Finding.objects.filter(rule_code="COVERAGE_GAP", pairing=written).exists()
    assert rule_facts_refresh(program=prog) == []
    # and a pairing's recheck refreshes nothing (one pairing's rules are milliseconds: the facts' reader pays)
    f.DeploymentFactory(team=team, planned_start=D(2023, 7, 1), planned_end=D(2023, 12, 31))
    recheck = rule_run_create(program=prog, pairing=written, enqueue=False)
    rule_run_execute(run_id=recheck.pk, as_of=AS_OF)
    assert indicator_facts.stale_pairings([fresh.pk, written.pk]) == [written.pk]
    # and with RULES_FACTS off a program run leaves the facts alone (it reads none of them)
    settings.RULES_FACTS = False
    assert rule_facts_refresh(program=prog) == []
    assert indicator_facts.stale_pairings([fresh.pk, written.pk]) == [written.pk]


def test_nightly_sweep_is_scheduled_and_registered():
    from django.conf import settings

    # What a worker does at start (autodiscovery): without it, app.tasks holds only the task modules this
    # test process happened to import, which depends on the order xdist gave the tests.
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["rules-nightly-sweep"]
    assert entry["task"] in app.tasks
    assert {"assessments.rules.run_program_rules", "assessments.rules.run_pairing_rules"} <= set(app.tasks)
