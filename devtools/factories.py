"""factory_boy factories shared by every test module. Names and places are Chinese, like the real data."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from assessments.models import EndOfStintAppraisal, Finding, MonthlyAssessment
from core.roles import Role
from pairings.choices import HospitalKind, HospitalOrigin, HospitalRole, ProgramPreset
from pairings.models import (
    Agreement,
    City,
    County,
    Hospital,
    Membership,
    Pairing,
    PairingSupporter,
    Program,
    Province,
)
from teams.choices import DeploymentRole, Post, Title
from teams.models import AttendanceRecord, Deployment, Roster, RosterEntry, Staff, Team
from training.models import TraineeStint

DEFAULT_PASSWORD = "Correct-Horse-9"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "62"
    name = "甘肃省"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"62{n:04d}")
    name = factory.Sequence(lambda n: f"测试市{n}")


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"62{n:06d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    population = 120_000


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital

    code = factory.Sequence(lambda n: f"H{n:06d}")
    name = factory.Sequence(lambda n: f"测试医院{n}")
    role = HospitalRole.SUPPORTER
    kind = HospitalKind.GENERAL
    origin = HospitalOrigin.IN_PROVINCE
    province = factory.SubFactory(ProvinceFactory)
    city = factory.SubFactory(CityFactory, province=factory.SelfAttribute("..province"))


class RecipientFactory(HospitalFactory):
    role = HospitalRole.RECIPIENT
    name = factory.Sequence(lambda n: f"测试县人民医院{n}")
    county = factory.SubFactory(CountyFactory, city=factory.SelfAttribute("..city"))
    is_county_hospital = True


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("code",)

    code = "T2022"
    name = "测试项目 2022–2025"
    province = factory.SubFactory(ProvinceFactory)
    preset = ProgramPreset.GANSU_2022
    start_date = dt.date(2022, 1, 1)
    end_date = dt.date(2025, 12, 31)
    agreement_deadline = dt.date(2022, 4, 5)
    roster_deadline = dt.date(2022, 4, 5)


class PairingFactory(factory.django.DjangoModelFactory):
    """A pairing with one lead supporter (pass ``supporter=`` to choose it)."""

    class Meta:
        model = Pairing
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    recipient = factory.SubFactory(RecipientFactory, province=factory.SelfAttribute("..program.province"))
    service_start = factory.SelfAttribute("program.start_date")
    service_end = factory.SelfAttribute("program.end_date")

    @factory.post_generation
    def supporter(self, create: bool, extracted: Hospital | None, **kwargs: object) -> None:
        if not create:
            return
        hospital = extracted or HospitalFactory(province=self.program.province)
        PairingSupporter.objects.create(pairing=self, hospital=hospital, is_lead=True)


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    pairing = factory.SubFactory(PairingFactory)
    kind = "tripartite"
    title = "三方协议"
    supporter = factory.LazyAttribute(lambda o: o.pairing.supporters.get(is_lead=True).hospital)
    supporter_signed_on = dt.date(2022, 3, 20)
    government_signed_on = dt.date(2022, 3, 25)
    recipient_signed_on = dt.date(2022, 3, 20)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    employer = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"张{n}")
    national_id = factory.Sequence(lambda n: f"62010219800101{n:04d}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    title = Title.INTERMEDIATE
    specialty = "内科"
    clinical_since = dt.date(2010, 1, 1)
    management_since = dt.date(2015, 1, 1)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    pairing = factory.SubFactory(PairingFactory)
    year = 2023
    rotation = factory.Sequence(lambda n: n + 1)
    start_date = dt.date(2023, 1, 1)
    end_date = dt.date(2023, 12, 31)


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    team = factory.SubFactory(TeamFactory)
    supporter = factory.LazyAttribute(lambda o: o.team.pairing.supporters.get(is_lead=True).hospital)
    staff = factory.SubFactory(StaffFactory, employer=factory.SelfAttribute("..supporter"))
    role = DeploymentRole.MEMBER
    post = Post.PHYSICIAN
    planned_start = dt.date(2023, 1, 1)
    planned_end = dt.date(2023, 6, 30)


class RosterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roster

    team = factory.SubFactory(TeamFactory)
    supporter = factory.LazyAttribute(lambda o: o.team.pairing.supporters.get(is_lead=True).hospital)


class RosterEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RosterEntry

    roster = factory.SubFactory(RosterFactory)
    staff = factory.SubFactory(StaffFactory, employer=factory.SelfAttribute("..roster.supporter"))
    role = DeploymentRole.MEMBER
    post = Post.PHYSICIAN
    planned_start = dt.date(2023, 1, 1)
    planned_end = dt.date(2023, 6, 30)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttendanceRecord

    deployment = factory.SubFactory(DeploymentFactory)
    date = dt.date(2023, 1, 3)
    status = "present"


class TraineeStintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraineeStint

    pairing = factory.SubFactory(PairingFactory)
    host = factory.LazyAttribute(lambda o: o.pairing.supporters.get(is_lead=True).hospital)
    trainee_name = factory.Sequence(lambda n: f"李{n}")
    kind = "further_study"
    start_date = dt.date(2023, 3, 1)
    end_date = dt.date(2023, 8, 31)


class MonthlyAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyAssessment

    deployment = factory.SubFactory(DeploymentFactory)
    month = dt.date(2023, 1, 1)
    score = 90
    passed = True


class EndOfStintAppraisalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EndOfStintAppraisal

    deployment = factory.SubFactory(DeploymentFactory)
    qualified = True
    opinion = "工作认真负责，考核合格。"
    signer = "王院长"
    signed_on = dt.date(2023, 7, 10)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


def make_member(username: str, role: str, **org: object) -> object:
    """A user with a membership: make_member("alice", Role.RECIPIENT_COORDINATOR, hospital=h)."""
    user = UserFactory(username=username)
    Membership.objects.create(user=user, role=role, **org)
    return user


__all__ = [
    "AgreementFactory",
    "AttendanceFactory",
    "CityFactory",
    "CountyFactory",
    "DeploymentFactory",
    "EndOfStintAppraisalFactory",
    "Finding",
    "HospitalFactory",
    "MonthlyAssessmentFactory",
    "PairingFactory",
    "ProgramFactory",
    "ProvinceFactory",
    "RecipientFactory",
    "Role",
    "RosterEntryFactory",
    "RosterFactory",
    "StaffFactory",
    "TeamFactory",
    "TraineeStintFactory",
    "UserFactory",
    "make_member",
]
