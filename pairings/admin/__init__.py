from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_base import ScopedAdmin
from core.tasks import requeue_deferred_tasks
from pairings.models import (
    Agreement,
    AgreementItem,
    City,
    County,
    DeferredTask,
    Hospital,
    Membership,
    Pairing,
    PairingSupporter,
    Program,
    Province,
    ProvinceWorkday,
)


@admin.register(Province)
class ProvinceAdmin(ScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(ProvinceWorkday)
class ProvinceWorkdayAdmin(ScopedAdmin):
    """A province's working-day corrections (core.dates): enter a year's holidays and 调休 here when
    chinese-calendar does not know the year yet."""

    list_display = ["province", "date", "is_workday", "name"]
    list_filter = ["province", "is_workday"]
    date_hierarchy = "date"


@admin.register(City)
class CityAdmin(ScopedAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    search_fields = ["code", "name"]


@admin.register(County)
class CountyAdmin(ScopedAdmin):
    list_display = ["code", "name", "city", "population"]
    list_filter = ["city__province", "city"]
    search_fields = ["code", "name"]
    list_select_related = ["city"]


@admin.register(Hospital)
class HospitalAdmin(ScopedAdmin):
    list_display = ["code", "name", "role", "kind", "grade", "origin", "city", "county", "is_residency_base"]
    list_filter = ["role", "kind", "grade", "origin", "is_residency_base", "city"]
    search_fields = ["code", "name", "origin_region"]
    list_select_related = ["city", "county"]
    autocomplete_fields = ["city", "county"]


@admin.register(Program)
class ProgramAdmin(ScopedAdmin):
    list_display = ["code", "name", "province", "preset", "start_date", "end_date", "is_active"]
    list_filter = ["preset", "is_active", "province"]
    search_fields = ["code", "name"]


class PairingSupporterInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PairingSupporter
    extra = 0
    autocomplete_fields = ["hospital"]


@admin.register(Pairing)
class PairingAdmin(ScopedAdmin):
    list_display = ["id", "recipient", "program", "status", "service_start", "service_end"]
    list_filter = ["program", "status", "recipient__kind", "recipient__city"]
    search_fields = ["recipient__name", "supporters__hospital__name"]
    list_select_related = ["recipient", "program"]
    autocomplete_fields = ["recipient"]
    inlines = [PairingSupporterInline]


class AgreementItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AgreementItem
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ScopedAdmin):
    list_display = [
        "title",
        "kind",
        "year",
        "supporter",
        "supporter_signed_on",
        "government_signed_on",
        "recipient_signed_on",
        "filed_on",
    ]
    list_filter = ["kind", "year", "pairing__program"]
    search_fields = ["title", "pairing__recipient__name", "supporter__name"]
    list_select_related = ["supporter"]
    raw_id_fields = ["pairing"]
    autocomplete_fields = ["supporter"]
    inlines = [AgreementItemInline]


@admin.register(AgreementItem)
class AgreementItemAdmin(ScopedAdmin):
    list_display = ["description", "kind", "status", "due_date", "responsible_department"]
    list_filter = ["kind", "status"]
    search_fields = ["description", "responsible_department"]
    raw_id_fields = ["agreement"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "role", "province", "city", "county", "hospital", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "hospital__name"]
    raw_id_fields = ["user"]
    autocomplete_fields = ["hospital", "county", "city"]


# Dashboard API clients (API area) live in their own module.
from pairings.admin import api_clients  # noqa: E402, F401


@admin.register(DeferredTask)
class DeferredTaskAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Jobs Redis could not take during an outage (operators only): read-only, resent by beat every minute;
    the action resends now, e.g. after Redis came back while beat was down too."""

    list_display = ["task_name", "created_at", "attempts", "sent_at", "last_error_short"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["task_name"]
    readonly_fields = ["task_name", "args", "kwargs", "created_at", "attempts", "last_error", "sent_at"]
    actions = ["resend_now"]

    @admin.display(description=_("最近错误"))
    def last_error_short(self, obj: DeferredTask) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("立即重发所有未发送的任务"), permissions=["resend"])
    def resend_now(self, request: HttpRequest, queryset: Any) -> None:

        sent = requeue_deferred_tasks.apply().get()
        self.message_user(request, _("已重发 %(n)s 个任务。") % {"n": sent})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)
