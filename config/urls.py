from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import files, health
from core import views as core_views
from web import person_views as web_person_views
from web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("me/", web_person_views.me_home, name="me_home"),
    path("me/", include("teams.person_urls")),
    path("pairings/", include("web.urls")),
    path("programs/", include("pairings.urls.programs")),
    path("teams/", include("teams.urls")),
    path("training/", include("training.urls")),
    path("assessments/", include("assessments.urls")),
    path("reminders/", include("reminders.urls")),
    path("agreements/", include("pairings.urls.agreements")),
    path("imports/", include("core.imports.urls")),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/", health.health, name="health"),
    # Stored files only through their owning object's scoping: MEDIA_ROOT is never served as is.
    path(
        "files/<str:app_label>/<str:model>/<int:pk>/<str:field>/", files.protected_file, name="protected_file"
    ),
    path("audit/<str:app_label>/<str:model>/<str:pk>/", core_views.object_history, name="audit_history"),
]

# A 400 says which parameter was wrong and why (core.query_params); Django's default says "Bad Request".
handler400 = "core.errors.bad_request"
