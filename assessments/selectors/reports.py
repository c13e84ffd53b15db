"""Reads of the reports page: the areas a user may build a program's report for (issue 14 item 6)."""

from __future__ import annotations

from assessments.services.reports import can_request_reports
from core.access import User
from core.permissions import is_province_staff
from pairings.models import City, County, Program

PROVINCE_AREA = ""


def report_areas(*, user: User, program: Program) -> list[tuple[str, str]]:
    """(value, label) of each area ``user`` may build a report of ``program`` for: ``""`` for the whole
    province, ``city:<pk>``, ``county:<pk>``. Read through ``for_user`` and ``can_request_reports``: the
    province offers itself and its cities, a city itself and its counties, a county itself. Two queries."""
    out: list[tuple[str, str]] = []
    province = is_province_staff(user, province_id=program.province_id)
    if province:
        out.append((PROVINCE_AREA, f"{program.province.name}（全省）"))
    cities = City.objects.for_user(user).filter(province_id=program.province_id).select_related("province")
    out += [
        (f"city:{c.pk}", c.name)
        for c in cities.order_by("code", "pk")
        if can_request_reports(user, program, city=c)
    ]
    if not province:  # the province builds county reports too, but ~80 counties do not belong in a menu
        counties = County.objects.for_user(user).filter(city__province_id=program.province_id)
        out += [
            (f"county:{c.pk}", c.name)
            for c in counties.select_related("city").order_by("code", "pk")
            if can_request_reports(user, program, county=c)
        ]
    return out
