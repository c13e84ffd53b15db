from django.urls import path

from reminders import views

app_name = "reminders"
urlpatterns = [
    path("", views.deadline_list, name="deadlines"),
    path("deadlines.xlsx", views.deadline_export, name="deadline_export"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_mark_all, name="inbox_mark_all"),
    path("inbox/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("settings/", views.reminder_settings, name="settings"),
    path("programs/<int:pk>/stages/", views.program_stages, name="program_stages"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
