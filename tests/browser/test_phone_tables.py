"""Issue 15: pages with wide tables (findings, rosters, monthly attendance, the recipient's training,
appraisals, 本院考核结果) do not scroll sideways at 390 px: columns a phone can spare are hidden, the rest
scroll inside their own box."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from assessments.models import AnnualAppraisal
from assessments.services.findings import rules_check
from devtools import factories as f

D = dt.date
PAGES = [
    ("prov", "/assessments/findings/"),
    ("charlie", "/teams/rosters/"),
    ("alice", "/teams/attendance/monthly/?month=2023-03"),
    ("alice", "/training/"),
    ("charlie", "/assessments/results/own/"),
    ("charlie", "/assessments/end-appraisals/"),
    ("alice", "/assessments/monthly/?month=2023-03"),
    ("prov", "/teams/rosters/queue/"),
    ("prov", "/assessments/rules/"),
    ("prov", "/assessments/annual/"),
    ("charlie", "/assessments/rectifications/"),
]


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 390, "height": 844}


@pytest.fixture
def rows(world: Any) -> None:
    team = f.TeamFactory(pairing=world.pairing_a, year=2023, start_date=D(2023, 1, 1))
    f.DeploymentFactory(team=team, role="leader", post="副院长", planned_end=D(2023, 12, 31))
    f.RosterEntryFactory(roster=f.RosterFactory(team=team), role="member")
    f.TraineeStintFactory(
        pairing=world.pairing_a, trainee_name="一位名字很长的进修学员", specialty="心血管内科介入"
    )
    rules_check(program=world.program, as_of=D(2024, 1, 2))
    figures = {f"f{i}": {"label": f"依据数据项目名称{i}", "value": 1234567} for i in range(4)}
    AnnualAppraisal.objects.create(
        pairing=world.pairing_a, year=2023, status="published", computed_score=88, score=88, grade="good",
        computed_at=timezone.now(), published_at=timezone.now(),
        breakdown={"indicators": [{"code": "coverage", "label": "全年有人在岗（按实际到岗离岗计）",
                                   "weight": 20, "ratio": 0.8765, "score": "17.5", "figures": figures}]},
    )  # fmt: skip


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_wide_tables_fit_a_phone(page: Any, live_server: Any, login_as: Any, rows: None, who: str, path: str):
    login_as(page, who)
    assert page.goto(f"{live_server.url}{path}").status == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
