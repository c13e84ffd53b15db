"""Reads of rectifications (限期整改): always scoped through ``for_user``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from assessments.choices import FindingStatus, RectificationStatus
from assessments.models import Finding, Rectification, RectificationEvidence
from core.access import User

WAITING = (RectificationStatus.ASSIGNED, RectificationStatus.RETURNED)


def overdue_q(today: dt.date) -> Q:
    """Past the due date and still waiting for the hospital."""
    return Q(status__in=WAITING, due_date__lt=today)


def rectification_list(*, user: User) -> QuerySet[Rectification]:
    """Rectifications the user may see, with what a list row shows, in one query."""
    return (
        Rectification.objects.for_user(user)
        .select_related("program", "pairing__recipient__county__city", "hospital")
        .annotate(n_findings=Count("findings", distinct=True))
        .order_by("due_date", "pk")
    )


def rectification_detail(*, user: User) -> QuerySet[Rectification]:
    return Rectification.objects.for_user(user).select_related(
        "program", "pairing__recipient", "hospital", "assigned_by", "decided_by"
    )


def rectifiable_findings(*, finding: Finding) -> QuerySet[Finding]:
    """Open findings of the same pairing not already in an active rectification (to assign together)."""
    active = Rectification.objects.filter(status__in=(*WAITING, RectificationStatus.ANSWERED)).values(
        "findings"
    )
    if finding.pairing_id is None:
        return Finding.objects.none()
    return (
        Finding.objects.filter(pairing_id=finding.pairing_id, status=FindingStatus.OPEN)
        .exclude(pk__in=active)
        .order_by("rule_code", "period_start", "pk")
    )


def evidence_for_user(*, user: User) -> QuerySet[RectificationEvidence]:
    """Evidence files of the rectifications the user may see."""
    return RectificationEvidence.objects.filter(
        answer__rectification__in=Rectification.objects.for_user(user)
    )
