"""Demo builder: rotation plans per program (the schedules the planted violations are cut into)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta

from devtools.demo.builder.base import (
    LEADER,
    MEMBER,
    Dep,
    Plan,
    min_end,
    months,
)
from pairings.models import (
    Hospital,
    Pairing,
    Program,
)
from teams.choices import Post, Title


class PlansMixin:
    """Part of ``DemoBuilder``: rotation plans per program (the schedules the violations are cut into)."""

    # Its attributes (rng, plans, hospitals, counts …) are set by DemoBuilder.__init__.

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
        # ROSTER_FILED: 麦积区 — the second supporter's batch-3 roster is submitted the day after the start
        # (and filed 5 days after it).
        plan = self.plan_of("麦积区")
        self.late_roster = (plan.recipient.code, 3, plan.supporters[1].code)
        for dep in self.batch(plan, 3):
            if dep.supporter is plan.supporters[1]:
                person(
                    "麦积区",
                    dep,
                    "ROSTER_FILED",
                    "roster submitted the day after the deployment started",
                    supporter=plan.supporters[1].code,
                )
        # END_APPRAISAL: 华池县 — a batch-4 member has no appraisal; 合水县 — one appraised 45 days late.
        dep = self.batch(self.plan_of("华池县"), 4)[0]
        dep.appraisal_days = -1
        person("华池县", dep, "END_APPRAISAL", "ended deployment without appraisal")
        # Batch 4, not 5: its appraisal is due in 2024, before any day the demo is laid for (--today).
        dep = self.batch(self.plan_of("合水县"), 4)[0]
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
        # ROSTER_FILED: a Tianjin (out-of-province) supporter's batch-2 roster is marked filed although the
        # city never forwarded it (市州汇总后统一报省): every person on it is a finding.
        plan = next(
            p for p in gs_plans if any(s.code.startswith("S12") for s in p.supporters[1:]) and not p.tcm
        )
        tianjin = next(s for s in plan.supporters[1:] if s.code.startswith("S12"))
        self.unforwarded_roster = (plan.recipient.code, 2, tianjin.code)
        for dep in self.batch(plan, 2):
            if dep.supporter is tianjin and dep.on_roster:
                dep.national_id = self.take_planted_id()
                dep.planted = True
                self.plant(
                    program=G,
                    rule="ROSTER_FILED",
                    recipient=plan.recipient.code,
                    supporter=tianjin.code,
                    staff=dep.national_id,
                    team=self.team_key(plan, dep),
                    note="out-of-province roster marked filed without the city's forwarding",
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
