"""The roles of SPEC §6 and the role sets every permission check is built from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles of SPEC §6; each role belongs to one kind of organisation."""

    PROVINCE_STAFF = "province_staff", _("省级卫健委")
    CITY_STAFF = "city_staff", _("市州卫健委")
    COUNTY_STAFF = "county_staff", _("县级卫健局")
    SUPPORTER_COORDINATOR = "supporter_coordinator", _("支援医院联络员")
    RECIPIENT_COORDINATOR = "recipient_coordinator", _("受援医院联络员")
    DASHBOARD = "dashboard", _("数据看板")
    DEPLOYED_PERSON = "deployed_person", _("派驻人员")
    TEAM_LEADER = "team_leader", _("队长")


COMMISSION_ROLES = frozenset({Role.PROVINCE_STAFF, Role.CITY_STAFF, Role.COUNTY_STAFF})
HOSPITAL_ROLES = frozenset({Role.SUPPORTER_COORDINATOR, Role.RECIPIENT_COORDINATOR})
# Those who work the roster filing queue (备案审核): province staff file, city staff forward.
FILING_ROLES = frozenset({Role.PROVINCE_STAFF, Role.CITY_STAFF})
SUPPORTER_ROLES = frozenset({Role.SUPPORTER_COORDINATOR})
RECIPIENT_ROLES = frozenset({Role.RECIPIENT_COORDINATOR})
# The deployed people themselves (issue 19): they see their own records (``Scope.person``); a team leader
# also sees the work of the teams they lead (``Scope.team``). Their membership names their employer.
PERSON_ROLES = frozenset({Role.DEPLOYED_PERSON, Role.TEAM_LEADER})
