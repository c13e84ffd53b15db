"""Main navigation: one list for every page, shown when the page exists and the role may use it.

Each entry: (URL name, label, roles or None for every signed-in user). A URL name that does not resolve
yet (its area not built) is skipped, so areas can land independently.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.access import get_membership
from core.permissions import has_any_role
from core.roles import COMMISSION_ROLES, FILING_ROLES, PERSON_ROLES, RECIPIENT_ROLES, SUPPORTER_ROLES, Role

COMMISSION = COMMISSION_ROLES
SUPPORTER = SUPPORTER_ROLES
RECIPIENT = RECIPIENT_ROLES

NAV: list[tuple[str, Any, Collection[str] | None]] = [
    ("home", _("首页"), None),
    ("me_home", _("我的工作台"), PERSON_ROLES),
    ("me:team", _("本队情况"), {Role.TEAM_LEADER}),
    ("me:leave", _("请假"), PERSON_ROLES),
    ("pairings:list", _("帮扶关系"), None),
    ("programs:list", _("帮扶项目"), COMMISSION),
    ("pairings:hospital_list", _("医院名录"), COMMISSION | SUPPORTER | RECIPIENT),
    ("teams:staff_list", _("人员库"), SUPPORTER),
    ("teams:roster_list", _("派驻名单"), COMMISSION | SUPPORTER | RECIPIENT),
    ("teams:roster_queue", _("备案审核"), FILING_ROLES),
    ("teams:visit_list", _("专家柔性帮扶"), COMMISSION | SUPPORTER | RECIPIENT),
    ("training:hosted_list", _("进修学员"), COMMISSION | SUPPORTER),
    ("training:training_home", _("培训"), RECIPIENT | COMMISSION),
    ("teams:deployment_list", _("派驻人员"), COMMISSION | SUPPORTER | RECIPIENT),
    ("teams:attendance_upload", _("考勤导入"), RECIPIENT | COMMISSION),
    ("teams:attendance_monthly", _("月度考勤"), COMMISSION | SUPPORTER | RECIPIENT),
    ("agreements:overview", _("协议"), COMMISSION | SUPPORTER | RECIPIENT),
    ("assessments:finding_list", _("问题清单"), COMMISSION | SUPPORTER | RECIPIENT),
    ("assessments:rule_catalog", _("规则目录"), COMMISSION | SUPPORTER | RECIPIENT),
    ("assessments:rectification_list", _("限期整改"), COMMISSION | SUPPORTER | RECIPIENT),
    ("teams:activity_list", _("工作量"), RECIPIENT | COMMISSION | SUPPORTER),
    ("teams:reports_to_confirm", _("工作月报确认"), RECIPIENT),
    ("teams:leave_queue", _("请假审批"), RECIPIENT),
    ("teams:account_list", _("人员账号"), SUPPORTER),
    ("assessments:capacity_list", _("能力建设"), RECIPIENT | COMMISSION | SUPPORTER),
    ("assessments:monthly_assessments", _("月考核"), RECIPIENT | COMMISSION | SUPPORTER),
    ("assessments:spot_checks", _("在岗抽查"), SUPPORTER | COMMISSION),
    ("assessments:end_appraisals", _("期满考核"), RECIPIENT | COMMISSION | SUPPORTER),
    ("assessments:annual_appraisals", _("年度考核"), COMMISSION),
    ("assessments:own_results", _("本院考核结果"), SUPPORTER | RECIPIENT),
    ("assessments:report_list", _("报告"), COMMISSION),
    ("assessments:county_outcomes", _("县域指标"), COMMISSION),
    ("reminders:deadlines", _("截止日期"), COMMISSION | SUPPORTER | RECIPIENT),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "nav_membership": None}
    membership = get_membership(user)
    links = []
    for name, label, roles in NAV:
        if roles is not None and not has_any_role(user, roles):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        links.append({"url": url, "label": label, "url_name": name})
    # The longest matching prefix is the current section ("/pairings/7/" marks "帮扶关系"); home only on "/".
    current = max(
        (link for link in links if _within(request.path, link["url"])),
        key=lambda link: len(link["url"]),
        default=None,
    )
    for link in links:
        link["active"] = link is current
    return {"nav_links": links, "nav_membership": membership}


def _within(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
