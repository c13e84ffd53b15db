"""Reads of a pairing's capacity building (issue 15 item 5), each scoped through ``for_user``.

The records belong to the pairing's recipient hospital (centres, specialties, technologies, assessments,
referrals) or to the pairing (donations). A fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from assessments.choices import Centre, CentreStatus, SpecialtyKind
from assessments.models import (
    CentreMilestone,
    CentreProgress,
    Donation,
    NewTechnology,
    Referral,
    ServiceCapacityAssessment,
    Specialty,
)
from core.access import User
from pairings.models import Hospital, Pairing

CRITICAL_CARE = (Centre.CHEST_PAIN, Centre.STROKE, Centre.TRAUMA, Centre.MATERNAL, Centre.NEONATAL)
COUNTY_MEDICAL = (Centre.IMAGING, Centre.LABORATORY, Centre.PATHOLOGY, Centre.ECG, Centre.STERILE_SUPPLY)
# How far along each status is, for the progress bar (accreditation is the end of the road).
STATUS_PROGRESS = {
    CentreStatus.NOT_STARTED: 0,
    CentreStatus.BUILDING: 50,
    CentreStatus.BUILT: 85,
    CentreStatus.ACCREDITED: 100,
}
# Guangdong: "2–3 weak specialties" (SPEC §3 presets); the page says when the recipient chose another number.
WEAK_SPECIALTIES = (2, 3)


def capacity_pairings(*, user: User) -> QuerySet[Pairing]:
    return Pairing.objects.for_user(user).select_related("recipient", "program")


def capacity_overview(*, user: User) -> QuerySet[Pairing]:
    """The user's pairings with their recipient's centres built and weak specialties chosen (one query)."""
    built = (
        CentreProgress.objects.filter(
            hospital=OuterRef("recipient_id"), status__in=(CentreStatus.BUILT, CentreStatus.ACCREDITED)
        )
        .values("hospital")
        .annotate(n=Count("pk"))
        .values("n")
    )
    weak = (
        Specialty.objects.filter(hospital=OuterRef("recipient_id"), kind=SpecialtyKind.WEAK)
        .values("hospital")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        capacity_pairings(user=user)
        .select_related("recipient__county")
        .annotate(
            centres_built=Coalesce(Subquery(built), 0),
            weak_specialties=Coalesce(Subquery(weak), 0),
        )
        .order_by("program__name", "recipient__name", "pk")
    )


@dataclasses.dataclass
class CentreRow:
    centre: str
    label: str
    group: str
    progress: CentreProgress | None
    milestones: list[CentreMilestone]

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else CentreStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        return str(CentreStatus(self.status).label)

    @property
    def percent(self) -> int:
        return STATUS_PROGRESS[CentreStatus(self.status)]


def centres(*, user: User, hospital: Hospital) -> list[CentreRow]:
    """The ten centres in a fixed order, each with its row (if any) and milestones (one query each kind)."""
    rows = {
        c.centre: c
        for c in CentreProgress.objects.for_user(user)
        .filter(hospital=hospital)
        .prefetch_related(Prefetch("milestones", queryset=CentreMilestone.objects.order_by("date", "pk")))
    }
    out = []
    for group, members in (("critical", CRITICAL_CARE), ("county", COUNTY_MEDICAL)):
        for c in members:
            row = rows.get(c)
            out.append(
                CentreRow(
                    centre=c,
                    label=str(c.label),
                    group=group,
                    progress=row,
                    milestones=list(row.milestones.all()) if row else [],
                )
            )
    return out


def specialties(*, user: User, hospital: Hospital) -> QuerySet[Specialty]:
    return (
        Specialty.objects.for_user(user).filter(hospital=hospital).order_by("kind", "selected_year", "name")
    )


def technologies(*, user: User, hospital: Hospital) -> QuerySet[NewTechnology]:
    return (
        NewTechnology.objects.for_user(user)
        .filter(hospital=hospital)
        .select_related("supporter")
        .order_by("-introduced_on", "pk")
    )


def assessments(*, user: User, hospital: Hospital) -> QuerySet[ServiceCapacityAssessment]:
    return (
        ServiceCapacityAssessment.objects.for_user(user)
        .filter(hospital=hospital)
        .order_by("-assessed_on", "-pk")
    )


def referrals(*, user: User, hospital: Hospital, year: int | None = None) -> QuerySet[Referral]:
    qs = Referral.objects.for_user(user).filter(hospital=hospital)
    if year is not None:
        qs = qs.filter(month__year=year)
    return qs.order_by("month")


def donations(*, user: User, pairing: Pairing) -> QuerySet[Donation]:
    return (
        Donation.objects.for_user(user)
        .filter(pairing=pairing)
        .select_related("supporter")
        .order_by("-date", "pk")
    )


def summary(*, user: User, pairing: Pairing, rows: list[CentreRow]) -> dict[str, Any]:
    """The figures above the lists: centres built, weak specialties chosen, technologies, donations."""
    hospital = pairing.recipient
    built = sum(1 for r in rows if r.status in (CentreStatus.BUILT, CentreStatus.ACCREDITED))
    spec = specialties(user=user, hospital=hospital).aggregate(
        weak=Count("pk", filter=Q(kind=SpecialtyKind.WEAK)),
        tcm=Count("pk", filter=Q(kind=SpecialtyKind.TCM_KEY)),
    )
    tech = technologies(user=user, hospital=hospital).aggregate(n=Count("pk"), cases=Sum("cases"))
    latest = assessments(user=user, hospital=hospital).first()
    gifts = donations(user=user, pairing=pairing).aggregate(n=Count("pk"), value=Sum("value_cny"))
    return {
        "centres_built": built,
        "centres_total": len(rows),
        "centres_percent": round(100 * built / len(rows)) if rows else 0,
        "weak_specialties": spec["weak"],
        "weak_ok": WEAK_SPECIALTIES[0] <= spec["weak"] <= WEAK_SPECIALTIES[1],
        "tcm_specialties": spec["tcm"],
        "technologies": tech["n"] or 0,
        "technology_cases": tech["cases"] or 0,
        "latest_assessment": latest,
        "donations": gifts["n"] or 0,
        "donation_value": gifts["value"] or 0,
    }


def referral_years(*, user: User, hospital: Hospital) -> list[int]:
    months = Referral.objects.for_user(user).filter(hospital=hospital).dates("month", "year", order="DESC")
    years = [d.year for d in months]
    this = dt.date.today().year
    return years if this in years else [this, *years]
