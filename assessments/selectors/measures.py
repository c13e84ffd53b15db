"""Reads that the annual appraisal pages need about the measures of SPEC §3a."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from assessments.reports.figures import attendance_by_month, year_bounds
from pairings.models import Pairing, Program


@dataclasses.dataclass(frozen=True)
class MissingAttendance:
    pairing_id: int
    recipient: str
    months: list[dt.date]


def attendance_not_imported(*, program: Program, year: int) -> list[MissingAttendance]:
    """Every pairing of the program with months of ``year`` that had people on site but no attendance
    imported (SPEC §3a: shown before annual results are published). Two queries."""
    date_from, date_to = year_bounds(program, year)
    on_site: dict[int, set[dt.date]] = defaultdict(set)
    imported: dict[int, set[dt.date]] = defaultdict(set)
    for _dep, pid, month, _expected, _present, was_imported in attendance_by_month(
        program=program, date_from=date_from, date_to=date_to
    ):
        on_site[pid].add(month)
        if was_imported:
            imported[pid].add(month)
    missing = {pid: sorted(months - imported[pid]) for pid, months in on_site.items()}
    missing = {pid: months for pid, months in missing.items() if months}
    if not missing:
        return []
    names = dict(Pairing.objects.filter(pk__in=list(missing)).values_list("pk", "recipient__name"))
    return sorted(
        (MissingAttendance(pid, names.get(pid, ""), months) for pid, months in missing.items()),
        key=lambda m: (m.recipient, m.pairing_id),
    )
