"""A reminder worker killed -9 in the middle of a send: the message still goes out exactly once.

The sweep claimed the delivery row and was sending to the group robot when the worker died. Its transaction
rolls back, so the row stays pending; Celery redelivers the sweep (acks_late), which claims nothing new; the
retry task sends the pending row once the stale grace has passed. The robot gets one message in the end.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from devtools import factories as f
from reminders.choices import DeliveryStatus
from reminders.models import Delivery, GroupRobot, Notification
from tests.faults.harness import CeleryWorker, RedisServer, client_app, process_env, wait_for
from tests.reminders.servers import RobotServer


def _succeeded(worker: CeleryWorker) -> int:
    """How many reminder tasks the worker finished (Celery logs "Task … succeeded")."""
    log = worker.log.read_text(errors="replace")
    return sum(1 for line in log.splitlines() if "Task reminders.tasks." in line and "succeeded" in line)


pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_worker_killed_mid_send_delivers_once(world: Any, redis_server: RedisServer, tmp_path: Path) -> None:
    # given: charlie's roster due in three days and his hospital's DingTalk robot
    today = timezone.localdate()
    program = world.program
    program.start_date, program.end_date = today - dt.timedelta(days=400), today + dt.timedelta(days=800)
    program.agreement_deadline = program.roster_deadline = None
    program.save()
    f.TeamFactory(
        pairing=world.pairing_a,
        year=today.year,
        rotation=9,
        start_date=today + dt.timedelta(days=4),
        end_date=today + dt.timedelta(days=200),
    )
    robot = GroupRobot.objects.create(kind="dingtalk", name="群", hospital=world.supporter_a, token="abc123")
    with RobotServer(hang=True) as server:
        env = process_env(
            redis_url=redis_server.url,
            CELERY_VISIBILITY_TIMEOUT="5",
            REMINDERS_HOLIDAY_SHIFT="false",
            REMINDERS_STALE_SECONDS="0",
            REMINDERS_DINGTALK_ENDPOINT=server.url("/robot/send?access_token={token}"),
        )
        worker = CeleryWorker(env, log=tmp_path / "worker.log").start()
        app = client_app(redis_server.url)
        try:
            app.send_task("reminders.tasks.send_due_reminders")
            wait_for(lambda: server.hung, timeout=60, what="the robot send to start")
            # when: the worker dies while the robot call is in flight
            worker.kill9()
            server.hang = False
            delivery = Delivery.objects.get(robot=robot)
            assert (delivery.status, delivery.sent_at) == (DeliveryStatus.PENDING, None)
            assert server.accepted == []
            # and a new worker starts: the sweep is redelivered, then the retry task runs
            worker.start()
            app.send_task("reminders.tasks.retry_failed_deliveries")
            wait_for(lambda: len(server.accepted) == 1, timeout=90, what="the retried send")
            # and both tasks run once more: nothing is sent again
            before = _succeeded(worker)
            app.send_task("reminders.tasks.send_due_reminders")
            app.send_task("reminders.tasks.retry_failed_deliveries")
            wait_for(lambda: _succeeded(worker) >= before + 2, timeout=60, what="the second round")
        finally:
            worker.kill9()
    # then: one message reached the robot, the row is sent, the inbox copy exists once
    assert len(server.accepted) == 1, worker.log_tail()
    assert "名单 3 天后截止" in server.accepted[0]["json"]["text"]["content"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert Notification.objects.filter(user=world.users["charlie"]).count() == 1
