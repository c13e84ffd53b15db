"""Reads of expert visits (柔性帮扶): the scoped list and the supporter's yearly progress per program."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear

from core.access import User
from pairings.models import Pairing, Program
from teams.models import ExpertVisitBatch


def expert_visit_list(*, user: User, year: int | None = None) -> QuerySet[ExpertVisitBatch]:
    qs = ExpertVisitBatch.objects.for_user(user).select_related("pairing__recipient", "supporter")
    if year is not None:
        qs = qs.filter(start_date__year=year)
    return qs.distinct().order_by("-start_date", "pk")


def visit_pairings(*, user: User, supporter_id: int) -> QuerySet[Pairing]:
    """The pairings the supporter may record visits for (its recipients)."""
    return (
        Pairing.objects.for_user(user)
        .filter(supporters__hospital_id=supporter_id)
        .select_related("recipient", "program")
        .distinct()
        .order_by("recipient__name")
    )


@dataclasses.dataclass
class VisitProgress:
    program: Program
    year: int
    batches: int
    person_times: int
    required_batches: int
    required_person_times: int

    @property
    def percent(self) -> int:
        """The lower of the two fulfilments (the rule needs both), capped at 100."""
        parts = []
        if self.required_batches:
            parts.append(self.batches / self.required_batches)
        if self.required_person_times:
            parts.append(self.person_times / self.required_person_times)
        return int(min(1.0, min(parts)) * 100) if parts else 100

    @property
    def has_minimum(self) -> bool:
        return bool(self.required_batches or self.required_person_times)


def expert_visit_progress(*, supporter_id: int, year: int) -> list[VisitProgress]:
    """Per program the supporter serves in ``year``: its batches and person-times across all recipients
    against the program's EXPERT_VISITS minimum (a batch counts in the year it starts, as in the rule).
    Two queries whatever the number of recipients."""
    programs = {
        p.pk: p
        for p in Program.objects.filter(
            pairings__supporters__hospital_id=supporter_id,
            pairings__service_start__lte=dt.date(year, 12, 31),
            pairings__service_end__gte=dt.date(year, 1, 1),
        ).distinct()
    }
    totals: dict[int, dict[str, Any]] = {
        row["pairing__program_id"]: dict(row)
        for row in ExpertVisitBatch.objects.filter(
            supporter_id=supporter_id, pairing__program_id__in=programs
        )
        .annotate(year=ExtractYear("start_date"))
        .filter(year=year)
        .values("pairing__program_id")
        .annotate(batches=Count("id"), person_times=Coalesce(Sum("person_times"), 0))
    }
    out = []
    for pk, program in sorted(programs.items(), key=lambda kv: kv[1].code):
        rules = program.rules
        row: dict[str, Any] = totals.get(pk, {})
        out.append(
            VisitProgress(
                program=program,
                year=year,
                batches=row.get("batches", 0),
                person_times=row.get("person_times", 0),
                required_batches=rules.expert_visit_batches or 0,
                required_person_times=rules.expert_visit_person_times or 0,
            )
        )
    return out
