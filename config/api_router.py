"""One router for /api/v1/; each app registers its viewsets in its api/urls.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

app_name = "api"
urlpatterns = router.urls
