"""The deployed people's own pages under /me/ (issue 19); the home page is ``me_home`` (web)."""

from django.urls import path

from teams.views import people as person_views

app_name = "me"
urlpatterns = [
    path("activate/<str:uidb64>/<str:token>/", person_views.activate, name="activate"),
    path("reports/<int:deployment_id>/", person_views.report_entry, name="report_entry"),
    path("team/", person_views.team, name="team"),
    path("leave/", person_views.leave, name="leave"),
    path("team/reports/<int:pk>/review/", person_views.report_review, name="report_review"),
]
