"""The roster list and monthly attendance export to Excel with the page's filters, the reader's scope,
national IDs masked unless the reader may see them, cells escaped, and a constant number of queries
(issue 15 "Both")."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devtools import factories as f
from pairings.models import Membership
from teams.choices import RosterStatus

pytestmark = pytest.mark.django_db


def _export(client, user, name, **params):
    client.force_login(user)
    resp = client.get(reverse(name), {**params, "export": "xlsx"})
    assert resp.status_code == 200, resp.content[:300]
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _count_queries(client, user, name, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name), {**params, "export": "xlsx"}).status_code == 200
    return len(ctx)


# --- roster list --------------------------------------------------------------------------------------


@pytest.fixture
def rosters(co_world):
    w = co_world
    a23 = f.RosterFactory(team=f.TeamFactory(pairing=w.pairing_a, year=2023))
    f.RosterEntryFactory(roster=a23)
    a24 = f.RosterFactory(team=f.TeamFactory(pairing=w.pairing_a, year=2024), status=RosterStatus.SUBMITTED)
    b23 = f.RosterFactory(team=f.TeamFactory(pairing=w.pairing_b, year=2023))
    return a23, a24, b23


def test_roster_export_applies_the_filters(co_world, rosters, client):
    rows = _export(client, co_world.users["charlie"], "teams:roster_list", year="2023")
    assert rows[0][:3] == ["受援医院", "年度", "批次"]
    assert [(r[0], r[1], r[5]) for r in rows[1:]] == [(co_world.recipient_a.name, 2023, 1)]
    rows = _export(client, co_world.users["province"], "teams:roster_list", status="submitted")
    assert [(r[1], r[6]) for r in rows[1:]] == [(2024, "已提交")]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("province", {"榆中县第一人民医院", "秦安县人民医院"}), ("charlie", {"榆中县第一人民医院"}),
     ("dana", {"秦安县人民医院"}), ("zoe", set()), ("yan", set())],
)  # fmt: skip
def test_roster_export_is_scoped(co_world, rosters, client, who, expected):
    rows = _export(client, co_world.users[who], "teams:roster_list")
    assert {r[0] for r in rows[1:]} == expected


def test_roster_export_escapes_and_keeps_its_query_count(co_world, rosters, client):
    co_world.supporter_a.name = "=1+1"
    co_world.supporter_a.save()
    rows = _export(client, co_world.users["province"], "teams:roster_list")
    assert "'=1+1" in {r[3] for r in rows[1:]}
    before = _count_queries(client, co_world.users["province"], "teams:roster_list")
    for year in (2025, 2026, 2027):
        f.RosterFactory(team=f.TeamFactory(pairing=co_world.pairing_b, year=year))
    assert _count_queries(client, co_world.users["province"], "teams:roster_list") == before


def test_roster_list_page_links_the_export_with_the_filters(co_world, rosters, client):
    client.force_login(co_world.users["province"])
    page = client.get(reverse("teams:roster_list"), {"year": "2023"}).content.decode()
    assert "year=2023&amp;export=xlsx" in page
    assert client.get(reverse("teams:roster_list"), {"year": "abc"}).status_code == 400


# --- monthly attendance -------------------------------------------------------------------------------


@pytest.fixture
def on_site(co_world):
    w = co_world
    a = f.DeploymentFactory(team=f.TeamFactory(pairing=w.pairing_a, year=2023), staff__name="崔慧")
    f.AttendanceFactory(deployment=a, date=dt.date(2023, 1, 3))
    b = f.DeploymentFactory(team=f.TeamFactory(pairing=w.pairing_b, year=2023), staff__name="王芳")
    later = f.DeploymentFactory(
        team=f.TeamFactory(pairing=w.pairing_a, year=2023), staff__name="赵磊",
        planned_start=dt.date(2023, 7, 1), planned_end=dt.date(2023, 12, 31),
    )  # fmt: skip
    return a, b, later


def test_attendance_export_is_the_chosen_month(co_world, on_site, client):
    rows = _export(client, co_world.users["province"], "teams:attendance_monthly", month="2023-01")
    assert rows[0][:3] == ["月份", "人员", "身份证号"]
    assert {r[1] for r in rows[1:]} == {"崔慧", "王芳"}
    assert {r[0] for r in rows[1:]} == {"2023-01"}
    rows = _export(client, co_world.users["province"], "teams:attendance_monthly", month="2023-08")
    assert [r[1] for r in rows[1:]] == ["赵磊"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("province", {"崔慧", "王芳"}), ("city_a", {"崔慧"}), ("alice", {"崔慧"}), ("charlie", {"崔慧"}),
     ("erin", set()), ("bob", {"王芳"}), ("zoe", set()), ("yan", set())],
)  # fmt: skip
def test_attendance_export_is_scoped(co_world, on_site, client, who, expected):
    # erin co-supports pairing A: attendance is the person's record, not shared with her.
    rows = _export(client, co_world.users[who], "teams:attendance_monthly", month="2023-01")
    assert {r[1] for r in rows[1:]} == expected


def test_attendance_export_masks_national_ids_unless_allowed(co_world, on_site, client):
    a = on_site[0]
    rows = _export(client, co_world.users["alice"], "teams:attendance_monthly", month="2023-01")
    masked = next(r[2] for r in rows[1:] if r[1] == "崔慧")
    assert masked != a.staff.national_id and masked[:6] == a.staff.national_id[:6] and "*" in masked
    Membership.objects.filter(user=co_world.users["charlie"]).update(can_see_personal_data=True)
    rows = _export(client, co_world.users["charlie"], "teams:attendance_monthly", month="2023-01")
    assert next(r[2] for r in rows[1:] if r[1] == "崔慧") == a.staff.national_id


def test_attendance_export_escapes_and_keeps_its_query_count(co_world, on_site, client):
    on_site[0].staff.name = "@SUM(A1)"
    on_site[0].staff.save()
    rows = _export(client, co_world.users["province"], "teams:attendance_monthly", month="2023-01")
    assert "'@SUM(A1)" in {r[1] for r in rows[1:]}
    user = co_world.users["province"]
    before = _count_queries(client, user, "teams:attendance_monthly", month="2023-01")
    for _ in range(3):
        f.DeploymentFactory(team=f.TeamFactory(pairing=co_world.pairing_b, year=2023))
    assert _count_queries(client, user, "teams:attendance_monthly", month="2023-01") == before
