"""Claiming and sending deliveries: the exactly-once ledger of reminders (issue 17).

A delivery is *claimed* by inserting its row with ``INSERT … ON CONFLICT (key) DO NOTHING RETURNING id``:
of two sweeps running at once, only one gets the id back. It is *sent* inside a transaction that holds the
row (``SELECT … FOR UPDATE SKIP LOCKED``) and re-reads its status, so no other run sends it meanwhile, and
it is marked sent in that same transaction once the channel accepted the message. A worker killed mid-send
leaves the row pending (its transaction rolls back); the retry task sends it after
``REMINDERS_STALE_SECONDS`` with the same idempotency key. A failing channel is recorded on its own row and
retried with exponential backoff; it never stops the other rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.access import User
from reminders.channels import ChannelError, send_email, send_robot
from reminders.choices import Channel, DeliveryStatus
from reminders.models import Delivery, GroupRobot

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Outgoing:
    """A message to claim: for a user (e-mail) or a group robot."""

    key: str
    item_key: str
    stage: str
    channel: str
    title: str
    body: str
    url: str
    user_id: int | None = None
    robot_id: int | None = None


def delivery_key(
    item_key: str, stage: str, channel: str, *, user_id: int | None, robot_id: int | None
) -> str:
    who = f"u{user_id}" if user_id is not None else f"r{robot_id}"
    return f"{item_key}|{stage}|{who}|{channel}"


def claim(outgoing: Iterable[Outgoing]) -> list[int]:
    """Insert the rows that do not exist yet; the ids of those this call inserted (its claims)."""
    rows = list(outgoing)
    if not rows:
        return []
    now = timezone.now()
    values = []
    params: list[Any] = []
    for o in rows:
        values.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, '', %s)")
        params += [
            o.key,
            o.item_key,
            o.stage,
            o.user_id,
            o.robot_id,
            o.channel,
            o.title[:200],
            o.body,
            o.url[:300],
            DeliveryStatus.PENDING,
            now,
            now,
        ]
    table = Delivery._meta.db_table
    sql = (
        f"INSERT INTO {table} (key, item_key, stage, user_id, robot_id, channel, title, body, url, status,"
        " claimed_at, attempts, last_error, next_attempt_at) VALUES "
        + ", ".join(values)
        + " ON CONFLICT (key) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [r[0] for r in cursor.fetchall()]


def _backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes, at most six hours."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _send_one(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        user: User = get_user_model().objects.get(pk=delivery.user_id or 0)
        if not user.email:
            raise ChannelError("the user has no e-mail address")
        send_email(
            to=user.email, subject=delivery.title, body=delivery.body, url=delivery.url, key=delivery.key
        )
        return
    if delivery.channel in (Channel.DINGTALK, Channel.WECOM):
        robot = GroupRobot.objects.get(pk=delivery.robot_id or 0)
        if not robot.is_active:
            raise ChannelError("the group robot was switched off")
        send_robot(
            kind=robot.kind,
            token=robot.token,
            secret=robot.secret,
            title=delivery.title,
            body=delivery.body,
            url=delivery.url,
        )
        return
    raise ChannelError(f"unknown channel {delivery.channel}")


def send_claimed(ids: Iterable[int]) -> dict[str, int]:
    """Send each delivery of ``ids`` that no other run holds and that is not sent yet; count outcomes."""
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for pk in ids:
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(pk=pk)
                .exclude(status=DeliveryStatus.SENT)
                .first()
            )
            if delivery is None:
                counts["skipped"] += 1
                continue
            delivery.attempts += 1
            try:
                _send_one(delivery)
            except ChannelError as exc:
                delivery.status = DeliveryStatus.FAILED
                delivery.last_error = str(exc)[:2000]
                give_up = delivery.attempts >= settings.REMINDERS_MAX_ATTEMPTS
                delivery.next_attempt_at = None if give_up else timezone.now() + _backoff(delivery.attempts)
                log = logger.error if give_up else logger.warning
                log(
                    "reminder delivery %s (%s) failed, attempt %s%s: %s",
                    delivery.pk,
                    delivery.channel,
                    delivery.attempts,
                    " — giving up" if give_up else "",
                    exc,
                )
                counts["failed"] += 1
            else:
                delivery.status = DeliveryStatus.SENT
                delivery.sent_at = timezone.now()
                delivery.last_error = ""
                delivery.next_attempt_at = None
                counts["sent"] += 1
            delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return counts


def due_for_retry(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Failed deliveries whose backoff elapsed, and pending ones a dead worker left behind."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.REMINDERS_STALE_SECONDS)
    return list(
        Delivery.objects.filter(
            Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.PENDING, claimed_at__lte=stale)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_retry() -> dict[str, int]:
    return send_claimed(due_for_retry())
