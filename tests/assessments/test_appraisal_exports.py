"""月考核, 期满考核 and 年度考核 lists export to Excel with the page's filters, the reader's scope, national
IDs masked unless the reader may see them, cells escaped, and a constant number of queries (issue 15)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.choices import AppraisalStatus
from assessments.models import AnnualAppraisal
from devtools import factories as f
from pairings.models import Membership

pytestmark = pytest.mark.django_db
D = dt.date


def _export(client, user, name, **params):
    client.force_login(user)
    resp = client.get(reverse(name), {**params, "export": "xlsx"})
    assert resp.status_code == 200, resp.content[:300]
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _count_queries(client, user, name, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name), {**params, "export": "xlsx"}).status_code == 200
    return len(ctx)


@pytest.fixture
def deps(co_world):
    a = f.DeploymentFactory(team=f.TeamFactory(pairing=co_world.pairing_a, year=2023), staff__name="崔慧")
    b = f.DeploymentFactory(team=f.TeamFactory(pairing=co_world.pairing_b, year=2023), staff__name="王芳")
    a24 = f.DeploymentFactory(
        team=f.TeamFactory(pairing=co_world.pairing_a, year=2024), staff__name="赵磊",
        planned_start=D(2024, 1, 1), planned_end=D(2024, 6, 30),
    )  # fmt: skip
    return a, b, a24


# People's records (scores, appraisals) are not shared with a co-supporter (erin) nor another province.
RECORDS = [
    ("province", {"崔慧", "王芳"}), ("city_a", {"崔慧"}), ("county_a", {"崔慧"}), ("alice", {"崔慧"}),
    ("charlie", {"崔慧"}), ("erin", set()), ("bob", {"王芳"}), ("zoe", set()), ("yan", set()),
]  # fmt: skip


# --- 月考核 -------------------------------------------------------------------------------------------


@pytest.fixture
def monthly(deps):
    a, b, _a24 = deps
    f.MonthlyAssessmentFactory(deployment=a, month=D(2023, 1, 1), comment="=cmd|' /C calc'!A0")
    f.MonthlyAssessmentFactory(deployment=a, month=D(2023, 2, 1), score=55, passed=False)
    f.MonthlyAssessmentFactory(deployment=b, month=D(2023, 1, 1))
    return deps


def test_monthly_export_applies_the_month(co_world, monthly, client):
    rows = _export(client, co_world.users["province"], "assessments:monthly_assessments", month="2023-02")
    assert rows[0][:3] == ["月份", "姓名", "身份证号"]
    assert [(r[0], r[1], r[6]) for r in rows[1:]] == [("2023-02", "崔慧", "不合格")]
    rows = _export(client, co_world.users["province"], "assessments:monthly_assessments")
    assert len(rows) == 4  # no month chosen: every month


@pytest.mark.parametrize(("who", "expected"), RECORDS)
def test_monthly_export_is_scoped(co_world, monthly, client, who, expected):
    rows = _export(client, co_world.users[who], "assessments:monthly_assessments", month="2023-01")
    assert {r[1] for r in rows[1:]} == expected


def test_monthly_export_masks_and_escapes(co_world, monthly, client):
    staff = monthly[0].staff
    rows = _export(client, co_world.users["alice"], "assessments:monthly_assessments", month="2023-01")
    (row,) = rows[1:]
    assert row[2] != staff.national_id and "*" in row[2] and row[2][-4:] == staff.national_id[-4:]
    assert row[-1] == "'=cmd|' /C calc'!A0"
    Membership.objects.filter(user=co_world.users["province"]).update(can_see_personal_data=True)
    rows = _export(client, co_world.users["province"], "assessments:monthly_assessments", month="2023-01")
    assert staff.national_id in {r[2] for r in rows[1:]}


def test_monthly_export_keeps_its_query_count(co_world, monthly, client):
    user = co_world.users["province"]
    before = _count_queries(client, user, "assessments:monthly_assessments", month="2023-01")
    for _ in range(3):
        f.MonthlyAssessmentFactory(deployment=f.DeploymentFactory(team=monthly[1].team), month=D(2023, 1, 1))
    assert _count_queries(client, user, "assessments:monthly_assessments", month="2023-01") == before


# --- 期满考核 -----------------------------------------------------------------------------------------


@pytest.fixture
def end(deps):
    a, b, a24 = deps
    f.EndOfStintAppraisalFactory(deployment=a, opinion="+优秀")
    f.EndOfStintAppraisalFactory(deployment=b, qualified=False)
    return deps


def test_end_export_applies_the_year(co_world, end, client):
    rows = _export(client, co_world.users["charlie"], "assessments:end_appraisals", year="2024")
    assert [(r[0], r[6]) for r in rows[1:]] == [("赵磊", "未录入")]
    rows = _export(client, co_world.users["charlie"], "assessments:end_appraisals", year="2023")
    assert [(r[0], r[6], r[7]) for r in rows[1:]] == [("崔慧", "合格", "'+优秀")]


@pytest.mark.parametrize(("who", "expected"), RECORDS)
def test_end_export_is_scoped(co_world, end, client, who, expected):
    rows = _export(client, co_world.users[who], "assessments:end_appraisals", year="2023")
    assert {r[0] for r in rows[1:]} == expected


def test_end_export_masks_national_ids(co_world, end, client):
    staff = end[0].staff
    rows = _export(client, co_world.users["city_a"], "assessments:end_appraisals", year="2023")
    assert rows[1][1] != staff.national_id and "*" in rows[1][1]
    Membership.objects.filter(user=co_world.users["charlie"]).update(can_see_personal_data=True)
    rows = _export(client, co_world.users["charlie"], "assessments:end_appraisals", year="2023")
    assert rows[1][1] == staff.national_id


def test_end_export_keeps_its_query_count(co_world, end, client):
    user = co_world.users["province"]
    before = _count_queries(client, user, "assessments:end_appraisals")
    for _ in range(3):
        f.EndOfStintAppraisalFactory(deployment=f.DeploymentFactory(team=end[1].team))
    assert _count_queries(client, user, "assessments:end_appraisals") == before


# --- 年度考核 -----------------------------------------------------------------------------------------


def _annual(pairing, year=2023, status=AppraisalStatus.PUBLISHED, score=85, **kw):
    return AnnualAppraisal.objects.create(
        pairing=pairing, year=year, status=status, computed_score=score, score=score, grade="good",
        computed_at=timezone.now(), **kw,
    )  # fmt: skip


@pytest.fixture
def annual(co_world):
    _annual(co_world.pairing_a)
    _annual(co_world.pairing_b, score=70)
    _annual(co_world.pairing_a, year=2024)
    return co_world


def test_annual_export_applies_program_and_year(annual, client):
    w = annual
    rows = _export(
        client, w.users["province"], "assessments:annual_appraisals", program=w.program.pk, year=2023
    )
    assert rows[0][:3] == ["年度", "市州", "受援医院"]
    assert sorted((r[0], r[2]) for r in rows[1:]) == sorted(
        [(2023, w.recipient_a.name), (2023, w.recipient_b.name)]
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [("province", {"榆中县第一人民医院", "秦安县人民医院"}), ("city_a", {"榆中县第一人民医院"}),
     ("charlie", {"榆中县第一人民医院"}), ("erin", {"榆中县第一人民医院"}), ("bob", {"秦安县人民医院"}),
     ("zoe", set()), ("yan", set())],
)  # fmt: skip
def test_annual_export_is_scoped(annual, client, who, expected):
    w = annual
    client.force_login(w.users[who])
    resp = client.get(
        reverse("assessments:annual_appraisals"), {"program": w.program.pk, "year": 2023, "export": "xlsx"}
    )
    if not expected:  # the program itself is not theirs
        assert resp.status_code == 404
        return
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert {r[2] for r in list(ws.iter_rows(values_only=True))[1:]} == expected


def test_annual_export_escapes_and_keeps_its_query_count(annual, client):
    w = annual
    w.recipient_b.name = "-2+3"
    w.recipient_b.save()
    user = w.users["province"]
    rows = _export(client, user, "assessments:annual_appraisals", program=w.program.pk, year=2023)
    assert "'-2+3" in {r[2] for r in rows[1:]}
    before = _count_queries(client, user, "assessments:annual_appraisals", program=w.program.pk, year=2023)
    for _ in range(3):
        r = f.RecipientFactory(province=w.province, city=w.city_a, county=w.county_a)
        _annual(f.PairingFactory(program=w.program, recipient=r, supporter=w.supporter_a))
    after = _count_queries(client, user, "assessments:annual_appraisals", program=w.program.pk, year=2023)
    assert after == before
