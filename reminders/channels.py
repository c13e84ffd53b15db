"""The channels a reminder travels on besides the inbox: e-mail (Django's mail framework) and the DingTalk
and WeCom group robots (apprise, not hand-written HTTP). Each ``send_*`` raises :class:`ChannelError` when
the channel did not accept the message; the caller records it and retries later with backoff.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import unquote

import apprise
from apprise.plugins.dingtalk import NotifyDingTalk
from django.conf import settings
from django.core.mail import EmailMessage

from reminders.choices import RobotKind


class ChannelError(Exception):
    """The channel refused or could not be reached; retried with backoff."""


def absolute(url: str) -> str:
    return url if url.startswith("http") else settings.REMINDERS_SITE_URL.rstrip("/") + url


def message_id(key: str) -> str:
    """A stable Message-ID per delivery: a resend after a crash carries the same id (mail clients and
    servers that deduplicate drop the second copy)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{settings.REMINDERS_MAIL_DOMAIN}>"


def send_email(*, to: str, subject: str, body: str, url: str, key: str) -> None:
    text = f"{body}\n\n{absolute(url)}" if url else body
    mail = EmailMessage(subject=subject, body=text, to=[to], headers={"Message-ID": message_id(key)})
    try:
        sent = mail.send(fail_silently=False)
    except Exception as exc:  # SMTP and socket errors alike: the channel failed, the caller retries
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
    if sent != 1:
        raise ChannelError("the mail backend accepted no message")


def robot_url(*, kind: str, token: str, secret: str = "") -> str:
    """The apprise URL of a group robot (dingtalk://SECRET@TOKEN/ signs each message; wecombot://KEY)."""
    if kind == RobotKind.DINGTALK:
        return f"dingtalk://{secret}@{token}/" if secret else f"dingtalk://{token}/"
    return f"wecombot://{token}"


class SignedDingTalk(NotifyDingTalk):  # type: ignore[misc]
    """apprise's DingTalk plugin with the signature URL-encoded once, as DingTalk checks it.

    apprise (1.9 to 2.2) quotes the base64 signature and then hands it to ``requests`` as a query parameter,
    which quotes it again ("%253D"); DingTalk decodes once and answers 310000 "sign not match" (the same
    mistake is reported against other DingTalk clients, e.g. wowiwj/ding-notice#11). Everything else is
    apprise's: the URL scheme, the payload and the HTTP call.
    """

    def get_signature(self) -> tuple[str, str]:
        timestamp, signature = super().get_signature()
        return timestamp, unquote(signature)


def _plugin(kind: str, url: str) -> Any:
    plugin: Any
    if kind == RobotKind.DINGTALK:
        parsed = SignedDingTalk.parse_url(url)
        plugin = SignedDingTalk(**parsed) if parsed else None
    else:
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise ChannelError(f"invalid robot settings for {kind}")
    # A private gateway (or a test server on the loopback) instead of DingTalk's / WeCom's public endpoint.
    if kind == RobotKind.DINGTALK and settings.REMINDERS_DINGTALK_ENDPOINT:
        plugin.notify_url = settings.REMINDERS_DINGTALK_ENDPOINT
    if kind == RobotKind.WECOM and settings.REMINDERS_WECOM_ENDPOINT:
        plugin.api_url = settings.REMINDERS_WECOM_ENDPOINT.format(key=plugin.key)
    return plugin


def send_robot(*, kind: str, token: str, secret: str, title: str, body: str, url: str) -> None:
    plugin = _plugin(kind, robot_url(kind=kind, token=token, secret=secret))
    text = f"{title}\n{body}\n{absolute(url)}" if url else f"{title}\n{body}"
    if not plugin.notify(body=text.strip(), title=""):
        raise ChannelError(f"{kind} robot did not accept the message")
