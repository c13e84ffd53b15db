from django.contrib import admin

from core.admin_base import ScopedAdmin
from pairings.models import (
    Agreement,
    AgreementItem,
    City,
    County,
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
