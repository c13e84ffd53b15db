"""Ordinary bad input gets a clear 4xx or a form error and writes nothing — never a 500 (issue 13, item 5).

Each case reproduces a 500 found by an outside tester; the fuzz test (test_fuzz_pages.py) looks for the next.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from devtools import factories as f
from devtools.dingtalk_samples import write_xlsx
from teams.models import AttendanceRecord, ImportJob, RosterEntry, Staff
from teams.resources import ROSTER_HEADERS
from teams.services import rosters as svc
from teams.services.imports import roster_import
from teams.services.jobs import import_job_run
from tests.api.conftest import client_for

HEADER = [h for h, _r, _h in ROSTER_HEADERS]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _page_client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _rows_written() -> tuple[int, int, int, int]:
    return (
        Staff.objects.count(),
        RosterEntry.objects.count(),
        ImportJob.objects.count(),
        AttendanceRecord.objects.count(),
    )


# --- query parameters: one shared parser for year / month / as_of --------------------------------------


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("home", "as_of=9999-12-31"),
        ("home", "as_of=0001-01-01"),
        ("home", "as_of=2024-02-30"),
        ("teams:attendance_monthly", "month=9999-12"),
        ("teams:attendance_monthly", "month=0001-01"),
        ("teams:attendance_monthly", "month=2023-13"),
        ("assessments:annual_appraisals", "year=²"),
        ("assessments:annual_appraisals", "year=99999999999999999999"),
        ("assessments:annual_appraisals", "year=9999"),
    ],
)
def test_bad_dates_and_years_in_query_strings_are_400(world: Any, path: str, query: str) -> None:
    # given commission staff on a page that reads year / month / as_of
    client = _page_client(world.users["province"])
    # when the parameter is out of range or not a date, then the answer is 400 naming the parameter
    response = client.get(f"{reverse(path)}?{query}")
    assert response.status_code == 400, response.content[:300]
    name = query.split("=")[0]
    assert f"参数 {name}" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("home", "as_of=２０２４-０５-１０"),  # full-width digits are the same date
        ("teams:attendance_monthly", "month=２０２３-０５"),
        ("teams:attendance_monthly", "month=2023-05-01"),  # what a date input sends
        ("assessments:annual_appraisals", "year=２０２３"),
        ("home", "as_of="),
    ],
)
def test_look_alike_and_blank_parameters_are_read(world: Any, path: str, query: str) -> None:
    client = _page_client(world.users["province"])
    assert client.get(f"{reverse(path)}?{query}").status_code == 200


def test_filter_forms_refuse_a_superscript_year_without_a_500(world: Any) -> None:
    client = _page_client(world.users["province"])
    for path in ("pairings:list", "teams:roster_list", "assessments:finding_list"):
        response = client.get(reverse(path), {"year": "²", "program": "²", "page": "²"})
        assert response.status_code < 500, (path, response.status_code)


def test_pairing_page_with_bad_year_is_400(world: Any) -> None:
    client = _page_client(world.users["province"])
    for year in ("²", "9999", "-1", "2023x"):
        response = client.get(reverse("pairings:detail", args=[world.pairing_a.pk]), {"year": year})
        assert response.status_code == 400, (year, response.status_code)


@pytest.mark.parametrize(
    ("basename", "query"),
    [
        ("team-list", "year=²"),
        ("team-list", "year=1e400"),
        ("annual-appraisal-list", "year=²"),
        ("staff-list", "cursor=cD1hYmM="),  # base64 of "p=abc": a position that is no id
        ("staff-list", "cursor=cD0lMDA="),  # p=%00
        ("staff-list", "updated_since=9999-12-31T23:59:59%2B99:00"),
    ],
)
def test_api_bad_query_strings_are_400_or_404(world: Any, basename: str, query: str) -> None:
    before = _rows_written()
    response = client_for(world.users["province"]).get(f"{reverse(f'api:{basename}')}?{query}")
    assert response.status_code in (400, 404), (response.status_code, response.content[:300])
    assert response.json()["error"]["code"] in ("validation_error", "not_found")
    assert _rows_written() == before


def test_api_cursor_tampering_is_a_clear_404(world: Any) -> None:
    response = client_for(world.users["province"]).get(reverse("api:staff-list"), {"cursor": "cD1hYmM="})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found" and response.json()["error"]["message"]
    # a position beyond any key is an empty page, not an error
    beyond = client_for(world.users["province"]).get(
        reverse("api:deployment-list"), {"cursor": "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}
    )
    assert beyond.status_code == 200 and beyond.json()["results"] == []


def test_audit_page_with_a_non_numeric_pk_is_404(world: Any) -> None:
    client = _page_client(world.users["province"])
    for pk in ("abc", "1.5", "%00", "99999999999999999999999"):
        response = client.get(f"/audit/pairings/pairing/{pk}/")
        assert response.status_code == 404, (pk, response.status_code)


def test_public_certificate_verification_with_nul_is_not_a_500(db: Any) -> None:
    client = Client(raise_request_exception=False)
    for path in ("/assessments/certificates/verify/%00/", "/assessments/certificates/verify/?code=%00"):
        response = client.get(path)
        assert response.status_code in (200, 400, 404), (path, response.status_code)
    assert client.get("/assessments/certificates/verify/%00/").status_code != 500


# --- uploads ---------------------------------------------------------------------------------------------


@pytest.fixture
def roster(world: Any) -> Any:
    team = f.TeamFactory(pairing=world.pairing_a, start_date=dt.date(2023, 3, 1))
    return svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)


def _row(world: Any, name: str, nid: str, **over: Any) -> list[Any]:
    values = {h: "" for h in HEADER}
    values.update(
        {
            "姓名": name,
            "身份证号": nid,
            "工作单位": world.supporter_a.name,
            "职称": "中级",
            "从事临床工作起始": "2010-07-01",
            "角色": "队员",
            "挂职岗位": "医师",
            "计划开始": "2023-03-01",
            "计划结束": "2023-08-31",
        }
    )
    values.update(over)
    return [values[h] for h in HEADER]


def _leader(world: Any) -> list[Any]:
    return _row(
        world, "王队长", f.valid_national_id(1, area="620102"), 角色="队长", 职称="正高", 挂职岗位="副院长"
    )


def _named(content: bytes, name: str) -> Any:
    return SimpleUploadedFile(name, content)


def _xlsx(tmp_path: Path, rows: list[list[Any]]) -> bytes:
    path = tmp_path / "roster.xlsx"
    write_xlsx(path, [("名单", [HEADER, *rows])])
    return path.read_bytes()


def test_roster_cells_longer_than_the_columns_are_row_errors(world: Any, roster: Any, tmp_path: Path) -> None:
    rows = [
        _leader(world),
        _row(
            world,
            "长" * 41,
            f.valid_national_id(2, area="620102"),
            手机号="1" * 21,
            专业="专" * 61,
            科室="科" * 61,
        ),
        _row(world, "乙", "", 执业证书编号="1" * 33),
    ]
    before = _rows_written()
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=io.BytesIO(_xlsx(tmp_path, rows)), dry_run=False
    )
    messages = [m for _c, m in preview.rows[1].errors]
    assert messages == ["超过 40 个字符", "超过 20 个字符", "超过 60 个字符", "超过 60 个字符"]
    assert [c for c, _m in preview.rows[1].errors][0] == "姓名 (A)"
    assert preview.rows[2].errors == [("执业证书编号 (C)", "执业证书编号最长 32 位，实际为 33 位")]
    assert not preview.applied and _rows_written() == before


def test_two_new_rows_with_one_licence_are_one_person_twice(world: Any, roster: Any, tmp_path: Path) -> None:
    rows = [
        _leader(world),
        _row(world, "甲", f.valid_national_id(3, area="620102"), 执业证书编号="110440100012345"),
        _row(world, "乙", f.valid_national_id(4, area="620102"), 执业证书编号="110440100012345"),
        _row(world, "丙", "", 执业证书编号="１１０４４０１０００１２３４５"),
    ]
    before = _rows_written()
    preview = roster_import(
        user=world.users["charlie"], roster=roster, f=io.BytesIO(_xlsx(tmp_path, rows)), dry_run=False
    )
    assert preview.rows[2].errors == [("", "与第 3 行是同一人员（重复行）")]
    assert preview.rows[3].errors == [("", "与第 3 行是同一人员（重复行）")]
    assert not preview.applied and _rows_written() == before


def _broken_xlsx(tmp_path: Path, world: Any) -> bytes:
    """A real workbook whose sheet XML is cut in half: a valid zip, broken XML."""
    good = _xlsx(tmp_path, [_leader(world)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    return out.getvalue()


# The safe reader (core/spreadsheets.py) names a broken part as unreadable, a broken zip as not an Excel file.
REFUSED = ("不是有效的 Excel", "无法读取")


def _refused(text: str) -> bool:
    return any(phrase in text for phrase in REFUSED)


def test_valid_zip_with_broken_xml_is_refused_on_every_upload_path(
    world: Any, roster: Any, tmp_path: Path
) -> None:
    content = _broken_xlsx(tmp_path, world)
    before = _rows_written()
    # the roster wizard
    client = _page_client(world.users["charlie"])
    response = client.post(
        reverse("teams:roster_upload", args=[roster.pk]), {"file": _named(content, "r.xlsx")}
    )
    assert response.status_code in (200, 400), response.status_code
    assert _refused(response.content.decode())
    # the API preview
    api = client_for(world.users["charlie"])
    response = api.post(
        reverse("api:roster-preview"),
        {"team": roster.team.pk, "file": _named(content, "r.xlsx")},
        format="multipart",
    )
    assert response.status_code == 400, response.content[:300]
    assert _refused(response.json()["error"]["message"] + str(response.json()["error"].get("fields")))
    assert _rows_written() == before


def test_broken_xlsx_attendance_upload_is_refused(world: Any, tmp_path: Path) -> None:
    content = _broken_xlsx(tmp_path, world)
    before = _rows_written()
    client = _page_client(world.users["alice"])
    response = client.post(
        reverse("teams:attendance_upload"),
        {"file": _named(content, "a.xlsx"), "hospital": world.recipient_a.pk},
    )
    # then either the page refuses it, or the job it started fails with the reason (not a crash to retry)
    assert response.status_code in (200, 302), response.status_code
    job = ImportJob.objects.filter(hospital=world.recipient_a).order_by("-pk").first()
    if job is not None:
        job = import_job_run(job_id=job.pk)
        assert job.status == "failed" and _refused(job.errors[0])
    else:
        assert _refused(response.content.decode())
    assert _rows_written()[3] == before[3]
