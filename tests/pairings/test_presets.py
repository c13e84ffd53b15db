"""Rule parameters are validated when a program is saved; presets are data with their sources."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from devtools import factories as f
from pairings.choices import ProgramPreset
from pairings.models import Program
from pairings.presets import (
    GANSU_2022,
    KNOWN_POSTS,
    KNOWN_TITLES,
    PRESETS,
    RuleParams,
    parameter_sources,
    preset_params,
)
from pairings.services import registry as services
from teams.choices import Post, Title


def _errors(data):
    with pytest.raises(ValidationError) as exc:
        RuleParams.from_json(data)
    return exc.value.message_dict


def test_the_issue_example_is_refused_naming_both_parameters():
    errors = _errors({"team_min_size": "five", "leader_posts": "院长"})
    assert set(errors) == {"team_min_size", "leader_posts"}
    assert "team_min_size" in errors["team_min_size"][0] and "整数" in errors["team_min_size"][0]
    assert "leader_posts" in errors["leader_posts"][0] and "列表" in errors["leader_posts"][0]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ({"team_min_size": 0}, "team_min_size"),
        ({"team_min_size": 101}, "team_min_size"),
        ({"team_min_size": True}, "team_min_size"),
        ({"team_min_size": 5.0}, "team_min_size"),
        ({"coverage_gap": "yes"}, "coverage_gap"),
        ({"leader_posts": ["院长", "主任"]}, "leader_posts"),
        ({"leader_posts": []}, "leader_posts"),
        ({"leader_posts": ["院长", "院长"]}, "leader_posts"),
        ({"member_min_title": 5}, "member_min_title"),
        ({"member_min_title": 0}, "member_min_title"),
        ({"attendance_threshold": 0}, "attendance_threshold"),
        ({"attendance_threshold": 1.01}, "attendance_threshold"),
        ({"agreement_parties": ["supporter", "county"]}, "agreement_parties"),
        ({"training_quota_period": "month"}, "training_quota_period"),
        ({"member_experience_basis": "management"}, "member_experience_basis"),
        ({"spot_checks_per_month": 32}, "spot_checks_per_month"),
        ({"team_size": 4}, "team_size"),
        ({"program_years": 3}, "program_years"),  # removed: nothing read it
    ],
)
def test_bad_values_are_refused_naming_the_parameter(data, name):
    errors = _errors(data)
    assert list(errors) == [name]
    assert name in errors[name][0]


@pytest.mark.parametrize(
    "data",
    [
        {"team_min_size": 1},
        {"team_min_size": 100},
        {"team_min_size": None},
        {"member_min_title": 1},
        {"member_min_title": 4},
        {"attendance_threshold": 1},
        {"attendance_threshold": 0.9},
        {"leader_posts": ["院长"]},
        {"agreement_parties": ["supporter", "recipient"]},
        {"team_min_size": 5, "team_max_size": 5},
        {"monthly_subsidy": 4000, "monthly_deduction": 4000},
    ],
)
def test_values_on_the_boundary_are_accepted(data):
    params = RuleParams.from_json(data)
    for name, value in data.items():
        got = getattr(params, name)
        assert (list(got) if isinstance(got, tuple) else got) == value


def test_min_above_max_is_refused():
    errors = _errors({"team_min_size": 6, "team_max_size": 5})
    assert list(errors) == ["team_min_size"] and "team_max_size" in errors["team_min_size"][0]
    errors = _errors({"team_min_size_tcm": 6, "team_max_size": 5, "team_min_size": 4})
    assert list(errors) == ["team_min_size_tcm"]


def test_deduction_above_subsidy_is_refused():
    errors = _errors({"monthly_subsidy": 4000, "monthly_deduction": 4001})
    assert list(errors) == ["monthly_deduction"]


def test_a_bad_parameter_is_refused_at_save_time_and_nothing_is_written(world):
    with pytest.raises(ValidationError) as exc:
        services.program_create(
            user=world.users["province"],
            province=world.province,
            code="BAD",
            name="bad",
            preset="gansu_2022",
            start_date=dt.date(2022, 1, 1),
            end_date=dt.date(2025, 12, 31),
            params={"team_min_size": "five"},
        )
    assert "team_min_size" in exc.value.message_dict["params"][0]
    assert not Program.objects.filter(code="BAD").exists()


@pytest.mark.django_db
def test_program_clean_refuses_a_bad_override_on_edit():
    program = f.ProgramFactory()
    program.params = {"leader_posts": "院长"}
    with pytest.raises(ValidationError) as exc:
        program.full_clean()
    assert "leader_posts" in exc.value.message_dict["params"][0]
    program.refresh_from_db()
    assert "leader_posts" not in program.params


def test_the_english_message_names_the_parameter(settings):
    from django.utils import translation

    with translation.override("en"):
        errors = _errors({"team_min_size": "five"})
    assert "team_min_size" in errors["team_min_size"][0]
    assert "integer" in errors["team_min_size"][0]


def test_known_posts_and_titles_follow_the_staff_vocabularies():
    assert set(KNOWN_POSTS) == set(Post.values)
    assert set(KNOWN_TITLES) == set(Title.values)


def test_every_preset_is_a_choice_and_valid():
    assert set(PRESETS) == set(ProgramPreset.values)
    for code in PRESETS:
        preset_params(code)  # raises when a preset's own data is invalid


def test_every_preset_number_names_its_document_and_clause():
    for preset in PRESETS.values():
        for name, setting in {**preset.settings, **preset.deadlines}.items():
            assert setting.document, (preset.code, name)
            assert setting.clause, (preset.code, name)


def test_gansu_preset_states_the_defaults():
    defaults = RuleParams()
    for name, setting in GANSU_2022.settings.items():
        assert getattr(defaults, name) == setting.value, name
    assert RuleParams.from_json(GANSU_2022.params()) == defaults
    assert defaults.training_min_months is None  # Gansu sets no minimum stint length


def test_guangdong_does_not_inherit_gansu_stay_experience_and_title():
    p = preset_params("guangdong_2019")
    assert p.leader_min_stay_months is None and p.member_min_stay_months is None
    assert p.leader_mgmt_years is None and p.member_clinical_years is None and p.member_min_title is None
    assert p.agreement_parties == ("supporter", "recipient")
    assert (p.expert_visit_batches, p.expert_visit_person_times) == (4, 20)


def test_bozhou_reading():
    p = preset_params("bozhou_2016")
    assert (
        p.team_min_size is None and p.team_min_size_tcm is None
    )  # "about 10" is a batch, not a daily minimum
    assert (p.member_clinical_years, p.member_experience_basis) == (6, "work")
    assert (p.training_quota, p.training_quota_period) == (3, "program")
    assert p.spot_checks_per_month == 3


def test_new_presets():
    m, h, d = preset_params("mianyang"), preset_params("hinggan"), preset_params("dingxi")
    assert (m.training_quota, m.training_min_months, m.member_min_stay_months, m.member_min_title) == (
        3,
        6,
        6,
        2,
    )
    assert (h.team_min_size, h.team_min_size_tcm, h.training_quota, h.training_min_months) == (3, 3, 2, 6)
    assert (d.training_min_months, d.capacity_centres_min) == (3, 2)
    assert preset_params("gansu_2022").capacity_centres_min is None


def test_parameter_sources_show_override_preset_and_default():
    sources = parameter_sources("mianyang", {"training_quota": 4})
    assert sources["training_quota"].value == 4
    assert sources["training_min_months"].clause == "为期半年以上的进修"
    assert sources["team_min_size"].document == GANSU_2022.document  # inherited from the Gansu default
    assert set(sources) == RuleParams.field_names()
