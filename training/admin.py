from django.contrib import admin

from core.admin_base import ScopedAdmin
from training.models import OnSiteTraining, RemoteService, TraineeStint


@admin.register(TraineeStint)
class TraineeStintAdmin(ScopedAdmin):
    list_display = [
        "trainee_name",
        "pairing",
        "host",
        "kind",
        "start_date",
        "end_date",
        "is_free",
        "completed",
    ]
    list_filter = ["kind", "is_free", "completed"]
    search_fields = ["trainee_name", "host__name", "pairing__recipient__name"]
    raw_id_fields = ["pairing"]
    list_select_related = ["pairing__recipient", "host"]


@admin.register(OnSiteTraining)
class OnSiteTrainingAdmin(ScopedAdmin):
    list_display = ["topic", "pairing", "date", "attendees", "hours"]
    search_fields = ["topic", "pairing__recipient__name"]
    raw_id_fields = ["pairing"]


@admin.register(RemoteService)
class RemoteServiceAdmin(ScopedAdmin):
    list_display = ["pairing", "supporter", "month", "kind", "count"]
    list_filter = ["kind"]
    search_fields = ["pairing__recipient__name"]
    raw_id_fields = ["pairing"]
