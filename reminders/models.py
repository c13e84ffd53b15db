"""Inbox messages, reminder deliveries, channel choices, group robots and calendar feed tokens (issue 17).

Deadlines themselves are not stored: they are computed from what exists (selectors/deadlines.py). What is
stored is what was *told*: a ``Delivery`` row per item × stage × recipient × channel, unique in the
database, so a reminder is claimed once (INSERT … ON CONFLICT DO NOTHING) and never sent twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet
from pairings.models import City, Hospital, Province
from reminders.choices import Channel, DeliveryStatus, RobotKind


class Notification(models.Model):
    """One message in a user's inbox (站内消息): a reminder or a notice, with the link where it is done."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # What it is about: "<kind>:<object>" for deadlines ("roster:12:34"), "<notice>:<id>" for notices.
    item_key = models.CharField(_("事项"), max_length=80)
    stage = models.CharField(_("阶段"), max_length=24, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    # No SCOPE: an inbox is personal, no organisation level reads another person's messages; the selectors
    # filter by the user (selectors/notifications.py).

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            # The inbox copy of a reminder is written once, however often the sweep runs.
            models.UniqueConstraint(
                fields=["user", "item_key", "stage"], condition=~Q(stage=""), name="notification_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One message to one recipient on one channel for one item and stage: the exactly-once ledger.

    The sweep claims a row with INSERT … ON CONFLICT DO NOTHING; only the run whose insert succeeded sends.
    ``sent_at`` is set after the channel accepted the message; a row left pending by a crashed worker is
    picked up by the retry task (after a grace period) and sent with the same ``key`` (the channel's
    idempotency key, e.g. the e-mail's Message-ID), never claimed twice.
    """

    key = models.CharField(max_length=120, unique=True)
    item_key = models.CharField(_("事项"), max_length=80)
    stage = models.CharField(_("阶段"), max_length=24)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    robot = models.ForeignKey("GroupRobot", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("提醒发送记录")
        verbose_name_plural = verbose_name
        ordering = ["-claimed_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_retry")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(robot__isnull=False), name="delivery_has_recipient"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ReminderPreference(models.Model):
    """Which channels a user wants reminders on, and whether as one daily digest instead of one per item."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    email = models.BooleanField(_("电子邮件"), default=True)
    daily_digest = models.BooleanField(_("每日汇总一条"), default=False)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.user}"


class GroupRobot(models.Model):
    """A DingTalk or WeCom group robot (群机器人) a hospital or a commission office registered.

    Exactly one organisation owns it: a hospital, a city commission or a province commission.
    """

    kind = models.CharField(_("类型"), max_length=10, choices=RobotKind.choices)
    name = models.CharField(_("名称"), max_length=80)
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    city = models.ForeignKey(City, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    province = models.ForeignKey(Province, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # DingTalk: access_token of the webhook; WeCom: the webhook's key.
    token = models.CharField(_("令牌 (access_token / key)"), max_length=128)
    # DingTalk's 加签 secret (SEC…); the message is signed with it (HMAC-SHA256 of timestamp + secret).
    secret = models.CharField(_("加签密钥"), max_length=128, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE = Scope(
        province="province",
        city="city",
        hospital=("hospital",),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = verbose_name
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(hospital__isnull=False, city__isnull=True, province__isnull=True)
                    | Q(hospital__isnull=True, city__isnull=False, province__isnull=True)
                    | Q(hospital__isnull=True, city__isnull=True, province__isnull=False)
                ),
                name="robot_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarToken(models.Model):
    """A private iCalendar feed URL of one user (read-only). Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = verbose_name
        constraints = [
            # One live feed per user: making a new one revokes the old.
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_one_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
