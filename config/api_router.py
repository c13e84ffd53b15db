"""/api/v1/: every app's API routes under one prefix; each app registers its viewsets in api/urls.py."""

from django.urls import include, path

app_name = "api"
urlpatterns = [
    path("", include("pairings.api.urls")),
    path("", include("teams.api.urls")),
    path("", include("training.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("reminders.api.urls")),
]
