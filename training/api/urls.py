"""API routes of the training app, registered on the shared router in config/api_router.py."""

from rest_framework.routers import SimpleRouter

from training.api import recipient

router = SimpleRouter()
router.register("trainee-stints", recipient.TraineeStintViewSet, basename="trainee-stint")
router.register("onsite-trainings", recipient.OnSiteTrainingViewSet, basename="onsite-training")
router.register("remote-services", recipient.RemoteServiceViewSet, basename="remote-service")

urlpatterns = router.urls
