"""Stored and generated files: who gets them (issue 13 item 2).

Import jobs are the uploading hospital's (attendance imports are also the supervising commission's); stored
files are served only through their owning object's ``for_user`` scoping, never as /media/ static files;
in production the web server sends them after the check (X-Accel-Redirect).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.choices import JobStatus
from assessments.models import ReportFile
from core.files import protected_file_url
from core.imports.models import ImportUpload
from devtools import factories as f
from devtools.dingtalk_samples import write_xlsx
from teams.models import ImportJob, ImportKind
from teams.resources import ROSTER_HEADERS
from teams.services import rosters as svc

HEADER = [h for h, _r, _h in ROSTER_HEADERS]
FULL_ID = "620102198001010009"
FULL_PHONE = "13912345678"
EVERYONE_BUT_CHARLIE = [
    "province",
    "city_a",
    "county_a",
    "alice",
    "bob",
    "dana",
    "city_b",
    "dashboard",
    "nobody",
]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ""


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _bad_roster_upload(world: Any, tmp_path: Path) -> tuple[Any, ImportUpload]:
    """charlie (supporter A) uploads a roster whose one row has a bad date; the job keeps the file."""
    team = f.TeamFactory(pairing=world.pairing_a, start_date=dt.date(2023, 3, 1))
    roster = svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)
    row = {h: "" for h in HEADER}
    row.update(
        {
            "姓名": "王五",
            "身份证号": FULL_ID,
            "手机号": FULL_PHONE,
            "工作单位": world.supporter_a.name,
            "职称": "中级",
            "角色": "队长",
            "挂职岗位": "副院长",
            "计划开始": "tomorrow",
            "计划结束": "2023-08-31",
        }
    )
    write_xlsx(tmp_path / "r.xlsx", [("名单", [HEADER, [row[h] for h in HEADER]])])
    upload = SimpleUploadedFile("r.xlsx", (tmp_path / "r.xlsx").read_bytes())
    resp = _client(world.users["charlie"]).post(
        reverse("teams:roster_upload", args=[roster.pk]), {"file": upload}
    )
    assert resp.status_code == 302
    return roster, ImportUpload.objects.get(kind="roster", target_id=roster.pk)


def test_roster_error_file_only_for_the_uploading_supporter_and_masked(world: Any, tmp_path: Path) -> None:
    # given charlie's roster upload with an error
    _roster, job = _bad_roster_upload(world, tmp_path)
    url = reverse("teams:roster_errors", args=[job.pk])
    # when charlie downloads the error file, then it is there, with ID and phone masked (no right to see them)
    resp = _client(world.users["charlie"]).get(url)
    assert resp.status_code == 200
    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "620102********0009" in cells and "139****5678" in cells
    assert FULL_ID not in cells and FULL_PHONE not in cells
    # then every other role — commission of the supporter's city and province, dashboard, the recipient,
    # another supporter — gets 404 (the job is not theirs), and the anonymous are sent to log in
    for who in EVERYONE_BUT_CHARLIE:
        assert _client(world.users[who]).get(url).status_code == 404, who
        assert (
            _client(world.users[who]).get(reverse("teams:roster_preview", args=[job.pk])).status_code == 404
        )
    assert _client(None).get(url).status_code == 302


def test_import_jobs_are_scoped_to_the_uploader_and_the_supervising_commission(world: Any) -> None:
    # given a roster upload of supporter A and an attendance upload of recipient A
    roster_job = ImportJob.objects.create(kind=ImportKind.ROSTER, hospital=world.supporter_a)
    attendance_job = ImportJob.objects.create(kind=ImportKind.ATTENDANCE, hospital=world.recipient_a)
    seen = {
        who: set(ImportJob.objects.for_user(u).values_list("pk", flat=True)) for who, u in world.users.items()
    }
    # then the roster upload is only supporter A's
    assert {who for who, pks in seen.items() if roster_job.pk in pks} == {"charlie"}
    # and the attendance upload is recipient A's and its commission's (province, city A, county A)
    assert {who for who, pks in seen.items() if attendance_job.pk in pks} == {
        "alice",
        "province",
        "city_a",
        "county_a",
    }


def _stored_job(world: Any) -> ImportJob:
    job = ImportJob(kind=ImportKind.ROSTER, hospital=world.supporter_a, original_name="名单.xlsx")
    job.file.save("名单 1.xlsx", ContentFile(f"身份证号,{FULL_ID}".encode()), save=True)
    return job


def test_stored_upload_is_served_only_through_its_owner(world: Any) -> None:
    # given a roster file charlie uploaded
    job = _stored_job(world)
    url = protected_file_url(job, "file")
    # when charlie asks for it, then the app streams it as an attachment that no cache keeps
    resp = _client(world.users["charlie"]).get(url)
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content) == f"身份证号,{FULL_ID}".encode()  # type: ignore[attr-defined]
    assert resp["Content-Disposition"].startswith("attachment")
    assert resp["Cache-Control"] == "private, no-store"
    # then everyone else gets 404, the anonymous a log-in redirect
    for who in EVERYONE_BUT_CHARLIE:
        assert _client(world.users[who]).get(url).status_code == 404, who
    assert _client(None).get(url).status_code == 302
    # and MEDIA_ROOT is not published at /media/, to anyone
    media_url = "/media/" + job.file.name
    assert _client(None).get(media_url).status_code == 404
    assert _client(world.users["charlie"]).get(media_url).status_code == 404


def test_only_declared_file_fields_are_served(world: Any) -> None:
    job = _stored_job(world)
    charlie = _client(world.users["charlie"])
    for args in (
        ["teams", "importjob", job.pk, "original_name"],  # a field that is not a declared file
        ["auth", "user", world.users["charlie"].pk, "password"],  # a model without PROTECTED_FILES
        ["nosuch", "model", 1, "file"],
        ["teams", "importjob", job.pk + 1000, "file"],
    ):
        assert charlie.get(reverse("protected_file", args=args)).status_code == 404, args


def test_agreement_scan_follows_the_agreement_scope(world: Any) -> None:
    # given a scanned agreement of pairing A
    agreement = f.AgreementFactory(pairing=world.pairing_a)
    agreement.scan.save("协议.pdf", ContentFile(b"%PDF-1.4 scan"), save=True)
    url = protected_file_url(agreement, "scan")
    # then its parties and the commission above it get it; another pairing's coordinators do not
    for who in ("alice", "charlie", "province", "city_a", "county_a"):
        resp = _client(world.users[who]).get(url)
        assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf", who
    for who in ("bob", "dana", "city_b", "nobody"):
        assert _client(world.users[who]).get(url).status_code == 404, who


def test_production_hands_the_file_to_nginx_after_the_check(world: Any, settings: Any) -> None:
    # given the production setting
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    job = _stored_job(world)
    url = protected_file_url(job, "file")
    # when the owner asks, then the answer is empty and names the internal location of the stored file
    resp = _client(world.users["charlie"]).get(url)
    assert resp.status_code == 200 and resp.content == b""
    assert resp["X-Accel-Redirect"].startswith("/protected-media/imports/")
    assert resp["X-Accel-Redirect"].endswith("/%E5%90%8D%E5%8D%95_1.xlsx")  # "名单_1" percent-encoded
    assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # and someone else gets 404 without any redirect header
    other = _client(world.users["dana"]).get(url)
    assert other.status_code == 404 and "X-Accel-Redirect" not in other


def test_report_download_is_handed_to_nginx_too(world: Any, settings: Any) -> None:
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    report = ReportFile.objects.create(
        kind="annual_workbook", program=world.program, year=2023, status=JobStatus.DONE
    )
    report.file.save("r.xlsx", ContentFile(b"xlsx"), save=True)
    url = reverse("assessments:report_download", args=[report.pk])
    resp = _client(world.users["province"]).get(url)
    assert resp.status_code == 200 and resp["X-Accel-Redirect"] == "/protected-media/" + report.file.name
    assert _client(world.users["dashboard"]).get(url).status_code == 404
    assert _client(world.users["charlie"]).get(url).status_code == 404
