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


COMMISSION_ROLES = frozenset({Role.PROVINCE_STAFF, Role.CITY_STAFF, Role.COUNTY_STAFF})
HOSPITAL_ROLES = frozenset({Role.SUPPORTER_COORDINATOR, Role.RECIPIENT_COORDINATOR})
# Those who work the roster filing queue (备案审核): province staff file, city staff forward.
FILING_ROLES = frozenset({Role.PROVINCE_STAFF, Role.CITY_STAFF})
SUPPORTER_ROLES = frozenset({Role.SUPPORTER_COORDINATOR})
RECIPIENT_ROLES = frozenset({Role.RECIPIENT_COORDINATOR})
