"""Keeping the national holiday calendar (``core.HolidayDate``) in step with ``chinese-calendar``."""

from __future__ import annotations

from django.db import transaction

from .dates import national_calendar_rows
from .models import HolidayDate


def holidays_load() -> tuple[int, int]:
    """Replace the national calendar with the library's (after a library upgrade that adds a year).
    Returns (rows loaded, last year known). Set-based: one delete, one bulk insert."""
    rows = [HolidayDate(date=d, is_workday=w, name=n) for d, w, n in national_calendar_rows()]
    with transaction.atomic():
        HolidayDate.objects.all().delete()
        HolidayDate.objects.bulk_create(rows, batch_size=1000)
    return len(rows), max(r.date.year for r in rows)
