"""Demo builder: trainee stints and training quotas."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from devtools.demo import names
from devtools.demo.builder.base import (
    Plan,
    min_end,
)
from pairings.models import (
    Hospital,
)
from training.choices import StintKind
from training.models import TraineeStint


class TrainingMixin:
    """Part of ``DemoBuilder``: trainee stints and training quotas."""

    # Its attributes (rng, plans, hospitals, counts …) are set by DemoBuilder.__init__.

    def build_training(self) -> None:
        rng = self.rng
        stints: list[TraineeStint] = []
        two_only = (self.recipient("庆城县").code, self.gs_year(2023))
        short_one = (self.recipient("环县").code, self.gs_year(2024))
        base_gap = ("S6201006", self.gs_year(2024))
        base_plans: dict[str, list[Plan]] = defaultdict(list)
        for plan in self.plans:
            for sup in plan.supporters:
                if sup.is_residency_base:
                    base_plans[sup.code].append(plan)
        residency_years: set[tuple[str, int]] = set()  # (recipient, year) pairs that got a residency trainee

        def stint(
            plan: Plan,
            host: Hospital,
            kind: str,
            start: dt.date,
            end: dt.date,
            free: bool = True,
            backbone: bool = True,
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
                    is_backbone=backbone,
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
                    length = rng.choice([6, 6, 12])
                    # Gansu counts clinical backbone doctors or technicians only (and sets no minimum length).
                    backbone = not (key == short_one and i == 0)
                    stint(
                        plan, host, StintKind.FURTHER_STUDY, start, min_end(start, length), backbone=backbone
                    )
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
                        note="3 trainees but one is not a clinical backbone doctor or technician",
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
