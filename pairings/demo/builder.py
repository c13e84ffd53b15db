"""Build the demo provinces: Gansu 2022–2025 (GS2022), small Guangdong 2019 (GD2019) and Bozhou 2016 (BZ2016).

Deterministic: one ``random.Random(seed)`` drives every choice, dates come from the programs, never the clock.
The rotation schedules and the planted violations (``violations.PLANTED``) do not depend on the seed; the seed
changes names, team sizes, numbers and statuses. Everything not planted is compliant with SPEC §3.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import connection, models, transaction

from assessments.choices import Centre, CentreStatus, DonationKind, SpecialtyKind
from assessments.models import (
    CentreProgress,
    Certificate,
    Donation,
    EndOfStintAppraisal,
    GradeChange,
    MonthlyAssessment,
    NewTechnology,
    Referral,
    SpotCheck,
)
from assessments.models import Specialty as SpecialtyModel
from pairings.choices import (
    AgreementKind,
    HospitalGrade,
    HospitalKind,
    HospitalOrigin,
    HospitalRole,
    ItemStatus,
    ProgramPreset,
)
from pairings.models import (
    Agreement,
    AgreementItem,
    City,
    County,
    Hospital,
    Pairing,
    PairingSupporter,
    Program,
    Province,
)
from teams.choices import AttendanceSource, AttendanceStatus, DeploymentRole, Post, RosterStatus, Title
from teams.models import (
    AttendanceRecord,
    Deployment,
    ExpertVisitBatch,
    MonthlyActivity,
    Roster,
    RosterEntry,
    Staff,
    Team,
)
from training.choices import RemoteServiceKind, StintKind
from training.models import OnSiteTraining, RemoteService, TraineeStint

from . import names
from .violations import Planted

TZ = ZoneInfo("Asia/Shanghai")
DEMO_PROGRAMS = ("GS2022", "GD2019", "BZ2016")
DEMO_PROVINCES = (names.GANSU[0], names.GUANGDONG[0], names.ANHUI[0])
BATCH = 2000
LEADER = DeploymentRole.LEADER
MEMBER = DeploymentRole.MEMBER


def months(d: dt.date, n: int) -> dt.date:
    return d + relativedelta(months=n)


def min_end(start: dt.date, n: int) -> dt.date:
    """The earliest end date of a stay of at least ``n`` months (SPEC §3: start + n months − 1 day)."""
    return months(start, n) - dt.timedelta(days=1)


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour, 0), tzinfo=TZ)


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    m = start.replace(day=1)
    out = []
    while m <= end:
        out.append(m)
        m = months(m, 1)
    return out


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


class DemoBuilder:
    def __init__(self, seed: int = 2022, *, verbose: bool = False) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.verbose = verbose
        self.planted: list[Planted] = []
        self.used_ids: set[str] = set()
        self.planted_seq = 0
        self.hospitals: dict[str, Hospital] = {}
        self.counties: dict[str, County] = {}  # by name (names are unique across the demo provinces)
        self.plans: list[Plan] = []
        self.programs: dict[str, Program] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.users: dict[str, Any] = {}

    # --- helpers --------------------------------------------------------------------------------------

    def log(self, msg: str) -> None:
        if self.verbose:
            print(msg)

    def bulk(self, model: type[models.Model], objs: list[Any]) -> list[Any]:
        t0 = time.monotonic()
        model.objects.bulk_create(objs, batch_size=BATCH)  # type: ignore[attr-defined]
        self.counts[model.__name__] += len(objs)
        self.log(f"  {model.__name__:<24} {len(objs):>8} {time.monotonic() - t0:6.2f}s")
        return objs

    def plant(self, **kw: Any) -> None:
        self.planted.append(Planted(**kw))

    def new_id(self, area: str, birth_year: int) -> str:
        rng = self.rng
        while True:
            birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            nid = names.national_id(area, birth, rng.randrange(1000))
            if nid not in self.used_ids:
                self.used_ids.add(nid)
                return nid

    def planted_id(self) -> str:
        """A fixed, seed-independent ID for a person named in the manifest."""
        self.planted_seq += 1
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=97 * self.planted_seq)
        nid = names.national_id("620102", birth, 900 + self.planted_seq)
        self.used_ids.add(nid)
        return nid

    # --- entry point ----------------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        t0 = time.monotonic()
        # Reserve the planted IDs first so random ones never collide with them.
        self._reserved = [self.planted_id() for _ in range(40)]
        self._reserved.reverse()
        self.build_places()
        self.build_programs()
        from .users import create_demo_users

        self.users = create_demo_users(self)
        self.build_pairings()
        self.plan_gansu()
        self.plan_guangdong()
        self.plan_bozhou()
        self.verify_day_rules()
        self.build_teams_and_deployments()
        self.build_agreements()
        self.build_training()
        self.build_individual_records()
        self.build_capacity()
        from .violations import PLANTED

        if sorted(map(repr, self.planted)) != sorted(map(repr, PLANTED)):
            raise AssertionError("planted violations differ from violations.PLANTED")
        self.log(f"built in {time.monotonic() - t0:.1f}s")
        return dict(self.counts)

    def take_planted_id(self) -> str:
        return self._reserved.pop()

    # --- places and hospitals -------------------------------------------------------------------------

    def build_places(self) -> None:
        rng = self.rng
        provinces = {}
        for code, name in (names.GANSU, names.GUANGDONG, names.ANHUI):
            provinces[code] = Province(code=code, name=name)
        self.bulk(Province, list(provinces.values()))
        self.provinces = provinces
        cities: dict[str, City] = {}
        county_rows: list[County] = []
        for pcode, table in (
            (names.GANSU[0], names.GANSU_CITIES),
            (names.GUANGDONG[0], names.GUANGDONG_CITIES),
            (names.ANHUI[0], names.ANHUI_CITIES),
        ):
            for ccode, cname, _counties in table:
                cities[cname] = City(province=provinces[pcode], code=ccode, name=cname)
        self.bulk(City, list(cities.values()))
        self.cities = cities
        for table in (names.GANSU_CITIES, names.GUANGDONG_CITIES, names.ANHUI_CITIES):
            for ccode, cname, counties in table:
                for i, (name, pop) in enumerate(counties, start=1):
                    # Populations vary a little with the seed but never cross the 50,000 threshold.
                    jitter = rng.randint(-3, 3) * 100 if pop > 60_000 or pop < 40_000 else 0
                    county = County(
                        city=cities[cname],
                        code=f"{ccode}{20 + i:02d}",
                        name=name,
                        population=pop + jitter,
                        government_name=f"{name}人民政府",
                    )
                    county_rows.append(county)
                    self.counties[name] = county
        self.bulk(County, county_rows)

        hospitals: list[Hospital] = []
        for pcode, rows in (
            (names.GANSU[0], names.GANSU_SUPPORTERS),
            (names.GUANGDONG[0], names.GUANGDONG_SUPPORTERS),
            (names.ANHUI[0], names.ANHUI_SUPPORTERS),
        ):
            for code, name, origin, region, city, base, kind in rows:
                h = Hospital(
                    code=code,
                    name=name,
                    role=HospitalRole.SUPPORTER,
                    kind=kind,
                    grade=HospitalGrade.LEVEL3A,
                    origin=origin,
                    origin_region=region,
                    province=provinces[pcode],
                    city=cities.get(city),
                    is_residency_base=base,
                )
                hospitals.append(h)
        gansu_counties = [c for _, _, cs in names.GANSU_CITIES for c, _ in cs]
        for pcode, table in (
            (names.GANSU[0], names.GANSU_CITIES),
            (names.GUANGDONG[0], names.GUANGDONG_CITIES),
            (names.ANHUI[0], names.ANHUI_CITIES),
        ):
            for _, cname, counties in table:
                for name, _pop in counties:
                    county = self.counties[name]
                    if name in names.GANSU_UNGRADED_GENERAL or name in names.GANSU_UPGRADED:
                        grade = HospitalGrade.UNGRADED
                    elif pcode != names.GANSU[0]:
                        grade = HospitalGrade.LEVEL2A
                    else:
                        grade = rng.choice(
                            [HospitalGrade.LEVEL2A] * 5
                            + [HospitalGrade.LEVEL2, HospitalGrade.LEVEL3, HospitalGrade.LEVEL2B]
                        )
                    suffix = "第一人民医院" if name.endswith("县") and rng.random() < 0.3 else "人民医院"
                    hospitals.append(
                        Hospital(
                            code=f"R{county.code}01",
                            name=f"{name}{suffix}",
                            role=HospitalRole.RECIPIENT,
                            kind=HospitalKind.GENERAL,
                            grade=grade,
                            province=provinces[pcode],
                            city=cities[cname],
                            county=county,
                            is_county_hospital=True,
                        )
                    )
                    if name in names.GANSU_TCM_COUNTIES:
                        hospitals.append(
                            Hospital(
                                code=f"R{county.code}02",
                                name=f"{name}中医医院",
                                role=HospitalRole.RECIPIENT,
                                kind=HospitalKind.TCM,
                                grade=rng.choice(
                                    [HospitalGrade.LEVEL2A, HospitalGrade.LEVEL2, HospitalGrade.UNGRADED]
                                ),
                                province=provinces[pcode],
                                city=cities[cname],
                                county=county,
                                is_county_hospital=True,
                            )
                        )
        assert len(gansu_counties) == len(set(gansu_counties))
        self.bulk(Hospital, hospitals)
        self.hospitals = {h.code: h for h in hospitals}

    def recipient(self, county: str, tcm: bool = False) -> Hospital:
        return self.hospitals[f"R{self.counties[county].code}{'02' if tcm else '01'}"]

    # --- programs and pairings ------------------------------------------------------------------------

    def build_programs(self) -> None:
        gs = Program(
            code="GS2022",
            name="甘肃省三级医院对口帮扶县级医院 2022–2025",
            province=self.provinces["62"],
            document="甘卫医政发〔2022〕37号",
            preset=ProgramPreset.GANSU_2022,
            start_date=dt.date(2022, 1, 1),
            end_date=dt.date(2025, 12, 31),
            agreement_deadline=dt.date(2022, 4, 5),
            roster_deadline=dt.date(2022, 4, 5),
        )
        gd = Program(
            code="GD2019",
            name="广东省组团式帮扶县级医院 2019–2021",
            province=self.provinces["44"],
            document="粤府办〔2019〕18号",
            preset=ProgramPreset.GUANGDONG_2019,
            start_date=dt.date(2019, 1, 1),
            end_date=dt.date(2021, 12, 31),
            agreement_deadline=dt.date(2019, 3, 20),
        )
        bz = Program(
            code="BZ2016",
            name="亳州市城市三级医院对口帮扶县级医院 2016–2018",
            province=self.provinces["34"],
            document="亳州市对口帮扶实施方案 (2016)",
            preset=ProgramPreset.BOZHOU_2016,
            start_date=dt.date(2016, 1, 1),
            end_date=dt.date(2018, 12, 31),
            agreement_deadline=dt.date(2016, 6, 15),
            params={"attendance_threshold": 0.9},
        )
        self.bulk(Program, [gs, gd, bz])
        self.programs = {p.code: p for p in (gs, gd, bz)}

    def build_pairings(self) -> None:
        gs = self.programs["GS2022"]
        plans: list[Plan] = []
        rr: dict[str, int] = defaultdict(int)
        for idx, (_, cname, counties) in enumerate(names.GANSU_CITIES):
            # Rotation dates are province-wide per city, a few days apart.
            start = dt.date(2022, 4, 11) + dt.timedelta(days=5 * (idx % 3))
            for county, _pop in counties:
                pool = names.GANSU_CITY_SUPPORTERS[cname]
                lead = self.hospitals[pool[rr[cname] % len(pool)]]
                rr[cname] += 1
                sups = [lead]
                if county in TWO_SUPPORTERS:
                    sups.append(self.hospitals[TWO_SUPPORTERS[county]])
                plans.append(self._plan(gs, self.recipient(county), sups, start, dt.date(2025, 12, 31)))
                if county in names.GANSU_TCM_COUNTIES:
                    tcm_lead = self.hospitals[names.GANSU_TCM_SUPPORTERS[rr["tcm"] % 3]]
                    rr["tcm"] += 1
                    plans.append(
                        self._plan(
                            gs, self.recipient(county, tcm=True), [tcm_lead], start, dt.date(2025, 12, 31)
                        )
                    )
        gd = self.programs["GD2019"]
        for county, sup in names.GUANGDONG_PAIRS.items():
            plans.append(
                self._plan(
                    gd, self.recipient(county), [self.hospitals[sup]], dt.date(2019, 4, 1), gd.end_date
                )
            )
        bz = self.programs["BZ2016"]
        for county, sup in names.ANHUI_PAIRS.items():
            plans.append(
                self._plan(
                    bz, self.recipient(county), [self.hospitals[sup]], dt.date(2016, 7, 1), bz.end_date
                )
            )
        self.bulk(Pairing, [p.pairing for p in plans])
        self.bulk(
            PairingSupporter,
            [
                PairingSupporter(pairing=p.pairing, hospital=h, is_lead=i == 0)
                for p in plans
                for i, h in enumerate(p.supporters)
            ],
        )
        self.plans = plans
        self.by_recipient = {p.recipient.code: p for p in plans}

    def _plan(
        self, program: Program, recipient: Hospital, sups: list[Hospital], start: dt.date, end: dt.date
    ) -> Plan:
        pairing = Pairing(
            program=program,
            recipient=recipient,
            service_start=start,
            service_end=end,
            note=f"{sups[0].name}牵头帮扶{recipient.name}" if len(sups) > 1 else "",
        )
        return Plan(
            pairing=pairing, program=program, recipient=recipient, supporters=sups, batch_starts=[], deps=[]
        )

    def plan_of(self, county: str, tcm: bool = False) -> Plan:
        return self.by_recipient[self.recipient(county, tcm).code]

    # --- rotation schedules ---------------------------------------------------------------------------

    def members_for(self, plan: Plan, batch: int, start: dt.date, end: dt.date, count: int) -> list[Dep]:
        """``count`` members split between the supporters (the lead sends the larger share)."""
        out = []
        for i in range(count):
            sup = plan.supporters[0] if len(plan.supporters) == 1 or i % 2 == 0 else plan.supporters[1]
            post = self.rng.choice([Post.DEPT_HEAD, Post.CLINICAL_DIRECTOR, Post.PHYSICIAN, Post.PHYSICIAN])
            out.append(Dep(sup, MEMBER, post, start, end, batch))
        return out

    def schedule_gansu(self, plan: Plan, sizes: dict[int, int] | None = None) -> dict[str, Any]:
        """Seven half-year member batches overlapping a week at each hand-over; three leaders back to back.

        Returns the key dates so plantings can bend them.
        """
        s, e = plan.pairing.service_start, plan.pairing.service_end
        t = [months(s, 6 * k) for k in range(8)]
        plan.batch_starts = [s] + [t[k] - dt.timedelta(days=7) for k in range(1, 7)]
        c1 = months(s, 12) + dt.timedelta(days=14)
        c2 = months(c1, 12) + dt.timedelta(days=14)
        sizes = sizes or {}
        lo, hi = (2, 4) if plan.tcm else (4, 6)
        for k in range(7):
            start = plan.batch_starts[k]
            end = e if k == 6 else t[k + 1] + dt.timedelta(days=6)
            n = sizes.get(k, self.rng.randint(lo, hi))
            plan.deps += self.members_for(plan, k, start, end, n)
        lead = plan.supporters[0]
        for a, b in ((s, c1 - dt.timedelta(days=1)), (c1, c2 - dt.timedelta(days=1)), (c2, e)):
            plan.deps.append(
                Dep(
                    lead,
                    LEADER,
                    self.rng.choice([Post.PRESIDENT, Post.PRESIDENT, Post.VICE_PRESIDENT]),
                    a,
                    b,
                    0,
                )
            )
        return {"t": t, "c1": c1, "c2": c2}

    def leader(self, plan: Plan, n: int) -> Dep:
        return sorted([d for d in plan.deps if d.role == LEADER], key=lambda d: d.start)[n]

    def batch(self, plan: Plan, k: int) -> list[Dep]:
        return [d for d in plan.deps if d.role == MEMBER and d.batch == k]

    def plan_gansu(self) -> None:
        gs_plans = [p for p in self.plans if p.program.code == "GS2022"]
        special = {
            self.plan_of("永登县").recipient.code: {3: 3},
            self.plan_of("会宁县", tcm=True).recipient.code: {3: 1},
            self.plan_of("靖远县").recipient.code: {4: 5},
            self.plan_of("高台县").recipient.code: {2: 5},
            self.plan_of("麦积区").recipient.code: {3: 4},
        }
        keys = {}
        for plan in gs_plans:
            keys[plan.recipient.code] = self.schedule_gansu(plan, special.get(plan.recipient.code))
        G = "GS2022"

        def code(county: str, tcm: bool = False) -> str:
            return self.recipient(county, tcm).code

        # TEAM_MIN_SIZE: batch 3 of 永登县 has 3 members: leader + 3 = 4 between the hand-overs.
        for county, tcm, minimum in (("永登县", False, 5), ("会宁县", True, 3)):
            plan = self.plan_of(county, tcm)
            k = keys[plan.recipient.code]
            a = k["t"][3] + dt.timedelta(days=7)  # day after batch 2 leaves
            b = k["t"][4] - dt.timedelta(days=8)  # day before batch 4 arrives
            self.plant(
                program=G,
                rule="TEAM_MIN_SIZE",
                recipient=plan.recipient.code,
                period=(a, b),
                note=f"batch 3 under strength: fewer than {minimum} on site between hand-overs",
            )

        # COVERAGE_GAP: 皋兰县 — everybody leaves at T4−1, the next leader and batch arrive 10 days later.
        plan = self.plan_of("皋兰县")
        k = keys[plan.recipient.code]
        t4, t5 = k["t"][4], k["t"][5]
        l0, l1, l2 = self.leader(plan, 0), self.leader(plan, 1), self.leader(plan, 2)
        t2 = k["t"][2]
        l0.end = t2 - dt.timedelta(days=1)
        l1.start, l1.end = t2, t4 - dt.timedelta(days=1)
        l2.start = t4 + dt.timedelta(days=10)
        for d in self.batch(plan, 3):
            d.end = t4 - dt.timedelta(days=1)
        for d in self.batch(plan, 4):
            d.start, d.end = t4 + dt.timedelta(days=10), t5 + dt.timedelta(days=16)
        plan.batch_starts[4] = t4 + dt.timedelta(days=10)
        gap = (t4, t4 + dt.timedelta(days=9))
        self.plant(
            program=G,
            rule="COVERAGE_GAP",
            recipient=code("皋兰县"),
            period=gap,
            note="10 days with nobody on site",
        )
        self.plant(
            program=G,
            rule="TEAM_MIN_SIZE",
            recipient=code("皋兰县"),
            period=gap,
            note="0 on site during the coverage gap",
            consequence_of="COVERAGE_GAP",
        )

        # ONE_LEADER: 靖远县 — the third leader arrives 5 days after the second leaves (5 members on site).
        plan = self.plan_of("靖远县")
        c2 = keys[plan.recipient.code]["c2"]
        self.leader(plan, 2).start = c2 + dt.timedelta(days=5)
        self.plant(
            program=G,
            rule="ONE_LEADER",
            recipient=code("靖远县"),
            period=(c2, c2 + dt.timedelta(days=4)),
            note="no leader on site for 5 days",
        )
        # ONE_LEADER: 景泰县 — the second leader stays 3 days into the third one's stint.
        plan = self.plan_of("景泰县")
        c2 = keys[plan.recipient.code]["c2"]
        self.leader(plan, 1).end = c2 + dt.timedelta(days=2)
        self.plant(
            program=G,
            rule="ONE_LEADER",
            recipient=code("景泰县"),
            period=(c2, c2 + dt.timedelta(days=2)),
            note="two leaders on site for 3 days",
        )

        def person(county: str, dep: Dep, rule: str, note: str, tcm: bool = False, **extra: Any) -> None:
            dep.national_id = self.take_planted_id()
            dep.planted = True
            plan = self.plan_of(county, tcm)
            team = self.team_key(plan, dep)
            self.plant(
                program=G,
                rule=rule,
                recipient=plan.recipient.code,
                staff=dep.national_id,
                team=team,
                note=note,
                **extra,
            )

        # LEADER_POST: 平川区 — the second leader holds the post of department head.
        dep = self.leader(self.plan_of("平川区"), 1)
        dep.post = Post.DEPT_HEAD
        person("平川区", dep, "LEADER_POST", "leader's post is 科室主任")
        # LEADER_MGMT_YEARS: 清水县 — the second leader has 2 years of management.
        dep = self.leader(self.plan_of("清水县"), 1)
        dep.management_since = dep.start - relativedelta(years=2)
        person("清水县", dep, "LEADER_MGMT_YEARS", "leader has 2 years of management experience")
        # MEMBER_CLINICAL_YEARS: 武山县 — a batch-2 member has 4 years of clinical experience.
        dep = self.batch(self.plan_of("武山县"), 2)[0]
        dep.clinical_since = dep.start - relativedelta(years=4)
        dep.title = Title.INTERMEDIATE
        person("武山县", dep, "MEMBER_CLINICAL_YEARS", "member has 4 years of clinical experience")
        # MEMBER_MIN_TITLE: 古浪县 — a batch-1 member holds a junior title.
        dep = self.batch(self.plan_of("古浪县"), 1)[0]
        dep.title = Title.JUNIOR
        dep.clinical_since = dep.start - relativedelta(years=7)
        dep.post = Post.PHYSICIAN
        person("古浪县", dep, "MEMBER_MIN_TITLE", "member holds 初级 title")
        # LEADER_MIN_STAY: 临泽县 — the second leader leaves after 9 months; the third takes over early.
        plan = self.plan_of("临泽县")
        l1, l2 = self.leader(plan, 1), self.leader(plan, 2)
        l1.end = min_end(l1.start, 9)
        l2.start = l1.end + dt.timedelta(days=1)
        person("临泽县", l1, "LEADER_MIN_STAY", "leader stayed 9 months")
        # MEMBER_MIN_STAY: 高台县 — one of 5 batch-2 members leaves a day short of 6 months.
        dep = self.batch(self.plan_of("高台县"), 2)[0]
        dep.end = min_end(dep.start, 6) - dt.timedelta(days=1)
        person("高台县", dep, "MEMBER_MIN_STAY", "member stayed 6 months minus one day")
        # ROSTER_FILED: 灵台县 — a batch-5 member is on no roster at all.
        dep = self.batch(self.plan_of("灵台县"), 5)[0]
        dep.on_roster = False
        person("灵台县", dep, "ROSTER_FILED", "deployment on no roster")
        # ROSTER_FILED: 麦积区 — the second supporter's batch-3 roster is filed 5 days after the start.
        plan = self.plan_of("麦积区")
        self.late_roster = (plan.recipient.code, 3, plan.supporters[1].code)
        for dep in self.batch(plan, 3):
            if dep.supporter is plan.supporters[1]:
                person(
                    "麦积区",
                    dep,
                    "ROSTER_FILED",
                    "roster filed 5 days after the deployment started",
                    supporter=plan.supporters[1].code,
                )
        # END_APPRAISAL: 华池县 — a batch-4 member has no appraisal; 合水县 — one appraised 45 days late.
        dep = self.batch(self.plan_of("华池县"), 4)[0]
        dep.appraisal_days = -1
        person("华池县", dep, "END_APPRAISAL", "ended deployment without appraisal")
        dep = self.batch(self.plan_of("合水县"), 5)[0]
        dep.appraisal_days = 45
        person("合水县", dep, "END_APPRAISAL", "appraisal signed 45 days after the end")
        # NO_DOUBLE_DEPLOYMENT: a 崇信县 batch-1 member also listed on another pairing's batch-1 roster.
        plan = self.plan_of("崇信县")
        dep = self.batch(plan, 1)[0]
        other = next(
            p
            for p in gs_plans
            if p is not plan
            and p.supporters[0] is dep.supporter
            and len(p.supporters) == 1
            and not p.tcm
            and p.pairing.service_start == plan.pairing.service_start
        )
        dep.national_id = self.take_planted_id()
        dep.planted = True
        other_dep = self.batch(other, 1)
        self.double_listing = (dep, other, other_dep[0].start, other_dep[0].end)
        self.plant(
            program=G,
            rule="NO_DOUBLE_DEPLOYMENT",
            recipient=other.recipient.code,
            staff=dep.national_id,
            team=self.team_key(other, other_dep[0]),
            period=(max(dep.start, other_dep[0].start), min(dep.end, other_dep[0].end)),
            note=f"deployed to {plan.recipient.code} and listed on a filed roster of {other.recipient.code}",
        )
        # Agreements, training and grade plantings are recorded where those rows are built.

    def plan_guangdong(self) -> None:
        """Teams of exactly 5 (1 leader + 4 members), hand-overs on the day, leaders 12 months or more."""
        for plan in (p for p in self.plans if p.program.code == "GD2019"):
            s, e = plan.pairing.service_start, plan.pairing.service_end
            t = [months(s, 6 * k) for k in range(6)]
            plan.batch_starts = t[:5]
            for k in range(5):
                end = e if k == 4 else t[k + 1] - dt.timedelta(days=1)
                plan.deps += self.members_for(plan, k, t[k], end, 4)
            lead = plan.supporters[0]
            plan.deps.append(Dep(lead, LEADER, Post.PRESIDENT, s, t[2] - dt.timedelta(days=1), 0))
            plan.deps.append(Dep(lead, LEADER, Post.VICE_PRESIDENT, t[2], e, 2))
        plan = self.plan_of("龙川县")
        dep = self.batch(plan, 2)[0]
        t3 = plan.batch_starts[3]
        dep.end = t3 + dt.timedelta(days=4)
        dep.national_id = self.take_planted_id()
        dep.planted = True
        self.plant(
            program="GD2019",
            rule="TEAM_MAX_SIZE",
            recipient=plan.recipient.code,
            period=(t3, t3 + dt.timedelta(days=4)),
            note="a member stays 5 days into the next batch: 6 on site",
        )

    def plan_bozhou(self) -> None:
        """Batches of 10 (1 leader + 9 members) for whole months, six months each, hand-over on the 1st."""
        for plan in (p for p in self.plans if p.program.code == "BZ2016"):
            s = plan.pairing.service_start
            t = [months(s, 6 * k) for k in range(6)]
            plan.batch_starts = t[:5]
            for k in range(5):
                end = t[k + 1] - dt.timedelta(days=1)
                plan.deps += self.members_for(plan, k, t[k], end, 9)
                plan.deps.append(Dep(plan.supporters[0], LEADER, Post.VICE_PRESIDENT, t[k], end, k))
        # Deployment-month plantings are recorded when those rows are built.
        self.bz_spot = self.batch(self.plan_of("涡阳县"), 1)[0]
        self.bz_score = self.batch(self.plan_of("蒙城县"), 2)[0]
        self.bz_attendance = self.batch(self.plan_of("利辛县"), 3)[0]
        for dep in (self.bz_spot, self.bz_score, self.bz_attendance):
            dep.national_id = self.take_planted_id()
            dep.planted = True

    def team_key(self, plan: Plan, dep: Dep) -> tuple[int, int]:
        k = self.batch_index(plan, dep)
        return self.team_year_rotation(plan, k)

    def batch_index(self, plan: Plan, dep: Dep) -> int:
        """A member belongs to its batch's team; a leader to the team of the batch running on arrival."""
        if dep.role == MEMBER:
            return dep.batch
        return max(k for k, s in enumerate(plan.batch_starts) if s <= dep.start)

    def team_year_rotation(self, plan: Plan, k: int) -> tuple[int, int]:
        year = plan.batch_starts[k].year
        rotation = sum(1 for s in plan.batch_starts[: k + 1] if s.year == year)
        return year, rotation

    # --- day-level self-check -------------------------------------------------------------------------

    def verify_day_rules(self) -> None:
        """Recompute TEAM_MIN/MAX_SIZE, COVERAGE_GAP and ONE_LEADER from the plans: as in PLANTED."""
        found: set[tuple[str, str, dt.date, dt.date]] = set()
        for plan in self.plans:
            rules = plan.program.rules
            s, e = plan.pairing.service_start, plan.pairing.service_end
            n = (e - s).days + 1
            people = [0] * n
            leaders = [0] * n
            for d in plan.deps:
                a, b = max(d.start, s), min(d.end, e)
                for i in range((a - s).days, (b - s).days + 1):
                    people[i] += 1
                    if d.role == LEADER:
                        leaders[i] += 1
            minimum = rules.team_min_for(is_tcm=plan.tcm)
            top = rules.team_max_size
            checks = {
                "TEAM_MIN_SIZE": [minimum is not None and p < minimum for p in people],
                "TEAM_MAX_SIZE": [top is not None and p > top for p in people],
                "COVERAGE_GAP": [p == 0 for p in people],
                "ONE_LEADER": [p > 0 and ld != 1 for p, ld in zip(people, leaders, strict=True)],
            }
            for rule, bad in checks.items():
                i = 0
                while i < n:
                    if bad[i]:
                        j = i
                        while j + 1 < n and bad[j + 1]:
                            j += 1
                        found.add(
                            (plan.recipient.code, rule, s + dt.timedelta(days=i), s + dt.timedelta(days=j))
                        )
                        i = j + 1
                    else:
                        i += 1
        expected = {
            (p.recipient, p.rule, p.period[0], p.period[1])
            for p in self.planted
            if p.rule in ("TEAM_MIN_SIZE", "TEAM_MAX_SIZE", "COVERAGE_GAP", "ONE_LEADER") and p.period
        }
        if found != expected:
            raise AssertionError(f"day-level rules differ from the manifest: {found ^ expected}")

    # --- teams, staff, rosters, deployments -----------------------------------------------------------

    def staff_for(self, plan: Plan, dep: Dep) -> Staff:
        rng = self.rng
        tcm = plan.tcm or dep.supporter.kind == HospitalKind.TCM
        discipline, dept = rng.choice(names.TCM_SPECIALTIES if tcm else names.SPECIALTIES)
        margin = 8 if plan.program.code == "BZ2016" else 6
        if dep.role == LEADER:
            title = dep.title or rng.choice([Title.SENIOR, Title.SENIOR, Title.ASSOCIATE_SENIOR])
            clinical = dep.clinical_since or dep.start - relativedelta(
                years=rng.randint(16, 30), days=rng.randrange(300)
            )
            mgmt = dep.management_since or dep.start - relativedelta(
                years=rng.randint(4, 14), days=rng.randrange(300)
            )
        else:
            years = rng.randint(margin, 26)
            title = dep.title or (
                Title.INTERMEDIATE
                if years < 12
                else rng.choice([Title.INTERMEDIATE, Title.ASSOCIATE_SENIOR, Title.SENIOR])
            )
            clinical = dep.clinical_since or dep.start - relativedelta(years=years, days=rng.randrange(300))
            mgmt = dep.start - relativedelta(years=rng.randint(1, 8)) if dep.post == Post.DEPT_HEAD else None
            if dept == "护理部":
                dep.post = Post.HEAD_NURSE if dep.post != Post.PHYSICIAN else Post.OTHER
        birth_year = clinical.year - rng.randint(23, 27)
        area = AREAS.get(dep.supporter.code[:3], "620102")
        nid = dep.national_id or self.new_id(area, birth_year)
        male = int(nid[16]) % 2 == 1
        return Staff(
            employer=dep.supporter,
            name=names.person_name(rng),
            gender="M" if male else "F",
            national_id=nid,
            licence_no=f"1{rng.randrange(10**14):014d}",
            phone=names.phone(rng),
            title=title,
            specialty=discipline,
            department=dept,
            clinical_since=clinical,
            management_since=mgmt,
        )

    def build_teams_and_deployments(self) -> None:
        rng = self.rng
        teams: list[Team] = []
        for plan in self.plans:
            by_batch: dict[int, list[Dep]] = defaultdict(list)
            for d in plan.deps:
                d.team_key = self.batch_index(plan, d)
                by_batch[d.team_key].append(d)
            for k in sorted(by_batch):
                year, rotation = self.team_year_rotation(plan, k)
                ds = by_batch[k]
                team = Team(
                    pairing=plan.pairing,
                    year=year,
                    rotation=rotation,
                    name=f"{plan.recipient.name} {year}年第{rotation}批帮扶队",
                    start_date=min(d.start for d in ds),
                    end_date=max(d.end for d in ds),
                )
                plan.teams[k] = team
                teams.append(team)
        self.bulk(Team, teams)

        staff: list[Staff] = []
        licences: set[str] = set()
        for plan in self.plans:
            for d in plan.deps:
                d.staff = self.staff_for(plan, d)
                while d.staff.licence_no in licences:
                    d.staff.licence_no = f"1{rng.randrange(10**14):014d}"
                licences.add(d.staff.licence_no)  # type: ignore[arg-type]
                staff.append(d.staff)
        self.bulk(Staff, staff)

        province_user = self.users.get("province")
        rosters: list[Roster] = []
        roster_of: dict[tuple[int, int, str], Roster] = {}
        for plan in self.plans:
            for k, team in plan.teams.items():
                for sup in plan.supporters:
                    if not any(d.supporter is sup and d.team_key == k and d.on_roster for d in plan.deps):
                        continue
                    deadline = plan.program.roster_deadline if k == 0 else None
                    if deadline:
                        decided = dt.date(2022, 3, 18) + dt.timedelta(days=rng.randint(0, 14))
                    else:
                        decided = team.start_date - dt.timedelta(days=rng.randint(6, 25))
                    if (plan.recipient.code, k, sup.code) == getattr(self, "late_roster", None):
                        decided = team.start_date + dt.timedelta(days=5)
                    submitted = decided - dt.timedelta(days=rng.randint(3, 10))
                    other = sup.origin == HospitalOrigin.OTHER_PROVINCE
                    r = Roster(
                        team=team,
                        supporter=sup,
                        status=RosterStatus.FILED,
                        submitted_at=at(submitted, 9),
                        forwarded_at=at(submitted + dt.timedelta(days=1), 15) if other else None,
                        decided_at=at(decided, 11),
                        decided_by=province_user if plan.program.code == "GS2022" else None,
                        comment="同意备案",
                    )
                    roster_of[(id(plan), k, sup.code)] = r
                    rosters.append(r)
        self.bulk(Roster, rosters)

        entries: list[RosterEntry] = []
        deployments: list[Deployment] = []
        for plan in self.plans:
            for d in plan.deps:
                roster = roster_of.get((id(plan), d.team_key, d.supporter.code)) if d.on_roster else None
                if roster is not None:
                    entries.append(
                        RosterEntry(
                            roster=roster,
                            staff=d.staff,
                            role=d.role,
                            post=d.post,
                            planned_start=d.start,
                            planned_end=d.end,
                        )
                    )
                deployments.append(
                    Deployment(
                        team=plan.teams[d.team_key],
                        staff=d.staff,
                        supporter=d.supporter,
                        roster=roster,
                        role=d.role,
                        post=d.post,
                        planned_start=d.start,
                        planned_end=d.end,
                        actual_start=d.start,
                        actual_end=d.end,
                    )
                )
                d.deployment = deployments[-1]
        # NO_DOUBLE_DEPLOYMENT: the extra listing on the other pairing's roster.
        dep, other, a, b = self.double_listing
        entries.append(
            RosterEntry(
                roster=roster_of[(id(other), 1, dep.supporter.code)],
                staff=dep.staff,
                role=MEMBER,
                post=Post.PHYSICIAN,
                planned_start=a,
                planned_end=b,
            )
        )
        self.bulk(RosterEntry, entries)
        self.bulk(Deployment, deployments)

    # --- agreements -----------------------------------------------------------------------------------

    def build_agreements(self) -> None:
        rng = self.rng
        agreements: list[Agreement] = []
        items: list[AgreementItem] = []
        late_gov = self.recipient("泾川县").code
        missing_gov = self.recipient("华亭市").code
        late_annual = (self.recipient("金塔县").code, 2023)
        missing_annual = (self.recipient("瓜州县").code, 2024)
        for plan in self.plans:
            prog = plan.program
            first_of_year: dict[int, dt.date] = {}
            for team in plan.teams.values():
                first_of_year[team.year] = min(first_of_year.get(team.year, team.start_date), team.start_date)
            deadline = min(prog.agreement_deadline or plan.pairing.service_start, plan.pairing.service_start)
            for sup in plan.supporters:
                a = deadline - dt.timedelta(days=rng.randint(8, 40))
                dates = [a - dt.timedelta(days=rng.randint(0, 6)) for _ in range(3)]
                tri = Agreement(
                    pairing=plan.pairing,
                    kind=AgreementKind.TRIPARTITE,
                    title=f"{sup.name}、{plan.recipient.county.government}、{plan.recipient.name}对口帮扶三方协议",
                    supporter=sup,
                    supporter_signed_on=dates[0],
                    government_signed_on=dates[1],
                    recipient_signed_on=dates[2],
                    filed_on=a + dt.timedelta(days=3),
                    goals="通过组团式帮扶，提升县级医院综合服务能力，力争达到二级甲等医院水平。",
                )
                if plan.recipient.code == late_gov:
                    tri.government_signed_on = dt.date(2022, 4, 20)
                    tri.filed_on = dt.date(2022, 4, 25)
                    self.plant(
                        program=prog.code,
                        rule="AGREEMENT_SIGNED",
                        recipient=plan.recipient.code,
                        supporter=sup.code,
                        note="county government signed on 2022-04-20, after the deadline",
                    )
                if plan.recipient.code == missing_gov:
                    tri.government_signed_on = None
                    tri.filed_on = None
                    self.plant(
                        program=prog.code,
                        rule="AGREEMENT_SIGNED",
                        recipient=plan.recipient.code,
                        supporter=sup.code,
                        note="county government never signed",
                    )
                agreements.append(tri)
                items += self.agreement_items(tri, prog.start_date, prog.end_date, 3)
                for year in prog.years:
                    if year not in first_of_year:
                        continue
                    if (plan.recipient.code, year) == missing_annual:
                        self.plant(
                            program=prog.code,
                            rule="ANNUAL_AGREEMENT",
                            recipient=plan.recipient.code,
                            supporter=sup.code,
                            year=year,
                            note=f"no annual agreement for {year}",
                        )
                        continue
                    first = first_of_year[year]
                    signed = first - dt.timedelta(days=rng.randint(12, 60))
                    if (plan.recipient.code, year) == late_annual:
                        signed = first + dt.timedelta(days=10)
                        self.plant(
                            program=prog.code,
                            rule="ANNUAL_AGREEMENT",
                            recipient=plan.recipient.code,
                            supporter=sup.code,
                            year=year,
                            note=f"{year} annual agreement signed 10 days after the first rotation started",
                        )
                    ann = Agreement(
                        pairing=plan.pairing,
                        kind=AgreementKind.ANNUAL,
                        year=year,
                        title=f"{year}年度对口帮扶补充协议（{sup.name}—{plan.recipient.name}）",
                        supporter=sup,
                        supporter_signed_on=signed - dt.timedelta(days=rng.randint(0, 5)),
                        government_signed_on=signed - dt.timedelta(days=rng.randint(0, 5)),
                        recipient_signed_on=signed,
                        filed_on=signed + dt.timedelta(days=rng.randint(1, 10)),
                        goals=f"{year}年度帮扶目标："
                        + "；".join(rng.sample([g[1] for g in names.AGREEMENT_GOALS], 3)),
                    )
                    agreements.append(ann)
                    items += self.agreement_items(
                        ann, dt.date(year, 1, 1), dt.date(year, 12, 31), rng.randint(4, 6)
                    )
        self.bulk(Agreement, agreements)
        self.bulk(AgreementItem, items)

    def agreement_items(self, agr: Agreement, start: dt.date, end: dt.date, n: int) -> list[AgreementItem]:
        rng = self.rng
        out = []
        for kind, desc, dept in rng.sample(names.AGREEMENT_GOALS, n):
            due = start + dt.timedelta(days=rng.randint(90, (end - start).days))
            done_by = self.programs[agr.pairing.program.code].end_date
            status = rng.choices(
                [
                    ItemStatus.DONE,
                    ItemStatus.IN_PROGRESS,
                    ItemStatus.DELAYED,
                    ItemStatus.PLANNED,
                    ItemStatus.CANCELLED,
                ],
                weights=[6, 2, 1, 1, 0.3] if due.year < done_by.year else [3, 4, 2, 2, 0.3],
            )[0]
            completed = due - dt.timedelta(days=rng.randint(0, 60)) if status == ItemStatus.DONE else None
            out.append(
                AgreementItem(
                    agreement=agr,
                    kind=kind,
                    description=desc,
                    responsible_department=dept,
                    due_date=due,
                    status=status,
                    completed_on=completed,
                )
            )
        return out

    # --- training -------------------------------------------------------------------------------------

    def build_training(self) -> None:
        rng = self.rng
        stints: list[TraineeStint] = []
        two_only = (self.recipient("庆城县").code, 2023)
        short_one = (self.recipient("环县").code, 2024)
        base_gap = ("S6201006", 2024)
        base_plans: dict[str, list[Plan]] = defaultdict(list)
        for plan in self.plans:
            for sup in plan.supporters:
                if sup.is_residency_base:
                    base_plans[sup.code].append(plan)
        residency_years: set[tuple[str, int]] = set()  # (recipient, year) pairs that got a residency trainee

        def stint(
            plan: Plan, host: Hospital, kind: str, start: dt.date, end: dt.date, free: bool = True
        ) -> None:
            nid = self.new_id(plan.recipient.county.code, start.year - rng.randint(24, 40))
            discipline, dept = rng.choice(names.TCM_SPECIALTIES if plan.tcm else names.SPECIALTIES)
            stints.append(
                TraineeStint(
                    pairing=plan.pairing,
                    host=host,
                    trainee_name=names.person_name(rng),
                    trainee_national_id=nid,
                    department=dept,
                    specialty=discipline,
                    kind=kind,
                    start_date=start,
                    end_date=end,
                    is_free=free,
                    completed=end <= plan.program.end_date,
                )
            )

        # RESIDENCY_BASE: each base enrols one residency trainee a year from one of its pairings (rotating).
        for code, plans in sorted(base_plans.items()):
            host = self.hospitals[code]
            plans = [p for p in plans if p.recipient.code not in (two_only[0], short_one[0])]
            for i, year in enumerate(self.programs["GS2022"].years):
                if (code, year) == base_gap:
                    self.plant(
                        program="GS2022",
                        rule="RESIDENCY_BASE",
                        supporter=code,
                        year=year,
                        note="residency-training base enrolled no recipient trainee this year",
                    )
                    continue
                plan = plans[i % len(plans)]
                start = dt.date(year, 9, 1)
                stint(plan, host, StintKind.RESIDENCY, start, min_end(start, 36))
                residency_years.add((plan.recipient.code, year))

        for plan in self.plans:
            for year in plan.program.years:
                if dt.date(year, 12, 31) < plan.pairing.service_start:
                    continue
                key = (plan.recipient.code, year)
                n = 2 if key == two_only else 3 if key == short_one else rng.randint(3, 4)
                for i in range(n):
                    host = plan.supporters[i % len(plan.supporters)]
                    start = dt.date(year, rng.randint(2, 9), rng.choice([1, 1, 15]))
                    length = 5 if (key == short_one and i == 0) else rng.choice([6, 6, 12])
                    stint(plan, host, StintKind.FURTHER_STUDY, start, min_end(start, length))
                if key == two_only:
                    self.plant(
                        program=plan.program.code,
                        rule="TRAINING_QUOTA",
                        recipient=plan.recipient.code,
                        year=year,
                        note="only 2 recipient staff trained this year",
                    )
                    continue
                if key == short_one:
                    self.plant(
                        program=plan.program.code,
                        rule="TRAINING_QUOTA",
                        recipient=plan.recipient.code,
                        year=year,
                        note="3 trainees but one stint lasts 5 months",
                    )
                    continue
                # Short courses and paid stints: realistic noise that never counts towards the quota.
                if rng.random() < 0.5:
                    start = dt.date(year, rng.randint(3, 10), 1)
                    stint(plan, plan.supporters[0], StintKind.SHORT_COURSE, start, min_end(start, 1))
                if rng.random() < 0.15:
                    start = dt.date(year, rng.randint(3, 6), 1)
                    stint(
                        plan,
                        plan.supporters[0],
                        StintKind.FURTHER_STUDY,
                        start,
                        min_end(start, 6),
                        free=False,
                    )
        self.bulk(TraineeStint, stints)

    # --- per deployment: activity, assessments, spot checks, attendance, appraisals -------------------

    def build_individual_records(self) -> None:
        rng = self.rng
        activities: list[MonthlyActivity] = []
        assessments: list[MonthlyAssessment] = []
        appraisals: list[EndOfStintAppraisal] = []
        spots: list[SpotCheck] = []
        attendance: list[AttendanceRecord] = []
        for plan in self.plans:
            bz = plan.program.code == "BZ2016"
            rules = plan.program.rules
            for d in plan.deps:
                dep = d.deployment
                assert dep is not None
                mstarts = month_starts(d.start, d.end)
                assess = bz or rng.random() < 0.8
                for m in mstarts:
                    surgical = dep.staff.specialty in ("外科", "妇产科", "麻醉学", "眼科", "中医骨伤")
                    activities.append(
                        MonthlyActivity(
                            deployment=dep,
                            month=m,
                            outpatient_visits=rng.randint(60, 420),
                            surgeries=rng.randint(4, 40) if surgical else 0,
                            lectures=rng.randint(1, 4),
                            teaching_rounds=rng.randint(2, 8),
                            case_discussions=rng.randint(1, 6),
                            remote_consultations=rng.randint(0, 5),
                        )
                    )
                    if assess:
                        score = Decimal(rng.randint(820, 990)) / 10
                        if bz and d is self.bz_score and m == mstarts[2]:
                            score = Decimal(75)
                            self.plant(
                                program="BZ2016",
                                rule="MONTHLY_SCORE",
                                recipient=plan.recipient.code,
                                staff=d.national_id,
                                team=self.team_key(plan, d),
                                month=m,
                                note="monthly assessment score 75 (< 80): 1,000 CNY deducted",
                            )
                        passed = rules.monthly_pass_score is None or score >= rules.monthly_pass_score
                        subsidy = rules.monthly_subsidy or 0
                        assessments.append(
                            MonthlyAssessment(
                                deployment=dep,
                                month=m,
                                score=score,
                                items={"出勤": 20, "工作量": float(score) * 0.4, "带教": float(score) * 0.2},
                                passed=passed,
                                subsidy_cny=subsidy,
                                deduction_cny=0 if passed else min(rules.monthly_deduction, subsidy),
                                comment="" if passed else "考核不合格，按规定扣减当月补助",
                            )
                        )
                    if bz:
                        n = 2 if (d is self.bz_spot and m == mstarts[1]) else rng.randint(3, 4)
                        if n == 2:
                            self.plant(
                                program="BZ2016",
                                rule="SPOT_CHECKS",
                                recipient=plan.recipient.code,
                                staff=d.national_id,
                                team=self.team_key(plan, d),
                                month=m,
                                note="only 2 phone spot checks this month",
                            )
                        month_days = days(m, min_end(m, 1))
                        for day in sorted(rng.sample(month_days, n)):
                            spots.append(
                                SpotCheck(
                                    deployment=dep,
                                    checked_at=at(day, rng.randint(8, 17)),
                                    reached=rng.random() < 0.97,
                                    note="电话抽查",
                                )
                            )
                        planted_month = d is self.bz_attendance and m == mstarts[4]
                        if planted_month:
                            self.plant(
                                program="BZ2016",
                                rule="ATTENDANCE_RATE",
                                recipient=plan.recipient.code,
                                staff=d.national_id,
                                team=self.team_key(plan, d),
                                month=m,
                                note="4 days absent: attendance rate under 90 %",
                            )
                        attendance += self.attendance_month(dep, m, absences=4 if planted_month else None)
                if d.appraisal_days == -1:
                    continue
                delay = d.appraisal_days if d.appraisal_days is not None else rng.randint(2, 25)
                # People named in the manifest get no certificate; a few others failed their appraisal.
                appraisals.append(
                    EndOfStintAppraisal(
                        deployment=dep,
                        qualified=not d.planted and rng.random() < 0.97,
                        opinion=rng.choice(
                            [
                                "该同志工作认真负责，业务能力强，圆满完成帮扶任务，考核合格。",
                                "派驻期间遵守纪律，积极开展带教查房，受到医院职工好评，考核合格。",
                                "帮扶期间开展新技术新业务，带教效果明显，考核优秀。",
                            ]
                        ),
                        signer=names.person_name(rng),
                        signed_on=d.end + dt.timedelta(days=delay),
                    )
                )
        self.bulk(MonthlyActivity, activities)
        self.bulk(MonthlyAssessment, assessments)
        self.bulk(SpotCheck, spots)
        self.bulk(AttendanceRecord, attendance)
        self.bulk(EndOfStintAppraisal, appraisals)
        certs = []
        for i, ap in enumerate(a for a in appraisals if a.qualified):
            certs.append(
                Certificate(
                    appraisal=ap,
                    number=f"{ap.deployment.team.pairing.program.code}-{i + 1:06d}",
                    verification_code=f"{rng.getrandbits(64):016X}",
                    issued_on=ap.signed_on + dt.timedelta(days=rng.randint(3, 20)),
                )
            )
        self.bulk(Certificate, certs)

    def attendance_month(self, dep: Deployment, m: dt.date, absences: int | None) -> list[AttendanceRecord]:
        """One row per weekday; at most one non-excused miss a month (rate ≥ 95 %) unless ``absences``."""
        rng = self.rng
        weekdays = [d for d in days(m, min_end(m, 1)) if d.weekday() < 5]
        statuses = [AttendanceStatus.PRESENT] * len(weekdays)
        idx = rng.sample(range(len(weekdays)), 6)
        if absences:
            for i in idx[:absences]:
                statuses[i] = AttendanceStatus.ABSENT
        else:
            if rng.random() < 0.3:
                statuses[idx[0]] = rng.choice([AttendanceStatus.ABSENT, AttendanceStatus.MISSING_PUNCH])
        for i in idx[4:]:
            statuses[i] = rng.choice(
                [AttendanceStatus.LATE, AttendanceStatus.LEAVE, AttendanceStatus.BUSINESS_TRIP]
            )
        out = []
        for day, st in zip(weekdays, statuses, strict=True):
            came = st in (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.BUSINESS_TRIP)
            check_in = at(day, 8).replace(minute=rng.randint(0, 29)) if came else None
            if st == AttendanceStatus.LATE:
                check_in = at(day, 9).replace(minute=rng.randint(5, 40))
            out.append(
                AttendanceRecord(
                    deployment=dep,
                    date=day,
                    check_in=check_in,
                    check_out=at(day, 17).replace(minute=rng.randint(30, 59)) if came else None,
                    status=st,
                    source=AttendanceSource.DINGTALK,
                    approval_ref=f"QJ{day:%Y%m%d}{rng.randint(100, 999)}"
                    if st == AttendanceStatus.LEAVE
                    else "",
                )
            )
        return out

    # --- capacity building and outcomes ---------------------------------------------------------------

    def build_capacity(self) -> None:
        rng = self.rng
        centres: list[CentreProgress] = []
        specs: list[SpecialtyModel] = []
        techs: list[NewTechnology] = []
        grades: list[GradeChange] = []
        referrals: list[Referral] = []
        donations: list[Donation] = []
        onsite: list[OnSiteTraining] = []
        remote: list[RemoteService] = []
        visits: list[ExpertVisitBatch] = []
        ungraded_target = self.recipient("东乡族自治县")
        self.plant(
            program="GS2022",
            rule="GRADE_TARGET",
            county=ungraded_target.county.code,
            recipient=ungraded_target.code,
            note="population ~301,000; its only county hospital is still 未定级 at program end",
        )
        gd_short = ("S4401003", 2020)
        for plan in self.plans:
            prog = plan.program
            h = plan.recipient
            s, e = plan.pairing.service_start, plan.pairing.service_end
            # Grade history: the grade before the program, then upgrades; the last equals Hospital.grade.
            county_name = h.county.name
            if county_name in names.GANSU_UPGRADED and not plan.tcm:
                year, grade = names.GANSU_UPGRADED[county_name]
                grades.append(
                    GradeChange(hospital=h, grade=HospitalGrade.UNGRADED, effective_on=dt.date(2015, 6, 1))
                )
                eff = dt.date(year, rng.randint(3, 11), rng.randint(1, 28))
                grades.append(GradeChange(hospital=h, grade=grade, effective_on=eff))
                h.grade = grade
            elif h.grade in (HospitalGrade.LEVEL2A, HospitalGrade.LEVEL3) and rng.random() < 0.4:
                grades.append(
                    GradeChange(
                        hospital=h,
                        grade=HospitalGrade.LEVEL2,
                        effective_on=dt.date(rng.randint(2008, 2015), 5, 1),
                    )
                )
                grades.append(
                    GradeChange(
                        hospital=h,
                        grade=h.grade,
                        effective_on=dt.date(
                            rng.randint(prog.start_date.year, prog.end_date.year), rng.randint(3, 11), 15
                        ),
                    )
                )
            else:
                grades.append(
                    GradeChange(
                        hospital=h, grade=h.grade, effective_on=dt.date(rng.randint(2008, 2015), 5, 1)
                    )
                )
            if plan.tcm:
                for name in rng.sample(names.TCM_KEY_SPECIALTIES, 2):
                    specs.append(
                        SpecialtyModel(
                            hospital=h, kind=SpecialtyKind.TCM_KEY, name=name, selected_year=s.year
                        )
                    )
            else:
                for c in Centre.values:
                    st = rng.choices(list(CentreStatus.values), weights=[1, 3, 4, 2])[0]
                    achieved = (
                        s + dt.timedelta(days=rng.randint(120, (e - s).days))
                        if st in (CentreStatus.BUILT, CentreStatus.ACCREDITED)
                        else None
                    )
                    centres.append(CentreProgress(hospital=h, centre=c, status=st, achieved_on=achieved))
            for name in rng.sample(names.WEAK_SPECIALTIES, rng.randint(2, 3)):
                achieved = dt.date(rng.randint(s.year + 1, e.year), 12, 1) if rng.random() < 0.4 else None
                specs.append(
                    SpecialtyModel(
                        hospital=h,
                        kind=SpecialtyKind.WEAK,
                        name=name,
                        selected_year=s.year,
                        achieved_on=achieved,
                    )
                )
            for name in rng.sample(names.NEW_TECHNOLOGIES, rng.randint(3, 8)):
                techs.append(
                    NewTechnology(
                        hospital=h,
                        pairing=plan.pairing,
                        name=name,
                        introduced_on=s + dt.timedelta(days=rng.randint(30, (e - s).days)),
                        cases=rng.randint(3, 300),
                    )
                )
            for m in month_starts(s, e):
                referrals.append(
                    Referral(hospital=h, month=m, up_count=rng.randint(5, 80), down_count=rng.randint(2, 50))
                )
                for _ in range(rng.randint(1, 2)):
                    onsite.append(
                        OnSiteTraining(
                            pairing=plan.pairing,
                            date=m + dt.timedelta(days=rng.randint(0, 27)),
                            topic=rng.choice(names.TRAINING_TOPICS),
                            trainer=names.person_name(rng),
                            attendees=rng.randint(15, 120),
                            hours=Decimal(rng.choice([1, 2, 2, 3, 4])),
                        )
                    )
                if m.month % 3 == 1:
                    for kind in rng.sample(list(RemoteServiceKind.values), 2):
                        remote.append(
                            RemoteService(
                                pairing=plan.pairing,
                                supporter=plan.supporters[0],
                                month=m,
                                kind=kind,
                                count=rng.randint(1, 30),
                            )
                        )
            for sup in plan.supporters:
                for _ in range(rng.randint(1, 3)):
                    money = rng.random() < 0.4
                    donations.append(
                        Donation(
                            pairing=plan.pairing,
                            supporter=sup,
                            date=s + dt.timedelta(days=rng.randint(10, (e - s).days)),
                            kind=DonationKind.MONEY if money else DonationKind.IN_KIND,
                            description="帮扶专项经费"
                            if money
                            else rng.choice(["心电监护仪", "除颤仪", "腹腔镜设备", "电子胃镜", "呼吸机"]),
                            value_cny=Decimal(rng.randint(2, 60) * 10_000),
                        )
                    )
            # Expert visits: ≥ 4 batches, ≥ 20 person-times per supporter per year where the rule is on (GD).
            for year in prog.years:
                if dt.date(year, 12, 31) < s:
                    continue
                for sup in plan.supporters:
                    gd = prog.code == "GD2019"
                    n = (
                        (3 if (sup.code, year) == gd_short else rng.randint(4, 5))
                        if gd
                        else rng.randint(1, 4)
                    )
                    if gd and (sup.code, year) == gd_short:
                        self.plant(
                            program="GD2019",
                            rule="EXPERT_VISITS",
                            supporter=sup.code,
                            year=year,
                            note="3 batches of visiting experts (24 person-times) in the year; 4 required",
                        )
                    starts = sorted(rng.sample(range(max(0, (s - dt.date(year, 1, 1)).days), 350), n))
                    for off in starts:
                        a = dt.date(year, 1, 1) + dt.timedelta(days=off)
                        visits.append(
                            ExpertVisitBatch(
                                pairing=plan.pairing,
                                supporter=sup,
                                start_date=a,
                                end_date=a + dt.timedelta(days=rng.randint(1, 5)),
                                person_times=8
                                if (gd and (sup.code, year) == gd_short)
                                else rng.randint(5, 12)
                                if gd
                                else rng.randint(2, 12),
                                specialties="、".join(rng.sample([x[1] for x in names.SPECIALTIES], 2)),
                                activities="义诊、手术示教、教学查房",
                            )
                        )
        Hospital.objects.bulk_update([p.recipient for p in self.plans], ["grade"], batch_size=BATCH)
        self.bulk(CentreProgress, centres)
        self.bulk(SpecialtyModel, specs)
        self.bulk(NewTechnology, techs)
        self.bulk(GradeChange, grades)
        self.bulk(Referral, referrals)
        self.bulk(Donation, donations)
        self.bulk(OnSiteTraining, onsite)
        self.bulk(RemoteService, remote)
        self.bulk(ExpertVisitBatch, visits)


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


def demo_present() -> bool:
    return Program.objects.filter(code__in=DEMO_PROGRAMS).exists()


def build_demo(seed: int = 2022, *, verbose: bool = False) -> DemoBuilder:
    """Build every demo program in one transaction; returns the builder (counts, planted items)."""
    with transaction.atomic(), seeding_context(seed=seed):
        builder = DemoBuilder(seed, verbose=verbose)
        builder.build()
    return builder


@contextlib.contextmanager
def seeding_context(*, audit: bool = True, **metadata: Any) -> Iterator[None]:
    """Audit context for the seed, and the trigger settings defined so each row's audit trigger is cheap.

    The pgtrigger/pghistory trigger functions read two session settings inside an EXCEPTION block; when a
    setting is undefined every row raises and rolls back a subtransaction, which made audited bulk inserts
    ten times slower. Defining both (an empty ignore list, the seed's audit context) avoids that.
    """
    import pghistory

    with pghistory.context(source="seed_demo", **metadata), connection.cursor() as cur:
        ignore = "{}"
        if not audit:
            # pghistory's event triggers (pgtrigger_insert_insert_<hash> …): a synthetic benchmark or the
            # wiping of demo data needs no audit trail, and skipping it saves a third of the time.
            cur.execute(
                "SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname SIMILAR TO %s",
                ["pgtrigger_(insert_insert|update_update|delete_delete)_%"],
            )
            ignore = "{" + ",".join(row[0] for row in cur.fetchall()) + "}"
        cur.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [ignore])
        yield
