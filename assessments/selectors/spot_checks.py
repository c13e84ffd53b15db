"""Reads of phone spot checks (在岗抽查): whom a supporter may check on a day or in a month.

SPOT_CHECKS is organised per month by the supporter (SPEC, revision 2026-11-30): the list holds everyone of
the supporter deployed on the chosen day — or at any time in the chosen month — including people who have
since left, each with the number of checks already recorded that month. One query.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.backends.postgresql.psycopg_any import DateRange
from django.db.models import Count, Q, QuerySet

from core.access import User
from teams.models import Deployment


def spot_check_candidates(
    *, user: User, supporter_id: int, month: dt.date, day: dt.date | None = None
) -> QuerySet[Deployment]:
    first = month.replace(day=1)
    nxt = first + relativedelta(months=1)
    period = DateRange(day, day, "[]") if day else DateRange(first, nxt, "[)")
    return (
        Deployment.objects.for_user(user)
        .filter(supporter_id=supporter_id, period__overlap=period)
        .select_related("staff", "team__pairing__recipient")
        .annotate(
            checks_in_month=Count(
                "spot_checks",
                filter=Q(spot_checks__checked_at__date__gte=first, spot_checks__checked_at__date__lt=nxt),
            )
        )
        .order_by("team__pairing__recipient__code", "staff__name", "pk")
    )
