"""Staff, resident teams, deployments, rosters, attendance, visiting experts and monthly activity."""

from teams.models.activity import ActivityQuerySet, ExpertVisitBatch, MonthlyActivity  # noqa: F401
from teams.models.attendance import (  # noqa: F401
    AttendancePunch,
    AttendanceRecord,
    DingTalkIdentity,
    LeaveRequest,
    PunchKind,
)
from teams.models.deployments import DateRange, Deployment  # noqa: F401
from teams.models.imports import ImportJob, ImportKind, ImportStatus  # noqa: F401
from teams.models.rosters import LeaderDesignation, Roster, RosterEntry, Team  # noqa: F401
from teams.models.staff import PersonAccount, Staff  # noqa: F401
