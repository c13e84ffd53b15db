"""Expert visits (柔性帮扶): record by form, yearly progress across recipients, export, role matrix."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from core.roles import Role
from devtools import factories as f
from pairings.models import PairingSupporter
from teams.models import ExpertVisitBatch
from teams.selectors.visits import expert_visit_progress
from teams.services.visits import VisitData, VisitError, expert_visit_create

LIST = reverse("teams:visit_list")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def setup(world: Any) -> dict[str, Any]:
    """Program minimum 4 batches / 20 person-times; supporter A serves a second recipient; a co-supporter."""
    world.program.params = {"expert_visit_batches": 4, "expert_visit_person_times": 20}
    world.program.save()
    second = f.PairingFactory(
        program=world.program,
        recipient=f.RecipientFactory(province=world.province, city=world.city_b, county=world.county_b),
        supporter=world.supporter_a,
    )
    co = f.HospitalFactory(province=world.province, city=world.city_a)
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    other = f.ProvinceFactory(name="天津市", code="12")
    return {
        "second": second,
        "co": f.make_member("co", Role.SUPPORTER_COORDINATOR, hospital=co),
        "other": f.make_member("other", Role.PROVINCE_STAFF, province=other),
    }


def _post(pairing: Any, **over: Any) -> dict[str, Any]:
    return {
        "pairing": pairing.pk,
        "start_date": "2023-05-08",
        "end_date": "2023-05-10",
        "person_times": 6,
        "specialties": "心内科 张三、李四",
        "activities": "义诊、手术示教",
        **over,
    }


def test_coordinator_records_by_form_and_progress_sums_all_recipients(
    world: Any, setup: dict[str, Any]
) -> None:
    c = _client(world.users["charlie"])
    assert c.post(LIST + "?year=2023", _post(world.pairing_a)).status_code == 302
    assert c.post(LIST + "?year=2023", _post(setup["second"], person_times=9)).status_code == 302
    visit = ExpertVisitBatch.objects.get(pairing=world.pairing_a)
    assert (visit.supporter, visit.person_times, visit.activities) == (world.supporter_a, 6, "义诊、手术示教")
    [row] = expert_visit_progress(supporter_id=world.supporter_a.pk, year=2023)
    assert (row.batches, row.person_times, row.required_batches, row.required_person_times) == (2, 15, 4, 20)
    assert row.percent == 50  # the lower of 2/4 batches and 15/20 person-times
    page = c.get(LIST, {"year": 2023}).content.decode()
    assert 'value="50"' in page and "<progress" in page


@pytest.mark.parametrize(
    ("over", "field", "reason"),
    [
        ({"end_date": "2023-05-01"}, "end_date", "早于开始日期"),
        ({"start_date": "2019-05-01", "end_date": "2019-05-02"}, "start_date", "不在帮扶期内"),
        ({"person_times": 0}, "person_times", ""),
    ],
)
def test_bad_input_is_explained_by_field_and_writes_nothing(
    world: Any, setup: dict[str, Any], over: dict[str, Any], field: str, reason: str
) -> None:
    resp = _client(world.users["charlie"]).post(LIST, _post(world.pairing_a, **over))
    assert resp.status_code == 200
    errors = resp.context["form"].errors
    assert field in errors and reason in " ".join(errors[field])
    assert not ExpertVisitBatch.objects.exists()


@pytest.mark.parametrize("who", ["province", "city_a", "alice", "dana", "co_other_pairing", "other"])
def test_others_cannot_record_and_nothing_changes(world: Any, setup: dict[str, Any], who: str) -> None:
    user = setup["co"] if who == "co_other_pairing" else setup.get(who) or world.users[who]
    pairing = setup["second"] if who == "co_other_pairing" else world.pairing_a
    data = VisitData(
        pairing=pairing, start_date=dt.date(2023, 5, 8), end_date=dt.date(2023, 5, 9), person_times=3
    )
    with pytest.raises(PermissionDenied):
        expert_visit_create(user=user, data=data)
    resp = _client(user).post(LIST, _post(pairing))
    assert resp.status_code in (200, 403)
    assert not ExpertVisitBatch.objects.exists()


def test_co_supporter_records_its_own_batch_at_the_shared_recipient(
    world: Any, setup: dict[str, Any]
) -> None:
    data = VisitData(
        pairing=world.pairing_a, start_date=dt.date(2023, 5, 8), end_date=dt.date(2023, 5, 9), person_times=3
    )
    visit = expert_visit_create(user=setup["co"], data=data)
    assert visit.supporter_id != world.supporter_a.pk
    # and supporter A's progress does not count it (EXPERT_VISITS counts per supporter)
    assert expert_visit_progress(supporter_id=world.supporter_a.pk, year=2023)[0].batches == 0


LIST_MATRIX = [
    ("charlie", True),
    ("province", True),
    ("city_a", True),
    ("county_a", True),
    ("alice", True),
    ("co", True),  # the co-supporter sees the shared pairing's visits (scoped by pairing)
    ("bob", False),
    ("city_b", False),
    ("other", False),
]


@pytest.mark.parametrize(("who", "sees"), LIST_MATRIX)
def test_list_role_matrix_and_export(world: Any, setup: dict[str, Any], who: str, sees: bool) -> None:
    ExpertVisitBatch.objects.create(
        pairing=world.pairing_a,
        supporter=world.supporter_a,
        start_date=dt.date(2023, 5, 8),
        end_date=dt.date(2023, 5, 9),
        person_times=4,
        specialties="=HYPERLINK(1)",
    )
    c = _client(setup.get(who) or world.users[who])
    page = c.get(LIST, {"year": 2023})
    assert page.status_code == 200
    assert (world.recipient_a.name in page.content.decode()) is sees
    ws = openpyxl.load_workbook(io.BytesIO(c.get(LIST, {"year": 2023, "export": "xlsx"}).content)).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert len(rows) == (2 if sees else 1)
    if sees:
        assert rows[1][5] == "'=HYPERLINK(1)"  # escaped against formula injection


def test_edit_only_by_the_supporter_that_recorded_it(world: Any, setup: dict[str, Any]) -> None:
    visit = ExpertVisitBatch.objects.create(
        pairing=world.pairing_a, supporter=world.supporter_a, start_date=dt.date(2023, 5, 8),
        end_date=dt.date(2023, 5, 9), person_times=4,
    )  # fmt: skip
    url = reverse("teams:visit_edit", args=[visit.pk])
    for user in (setup["co"], world.users["province"], world.users["alice"]):
        assert _client(user).post(url, _post(world.pairing_a, person_times=99)).status_code == 403
    assert _client(world.users["dana"]).get(url).status_code == 404
    visit.refresh_from_db()
    assert visit.person_times == 4
    assert (
        _client(world.users["charlie"]).post(url, _post(world.pairing_a, person_times=7)).status_code == 302
    )
    visit.refresh_from_db()
    assert visit.person_times == 7


def test_list_queries_do_not_grow(
    world: Any, setup: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    c = _client(world.users["charlie"])
    for i in range(12):
        ExpertVisitBatch.objects.create(
            pairing=setup["second"] if i % 2 else world.pairing_a, supporter=world.supporter_a,
            start_date=dt.date(2023, 5, 1 + i), end_date=dt.date(2023, 5, 2 + i), person_times=2,
        )  # fmt: skip
    with django_assert_max_num_queries(14):
        resp = c.get(LIST, {"year": 2023})
    assert resp.content.decode().count("/teams/expert-visits/") >= 12


def test_service_errors_name_the_field(world: Any, setup: dict[str, Any]) -> None:
    data = VisitData(
        pairing=world.pairing_a, start_date=dt.date(2023, 5, 9), end_date=dt.date(2023, 5, 8), person_times=1
    )
    with pytest.raises(VisitError) as err:
        expert_visit_create(user=world.users["charlie"], data=data)
    assert "end_date" in err.value.problems
