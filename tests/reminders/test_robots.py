"""Registering a group robot: the user's own organisation only; bad settings are refused and write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reminders.models import GroupRobot

TOKEN = "0123456789abcdef0123"


def _post(user: Any, **data: str) -> Any:
    c = Client()
    c.force_login(user)
    return c.post(reverse("reminders:settings"), data)


@pytest.mark.parametrize(
    ("role", "owner"),
    [
        ("charlie", ("hospital", "supporter_a")),
        ("alice", ("hospital", "recipient_a")),
        ("city_a", ("city", "city_a")),
        ("province", ("province", "province")),
    ],
)
def test_a_robot_belongs_to_the_users_organisation(live: Any, role: str, owner: tuple[str, str]) -> None:
    webhook = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
    response = _post(
        live.users[role],
        action="robot",
        kind="dingtalk",
        name="帮扶工作群",
        token=webhook,
        secret="SECabcdef123456",
    )
    assert response.status_code == 302
    robot = GroupRobot.objects.get()
    assert getattr(robot, f"{owner[0]}_id") == getattr(live, owner[1]).pk
    assert (robot.token, robot.secret) == (TOKEN, "SECabcdef123456")


@pytest.mark.parametrize("role", ["county_a", "dashboard", "nobody"])
def test_who_has_no_robot_of_their_own_registers_none(live: Any, role: str) -> None:
    response = _post(live.users[role], action="robot", kind="wecom", name="群", token="KEY-12345678")
    assert response.status_code in (200, 403)
    assert not GroupRobot.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "dingtalk", "token": "short"}, "access_token 应为 16 位以上"),
        ({"kind": "wecom", "token": "has space in it"}, "key 应为 8 位以上"),
        ({"kind": "wecom", "token": "KEY-12345678", "secret": "SECabcdef123456"}, "加签密钥只用于钉钉机器人"),
        ({"kind": "dingtalk", "token": TOKEN, "secret": "abc"}, "应以 SEC 开头"),
    ],
)
def test_bad_robot_settings_are_explained_and_write_nothing(
    live: Any, data: dict[str, str], message: str
) -> None:
    response = _post(live.users["charlie"], action="robot", name="群", **data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not GroupRobot.objects.exists()


def test_only_the_owner_removes_a_robot(live: Any) -> None:
    robot = GroupRobot.objects.create(
        kind="wecom", name="群", hospital=live.supporter_a, token="KEY-12345678"
    )
    for name in ("dana", "alice", "province"):
        assert _post(live.users[name], action="robot_remove", robot=str(robot.pk)).status_code == 404
    assert GroupRobot.objects.filter(pk=robot.pk).exists()
    assert _post(live.users["charlie"], action="robot_remove", robot=str(robot.pk)).status_code == 302
    assert not GroupRobot.objects.exists()
