"""Reads of the monthly assessment (月考核): who is due in a month and the figures beside the form.

The attendance figures come from ``teams.selectors.attendance.monthly_attendance`` — the computation the
rules, the scorecard and the attendance page use (SPEC §3a) — and the workload from ``MonthlyActivity``.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from assessments.models import MonthlyAssessment
from core.access import AnyUser
from teams.models import AttendanceRecord, Deployment, MonthlyActivity
from teams.selectors.attendance import MonthlyAttendance, monthly_attendance


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def parse_month(value: str | None) -> dt.date | None:
    """``2024-03`` or ``2024-03-01`` → 2024-03-01; anything else → None."""
    try:
        return dt.date.fromisoformat((value or "")[:7] + "-01")
    except ValueError:
        return None


def deployments_in_month(*, user: AnyUser, month: dt.date) -> QuerySet[Deployment]:
    """Every deployment the user may see that is on site on some day of ``month`` (actual dates where
    recorded), with ``assessed``: whether that month's assessment is recorded. One query."""
    first, last = month_bounds(month)
    done = MonthlyAssessment.objects.filter(deployment=OuterRef("pk"), month=first)
    return (
        Deployment.objects.for_user(user)
        .filter(period__overlap=(first, last + dt.timedelta(days=1)))
        .select_related("staff", "supporter", "team__pairing__recipient")
        .annotate(assessed=Exists(done))
        .order_by("assessed", "team__pairing__recipient__name", "staff__name", "pk")
    )


@dataclasses.dataclass(frozen=True)
class MonthFigures:
    """What the assessor sees beside the form for one person and month."""

    month: dt.date
    attendance: MonthlyAttendance | None
    attendance_imported: bool  # no record at all is "not imported", never 0 % (SPEC §3a)
    activity: MonthlyActivity | None
    assessment: MonthlyAssessment | None

    @property
    def workload(self) -> list[tuple[str, Any]]:
        a = self.activity
        if a is None:
            return []
        names = ("outpatient_visits", "surgeries", "lectures", "teaching_rounds", "case_discussions",
                 "remote_consultations")  # fmt: skip
        fields = {f.name: f for f in MonthlyActivity._meta.concrete_fields}
        return [(str(fields[n].verbose_name), getattr(a, n)) for n in names]


def month_figures(*, deployment: Deployment, month: dt.date) -> MonthFigures:
    """Attendance, workload and any recorded assessment of ``deployment`` in ``month`` (four queries)."""
    first, last = month_bounds(month)
    rows = monthly_attendance(deployment_ids=[deployment.pk], month_from=first, month_to=first)
    imported = AttendanceRecord.objects.filter(deployment=deployment, date__range=(first, last)).exists()
    return MonthFigures(
        month=first,
        attendance=rows[0] if rows else None,
        attendance_imported=imported,
        activity=MonthlyActivity.objects.confirmed().filter(deployment=deployment, month=first).first(),
        assessment=MonthlyAssessment.objects.filter(deployment=deployment, month=first).first(),
    )
