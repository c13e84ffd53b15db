"""API routes of the reminders app, registered on the shared router in config/api_router.py."""

from rest_framework.routers import SimpleRouter

from reminders.api import views

router = SimpleRouter()
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
