"""API test helpers: one row of every exposed model per pairing, clients per role, dashboard tokens."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import (
    AnnualAppraisal,
    CentreProgress,
    Donation,
    Finding,
    GradeChange,
    NewTechnology,
    Rectification,
    Referral,
    ReportFile,
    RuleRun,
    ServiceCapacityAssessment,
    Specialty,
)
from devtools import factories as f
from pairings.models import AgreementItem
from pairings.services.api_clients import api_client_create
from teams.models import MonthlyActivity
from training.models import OnSiteTraining, RemoteService


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One list/detail endpoint: how to make a row of it inside a pairing, and who may see that row."""

    basename: str
    make: Callable[[Any, dict[str, Any]], Any]
    # Registry rows (places, hospitals, programs) are readable by every member of the province.
    registry: bool = False
    # Program-wide rows (reports) are for commission staff only, not hospital coordinators or city staff.
    commission_only: bool = False
    # Rows of one supporter's people (personal data, rosters, attendance, scores, appraisals): the employer's,
    # the recipient's and the commission's, not a co-supporter's of the same pairing (SPEC §6).
    owned: bool = False


def _chain(pairing: Any, made: dict[str, Any]) -> dict[str, Any]:
    """The rows other rows hang off, made once per pairing."""
    if "deployment" not in made:
        team = f.TeamFactory(pairing=pairing)
        made["team"] = team
        made["deployment"] = f.DeploymentFactory(team=team)
        made["roster"] = f.RosterFactory(team=team)
        made["agreement"] = f.AgreementFactory(pairing=pairing)
    return made


def _n() -> int:
    _n.counter += 1  # type: ignore[attr-defined]
    return _n.counter  # type: ignore[attr-defined, no-any-return]


_n.counter = 0  # type: ignore[attr-defined]


def _finding(pairing: Any, made: dict[str, Any]) -> Any:
    now = timezone.now()
    return Finding.objects.create(
        rule_code="TEAM_MIN_SIZE",
        severity="major",
        program=pairing.program,
        pairing=pairing,
        subject_type="pairing",
        subject_id=pairing.pk,
        message="在岗人数不足",
        fingerprint=f"fp-{pairing.pk}-{_n()}",
        first_seen=now,
        last_seen=now,
        period_start=dt.date(2023, 7, 1),
        period_end=dt.date(2023, 7, 31),
    )


def _rectification(pairing: Any, made: dict[str, Any]) -> Any:
    rect = Rectification.objects.create(
        program=pairing.program,
        pairing=pairing,
        hospital=pairing.recipient,
        instruction="限期补齐",
        due_date=dt.date(2023, 9, 30),
        assigned_by=f.UserFactory(),
    )
    # The pairing's open finding (the findings endpoint's row) is the one assigned: a second finding would
    # change the figures other tests read from the same populated pairing.
    finding = Finding.objects.filter(pairing=pairing).order_by("pk").first() or _finding(pairing, made)
    rect.findings.add(finding)
    return rect


def _appraisal(pairing: Any, made: dict[str, Any]) -> Any:
    return AnnualAppraisal.objects.create(
        pairing=pairing,
        year=2023,
        status="published",
        computed_score=85,
        score=85,
        grade="good",
        computed_at=timezone.now(),
        published_at=timezone.now(),
    )


ENDPOINTS: list[Endpoint] = [
    Endpoint("province", lambda p, m: p.program.province, registry=True),
    Endpoint("city", lambda p, m: p.recipient.city, registry=True),
    Endpoint("county", lambda p, m: p.recipient.county, registry=True),
    Endpoint("hospital", lambda p, m: p.recipient, registry=True),
    Endpoint("program", lambda p, m: p.program, registry=True),
    Endpoint("pairing", lambda p, m: p),
    Endpoint("agreement", lambda p, m: _chain(p, m)["agreement"]),
    Endpoint(
        "agreement-item",
        lambda p, m: AgreementItem.objects.create(
            agreement=_chain(p, m)["agreement"], kind="task", description="建胸痛中心"
        ),
    ),
    Endpoint("staff", lambda p, m: _chain(p, m)["deployment"].staff, owned=True),
    Endpoint("team", lambda p, m: _chain(p, m)["team"]),
    Endpoint("deployment", lambda p, m: _chain(p, m)["deployment"]),
    Endpoint("roster", lambda p, m: _chain(p, m)["roster"], owned=True),
    Endpoint("roster-entry", lambda p, m: f.RosterEntryFactory(roster=_chain(p, m)["roster"]), owned=True),
    Endpoint(
        "attendance", lambda p, m: f.AttendanceFactory(deployment=_chain(p, m)["deployment"]), owned=True
    ),
    Endpoint(
        "activity",
        lambda p, m: MonthlyActivity.objects.create(
            deployment=_chain(p, m)["deployment"], month=dt.date(2023, 2, 1), outpatient_visits=5
        ),
        owned=True,
    ),
    Endpoint("trainee-stint", lambda p, m: f.TraineeStintFactory(pairing=p)),
    Endpoint(
        "onsite-training",
        lambda p, m: OnSiteTraining.objects.create(pairing=p, date=dt.date(2023, 5, 1), topic="心肺复苏"),
    ),
    Endpoint(
        "remote-service",
        lambda p, m: RemoteService.objects.create(
            pairing=p,
            supporter=p.supporters.get(is_lead=True).hospital,
            month=dt.date(2023, 5, 1),
            kind="consultation",
            count=4,
        ),
    ),
    Endpoint(
        "centre",
        lambda p, m: CentreProgress.objects.create(
            hospital=p.recipient, centre="stroke", status="built", achieved_on=dt.date(2023, 6, 1)
        ),
    ),
    Endpoint(
        "specialty",
        lambda p, m: Specialty.objects.create(
            hospital=p.recipient,
            kind="weak",
            name="心内科",
            selected_year=2023,
            achieved_on=dt.date(2023, 9, 1),
        ),
    ),
    Endpoint(
        "new-technology",
        lambda p, m: NewTechnology.objects.create(
            hospital=p.recipient,
            pairing=p,
            name="经皮冠状动脉介入",
            introduced_on=dt.date(2023, 4, 1),
            cases=12,
        ),
    ),
    Endpoint(
        "grade-change",
        lambda p, m: GradeChange.objects.create(
            hospital=p.recipient, grade="2A", effective_on=dt.date(2023, 10, 1)
        ),
    ),
    Endpoint(
        "capacity-assessment",
        lambda p, m: ServiceCapacityAssessment.objects.create(
            hospital=p.recipient, assessed_on=dt.date(2023, 8, 1), standard="basic", reaches_level2=True
        ),
    ),
    Endpoint(
        "referral",
        lambda p, m: Referral.objects.create(
            hospital=p.recipient, month=dt.date(2023, 3, 1), up_count=4, down_count=2
        ),
    ),
    Endpoint(
        "donation",
        lambda p, m: Donation.objects.create(
            pairing=p,
            supporter=p.supporters.get(is_lead=True).hospital,
            date=dt.date(2023, 2, 1),
            kind="money",
            description="设备经费",
            value_cny=100000,
        ),
    ),
    Endpoint("finding", _finding),
    Endpoint("rule-run", lambda p, m: RuleRun.objects.create(program=p.program, pairing=p)),
    Endpoint(
        "monthly-assessment",
        lambda p, m: f.MonthlyAssessmentFactory(deployment=_chain(p, m)["deployment"]),
        owned=True,
    ),
    Endpoint(
        "end-appraisal",
        lambda p, m: f.EndOfStintAppraisalFactory(deployment=_chain(p, m)["deployment"]),
        owned=True,
    ),
    Endpoint("annual-appraisal", _appraisal),
    Endpoint("rectification", _rectification),
    Endpoint(
        "report",
        lambda p, m: ReportFile.objects.create(kind="annual_workbook", program=p.program, year=2023),
        commission_only=True,
    ),
]


def populate(pairing: Any) -> dict[str, Any]:
    """One row of every endpoint's model inside ``pairing``; returns basename → row."""
    made: dict[str, Any] = {}
    return {ep.basename: ep.make(pairing, made) for ep in ENDPOINTS}


def client_for(user: Any | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def other_province_token(db: Any) -> str:
    """A dashboard token of another province (四川省): it must see nothing of the world's province."""
    other = f.ProvinceFactory(code="51", name="四川省")
    staff = f.make_member("sc_prov", "province_staff", province=other)
    _client, token = api_client_create(user=staff, name="四川看板", province=other)
    return token


@pytest.fixture
def dashboard_token(world: Any) -> tuple[Any, str]:
    client, token = api_client_create(user=world.users["province"], name="省级看板", province=world.province)
    return client, token
