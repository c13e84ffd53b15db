"""API routes of the assessments app, registered on the shared router in config/api_router.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api import capacity, county_outcomes, rectifications, views

router = SimpleRouter()
router.register("centres", capacity.CentreProgressViewSet, basename="centre")
router.register("specialties", capacity.SpecialtyViewSet, basename="specialty")
router.register("new-technologies", capacity.NewTechnologyViewSet, basename="new-technology")
router.register("capacity-assessments", capacity.CapacityAssessmentViewSet, basename="capacity-assessment")
router.register("referrals", capacity.ReferralViewSet, basename="referral")
router.register("donations", capacity.DonationViewSet, basename="donation")
router.register("county-outcomes", county_outcomes.CountyOutcomeViewSet, basename="county-outcome")
router.register("grade-changes", views.GradeChangeViewSet, basename="grade-change")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("rule-runs", views.RuleRunViewSet, basename="rule-run")
router.register("monthly-assessments", views.MonthlyAssessmentViewSet, basename="monthly-assessment")
router.register("end-appraisals", views.EndOfStintAppraisalViewSet, basename="end-appraisal")
router.register("annual-appraisals", views.AnnualAppraisalViewSet, basename="annual-appraisal")
router.register("reports", views.ReportFileViewSet, basename="report")
router.register("rectifications", rectifications.RectificationViewSet, basename="rectification")

urlpatterns = [
    path("indicators/", views.IndicatorsView.as_view(), name="indicators"),
    *router.urls,
]
