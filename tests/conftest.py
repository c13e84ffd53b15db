"""Shared fixtures: a small world of two cities, two pairings, and a user for every role.

alice coordinates recipient A, bob coordinates recipient B (another city), charlie coordinates supporter A;
province staff, city A staff and county A staff see their part. Tests prove each sees only its own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from core.holidays import holidays_load
from core.models import HolidayDate
from core.roles import Role
from devtools import factories as f
from pairings.models import PairingSupporter


@pytest.fixture(scope="session", autouse=True)
def _holiday_calendar_present(django_db_setup: Any, django_db_blocker: Any) -> None:
    """A reused test database (``--reuse-db``) whose last run was killed inside a transactional test has an
    empty calendar, and every working-day figure on it is wrong: load the calendar once when it is missing."""
    with django_db_blocker.unblock():
        if not HolidayDate.objects.exists():
            holidays_load()


@pytest.fixture(autouse=True)
def _holiday_calendar_survives_flushes(request: Any, django_db_blocker: Any) -> Any:
    """The national holiday calendar is reference data that a migration loads. A transactional test (the live
    server of the browser journeys, ``django_db(transaction=True)``) empties every table when it ends, and the
    next test on that database would count public holidays as working days. Reload it after such a test."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        with django_db_blocker.unblock():
            holidays_load()


@dataclasses.dataclass
class World:
    province: Any
    city_a: Any
    city_b: Any
    county_a: Any
    county_b: Any
    program: Any
    recipient_a: Any
    recipient_b: Any
    supporter_a: Any
    supporter_b: Any
    pairing_a: Any
    pairing_b: Any
    users: dict[str, Any]


@pytest.fixture
def world(db: Any) -> World:
    province = f.ProvinceFactory()
    city_a = f.CityFactory(province=province, name="兰州市")
    city_b = f.CityFactory(province=province, name="天水市")
    county_a = f.CountyFactory(city=city_a, name="榆中县")
    county_b = f.CountyFactory(city=city_b, name="秦安县")
    program = f.ProgramFactory(province=province)
    recipient_a = f.RecipientFactory(
        province=province, city=city_a, county=county_a, name="榆中县第一人民医院"
    )
    recipient_b = f.RecipientFactory(province=province, city=city_b, county=county_b, name="秦安县人民医院")
    supporter_a = f.HospitalFactory(province=province, city=city_a, name="兰州大学第一医院")
    supporter_b = f.HospitalFactory(province=province, city=city_b, name="天水市第一人民医院")
    pairing_a = f.PairingFactory(program=program, recipient=recipient_a, supporter=supporter_a)
    pairing_b = f.PairingFactory(program=program, recipient=recipient_b, supporter=supporter_b)
    users = {
        "province": f.make_member("prov", Role.PROVINCE_STAFF, province=province),
        "city_a": f.make_member("city_a", Role.CITY_STAFF, city=city_a),
        "city_b": f.make_member("city_b", Role.CITY_STAFF, city=city_b),
        "county_a": f.make_member("county_a", Role.COUNTY_STAFF, county=county_a),
        "alice": f.make_member("alice", Role.RECIPIENT_COORDINATOR, hospital=recipient_a),
        "bob": f.make_member("bob", Role.RECIPIENT_COORDINATOR, hospital=recipient_b),
        "charlie": f.make_member("charlie", Role.SUPPORTER_COORDINATOR, hospital=supporter_a),
        "dana": f.make_member("dana", Role.SUPPORTER_COORDINATOR, hospital=supporter_b),
        "dashboard": f.make_member("dash", Role.DASHBOARD, province=province),
        "nobody": f.UserFactory(username="nobody"),
    }
    return World(
        province,
        city_a,
        city_b,
        county_a,
        county_b,
        program,
        recipient_a,
        recipient_b,
        supporter_a,
        supporter_b,
        pairing_a,
        pairing_b,
        users,
    )


@pytest.fixture
def co_world(world: World) -> World:
    """``world`` plus a co-supporter and another province (issue 13 item 3).

    erin coordinates 天津医科大学总医院, a second (non-lead) supporter of pairing A: she shares the joint
    team's composition with charlie, not his people's personal data, rosters, scores, appraisals or
    certificates.
    zoe is province staff and yan a supporter coordinator of 四川省, which sees nothing of 甘肃省.
    """
    co_supporter = f.HospitalFactory(province=world.province, city=world.city_a, name="天津医科大学总医院")
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co_supporter, is_lead=False)
    other = f.ProvinceFactory(code="51", name="四川省")
    other_city = f.CityFactory(province=other, name="成都市")
    other_supporter = f.HospitalFactory(province=other, city=other_city, name="四川大学华西医院")
    world.users.update(
        erin=f.make_member("erin", Role.SUPPORTER_COORDINATOR, hospital=co_supporter),
        zoe=f.make_member("zoe", Role.PROVINCE_STAFF, province=other),
        yan=f.make_member("yan", Role.SUPPORTER_COORDINATOR, hospital=other_supporter),
    )
    return world
