from django.urls import path

from teams.views import activity as activity_views
from teams.views import rosters as views
from teams.views import staff as staff_views
from teams.views import visits as visit_views

app_name = "teams"
urlpatterns = [
    path("rosters/", views.roster_list, name="roster_list"),
    path("rosters/queue/", views.roster_queue, name="roster_queue"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster_detail"),
    path("rosters/<int:pk>/template.xlsx", views.roster_template_download, name="roster_template"),
    path("rosters/<int:pk>/upload/", views.roster_upload, name="roster_upload"),
    path("rosters/<int:pk>/<slug:action>/", views.roster_action, name="roster_action"),
    path("rosters/imports/<int:pk>/", views.roster_preview, name="roster_preview"),
    path("rosters/imports/<int:pk>/errors.xlsx", views.roster_error_download, name="roster_errors"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/add/", staff_views.staff_add, name="staff_add"),
    path("staff/<int:pk>/", staff_views.staff_edit, name="staff_edit"),
    path("expert-visits/", visit_views.visit_list, name="visit_list"),
    path("expert-visits/<int:pk>/", visit_views.visit_edit, name="visit_edit"),
    path("deployments/", views.deployment_list, name="deployment_list"),
    path("deployments/<int:pk>/", views.deployment_detail, name="deployment_detail"),
    path("activity/", activity_views.activity_list, name="activity_list"),
    path("activity/<int:deployment_id>/", activity_views.activity_entry, name="activity_entry"),
    path("activity/template.xlsx", activity_views.activity_template_download, name="activity_template"),
    path("activity/upload/", activity_views.activity_upload, name="activity_upload"),
    path("activity/imports/<int:pk>/", activity_views.activity_preview, name="activity_preview"),
    path(
        "activity/imports/<int:pk>/errors.xlsx",
        activity_views.activity_error_download,
        name="activity_errors",
    ),
    path("attendance/upload/", views.attendance_upload, name="attendance_upload"),
    path("attendance/jobs/<int:pk>/", views.attendance_job, name="attendance_job"),
    path("attendance/jobs/<int:pk>/status/", views.attendance_job_status, name="attendance_job_status"),
    path("attendance/unmatched/", views.attendance_unmatched, name="attendance_unmatched"),
    path("attendance/monthly/", views.attendance_monthly, name="attendance_monthly"),
]
