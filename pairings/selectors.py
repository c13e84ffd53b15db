"""Reads of the registry and pairings, always scoped through ``for_user``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from .models import Pairing, PairingSupporter, Program


def program_list(*, user: Any) -> QuerySet[Program]:
    return Program.objects.for_user(user).select_related("province")


def pairing_list(*, user: Any, program: Program | None = None) -> QuerySet[Pairing]:
    """Pairings the user may see, with recipient, county, city and the lead supporter in one query."""
    qs = Pairing.objects.for_user(user).select_related("program", "recipient__county__city")
    if program is not None:
        qs = qs.filter(program=program)
    lead = PairingSupporter.objects.filter(pairing=OuterRef("pk"), is_lead=True)
    return qs.annotate(
        supporter_count=Count("supporters", distinct=True),
        has_lead=Exists(lead),
    )


def pairing_status_counts(*, user: Any) -> dict[str, int]:
    rows = Pairing.objects.for_user(user).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}
