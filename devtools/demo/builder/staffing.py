"""Demo builder: people, teams, rosters and deployments."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from devtools.demo import names
from devtools.demo.builder.base import (
    AREAS,
    LEADER,
    MEMBER,
    Dep,
    Plan,
    at,
)
from pairings.choices import (
    HospitalKind,
    HospitalOrigin,
)
from teams.choices import Post, RosterStatus, Title
from teams.models import (
    Deployment,
    Roster,
    RosterEntry,
    Staff,
    Team,
)


class StaffingMixin:
    """Part of ``DemoBuilder``: people, teams, rosters and deployments."""

    # Its attributes (rng, plans, hospitals, counts …) are set by DemoBuilder.__init__.

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
                        decided = self.gs_date(2022, 3, 18) + dt.timedelta(days=rng.randint(0, 14))
                    else:
                        decided = team.start_date - dt.timedelta(days=rng.randint(6, 25))
                    late = (plan.recipient.code, k, sup.code) == getattr(self, "late_roster", None)
                    if late:
                        decided = team.start_date + dt.timedelta(days=5)
                    submitted = decided - dt.timedelta(days=rng.randint(3, 10))
                    if late:  # ROSTER_FILED judges the submission: submitted the day after the start
                        submitted = team.start_date + dt.timedelta(days=1)
                    other = sup.origin == HospitalOrigin.OTHER_PROVINCE
                    r = Roster(
                        team=team,
                        supporter=sup,
                        status=RosterStatus.FILED,
                        submitted_at=at(submitted, 9),
                        forwarded_at=at(submitted + dt.timedelta(days=1), 15)
                        if other
                        and (plan.recipient.code, k, sup.code) != getattr(self, "unforwarded_roster", None)
                        else None,
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
