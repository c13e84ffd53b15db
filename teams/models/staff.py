"""teams models: staff."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet, audited
from core.identifiers import LicenceField, NationalIdField, licence_db_check, national_id_db_check
from core.privacy import mask_national_id, mask_phone
from pairings.models import Hospital, TimeStamped
from teams.choices import (
    Gender,
    Title,
)


@audited()
class Staff(TimeStamped):
    """A person a supporter may deploy. National ID and phone are stored in full and shown masked."""

    employer = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="staff")
    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    # Stable keys for imports (never match by name alone); at least one is required. Stored normalised
    # (core.identifiers): a full-width copy of someone's ID must not become a second person.
    national_id = NationalIdField(_("身份证号"), unique=True, null=True, blank=True)
    licence_no = LicenceField(_("执业证书编号"), unique=True, null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    title = models.PositiveSmallIntegerField(_("职称"), choices=Title.choices)
    specialty = models.CharField(_("专业"), max_length=60, blank=True)
    department = models.CharField(_("科室"), max_length=60, blank=True)
    # Experience is kept as start dates so it can be measured at any deployment's start.
    clinical_since = models.DateField(_("从事临床工作起始"), null=True, blank=True)
    management_since = models.DateField(_("从事管理工作起始"), null=True, blank=True)
    # Years of any work (Bozhou: 工作满6年), not only clinical; unknown falls back to clinical_since.
    work_since = models.DateField(_("参加工作起始"), null=True, blank=True)

    SCOPE = Scope(
        province="employer__province",
        city="deployments__team__pairing__recipient__city",
        county="deployments__team__pairing__recipient__county",
        hospital=("employer", "deployments__team__pairing__recipient"),
        # The person themselves; a leader also the people of the teams they lead (names and work, with
        # personal data masked: a person's membership never carries can_see_personal_data).
        person="id",
        team="deployments__team",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = verbose_name
        ordering = ["employer", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(national_id__isnull=False) | Q(licence_no__isnull=False),
                name="staff_has_stable_key",
            ),
            national_id_db_check("national_id", name="staff_national_id_format"),
            licence_db_check("licence_no", name="staff_licence_no_format"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @staticmethod
    def years_between(since: dt.date | None, on: dt.date) -> float:
        if since is None:
            return 0.0
        return (on - since).days / 365.25


@audited()
class PersonAccount(TimeStamped):
    """A deployed person's log-in (issue 19): which ``Staff`` a user is. No self-registration.

    The supporter's coordinator invites a person on a roster; the person sets a password through a one-time
    activation link (``teams.services.accounts``). The account is deactivated a grace period after the end
    of the person's last deployment.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_account"
    )
    staff = models.OneToOneField(Staff, on_delete=models.PROTECT, related_name="account")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(_("邀请时间"), null=True, blank=True)
    activated_at = models.DateTimeField(_("激活时间"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    SCOPE = Scope(
        province="staff__employer__province",
        hospital=("staff__employer",),
        person="staff",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("派驻人员账号")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.staff} · {self.user}"
