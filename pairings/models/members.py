"""pairings models: members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedQuerySet, audited
from core.roles import Role
from pairings.models.registry import City, County, Hospital, Province, TimeStamped


@audited()
class Membership(TimeStamped):
    """A user's place in an organisation with one role (SPEC §6); drives ``for_user`` scoping."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, null=True, blank=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, null=True, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT, null=True, blank=True)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, null=True, blank=True)
    # Only roles that must see full national ID and phone numbers get this (commission staff by default).
    can_see_personal_data = models.BooleanField(_("可查看完整个人信息"), default=False)
    is_active = models.BooleanField(default=True)

    SCOPE = Scope(province="province", city="city", county="county", hospital=("hospital",))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = verbose_name
        constraints = [
            # Each role names exactly the one organisation it belongs to.
            models.CheckConstraint(
                condition=(
                    Q(
                        role=Role.PROVINCE_STAFF,
                        province__isnull=False,
                        city__isnull=True,
                        county__isnull=True,
                        hospital__isnull=True,
                    )
                    | Q(role=Role.CITY_STAFF, city__isnull=False, county__isnull=True, hospital__isnull=True)
                    | Q(role=Role.COUNTY_STAFF, county__isnull=False, hospital__isnull=True)
                    | Q(
                        role__in=[Role.SUPPORTER_COORDINATOR, Role.RECIPIENT_COORDINATOR],
                        hospital__isnull=False,
                        province__isnull=True,
                        city__isnull=True,
                        county__isnull=True,
                    )
                    # A deployed person or team leader belongs to the hospital that employs them.
                    | Q(
                        role__in=[Role.DEPLOYED_PERSON, Role.TEAM_LEADER],
                        hospital__isnull=False,
                        province__isnull=True,
                        city__isnull=True,
                        county__isnull=True,
                    )
                    | (
                        Q(role=Role.DASHBOARD, hospital__isnull=True, county__isnull=True)
                        & (Q(province__isnull=False) | Q(city__isnull=False))
                    )
                ),
                name="membership_role_matches_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def organisation(self) -> object:
        return self.hospital or self.county or self.city or self.province


class ApiClient(models.Model):
    """A read-only dashboard client of the REST API (数据看板), scoped to a province or one of its cities.

    Only a SHA-256 hash of the token is stored; the token is shown once when the client is created. Each
    client owns a dedicated user with a ``dashboard`` membership, so ``for_user`` scopes it like any user.
    ``province`` is always set (a city client's is its city's province) so province staff see both kinds.
    """

    name = models.CharField(_("名称"), max_length=80)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="api_clients")
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="api_clients"
    )
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    prefix = models.CharField(_("令牌前缀"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    SCOPE = Scope(province="province", city="city")
    objects = ScopedQuerySet.as_manager()
    # Not a column: the data generation read with the token (api_client_authenticate), for the answer cache.
    data_generation: int | None = None

    class Meta:
        verbose_name = _("API 客户端")
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
