"""Arrival, departure, early return and replacement of deployed people (issue 15, recipient 1).

The recipient's coordinator records what actually happened on site. The actual dates feed the
deployment's ``period`` (a generated column: actual where recorded, else planned), which is the one
range every measure reads — stays (SPEC §3a), the head-count timeline, attendance, certificates and the
scorecard — so nothing else has to be told. Each write asks for a re-check of the pairing's rules.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import events
from core.access import User
from core.permissions import is_recipient_coordinator
from teams.models import Deployment, Staff

_OVERLAP = "deployment_no_double_booking"


def may_record_stay(user: User, deployment: Deployment) -> bool:
    """Only the recipient hospital's coordinator records arrivals, departures and replacements."""
    return is_recipient_coordinator(user, hospital_id=deployment.team.pairing.recipient_id)


def _require(user: User, deployment: Deployment) -> None:
    if not may_record_stay(user, deployment):
        raise PermissionDenied(_("只有受援医院联络员可以登记到岗、离岗与替换。"))


def _overlap_error(exc: IntegrityError, name: str) -> ValidationError:
    if _OVERLAP in str(exc):
        return ValidationError(_("%(name)s 在该期间已有其他派驻，日期重叠。") % {"name": name})
    return ValidationError(_("日期有误：实际结束不能早于实际开始。"))


def deployment_record_dates(
    *,
    user: User,
    deployment: Deployment,
    actual_start: dt.date | None,
    actual_end: dt.date | None,
    early_return_reason: str = "",
) -> Deployment:
    """Record the actual arrival and departure. A departure before the planned end is an early return
    and needs its reason; a reason without an early departure is refused (it would say something false)."""
    _require(user, deployment)
    reason = early_return_reason.strip()
    if actual_start and actual_end and actual_end < actual_start:
        raise ValidationError({"actual_end": _("实际离岗日期不能早于实际到岗日期。")})
    early = actual_end is not None and actual_end < deployment.planned_end
    if early and not reason:
        raise ValidationError(
            {
                "early_return_reason": _("实际离岗早于计划结束（%(d)s），请填写提前返回原因。")
                % {"d": deployment.planned_end.isoformat()}
            }
        )
    if reason and not early:
        raise ValidationError({"early_return_reason": _("只有实际离岗早于计划结束时才填写提前返回原因。")})
    deployment.actual_start, deployment.actual_end = actual_start, actual_end
    deployment.early_return_reason = reason
    try:
        with transaction.atomic():
            deployment.save(update_fields=["actual_start", "actual_end", "early_return_reason", "updated_at"])
            events.pairing_changed(
                pairing_id=deployment.team.pairing_id, reason=f"deployment {deployment.pk} dates"
            )
    except IntegrityError as exc:
        deployment.refresh_from_db()
        raise _overlap_error(exc, deployment.staff.name) from exc
    deployment.refresh_from_db(fields=["period"])
    return deployment


def deployment_replace(
    *, user: User, deployment: Deployment, staff: Staff, start: dt.date, reason: str
) -> Deployment:
    """替换: ``staff`` takes over ``deployment``'s role and post from ``start`` to its planned end.

    The replaced person's stay ends the day before (an early return with ``reason``); the newcomer's
    deployment records ``start`` as the actual arrival. The newcomer comes from the same supporter."""
    _require(user, deployment)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写替换原因。")})
    if staff.employer_id != deployment.supporter_id:
        raise ValidationError({"staff": _("替换人员须为同一支援医院的职工。")})
    if staff.pk == deployment.staff_id:
        raise ValidationError({"staff": _("替换人员不能是被替换者本人。")})
    if not deployment.start < start <= deployment.planned_end:
        raise ValidationError(
            {
                "start": _("替换日期须晚于 %(s)s 且不晚于计划结束 %(e)s。")
                % {"s": deployment.start.isoformat(), "e": deployment.planned_end.isoformat()}
            }
        )
    try:
        with transaction.atomic():
            deployment.actual_end = start - dt.timedelta(days=1)
            deployment.early_return_reason = reason
            deployment.save(update_fields=["actual_end", "early_return_reason", "updated_at"])
            newcomer = Deployment.objects.create(
                team=deployment.team,
                supporter=deployment.supporter,
                staff=staff,
                role=deployment.role,
                post=deployment.post,
                planned_start=start,
                planned_end=deployment.planned_end,
                actual_start=start,
                replaces=deployment,
            )
            events.pairing_changed(
                pairing_id=deployment.team.pairing_id, reason=f"deployment {deployment.pk} replaced"
            )
    except IntegrityError as exc:
        deployment.refresh_from_db()
        raise _overlap_error(exc, staff.name) from exc
    return newcomer
