"""A hospital or a commission office registers its DingTalk / WeCom group robot (群机器人).

The robot belongs to the registering user's own organisation: a coordinator's hospital, a city's or a
province's commission. County staff and dashboard clients have no robot of their own (their reminders
reach them in the inbox and by e-mail). Settings are checked before anything is written.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.access import User, get_membership
from core.permissions import (
    is_city_staff,
    is_province_staff,
    is_recipient_coordinator,
    is_supporter_coordinator,
)
from reminders.choices import RobotKind
from reminders.models import GroupRobot

TOKEN_RE = {
    RobotKind.DINGTALK: re.compile(r"^[A-Za-z0-9]{16,128}$"),
    RobotKind.WECOM: re.compile(r"^[A-Za-z0-9_-]{8,128}$"),
}
SECRET_RE = re.compile(r"^SEC[A-Za-z0-9]{8,125}$")
WEBHOOK_PARAM = re.compile(r"[?&](?:access_token|key)=([^&#]+)")


def robot_owner(user: User) -> dict[str, Any] | None:
    """The organisation fields of a robot ``user`` may register, or None if they may register none."""
    m = get_membership(user)
    if m is None:
        return None
    if m.hospital_id and (
        is_supporter_coordinator(user, hospital_id=m.hospital_id)
        or is_recipient_coordinator(user, hospital_id=m.hospital_id)
    ):
        return {"hospital_id": m.hospital_id}
    if m.city_id and is_city_staff(user, city_id=m.city_id):
        return {"city_id": m.city_id}
    if m.province_id and is_province_staff(user, province_id=m.province_id):
        return {"province_id": m.province_id}
    return None


def own_robots(user: User) -> QuerySet[GroupRobot]:
    owner = robot_owner(user)
    if owner is None:
        return GroupRobot.objects.none()
    return GroupRobot.objects.for_user(user).filter(Q(**owner)).order_by("pk")


def group_robot_register(*, user: User, kind: str, name: str, token: str, secret: str = "") -> GroupRobot:
    """Register a robot of the user's organisation. ``token`` may be the whole webhook address."""
    owner = robot_owner(user)
    if owner is None:
        raise PermissionDenied(_("只有医院联络员和省、市卫健委工作人员可以登记本单位的群机器人。"))
    token = token.strip()
    found = WEBHOOK_PARAM.search(token)
    if found:
        token = found.group(1)
    secret = secret.strip()
    errors: dict[str, str] = {}
    if kind not in RobotKind.values:
        errors["kind"] = _("请选择钉钉或企业微信。")
    elif not TOKEN_RE[RobotKind(kind)].match(token):
        errors["token"] = (
            _("钉钉机器人的 access_token 应为 16 位以上的字母和数字（可直接粘贴完整的 Webhook 地址）。")
            if kind == RobotKind.DINGTALK
            else _(
                "企业微信机器人的 key 应为 8 位以上的字母、数字、- 或 _（可直接粘贴完整的 Webhook 地址）。"
            )
        )
    if secret and (kind != RobotKind.DINGTALK or not SECRET_RE.match(secret)):
        errors["secret"] = _("加签密钥只用于钉钉机器人，应以 SEC 开头。")
    if not name.strip():
        errors["name"] = _("请填写名称，例如“帮扶工作群”。")
    if errors:
        raise ValidationError(errors)
    return GroupRobot.objects.create(kind=kind, name=name.strip()[:80], token=token, secret=secret, **owner)


def group_robot_remove(*, user: User, robot_id: int) -> None:
    """Remove a robot of the user's own organisation; another's is "not found" (nothing changes)."""
    robot = own_robots(user).filter(pk=robot_id).first()
    if robot is None:
        raise GroupRobot.DoesNotExist
    robot.delete()
