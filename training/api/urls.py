"""API routes of the training app, registered on the shared router in config/api_router.py."""

from rest_framework.routers import SimpleRouter

from training.api import hosting, views

router = SimpleRouter()
router.register("trainee-stints", hosting.TraineeStintViewSet, basename="trainee-stint")
router.register("onsite-trainings", views.OnSiteTrainingViewSet, basename="onsite-training")
router.register("remote-services", views.RemoteServiceViewSet, basename="remote-service")

urlpatterns = router.urls
