"""Celery entry points of the rule engine; thin wrappers over ``assessments.services.findings``."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from assessments.services import findings as svc


def _summary(run: Any) -> dict[str, Any]:
    if run is None:
        return {"skipped": True}
    return {"run": run.pk, "status": run.status, "counts": run.counts}


@shared_task(bind=True, name="assessments.rules.run_program_rules")
def run_program_rules(self: Any, run_id: int) -> dict[str, Any]:
    """Check a whole program (RuleRun without pairing). Safe to deliver twice: the run is taken once."""
    return _summary(svc.rule_run_execute(run_id=run_id, task_id=self.request.id or ""))


@shared_task(bind=True, name="assessments.rules.run_pairing_rules")
def run_pairing_rules(self: Any, run_id: int) -> dict[str, Any]:
    """Check one pairing (RuleRun with pairing); resolves only that pairing's findings."""
    return _summary(svc.rule_run_execute(run_id=run_id, task_id=self.request.id or ""))


@shared_task(name="assessments.rules.sweep_active_programs")
def sweep_active_programs() -> list[int]:
    """Nightly: queue a run of every active program (CELERY_BEAT_SCHEDULE)."""
    return [run.pk for run in svc.rules_sweep()]
