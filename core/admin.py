from django.contrib import admin

from .models import HolidayDate


@admin.register(HolidayDate)
class HolidayDateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The national calendar is loaded from chinese-calendar (``manage.py load_holidays``); read here.
    Corrections belong in a province's working days (pairings.ProvinceWorkday)."""

    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
