"""Reads that the annual appraisal pages need about the measures of SPEC §3a."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from assessments.reports.figures import year_bounds
from pairings.models import Pairing, Program
from teams.selectors.attendance import months_not_imported


@dataclasses.dataclass(frozen=True)
class MissingAttendance:
    pairing_id: int
    recipient: str
    months: list[dt.date]


def attendance_not_imported(*, program: Program, year: int) -> list[MissingAttendance]:
    """Every pairing of the program with months of ``year`` that had people on site but no attendance
    imported (SPEC §3a: shown before annual results are published). Two queries."""
    date_from, date_to = year_bounds(program, year)
    missing: dict[int, list[dt.date]] = defaultdict(list)
    for pid, month in months_not_imported(
        program_id=program.pk, month_from=date_from.replace(day=1), month_to=date_to
    ):
        missing[pid].append(month)
    if not missing:
        return []
    names = dict(Pairing.objects.filter(pk__in=list(missing)).values_list("pk", "recipient__name"))
    return sorted(
        (MissingAttendance(pid, names.get(pid, ""), months) for pid, months in missing.items()),
        key=lambda m: (m.recipient, m.pairing_id),
    )
