"""Shared pieces of the demo builder: imports, constants, date helpers, the plan dataclasses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

# The builder's modules take the date helpers from here; they are core.dates' (one definition).
from core.dates import add_months as months  # noqa: F401
from core.dates import min_end, month_starts  # noqa: F401
from devtools.demo import names
from pairings.choices import (
    HospitalKind,
)
from pairings.models import (
    Hospital,
    Pairing,
    Program,
)
from teams.choices import DeploymentRole
from teams.models import (
    Deployment,
    Staff,
    Team,
)

TZ = ZoneInfo("Asia/Shanghai")
DEMO_PROGRAMS = ("GS2022", "GD2019", "BZ2016")
DEMO_PROVINCES = (names.GANSU[0], names.GUANGDONG[0], names.ANHUI[0])
BATCH = 2000
LEADER = DeploymentRole.LEADER
MEMBER = DeploymentRole.MEMBER


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour, 0), tzinfo=TZ)


def days(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


@dataclasses.dataclass
class Dep:
    """A planned deployment before it becomes rows (staff, roster entry, deployment)."""

    supporter: Hospital
    role: str
    post: str
    start: dt.date
    end: dt.date
    batch: int
    title: int | None = None
    clinical_since: dt.date | None = None
    management_since: dt.date | None = None
    national_id: str | None = None
    on_roster: bool = True
    appraisal_days: int | None = None  # None: random within 30 days; -1: no appraisal
    planted: bool = False
    staff: Staff | None = None
    deployment: Deployment | None = None
    team_key: int = 0


@dataclasses.dataclass
class Plan:
    pairing: Pairing
    program: Program
    recipient: Hospital
    supporters: list[Hospital]  # lead first
    batch_starts: list[dt.date]
    deps: list[Dep]
    teams: dict[int, Team] = dataclasses.field(default_factory=dict)

    @property
    def tcm(self) -> bool:
        return self.recipient.kind == HospitalKind.TCM


# Pairings with two supporters (the county's lead comes from the city pool; this is the second one).
TWO_SUPPORTERS = {
    "秦州区": "S6201003",
    "麦积区": "S6201002",
    "凉州区": "S6201001",
    "甘州区": "S1200002",
    "崆峒区": "S3700001",
    "肃州区": "S6201009",
    "西峰区": "S3700003",
    "安定区": "S6201001",
    "武都区": "S6201003",
    "临夏市": "S6201002",
}

# ID area codes by supporter code prefix.
AREAS = {"S62": "620102", "S12": "120103", "S37": "370102", "S44": "440104", "S34": "340104"}
