"""Reads of agreements: the province-wide overview (who has not signed, what is overdue) and one agreement.

Everything starts from ``for_user``; the overview is three queries whatever the number of pairings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.access import User
from pairings.choices import AgreementKind
from pairings.models import Agreement, AgreementItem, AgreementItemUpdate, PairingSupporter, Program
from pairings.services.agreements import OPEN_STATUSES, SIGNATURE_FIELDS, agreement_parties

# What the overview says of one agreement (or its absence).
MISSING, UNSIGNED, SIGNED, FILED = "missing", "unsigned", "signed", "filed"


@dataclasses.dataclass(frozen=True)
class AgreementState:
    agreement: Agreement | None
    state: str
    missing_parties: tuple[str, ...] = ()  # keys of SIGNATURE_FIELDS not yet signed
    signed_on: dt.date | None = None

    @property
    def done(self) -> bool:
        return self.state in (SIGNED, FILED)


@dataclasses.dataclass(frozen=True)
class OverviewRow:
    link: PairingSupporter  # with pairing, recipient, county, city and hospital loaded
    tripartite: AgreementState
    annual: AgreementState
    items: int
    overdue: int

    @property
    def has_problem(self) -> bool:
        return not self.tripartite.done or not self.annual.done or self.overdue > 0


@dataclasses.dataclass(frozen=True)
class Overview:
    program: Program
    year: int
    rows: list[OverviewRow]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "supporters": len(self.rows),
            "tripartite_missing": sum(not r.tripartite.done for r in self.rows),
            "annual_missing": sum(not r.annual.done for r in self.rows),
            "overdue_items": sum(r.overdue for r in self.rows),
        }


def _state(agreement: Agreement | None, parties: tuple[str, ...]) -> AgreementState:
    if agreement is None:
        return AgreementState(None, MISSING, missing_parties=parties)
    dates = {p: getattr(agreement, SIGNATURE_FIELDS[p]) for p in parties}
    missing = tuple(p for p, d in dates.items() if d is None)
    if missing:
        return AgreementState(agreement, UNSIGNED, missing_parties=missing)
    signed_on = max(d for d in dates.values() if d is not None)
    return AgreementState(agreement, FILED if agreement.filed_on else SIGNED, signed_on=signed_on)


def program_choices(*, user: User) -> QuerySet[Program]:
    return Program.objects.for_user(user).order_by("-start_date", "code")


def agreement_overview(
    *, user: User, program: Program, year: int, today: dt.date, problems_only: bool = False, q: str = ""
) -> Overview:
    """One row per supporter of every visible pairing of ``program``: its tripartite agreement, its annual
    agreement of ``year``, and its items overdue on ``today`` (open, due before today)."""
    links = (
        PairingSupporter.objects.for_user(user)
        .filter(pairing__program=program)
        .select_related("pairing__recipient__city", "pairing__recipient__county", "hospital")
        .order_by("pairing__recipient__city__code", "pairing__recipient__code", "-is_lead", "pk")
    )
    if q:
        links = links.filter(Q(hospital__name__icontains=q) | Q(pairing__recipient__name__icontains=q))
    agreements = (
        Agreement.objects.for_user(user)
        .filter(pairing__program=program)
        .filter(Q(kind=AgreementKind.TRIPARTITE) | Q(kind=AgreementKind.ANNUAL, year=year))
        .annotate(
            n_items=Count("items", distinct=True),
            n_overdue=Count(
                "items",
                filter=Q(items__due_date__lt=today, items__status__in=OPEN_STATUSES),
                distinct=True,
            ),
        )
        .order_by()
    )
    by_key = {(a.pairing_id, a.supporter_id, a.kind): a for a in agreements}
    # Overdue items of earlier years' annual agreements still count: they are still not done.
    earlier = (
        AgreementItem.objects.for_user(user)
        .filter(
            agreement__pairing__program=program,
            agreement__kind=AgreementKind.ANNUAL,
            due_date__lt=today,
            status__in=OPEN_STATUSES,
        )
        .exclude(agreement__year=year)
        .values("agreement__pairing_id", "agreement__supporter_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    earlier_overdue = {(r["agreement__pairing_id"], r["agreement__supporter_id"]): r["n"] for r in earlier}
    parties = agreement_parties(program)
    rows = []
    for link in links:
        tri = by_key.get((link.pairing_id, link.hospital_id, AgreementKind.TRIPARTITE))
        ann = by_key.get((link.pairing_id, link.hospital_id, AgreementKind.ANNUAL))
        found = [a for a in (tri, ann) if a is not None]
        overdue = sum(a.n_overdue for a in found)  # type: ignore[attr-defined]
        overdue += earlier_overdue.get((link.pairing_id, link.hospital_id), 0)
        row = OverviewRow(
            link=link,
            tripartite=_state(tri, parties),
            annual=_state(ann, parties),
            items=sum(a.n_items for a in found),  # type: ignore[attr-defined]
            overdue=overdue,
        )
        if problems_only and not row.has_problem:
            continue
        rows.append(row)
    return Overview(program=program, year=year, rows=rows)


def agreement_detail(*, user: User, pk: int) -> Agreement:
    """One visible agreement with its items and each item's progress reports (newest first)."""
    updates = AgreementItemUpdate.objects.select_related("reported_by").order_by("-created_at", "-pk")
    items = AgreementItem.objects.order_by("due_date", "pk").prefetch_related(Prefetch("updates", updates))
    qs = Agreement.objects.for_user(user).select_related(
        "pairing__program", "pairing__recipient", "supporter"
    )
    return get_object_or_404(qs.prefetch_related(Prefetch("items", items)), pk=pk)


def item_for_user(*, user: User, pk: int) -> AgreementItem:
    return get_object_or_404(AgreementItem.objects.for_user(user).select_related("agreement__pairing"), pk=pk)


def overdue_items(*, user: User, program: Program, today: dt.date) -> QuerySet[AgreementItem]:
    """Open items past their due date, oldest first (the overview's second table and its export)."""
    return (
        AgreementItem.objects.for_user(user)
        .filter(agreement__pairing__program=program, due_date__lt=today, status__in=OPEN_STATUSES)
        .select_related("agreement__supporter", "agreement__pairing__recipient")
        .order_by("due_date", "pk")
    )
