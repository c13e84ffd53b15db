"""Rule parameters of a program (SPEC §3) and the presets taken from the policy documents.

Every number a rule checks lives here, so a program can run Gansu, Guangdong or Bozhou rules side by side.
A program stores only its overrides in ``Program.params``; ``RuleParams.from_json`` fills in the defaults.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


@dataclasses.dataclass(frozen=True)
class RuleParams:
    # TEAM_MIN_SIZE / TEAM_MAX_SIZE: people on site on every day of the service period.
    team_min_size: int | None = 5
    team_min_size_tcm: int | None = 3
    team_max_size: int | None = None
    # Guangdong: "team exactly 5 = 1 leader + 4 members" is min = max = 5.
    coverage_gap: bool = True
    one_leader: bool = True
    leader_post: bool = True
    leader_posts: tuple[str, ...] = ("院长", "副院长")
    leader_mgmt_years: int | None = 3
    member_clinical_years: int | None = 5
    # Title order: 1 初级 < 2 中级 < 3 副高 < 4 正高 (teams.choices.Title).
    member_min_title: int | None = 2
    leader_min_stay_months: int | None = 12
    member_min_stay_months: int | None = 6
    no_double_deployment: bool = True
    roster_filed: bool = True
    agreement_signed: bool = True
    annual_agreement: bool = True
    # AGREEMENT_ITEMS_OVERDUE: an open agreement item past its due date.
    agreement_items_overdue: bool = True
    training_quota: int | None = 3
    training_min_months: int = 6
    residency_base: bool = True
    expert_visit_batches: int | None = None
    expert_visit_person_times: int | None = None
    spot_checks_per_month: int | None = None
    monthly_pass_score: int | None = None
    monthly_deduction: int = 0
    monthly_subsidy: int = 0
    attendance_threshold: float | None = None
    end_appraisal_days: int | None = 30
    grade_target: bool = True
    grade_target_min_population: int = 50_000
    program_years: int | None = None
    weak_specialties_min: int | None = None
    weak_specialties_max: int | None = None
    quarterly_review: bool = False
    midterm_evaluation: bool = False

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in dataclasses.fields(cls)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RuleParams:
        data = dict(data or {})
        unknown = set(data) - cls.field_names()
        if unknown:
            raise ValueError(f"unknown rule parameters: {', '.join(sorted(unknown))}")
        if "leader_posts" in data:
            data["leader_posts"] = tuple(data["leader_posts"])
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["leader_posts"] = list(self.leader_posts)
        return out

    def team_min_for(self, *, is_tcm: bool) -> int | None:
        return self.team_min_size_tcm if is_tcm else self.team_min_size


GANSU_2022: dict[str, Any] = {}  # the defaults above are the Gansu plan (甘卫医政发〔2022〕37号)

GUANGDONG_2019: dict[str, Any] = {
    "team_min_size": 5,
    "team_min_size_tcm": 5,
    "team_max_size": 5,
    "expert_visit_batches": 4,
    "expert_visit_person_times": 20,
    "program_years": 3,
    "midterm_evaluation": True,
    "weak_specialties_min": 2,
    "weak_specialties_max": 3,
}

BOZHOU_2016: dict[str, Any] = {
    "team_min_size": 10,
    "team_min_size_tcm": 10,
    "member_clinical_years": 6,
    "leader_min_stay_months": 6,
    "member_min_stay_months": 6,
    "monthly_pass_score": 80,
    "monthly_deduction": 1000,
    "monthly_subsidy": 4000,
    "spot_checks_per_month": 3,
    "quarterly_review": True,
    "training_quota": 3,
}

PRESETS: dict[str, dict[str, Any]] = {
    "gansu_2022": GANSU_2022,
    "guangdong_2019": GUANGDONG_2019,
    "bozhou_2016": BOZHOU_2016,
}

# Deadlines named by the documents; a program copies them when created from a preset.
PRESET_DEADLINES: dict[str, dict[str, dt.date]] = {
    "gansu_2022": {"agreement_deadline": dt.date(2022, 4, 5), "roster_deadline": dt.date(2022, 4, 5)},
}


def preset_params(preset: str) -> RuleParams:
    return RuleParams.from_json(PRESETS[preset])
