"""`manage.py run_rules`: synchronous table, queued run id."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Finding, RuleRun


def test_sync_run_prints_a_table_per_rule(world):
    out = io.StringIO()
    call_command("run_rules", "--program", world.program.code, "--sync", "--as-of", "2026-06-01", stdout=out)
    text = out.getvalue()
    run = RuleRun.objects.get()
    assert run.status == "done" and f"RuleRun {run.pk}" in text
    line = next(ln for ln in text.splitlines() if ln.startswith("COVERAGE_GAP"))
    assert line.split()[1:4] == ["2", "2", "0"]
    assert Finding.objects.filter(rule_code="COVERAGE_GAP").count() == 2


def test_pairing_run_and_queued_run(world, django_capture_on_commit_callbacks):
    out = io.StringIO()
    call_command("run_rules", "--pairing", str(world.pairing_a.pk), "--sync", stdout=out)
    assert set(Finding.objects.values_list("pairing_id", flat=True)) == {world.pairing_a.pk}
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("run_rules", "--program", world.program.code, stdout=out)
    queued = RuleRun.objects.get(status="queued")
    assert f"queued RuleRun {queued.pk}" in out.getvalue() and len(callbacks) == 1


def test_unknown_program_is_an_error(db):
    with pytest.raises(CommandError):
        call_command("run_rules", "--program", "NOPE", "--sync")
