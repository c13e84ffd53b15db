"""Hosted trainees (issue 15): the host hospital accepts or declines a recipient's nomination and records the
stint (start, end, completion, whether free). Only accepted stints count for TRAINING_QUOTA and
RESIDENCY_BASE; every change asks the rule engine to re-check the pairing (core.events).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import events, permissions
from core.access import User
from training.choices import StintStatus
from training.models import TraineeStint


class StintError(Exception):
    """A stint action the rules do not allow: ``problems`` maps a field (or "") to the reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems


def can_host(user: User, stint: TraineeStint) -> bool:
    return permissions.is_supporter_coordinator(user, hospital_id=stint.host_id)


def _require_host(user: User, stint: TraineeStint) -> None:
    if not can_host(user, stint):
        raise PermissionDenied(_("只有接收医院（支援医院）的联络员可以处理本院的进修学员。"))


def _decide(stint: TraineeStint, user: User, status: str, reason: str = "") -> TraineeStint:
    if stint.status != StintStatus.NOMINATED:
        raise StintError({"": _("该学员已处理（%(s)s）。") % {"s": stint.get_status_display()}})
    with transaction.atomic():
        stint.status = status
        stint.decided_at = timezone.now()
        stint.decided_by = user
        stint.decline_reason = reason
        stint.save(update_fields=["status", "decided_at", "decided_by", "decline_reason", "updated_at"])
        events.pairing_changed(pairing_id=stint.pairing_id, reason=f"trainee stint {stint.pk} {status}")
    return stint


def trainee_stint_accept(*, user: User, stint: TraineeStint) -> TraineeStint:
    """Accept a nominated trainee: from now on the stint counts for the training quota."""
    _require_host(user, stint)
    return _decide(stint, user, StintStatus.ACCEPTED)


def trainee_stint_decline(*, user: User, stint: TraineeStint, reason: str) -> TraineeStint:
    _require_host(user, stint)
    if not reason.strip():
        raise StintError({"reason": _("请填写未接收的原因。")})
    return _decide(stint, user, StintStatus.DECLINED, reason.strip()[:200])


def trainee_stint_record(
    *,
    user: User,
    stint: TraineeStint,
    start_date: dt.date,
    end_date: dt.date,
    completed: bool,
    is_free: bool,
) -> TraineeStint:
    """Record the accepted stint's actual start and end, completion (结业) and whether it was free."""
    _require_host(user, stint)
    problems: dict[str, str] = {}
    if stint.status != StintStatus.ACCEPTED:
        problems[""] = _("请先接收该学员。")
    if end_date < start_date:
        problems["end_date"] = _("结束日期早于开始日期")
    if completed and end_date > timezone.localdate():
        problems["completed"] = _("结束日期在今天之后，不能登记为已结业")
    if problems:
        raise StintError(problems)
    with transaction.atomic():
        stint.start_date, stint.end_date = start_date, end_date
        stint.completed, stint.is_free = completed, is_free
        stint.save(update_fields=["start_date", "end_date", "completed", "is_free", "updated_at"])
        events.pairing_changed(pairing_id=stint.pairing_id, reason=f"trainee stint {stint.pk} recorded")
    return stint
