"""Admin of the platform app: the deferred Celery tasks and the national holiday calendar (operators only)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.jobs.models import DeferredTask
from core.models import HolidayDate
from core.tasks import requeue_deferred_tasks


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
