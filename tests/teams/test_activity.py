"""Monthly workload (issue 15, recipient 3): by form and by Excel through the shared import machinery —
preview with row, column and reason, error file, all-or-nothing confirm; role matrix; export."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.imports.models import ImportUpload
from devtools import factories as f
from teams.models import MonthlyActivity
from teams.resources import ACTIVITY_HEADERS

D = dt.date


@pytest.fixture
def dep(world):
    team = f.TeamFactory(pairing=world.pairing_a, year=2024)
    return f.DeploymentFactory(team=team, planned_start=D(2024, 1, 1), planned_end=D(2024, 6, 30))


def _xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ACTIVITY_HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("workload.xlsx", buf.getvalue())


def test_a_bad_row_is_shown_with_row_column_and_reason_and_nothing_is_written(world, dep, client):
    nid = dep.staff.national_id
    client.force_login(world.users["alice"])
    r = client.post(
        reverse("teams:activity_upload"),
        {"file": _xlsx([[nid, "", "2024-03", 300, 10, 1, 2, 3, 0], [nid, "", "2024-04", -5, 0, 0, 0, 0, 0]])},
    )
    assert r.status_code == 302
    job = ImportUpload.objects.get()
    preview = client.get(r.url).content.decode()
    assert "3" in preview and "门诊人次 (D)" in preview and "应为非负整数" in preview
    # confirming a file with errors writes nothing
    client.post(r.url)
    assert not MonthlyActivity.objects.exists()
    # the error file is the upload with an error column naming the column and reason
    errors = client.get(reverse("teams:activity_errors", args=[job.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][-1] == "错误 (errors)"
    assert rows[1][-1] in ("", None) and "门诊人次 (D)：应为非负整数" in rows[2][-1]


def test_the_fixed_file_is_confirmed_all_at_once_and_reimport_updates(world, dep, client):
    nid = dep.staff.national_id
    client.force_login(world.users["alice"])
    rows = [[nid, "", "2024-03", 300, 10, 1, 2, 3, 0], [nid, "", "2024年4月", 280, 9, 0, 1, 1, 2]]
    r = client.post(reverse("teams:activity_upload"), {"file": _xlsx(rows)})
    assert "新增 2" in client.get(r.url).content.decode()
    assert client.post(r.url).status_code == 302
    assert MonthlyActivity.objects.get(month=D(2024, 4, 1)).remote_consultations == 2
    rows[0][3] = 333
    r = client.post(reverse("teams:activity_upload"), {"file": _xlsx(rows)})
    page = client.get(r.url).content.decode()
    assert "修改 1" in page and "未变 1" in page
    client.post(r.url)
    assert MonthlyActivity.objects.get(month=D(2024, 3, 1)).outpatient_visits == 333


def test_someone_not_deployed_here_that_month_is_an_error(world, dep, client):
    client.force_login(world.users["alice"])
    r = client.post(
        reverse("teams:activity_upload"),
        {
            "file": _xlsx(
                [
                    [dep.staff.national_id, "", "2024-09", 1, 0, 0, 0, 0, 0],
                    ["", "", "2024-03", 1, 0, 0, 0, 0, 0],
                ]
            )
        },
    )
    page = client.get(r.url).content.decode()
    assert "2024-09 未派驻在本院" in page and "身份证号与执业证书编号至少填一项" in page
    client.post(r.url)
    assert not MonthlyActivity.objects.exists()


def test_entry_by_form_and_the_month_list(world, dep, client):
    client.force_login(world.users["alice"])
    listed = client.get(reverse("teams:activity_list"), {"month": "2024-02"}).content.decode()
    entry = reverse("teams:activity_entry", args=[dep.pk])
    assert f"{entry}?month=2024-02" in listed  # not yet reported
    data = {"month": "2024-02", "outpatient_visits": 120, "surgeries": 4, "lectures": 1, "teaching_rounds": 2,
            "case_discussions": 0, "remote_consultations": 1}  # fmt: skip
    assert client.post(entry, data).status_code == 302
    assert MonthlyActivity.objects.get(deployment=dep, month=D(2024, 2, 1)).outpatient_visits == 120
    outside = client.post(entry, {**data, "month": "2024-08"})
    assert outside.status_code == 200 and "不在派驻期内" in outside.content.decode()
    assert MonthlyActivity.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [("province", 200, 403), ("city_a", 200, 403), ("county_a", 200, 403), ("charlie", 200, 403),
     ("bob", 404, 404), ("dana", 404, 404), ("city_b", 404, 404)],
)  # fmt: skip
def test_role_matrix(world, dep, client, who, get, post):
    MonthlyActivity.objects.create(deployment=dep, month=D(2024, 2, 1), outpatient_visits=7)
    client.force_login(world.users[who])
    entry = reverse("teams:activity_entry", args=[dep.pk])
    assert client.get(entry, {"month": "2024-02"}).status_code == get
    data = {"month": "2024-02", "outpatient_visits": 99, "surgeries": 0, "lectures": 0, "teaching_rounds": 0,
            "case_discussions": 0, "remote_consultations": 0}  # fmt: skip
    assert client.post(entry, data).status_code == post
    assert MonthlyActivity.objects.get().outpatient_visits == 7
    listed = client.get(reverse("teams:activity_list"), {"month": "2024-02"}).content.decode()
    assert (dep.staff.name in listed) is (get == 200)
    # only a recipient's coordinator uploads
    upload = client.post(
        reverse("teams:activity_upload"), {"file": _xlsx([[dep.staff.national_id, "", "2024-02", 1]])}
    )
    assert upload.status_code == (302 if who == "bob" else 403)  # bob: a preview of errors
    assert MonthlyActivity.objects.get().outpatient_visits == 7


def test_another_hospitals_import_job_is_a_404(world, dep, client):
    client.force_login(world.users["alice"])
    r = client.post(
        reverse("teams:activity_upload"), {"file": _xlsx([[dep.staff.national_id, "", "2024-02", 1]])}
    )
    client.force_login(world.users["bob"])
    assert client.get(r.url).status_code == 404
    assert client.post(r.url).status_code == 404
    assert not MonthlyActivity.objects.exists()


def test_export_and_list_queries(world, dep, client, django_assert_max_num_queries):
    for _ in range(5):
        other = f.DeploymentFactory(team=dep.team, planned_start=D(2024, 1, 1), planned_end=D(2024, 6, 30))
        MonthlyActivity.objects.create(deployment=other, month=D(2024, 2, 1), outpatient_visits=1)
    MonthlyActivity.objects.create(deployment=dep, month=D(2024, 2, 1), outpatient_visits=2, surgeries=3)
    client.force_login(world.users["alice"])
    with django_assert_max_num_queries(9):
        client.get(reverse("teams:activity_list"), {"month": "2024-02"})
    r = client.get(reverse("teams:activity_list"), {"month": "2024-02", "export": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 7 and (dep.staff.name, 2, 3) in {(r[1], r[4], r[5]) for r in rows}


def test_template_has_the_import_format_and_instructions(world, client):
    client.force_login(world.users["alice"])
    wb = openpyxl.load_workbook(io.BytesIO(client.get(reverse("teams:activity_template")).content))
    assert [c.value for c in wb.worksheets[0][1]] == ACTIVITY_HEADERS
    assert wb.worksheets[1].title == "说明"
