"""Staff directory (人员库): validation, search (namesakes by ID tail), pages, export, role matrix."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from core.identifiers import check_character
from core.roles import Role
from devtools import factories as f
from pairings.models import PairingSupporter
from teams.choices import Title
from teams.forms import RosterEntryForm
from teams.models import Staff
from teams.selectors.staff import staff_directory
from teams.services.staff import StaffData, StaffError, staff_create, staff_update


def valid_id(first17: str) -> str:
    return first17 + check_character(first17)


ID_A = valid_id("62010219800101123")
ID_B = valid_id("62010219850505456")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def more(world: Any) -> dict[str, Any]:
    """A co-supporter of pairing A, staff of another province, and a deployed person of supporter A."""
    co = f.HospitalFactory(province=world.province, city=world.city_a, name="兰州市第二人民医院")
    PairingSupporter.objects.create(pairing=world.pairing_a, hospital=co, is_lead=False)
    other = f.ProvinceFactory(name="天津市", code="12")
    people = {
        "co": f.make_member("co", Role.SUPPORTER_COORDINATOR, hospital=co),
        "other": f.make_member("other", Role.PROVINCE_STAFF, province=other),
    }
    team = f.TeamFactory(pairing=world.pairing_a)
    dep = f.DeploymentFactory(team=team, staff__name="崔慧", staff__national_id=ID_A)
    return {**people, "staff": dep.staff, "co_hospital": co}


# --- services ------------------------------------------------------------------------------------------


def test_create_normalises_and_validates_the_id(world: Any) -> None:
    charlie = world.users["charlie"]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ID_B)
    st = staff_create(
        user=charlie,
        employer=world.supporter_a,
        data=StaffData(name=" 崔慧 ", title=Title.SENIOR, national_id=full_width, phone="138 0000 0000"),
    )
    assert (st.name, st.national_id, st.phone, st.employer) == (
        "崔慧",
        ID_B,
        "13800000000",
        world.supporter_a,
    )


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"national_id": ID_A[:17] + ("0" if ID_A[17] != "0" else "1")}, "national_id", "校验位错误"),
        ({"national_id": "620102199902301234"}, "national_id", "出生日期"),
        ({"national_id": "62010219800101123"}, "national_id", "应为 18 位"),
        ({"national_id": ""}, "national_id", "至少填一项"),
        ({"phone": "12345"}, "phone", "11 位"),
        ({"name": ""}, "name", "姓名为空"),
    ],
)
def test_bad_input_gets_a_specific_reason_and_writes_nothing(
    world: Any, data: dict[str, Any], field: str, reason: str
) -> None:
    before = Staff.objects.count()
    with pytest.raises(StaffError) as err:
        staff_create(
            user=world.users["charlie"],
            employer=world.supporter_a,
            data=StaffData(**{"name": "王五", "title": Title.SENIOR, "national_id": ID_B, **data}),
        )
    assert reason in err.value.problems[field]
    assert Staff.objects.count() == before


def test_a_registered_id_is_refused(world: Any, more: dict[str, Any]) -> None:
    with pytest.raises(StaffError) as err:
        staff_create(
            user=world.users["charlie"],
            employer=world.supporter_a,
            data=StaffData(name="崔慧", title=Title.SENIOR, national_id=ID_A),
        )
    assert "已登记" in err.value.problems["national_id"]


@pytest.mark.parametrize("who", ["province", "dana", "alice", "co"])
def test_only_the_hospitals_coordinator_adds_or_edits(world: Any, more: dict[str, Any], who: str) -> None:
    user = more.get(who) or world.users[who]
    staff = more["staff"]
    with pytest.raises(PermissionDenied):
        staff_create(
            user=user, employer=world.supporter_a, data=StaffData(name="王五", title=1, national_id=ID_B)
        )
    with pytest.raises(PermissionDenied):
        staff_update(user=user, staff=staff, data=StaffData(name="改名", title=1, national_id=ID_A))
    staff.refresh_from_db()
    assert staff.name == "崔慧" and not Staff.objects.filter(national_id=ID_B).exists()


# --- search and picker ---------------------------------------------------------------------------------


def test_namesakes_are_told_apart_by_title_and_id_tail(world: Any, more: dict[str, Any]) -> None:
    charlie = world.users["charlie"]
    other = staff_create(
        user=charlie,
        employer=world.supporter_a,
        data=StaffData(name="崔慧", title=Title.JUNIOR, national_id=ID_B, specialty="儿科"),
    )
    own = world.supporter_a.pk
    assert set(staff_directory(user=charlie, q="崔慧", employer_id=own)) == {more["staff"], other}
    assert list(staff_directory(user=charlie, q=f"崔慧 {ID_B[-4:]}", employer_id=own)) == [other]
    assert list(staff_directory(user=charlie, q="崔慧 初级", employer_id=own)) == [other]
    assert list(staff_directory(user=charlie, q="儿科", employer_id=own)) == [other]
    # the picker's labels differ and show only the tail of the ID
    form = RosterEntryForm(supporter_id=own, q="崔慧")
    labels = [label for _v, label in form.fields["staff"].choices if _v]
    assert len(labels) == 2 and len(set(labels)) == 2
    assert any(f"身份证尾号 {ID_B[-4:]}" in label for label in labels)
    assert not any(ID_B[:6] in label for label in labels)


# --- pages ---------------------------------------------------------------------------------------------


# Who sees the deployed person of supporter A in the directory list (scoped through for_user).
LIST_MATRIX = [
    ("charlie", True),
    ("province", True),
    ("city_a", True),
    ("county_a", True),
    ("alice", True),
    ("co", False),
    ("dana", False),
    ("bob", False),
    ("city_b", False),
    ("other", False),
]


@pytest.mark.parametrize(("who", "sees"), LIST_MATRIX)
def test_list_role_matrix(world: Any, more: dict[str, Any], who: str, sees: bool) -> None:
    user = more.get(who) or world.users[who]
    resp = _client(user).get(reverse("teams:staff_list"))
    assert resp.status_code == 200
    assert ("崔慧" in resp.content.decode()) is sees


@pytest.mark.parametrize(("who", "status"), [("charlie", 200), ("province", 403), ("alice", 403), ("co", 404),
                                             ("dana", 404), ("other", 404)])  # fmt: skip
def test_edit_page_role_matrix_and_refused_posts_change_nothing(
    world: Any, more: dict[str, Any], who: str, status: int
) -> None:
    user = more.get(who) or world.users[who]
    url = reverse("teams:staff_edit", args=[more["staff"].pk])
    c = _client(user)
    assert c.get(url).status_code == status
    resp = c.post(url, {"name": "改名", "title": 4, "national_id": ID_A})
    if status == 200:
        assert resp.status_code == 302
        assert Staff.objects.get(pk=more["staff"].pk).name == "改名"
    else:
        assert resp.status_code == status
        assert Staff.objects.get(pk=more["staff"].pk).name == "崔慧"


@pytest.mark.parametrize("who", ["province", "alice", "city_a"])
def test_only_supporter_coordinators_may_open_the_add_page(world: Any, who: str) -> None:
    c = _client(world.users[who])
    assert c.get(reverse("teams:staff_add")).status_code == 403
    c.post(reverse("teams:staff_add"), {"name": "王五", "title": 4, "national_id": ID_B})
    assert not Staff.objects.filter(national_id=ID_B).exists()


def test_add_from_the_roster_page_returns_there_and_errors_show_by_field(world: Any) -> None:
    c = _client(world.users["charlie"])
    back = "/teams/rosters/1/"
    bad = c.post(
        reverse("teams:staff_add"),
        {"name": "王五", "title": 4, "national_id": "620102198001011230", "next": back},
    )
    assert bad.status_code == 200 and "校验位错误" in bad.content.decode()
    assert not Staff.objects.filter(name="王五").exists()
    ok = c.post(reverse("teams:staff_add"), {"name": "王五", "title": 4, "national_id": ID_B, "next": back})
    assert ok.status_code == 302 and ok["Location"] == back
    assert Staff.objects.get(name="王五").employer == world.supporter_a
    evil = c.post(
        reverse("teams:staff_add"),
        {"name": "赵六", "title": 4, "licence_no": "1234", "next": "https://evil.example/"},
    )
    assert evil["Location"] == reverse("teams:staff_list")


def test_list_masks_personal_data_and_exports_the_search(world: Any, more: dict[str, Any]) -> None:
    c = _client(world.users["charlie"])
    page = c.get(reverse("teams:staff_list")).content.decode()
    assert ID_A not in page and f"{ID_A[:6]}********{ID_A[-4:]}" in page
    resp = c.get(reverse("teams:staff_list"), {"q": "崔", "export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0][0] == "姓名" and [r[0] for r in rows[1:]] == ["崔慧"]
    assert rows[1][5] == f"{ID_A[:6]}********{ID_A[-4:]}"


def test_list_queries_do_not_grow_with_rows(
    world: Any, more: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    c = _client(world.users["charlie"])
    c.get(reverse("teams:staff_list"))
    for _i in range(15):
        f.StaffFactory(employer=world.supporter_a)
    with django_assert_max_num_queries(12):
        resp = c.get(reverse("teams:staff_list"))
    assert resp.content.decode().count("/teams/staff/") >= 16
