"""API routes of the teams app, registered on the shared router in config/api_router.py."""

from rest_framework.routers import SimpleRouter

from teams.api import me, staff, views, visits

router = SimpleRouter()
router.register("staff", staff.StaffViewSet, basename="staff")
router.register("teams", views.TeamViewSet, basename="team")
router.register("deployments", views.DeploymentViewSet, basename="deployment")
router.register("activity", views.MonthlyActivityViewSet, basename="activity")
router.register("rosters", views.RosterViewSet, basename="roster")
router.register("roster-entries", views.RosterEntryViewSet, basename="roster-entry")
router.register("expert-visits", visits.ExpertVisitViewSet, basename="expert-visit")
router.register("attendance", views.AttendanceRecordViewSet, basename="attendance")
router.register("attendance-imports", views.AttendanceImportViewSet, basename="attendance-import")

# The deployed person's own (issue 19).
router.register("me/deployments", me.MyDeploymentViewSet, basename="me-deployment")
router.register("me/reports", me.MyReportViewSet, basename="me-report")
router.register("me/leave", me.MyLeaveViewSet, basename="me-leave")

urlpatterns = router.urls
