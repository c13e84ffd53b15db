"""API routes of the pairings app, registered on the shared router in config/api_router.py."""

from rest_framework.routers import SimpleRouter

from pairings.api import views

router = SimpleRouter()
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("cities", views.CityViewSet, basename="city")
router.register("counties", views.CountyViewSet, basename="county")
router.register("hospitals", views.HospitalViewSet, basename="hospital")
router.register("programs", views.ProgramViewSet, basename="program")
router.register("pairings", views.PairingViewSet, basename="pairing")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("agreement-items", views.AgreementItemViewSet, basename="agreement-item")
router.register("api-clients", views.ApiClientViewSet, basename="api-client")

urlpatterns = router.urls
