"""Delete the demo programs' data, leaf tables first so every delete is a plain set-based DELETE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from assessments.models import (
    AnnualAppraisal,
    CentreMilestone,
    CentreProgress,
    Certificate,
    Donation,
    EndOfStintAppraisal,
    Finding,
    GradeChange,
    MonthlyAssessment,
    NewTechnology,
    Referral,
    ReportFile,
    RuleRun,
    Specialty,
    SpotCheck,
)
from devtools.demo.builder import seeding_context
from pairings.models import (
    Agreement,
    AgreementItem,
    City,
    County,
    Hospital,
    Membership,
    Pairing,
    PairingSupporter,
    Program,
    Province,
)
from teams.models import (
    AttendanceRecord,
    Deployment,
    ExpertVisitBatch,
    LeaderDesignation,
    LeaveRequest,
    MonthlyActivity,
    PersonAccount,
    Roster,
    RosterEntry,
    Staff,
    Team,
)
from training.models import OnSiteTraining, RemoteService, TraineeStint


def _ids(model: type[models.Model], **filters: Any) -> list[int]:
    return list(model.objects.filter(**filters).values_list("pk", flat=True))  # type: ignore[attr-defined]


def _delete(cur: Any, model: type[models.Model], column: str, ids: list[int], counts: dict[str, int]) -> None:
    """One set-based DELETE by a list of keys (one array parameter: no query-size limit)."""
    if not ids:
        return
    cur.execute(f'DELETE FROM "{model._meta.db_table}" WHERE "{column}" = ANY(%s)', [ids])
    if cur.rowcount:
        counts[model.__name__] = counts.get(model.__name__, 0) + cur.rowcount


def delete_provinces(province_codes: list[str], usernames: Sequence[str] = ()) -> dict[str, int]:
    """Remove the provinces with everything in them (programs, hospitals, people) and the named users.

    Deletes leaf tables first by explicit key lists, then lets the ORM delete the parents, so anything another
    app hangs on these rows is still cascaded (or protected) the normal way.
    """

    counts: dict[str, int] = {}
    with transaction.atomic(), seeding_context(audit=False, action="reset"), connection.cursor() as cur:
        programs = _ids(Program, province__code__in=province_codes)
        pairings = _ids(Pairing, program_id__in=programs)
        teams = _ids(Team, pairing_id__in=pairings)
        deployments = _ids(Deployment, team_id__in=teams)
        rosters = _ids(Roster, team_id__in=teams)
        agreements = _ids(Agreement, pairing_id__in=pairings)
        appraisals = _ids(EndOfStintAppraisal, deployment_id__in=deployments)
        hospitals = _ids(Hospital, province__code__in=province_codes)
        for model in (Finding, RuleRun, ReportFile):
            _delete(cur, model, "program_id", programs, counts)
        _delete(cur, AnnualAppraisal, "pairing_id", pairings, counts)
        _delete(cur, Certificate, "appraisal_id", appraisals, counts)
        staff = _ids(Staff, employer_id__in=hospitals)
        by_deployment = (EndOfStintAppraisal, MonthlyAssessment, SpotCheck, AttendanceRecord, MonthlyActivity)
        for model in (*by_deployment, LeaveRequest):
            _delete(cur, model, "deployment_id", deployments, counts)
        _delete(cur, Deployment, "id", deployments, counts)
        _delete(cur, RosterEntry, "roster_id", rosters, counts)
        _delete(cur, Roster, "id", rosters, counts)
        _delete(cur, LeaderDesignation, "team_id", teams, counts)
        _delete(cur, Team, "id", teams, counts)
        for model in (TraineeStint, OnSiteTraining, RemoteService, ExpertVisitBatch, Donation):
            _delete(cur, model, "pairing_id", pairings, counts)
        _delete(cur, AgreementItem, "agreement_id", agreements, counts)
        _delete(cur, Agreement, "id", agreements, counts)
        _delete(cur, PairingSupporter, "pairing_id", pairings, counts)
        _delete(cur, PersonAccount, "staff_id", staff, counts)
        _delete(cur, Staff, "employer_id", hospitals, counts)
        centres = _ids(CentreProgress, hospital_id__in=hospitals)
        _delete(cur, CentreMilestone, "centre_id", centres, counts)
        for model in (CentreProgress, Specialty, NewTechnology, GradeChange, Referral):
            _delete(cur, model, "hospital_id", hospitals, counts)
        steps: list[tuple[type[models.Model], dict[str, Any]]] = [
            (Pairing, {"pk__in": pairings}),
            (Program, {"pk__in": programs}),
            (Membership, {"user__username__in": list(usernames)}),
            (get_user_model(), {"username__in": list(usernames)}),
            (Membership, {"province__code__in": province_codes}),
            (Membership, {"city__province__code__in": province_codes}),
            (Membership, {"county__city__province__code__in": province_codes}),
            (Membership, {"hospital__province__code__in": province_codes}),
            (Hospital, {"pk__in": hospitals}),
            (County, {"city__province__code__in": province_codes}),
            (City, {"province__code__in": province_codes}),
            (Province, {"code__in": province_codes}),
        ]
        for model, filters in steps:
            n, _ = model.objects.filter(**filters).delete()  # type: ignore[attr-defined]
            if n:
                counts[model.__name__] = counts.get(model.__name__, 0) + n
    return counts
