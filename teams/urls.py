from django.urls import path

from core.imports import views as imports
from teams.views import activity as activity_views
from teams.views import designations as designation_views
from teams.views import people as person_views
from teams.views import rosters as views
from teams.views import staff as staff_views
from teams.views import visits as visit_views

app_name = "teams"
ROSTER = {"kind": "roster"}
ACTIVITY = {"kind": "activity", "target_id": 0}
urlpatterns = [
    path("rosters/", views.roster_list, name="roster_list"),
    path("rosters/queue/", views.roster_queue, name="roster_queue"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster_detail"),
    # The roster's and the workload's imports are served by the shared import pages (core.imports).
    path("rosters/<int:target_id>/template.xlsx", imports.template_download, ROSTER, name="roster_template"),
    path("rosters/<int:target_id>/upload/", imports.upload, ROSTER, name="roster_upload"),
    path("rosters/<int:pk>/<slug:action>/", views.roster_action, name="roster_action"),
    path("rosters/imports/<int:pk>/", imports.preview, name="roster_preview"),
    path("rosters/imports/<int:pk>/errors.xlsx", imports.errors, name="roster_errors"),
    path("teams/<int:pk>/leader/", designation_views.team_leader, name="team_leader"),
    path("teams/<int:pk>/leader/revoke/", designation_views.team_leader_revoke, name="team_leader_revoke"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/add/", staff_views.staff_add, name="staff_add"),
    path("staff/<int:pk>/", staff_views.staff_edit, name="staff_edit"),
    path("expert-visits/", visit_views.visit_list, name="visit_list"),
    path("expert-visits/<int:pk>/", visit_views.visit_edit, name="visit_edit"),
    path("deployments/", views.deployment_list, name="deployment_list"),
    path("deployments/<int:pk>/", views.deployment_detail, name="deployment_detail"),
    path("activity/", activity_views.activity_list, name="activity_list"),
    path("reports/", person_views.reports_to_confirm, name="reports_to_confirm"),
    path("reports/<int:pk>/confirm/", person_views.report_confirm, name="report_confirm"),
    path("accounts/", person_views.account_list, name="account_list"),
    path("leave/", person_views.leave_queue, name="leave_queue"),
    path("leave/<int:pk>/<slug:action>/", person_views.leave_decide, name="leave_decide"),
    path("accounts/<int:staff_id>/invite/", person_views.account_invite, name="account_invite"),
    path("activity/<int:deployment_id>/", activity_views.activity_entry, name="activity_entry"),
    path("activity/template.xlsx", imports.template_download, ACTIVITY, name="activity_template"),
    path("activity/upload/", imports.upload, ACTIVITY, name="activity_upload"),
    path("activity/imports/<int:pk>/", imports.preview, name="activity_preview"),
    path("activity/imports/<int:pk>/errors.xlsx", imports.errors, name="activity_errors"),
    path("attendance/upload/", views.attendance_upload, name="attendance_upload"),
    path("attendance/jobs/<int:pk>/", views.attendance_job, name="attendance_job"),
    path("attendance/jobs/<int:pk>/status/", views.attendance_job_status, name="attendance_job_status"),
    path("attendance/unmatched/", views.attendance_unmatched, name="attendance_unmatched"),
    path("attendance/monthly/", views.attendance_monthly, name="attendance_monthly"),
]
