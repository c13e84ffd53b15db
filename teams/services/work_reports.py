"""工作月报 (issue 19): the person files the month's workload and narrative, the team leader reviews, the
recipient's coordinator confirms. One model with the recipient's own entry (``MonthlyActivity``): a report
is a row whose status is not yet confirmed; only confirmed rows count (``MonthlyActivity.objects.confirmed``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import User
from core.dates import month_bounds
from core.permissions import is_recipient_coordinator, person_staff_id
from teams.choices import ReportStatus
from teams.models import Deployment, MonthlyActivity
from teams.selectors.people import leads_team
from teams.services.activity import FIGURES

NARRATIVE = ("work_done", "problems", "next_plan")


def _check_month(deployment: Deployment, month: dt.date) -> dt.date:
    first, last = month_bounds(month)
    period = deployment.period
    # period is canonical [start, end + 1)
    if not (period.lower <= last and period.upper > first):
        raise ValidationError({"month": _("该月份不在派驻期内。")})
    return first


def work_report_submit(
    *,
    user: User,
    deployment: Deployment,
    month: dt.date,
    figures: dict[str, int],
    narrative: dict[str, str],
) -> MonthlyActivity:
    """The person files (or corrects) the month's report; a confirmed month is closed to them."""
    if person_staff_id(user) != deployment.staff_id:
        raise PermissionDenied(_("只能填写本人的工作月报。"))
    first = _check_month(deployment, month)
    unknown = (set(figures) - set(FIGURES)) | (set(narrative) - set(NARRATIVE))
    if unknown:
        raise ValidationError(_("未知的项目：%(f)s") % {"f": ", ".join(sorted(unknown))})
    if any(v < 0 for v in figures.values()):
        raise ValidationError(_("工作量应为非负整数。"))
    with transaction.atomic():
        existing = (
            MonthlyActivity.objects.select_for_update().filter(deployment=deployment, month=first).first()
        )
        if existing is not None and existing.status == ReportStatus.CONFIRMED:
            raise ValidationError(_("该月工作量已由受援医院确认，不能再修改。"))
        values: dict[str, Any] = {
            **{k: figures.get(k, 0) for k in FIGURES},
            **{k: narrative.get(k, "") for k in NARRATIVE},
            "status": ReportStatus.SUBMITTED,
            "author": user,
            "submitted_at": timezone.now(),
            "reviewed_by": None,
            "reviewed_at": None,
        }
        activity, _created = MonthlyActivity.objects.update_or_create(
            deployment=deployment, month=first, defaults=values
        )
    return activity


def work_report_review(*, user: User, activity: MonthlyActivity) -> MonthlyActivity:
    """The team leader has read a member's report (审阅); their own report goes to the recipient as is."""
    if not leads_team(user, activity.deployment.team_id) or activity.deployment.staff_id == person_staff_id(
        user
    ):
        raise PermissionDenied(_("只有本队队长可以审阅队员的工作月报。"))
    if activity.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("该月报不在待审阅状态。"))
    activity.status = ReportStatus.REVIEWED
    activity.reviewed_by = user
    activity.reviewed_at = timezone.now()
    activity.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    return activity


def work_report_confirm(*, user: User, activity: MonthlyActivity) -> MonthlyActivity:
    """The recipient's coordinator confirms: from now on the figures count in assessments and reports."""
    if not is_recipient_coordinator(user, hospital_id=activity.deployment.team.pairing.recipient_id):
        raise PermissionDenied(_("只有受援医院联络员可以确认工作月报。"))
    if activity.status == ReportStatus.CONFIRMED:
        raise ValidationError(_("该月报已确认。"))
    activity.status = ReportStatus.CONFIRMED
    activity.confirmed_by = user
    activity.confirmed_at = timezone.now()
    activity.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    return activity
