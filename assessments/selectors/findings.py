"""Reads of the assessments app. Findings and rule runs are always scoped through ``for_user``."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from assessments.choices import FindingStatus
from assessments.models import Finding, RuleRun
from core.access import User
from pairings.models import Pairing, Program


def finding_list(*, user: User) -> QuerySet[Finding]:
    """Findings the user may see, with everything a list row shows in the same query."""
    return (
        Finding.objects.for_user(user)
        .select_related("program", "pairing__recipient__county__city", "staff", "county", "hospital")
        .order_by("status", "-last_seen", "-pk")
    )


def finding_detail(*, user: User) -> QuerySet[Finding]:
    """Queryset to fetch one finding (404 when missing or not the user's)."""
    return finding_list(user=user).select_related("team", "deployment", "agreement", "waived_by", "last_run")


def finding_open_counts(*, user: User) -> dict[str, int]:
    """Open findings per rule code, for headings and dashboards."""
    rows = (
        Finding.objects.for_user(user)
        .filter(status=FindingStatus.OPEN)
        .values("rule_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["rule_code"]: r["n"] for r in rows}


def rule_run_list(*, user: User) -> QuerySet[RuleRun]:
    return RuleRun.objects.for_user(user).select_related("program", "pairing__recipient", "started_by")


def runnable_programs(*, user: User) -> QuerySet[Program]:
    return Program.objects.for_user(user).filter(is_active=True).order_by("code")


def scoped_pairing(*, user: User) -> QuerySet[Pairing]:
    return Pairing.objects.for_user(user)
