"""Reads of hosted trainees: the stints a hospital hosts, scoped through ``for_user``."""

from __future__ import annotations

from django.db.models import QuerySet

from core.access import User
from training.models import OnSiteTraining, RemoteService, TraineeStint


def hosted_stints(*, user: User, host_id: int | None, status: str = "") -> QuerySet[TraineeStint]:
    """Stints the user may see (a supporter's coordinator: those it hosts); nominations first."""
    qs = TraineeStint.objects.for_user(user).select_related("pairing__recipient", "host")
    if host_id is not None:
        qs = qs.filter(host_id=host_id)
    if status:
        qs = qs.filter(status=status)
    return qs.distinct().order_by("-status", "-start_date", "pk")


def pairing_stints(*, user: User, pairing_id: int) -> QuerySet[TraineeStint]:
    """A pairing's trainee stints the user may see; nominations awaiting the host first."""
    return (
        TraineeStint.objects.for_user(user)
        .filter(pairing_id=pairing_id)
        .select_related("pairing__recipient", "host")
        .distinct()
        .order_by("-status", "-start_date", "pk")
    )


def pairing_sessions(*, user: User, pairing_id: int) -> QuerySet[OnSiteTraining]:
    return (
        OnSiteTraining.objects.for_user(user)
        .filter(pairing_id=pairing_id)
        .distinct()
        .order_by("-date", "-pk")
    )


def pairing_remote_services(*, user: User, pairing_id: int) -> QuerySet[RemoteService]:
    return (
        RemoteService.objects.for_user(user)
        .filter(pairing_id=pairing_id)
        .select_related("supporter")
        .distinct()
        .order_by("-month", "kind", "pk")
    )
