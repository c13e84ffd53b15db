"""The reminder sweep: who hears what, exactly once, on which channel; escalation; digest; failures."""

from __future__ import annotations

import datetime as dt
import threading
from email.header import decode_header, make_header
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import translation

from reminders.channels import message_id
from reminders.choices import DeliveryStatus
from reminders.models import Delivery, GroupRobot, Notification, ReminderPreference
from reminders.selectors.deadlines import deadlines_for
from reminders.services.deliveries import deliveries_retry
from reminders.services.reminders import reminder_title, reminders_send_due
from tests.reminders.servers import RobotServer, smtp_server


def _titles(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def _mail_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def test_supporter_hears_of_its_roster_three_days_ahead_and_only_its_own(live: Any, today: dt.date) -> None:
    counts = reminders_send_due()
    charlie, dana = live.users["charlie"], live.users["dana"]
    (title,) = _titles(charlie)
    assert "名单 3 天后截止" in title and live.recipient_a.name in title
    (title_b,) = _titles(dana)
    assert live.recipient_b.name in title_b
    # the roster is the supporter's duty: the recipients, the city and the province hear nothing yet
    for name in ("alice", "bob", "city_a", "province"):
        assert _titles(live.users[name]) == []
    (message,) = _mail_to("charlie@example.org")
    assert "名单 3 天后截止" in message.subject and "/teams/rosters/" in message.body
    assert message.extra_headers["Message-ID"].endswith("@reminders.localhost>")
    assert counts["sent"] == 2
    # when the sweep runs again (next hour), nothing is told twice
    again = reminders_send_due()
    assert (again["notifications"], again["sent"]) == (0, 0)
    assert len(_titles(charlie)) == 1 and len(_mail_to("charlie@example.org")) == 1


def test_next_stage_one_day_before_is_a_new_reminder(live: Any, today: dt.date) -> None:
    reminders_send_due()
    with time_machine.travel(dt.datetime(2026, 9, 23, 2, 0, tzinfo=dt.UTC), tick=False):
        reminders_send_due()
        reminders_send_due()
    titles = _titles(live.users["charlie"])
    assert len(titles) == 2
    assert any("名单 1 天后截止" in t for t in titles)


def test_overdue_escalates_to_the_city_then_the_province(live: Any, today: dt.date) -> None:
    with time_machine.travel(dt.datetime(2026, 9, 26, 2, 0, tzinfo=dt.UTC), tick=False):
        reminders_send_due()
    (city_title,) = _titles(live.users["city_a"])
    assert "已逾期 2 天" in city_title and live.recipient_a.name in city_title
    assert live.recipient_b.name not in "".join(_titles(live.users["city_a"]))
    assert any("已逾期" in t for t in _titles(live.users["charlie"]))
    assert _titles(live.users["province"]) == []
    with time_machine.travel(dt.datetime(2026, 10, 2, 2, 0, tzinfo=dt.UTC), tick=False):
        reminders_send_due()
    province = _titles(live.users["province"])
    assert len(province) == 2  # both pairings' rosters, 8 days late
    assert len(_titles(live.users["city_a"])) == 1  # the city is not told again


def test_daily_digest_instead_of_one_mail_per_item(live: Any, today: dt.date) -> None:
    charlie = live.users["charlie"]
    ReminderPreference.objects.create(user=charlie, daily_digest=True)
    live.program.agreement_deadline = dt.date(2026, 9, 23)
    live.program.save()
    reminders_send_due()
    reminders_send_due()
    (digest,) = _mail_to("charlie@example.org")
    assert "（2 项）" in digest.subject
    assert "名单 3 天后截止" in digest.body and "三方协议 2 天后截止" in digest.body
    assert len(_titles(charlie)) == 2  # the inbox still lists each item


def test_email_off_means_inbox_only(live: Any, today: dt.date) -> None:
    ReminderPreference.objects.create(user=live.users["charlie"], email=False)
    reminders_send_due()
    assert _mail_to("charlie@example.org") == []
    assert len(_titles(live.users["charlie"])) == 1


def test_mail_reaches_a_real_smtp_server(live: Any, today: dt.date, settings: Any) -> None:
    with smtp_server() as (port, received):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        reminders_send_due()
    to_charlie = [m for m in received if m["To"] == "charlie@example.org"]
    assert len(to_charlie) == 1
    subject = str(make_header(decode_header(to_charlie[0]["Subject"])))
    assert "名单 3 天后截止" in subject
    delivery = Delivery.objects.get(user=live.users["charlie"])
    assert to_charlie[0]["Message-ID"] == message_id(delivery.key)
    assert delivery.status == DeliveryStatus.SENT and delivery.sent_at is not None


def test_dingtalk_robot_message_is_signed(live: Any, today: dt.date, settings: Any) -> None:
    secret = "SEC0123456789abcdef"
    with RobotServer(secret=secret) as server:
        settings.REMINDERS_DINGTALK_ENDPOINT = server.url("/robot/send?access_token={token}")
        GroupRobot.objects.create(
            kind="dingtalk", name="兰大一院帮扶群", hospital=live.supporter_a, token="abc123", secret=secret
        )
        reminders_send_due()
        reminders_send_due()
    (call,) = server.accepted
    assert "access_token=abc123" in call["path"]
    assert "名单 3 天后截止" in call["json"]["text"]["content"]
    assert server.refused == []


def test_wrongly_signed_robot_fails_and_the_others_still_go(live: Any, today: dt.date, settings: Any) -> None:
    with RobotServer(secret="SECright") as server:
        settings.REMINDERS_DINGTALK_ENDPOINT = server.url("/robot/send?access_token={token}")
        robot = GroupRobot.objects.create(
            kind="dingtalk", name="群", hospital=live.supporter_a, token="abc123", secret="SECwrong"
        )
        counts = reminders_send_due()
    assert len(server.refused) == 1 and server.accepted == []
    failed = Delivery.objects.get(robot=robot)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1 and failed.next_attempt_at
    assert "did not accept" in failed.last_error
    # the e-mails and the inbox were not held up
    assert counts["sent"] == 2 and len(_mail_to("charlie@example.org")) == 1


def test_failed_channel_is_retried_after_backoff_and_sent_once(
    live: Any, today: dt.date, settings: Any
) -> None:
    with RobotServer(status=500) as down:
        settings.REMINDERS_WECOM_ENDPOINT = down.url("/cgi-bin/webhook/send?key={key}")
        robot = GroupRobot.objects.create(
            kind="wecom", name="企业微信群", hospital=live.supporter_a, token="KEY1"
        )
        reminders_send_due()
    delivery = Delivery.objects.get(robot=robot)
    assert delivery.status == DeliveryStatus.FAILED
    with RobotServer() as up:
        settings.REMINDERS_WECOM_ENDPOINT = up.url("/cgi-bin/webhook/send?key={key}")
        assert deliveries_retry()["sent"] == 0  # the backoff has not elapsed
        with time_machine.travel(dt.datetime(2026, 9, 21, 2, 5, tzinfo=dt.UTC), tick=False):
            assert deliveries_retry()["sent"] == 1
            assert deliveries_retry()["sent"] == 0
    (call,) = up.accepted
    assert "key=KEY1" in call["path"] and "名单 3 天后截止" in call["json"]["text"]["content"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(live: Any, today: dt.date) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait(timeout=10)
            reminders_send_due()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(_mail_to("charlie@example.org")) == 1
    assert len(_mail_to("dana@example.org")) == 1
    assert len(_titles(live.users["charlie"])) == 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_reminder_text_in_english(live: Any, today: dt.date) -> None:
    (item,) = deadlines_for(
        live.users["charlie"], first=today, last=today + dt.timedelta(days=30), today=today
    )
    with translation.override("en"):
        assert reminder_title(item, today=today).startswith("Rosters due in 3 days: Roster: ")


def test_out_of_province_roster_the_city_forwards_it(live: Any, today: dt.date) -> None:
    # given supporter A comes from Tianjin: its roster goes through city A (市州汇总后统一报省)
    live.supporter_a.origin, live.supporter_a.origin_region = "other_province", "天津市"
    live.supporter_a.save()

    def forwards(name: str) -> list[Any]:
        items = deadlines_for(live.users[name], first=today, last=today + dt.timedelta(days=30), today=today)
        return [d for d in items if d.kind == "roster_forward"]

    (city_item,) = forwards("city_a")
    assert city_item.due == dt.date(2026, 9, 24) and city_item.url == "/teams/rosters/queue/"
    assert forwards("city_b") == []
    reminders_send_due()
    (title,) = _titles(live.users["city_a"])
    assert "名单汇总上报 3 天后截止" in title and live.recipient_a.name in title
    assert len(_titles(live.users["charlie"])) == 1  # his own submission
    assert _titles(live.users["city_b"]) == [] and _titles(live.users["province"]) == []
    # when it is late, the province hears of the city's step
    with time_machine.travel(dt.datetime(2026, 9, 26, 2, 0, tzinfo=dt.UTC), tick=False):
        reminders_send_due()
    assert any("名单汇总上报 已逾期 2 天" in t for t in _titles(live.users["province"]))
