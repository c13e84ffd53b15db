"""Audit trail reads and context (SPEC §6: changes are audited).

Every ``@audited()`` model (and Django's User, see ``pairings/models/user_events.py``) is tracked by
database triggers that copy the row into its event table with the current ``pghistory.context``. The web
sets that context per request (user, URL, client IP, request id: ``core.middleware.AuditContextMiddleware``);
Celery tasks and management commands set it with :func:`audit_context`, so imports run in a task are
attributed too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pghistory
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import models
from pghistory.models import Events

from core.privacy import can_see_personal_data, mask_field


def audit_context(*, actor: Any = None, source: str, **extra: Any) -> pghistory.context:
    """Context manager / decorator attributing the writes inside it to ``actor`` and ``source``.

    ``source`` says where the change came from: ``"celery:<task name>"``, ``"command:<name>"``.
    ``actor`` is a user, a user id or None (the system). Nested inside a request's context it adds to it.
    """
    actor_id = getattr(actor, "pk", actor)
    metadata: dict[str, Any] = {"source": source, **extra}
    if actor_id is not None:
        metadata["user"] = actor_id
    return pghistory.context(**metadata)


@dataclasses.dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    """One event of an object: what happened, who did it, from where, and which fields changed."""

    at: dt.datetime
    label: str  # insert / update / delete / password_change ...
    user_id: int | None
    username: str | None
    ip: str | None
    url: str | None
    source: str | None
    request_id: str | None
    changes: tuple[FieldChange, ...]
    reason: str | None = None  # the reason a service was given (program edits, a roster taken over)


def is_tracked(model: type[models.Model]) -> bool:
    concrete = model._meta.concrete_model
    return concrete is not None and bool(_event_models_for(concrete))


def _event_models_for(model: type[models.Model]) -> list[type[models.Model]]:
    from django.apps import apps

    found = []
    for m in apps.get_models():
        tracked = getattr(m, "pgh_tracked_model", None)
        if tracked is not None and tracked._meta.concrete_model is model:
            found.append(m)
    return found


def _field_labels(model: type[models.Model]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for field in model._meta.concrete_fields:
        labels[field.attname] = str(getattr(field, "verbose_name", field.name))
    return labels


def _derived_fields(model: type[models.Model]) -> set[str]:
    """Fields that follow from others (generated columns, auto_now stamps): not shown as changes."""
    return {
        field.attname
        for field in model._meta.concrete_fields
        if getattr(field, "generated", False) or getattr(field, "auto_now", False)
    }


def history_for(obj: models.Model, *, viewer: Any = None) -> list[HistoryEntry]:
    """The object's events, oldest first, each with the fields that changed since the previous snapshot.

    Diffs are computed here between consecutive snapshots of *any* label (pghistory's own ``pgh_diff``
    only compares events of the same label, so the first update would show no change). Two queries: the
    events, and the usernames of the actors. Personal data in the snapshots is masked unless ``viewer``
    may see it (pairings.privacy).
    """

    reveal = can_see_personal_data(viewer)
    model = obj._meta.concrete_model or type(obj)
    if not _event_models_for(model):
        return []
    tracked = Events.objects.tracks(obj)  # type: ignore[no-untyped-call]  # pghistory ships no types
    events = list(tracked.order_by("pgh_created_at", "pgh_id"))
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")}
    usernames = dict(
        get_user_model().objects.filter(pk__in=user_ids).values_list("pk", get_user_model().USERNAME_FIELD)
    )
    labels = _field_labels(model)
    derived = _derived_fields(model)
    entries: list[HistoryEntry] = []
    previous: dict[str, Any] = {}
    for event in events:
        data = event.pgh_data or {}
        if event.pgh_label == "delete":
            changes: tuple[FieldChange, ...] = ()
        else:
            changes = tuple(
                FieldChange(
                    key,
                    labels.get(key, key),
                    previous.get(key) if reveal else mask_field(key, previous.get(key)),
                    value if reveal else mask_field(key, value),
                )
                for key, value in data.items()
                if key not in derived
                if key not in previous or previous[key] != value
                if not (not previous and value in (None, ""))  # an insert lists only the filled fields
            )
        previous = data
        context = event.pgh_context or {}
        user_id = context.get("user")
        entries.append(
            HistoryEntry(
                at=event.pgh_created_at,
                label=event.pgh_label,
                user_id=user_id,
                username=usernames.get(user_id),
                ip=context.get("ip"),
                url=context.get("url"),
                source=context.get("source"),
                request_id=context.get("request_id"),
                changes=changes,
                reason=context.get("reason"),
            )
        )
    return entries


class AuditedCommand(BaseCommand):
    """Base for management commands that write data: their changes are attributed to ``command:<name>``.

    ``--actor USERNAME`` names the person running it (recorded as the event's user).
    """

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        self._audit_name = subcommand
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--actor", default=None, help="username recorded in the audit trail")
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        actor = options.get("actor")
        actor_id = None
        if actor:
            actor_id = (
                get_user_model()
                .objects.values_list("pk", flat=True)
                .get(**{get_user_model().USERNAME_FIELD: actor})
            )
        name = getattr(self, "_audit_name", None) or type(self).__module__.rsplit(".", 1)[-1]
        with audit_context(actor=actor_id, source=f"command:{name}"):
            return super().execute(*args, **options)
