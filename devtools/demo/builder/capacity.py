"""Demo builder: capacity building at the recipients, services and expert visits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from assessments.choices import Centre, CentreStatus, DonationKind, SpecialtyKind
from assessments.models import (
    CentreProgress,
    Donation,
    GradeChange,
    NewTechnology,
    Referral,
)
from assessments.models import Specialty as SpecialtyModel
from devtools.demo import names
from devtools.demo.builder.base import (
    BATCH,
    month_starts,
)
from pairings.choices import (
    HospitalGrade,
)
from pairings.models import (
    Hospital,
)
from teams.models import (
    ExpertVisitBatch,
)
from training.choices import RemoteServiceKind
from training.models import OnSiteTraining, RemoteService


class CapacityMixin:
    """Part of ``DemoBuilder``: capacity building at the recipients, services and expert visits."""

    # Its attributes (rng, plans, hospitals, counts …) are set by DemoBuilder.__init__.

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
                eff = self.gs_date(year, rng.randint(3, 11), rng.randint(1, 28))
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
