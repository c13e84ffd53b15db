"""API routes of the training app, registered on the shared router in config/api_router.py."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
