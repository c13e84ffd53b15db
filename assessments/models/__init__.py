"""Capacity building, rule findings and runs, appraisals (individual and pairing) and report files."""

from assessments.models.appraisals import (  # noqa: F401
    AnnualAppraisal,
    Certificate,
    EndOfStintAppraisal,
    MonthlyAssessment,
    Scorecard,
    SpotCheck,
)
from assessments.models.capacity import (  # noqa: F401
    CentreMilestone,
    CentreProgress,
    CountyOutcome,
    Donation,
    GradeChange,
    NewTechnology,
    Referral,
    ServiceCapacityAssessment,
    Specialty,
)
from assessments.models.facts import (  # noqa: F401
    AttendanceMonthFact,
    CoverageIntervalFact,
    DeploymentFact,
    IndicatorFactState,
    OpenFindingCount,
    PeriodFact,
    ProgramFactPairings,
    ProgramPeriodFact,
    TeamCompositionFact,
)
from assessments.models.findings import (  # noqa: F401
    Finding,
    Rectification,
    RectificationAnswer,
    RectificationEvidence,
    RuleRun,
)
from assessments.models.reports import ReportFile  # noqa: F401
