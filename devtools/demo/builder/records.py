"""Demo builder: monthly assessments, spot checks, end-of-stint appraisals, attendance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from assessments.models import (
    Certificate,
    EndOfStintAppraisal,
    MonthlyAssessment,
    SpotCheck,
)
from core.dates import is_working_day, national_calendar_rows
from devtools.demo import names
from devtools.demo.builder.base import (
    at,
    days,
    min_end,
    month_starts,
)
from teams.choices import AttendanceSource, AttendanceStatus
from teams.models import (
    AttendanceRecord,
    Deployment,
    MonthlyActivity,
)

# The national holiday calendar the attendance query reads (loaded by the core migration), as a dict.
NATIONAL_CALENDAR = {day: worked for day, worked, _name in national_calendar_rows()}


class RecordsMixin:
    """Part of ``DemoBuilder``: monthly assessments, spot checks, end-of-stint appraisals, attendance."""

    # Its attributes (rng, plans, hospitals, counts …) are set by DemoBuilder.__init__.

    def build_individual_records(self) -> None:
        rng = self.rng
        activities: list[MonthlyActivity] = []
        assessments: list[MonthlyAssessment] = []
        appraisals: list[EndOfStintAppraisal] = []
        spots: list[SpotCheck] = []
        attendance: list[AttendanceRecord] = []
        # SPOT_CHECKS counts per supporter and month of its team: in the planted month the supporter of
        # bz_spot's team makes only 2 checks in all (both on bz_spot), none on its other people.
        spot = self.bz_spot
        spot_plan = next(p for p in self.plans if spot in p.deps)
        spot_group = (spot_plan.recipient.code, self.team_key(spot_plan, spot), spot.supporter.code)
        spot_month = month_starts(spot.start, spot.end)[1]
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
                        group = (plan.recipient.code, self.team_key(plan, d), d.supporter.code)
                        n = 2 if (d is spot and m == spot_month) else rng.randint(3, 4)
                        if group == spot_group and m == spot_month and d is not spot:
                            n = 0
                        if d is spot and m == spot_month:
                            self.plant(
                                program="BZ2016",
                                rule="SPOT_CHECKS",
                                recipient=plan.recipient.code,
                                supporter=d.supporter.code,
                                team=self.team_key(plan, d),
                                month=m,
                                note="the supporter made only 2 phone spot checks of its team this month",
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
        """One row per working day (China's calendar, ``core.dates``: holidays off, 调休 weekends worked); at
        most one non-excused miss a month (rate ≥ 90 %) unless ``absences``."""
        rng = self.rng
        weekdays = [d for d in days(m, min_end(m, 1)) if is_working_day(d, NATIONAL_CALENDAR)]
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
