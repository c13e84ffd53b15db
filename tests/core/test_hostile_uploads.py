"""Issue 13 item 1: the 1.5 KB spreadsheet (A1 + XFD1048576) through every upload path.

Each path answers a 4xx or a form error naming the file and the limit, writes nothing, and the server answers
the next request. Had any path handed the file to python-calamine, it would have asked for ~512 GiB and this
test process would have aborted.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from core.imports.models import ImportUpload
from devtools import factories as f
from devtools.dingtalk_samples import write_xlsx
from pairings.models import Hospital, Pairing
from teams.models import (
    AttendancePunch,
    ImportJob,
    ImportKind,
    ImportStatus,
    MonthlyActivity,
    Roster,
    RosterEntry,
)
from teams.services import rosters as svc
from teams.services.jobs import import_job_run
from teams.tasks import run_import_job
from tests import hostile_sheets as hostile
from tests.api.conftest import client_for
from tests.teams.test_imports_roster import HEADER, _good_rows

LIMIT = "200 列的上限"
HOSTILE = {
    "two_corner_cells": hostile.two_corner_cells,
    "lying_dimension": hostile.lying_dimension,
    "shared_strings_bomb": hostile.shared_strings_bomb,
    "zip_bomb": hostile.zip_bomb,
}
MESSAGES = {
    "two_corner_cells": LIMIT,
    "lying_dimension": LIMIT,
    "shared_strings_bomb": "共享字符串",
    "zip_bomb": "解压后过大",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _page_client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _state() -> tuple[int, ...]:
    return (
        Roster.objects.count(),
        RosterEntry.objects.count(),
        ImportJob.objects.count(),
        AttendancePunch.objects.count(),
        MonthlyActivity.objects.count(),
        Hospital.objects.count(),
        Pairing.objects.count(),
    )


def _still_answers(user: Any) -> None:
    assert _page_client(user).get(reverse("teams:roster_list")).status_code == 200


@pytest.fixture
def roster(world: Any) -> Roster:
    team = f.TeamFactory(pairing=world.pairing_a, start_date=dt.date(2023, 3, 1))
    return svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_roster_upload_page(world: Any, roster: Roster, kind: str) -> None:
    before = _state()
    resp = _page_client(world.users["charlie"]).post(
        reverse("teams:roster_upload", args=[roster.pk]),
        {"file": SimpleUploadedFile("名单.xlsx", HOSTILE[kind]())},
    )
    assert resp.status_code == 200
    errors = resp.context["form"].errors["file"]
    assert "名单.xlsx" in errors[0] and MESSAGES[kind] in errors[0]
    assert _state() == before
    _still_answers(world.users["charlie"])


@pytest.mark.parametrize("action", ["api:roster-preview", "api:roster-confirm"])
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_roster_api(world: Any, roster: Roster, action: str, kind: str) -> None:
    before = _state()
    resp = client_for(world.users["charlie"]).post(
        reverse(action),
        {"team": roster.team_id, "file": SimpleUploadedFile("roster.xlsx", HOSTILE[kind]())},
        format="multipart",
    )
    assert resp.status_code == 400
    message = resp.json()["error"]["fields"]["file"][0]
    assert "roster.xlsx" in message and MESSAGES[kind] in message
    assert _state() == before
    _still_answers(world.users["charlie"])


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_attendance_upload_page(world: Any, kind: str) -> None:
    before = _state()
    resp = _page_client(world.users["alice"]).post(
        reverse("teams:attendance_upload"),
        {"hospital": world.recipient_a.pk, "file": SimpleUploadedFile("export.xlsx", HOSTILE[kind]())},
    )
    assert resp.status_code == 200
    assert MESSAGES[kind] in resp.context["form"].errors["file"][0]
    assert _state() == before
    _still_answers(world.users["alice"])


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_attendance_api(world: Any, kind: str) -> None:
    before = _state()
    resp = client_for(world.users["alice"]).post(
        reverse("api:attendance-import-list"),
        {"file": SimpleUploadedFile("export.xlsx", HOSTILE[kind]())},
        format="multipart",
    )
    assert resp.status_code == 400
    assert MESSAGES[kind] in resp.json()["error"]["fields"]["file"][0]
    assert _state() == before
    _still_answers(world.users["alice"])


def _stored_job(world: Any, kind: str, content: bytes, **extra: Any) -> ImportJob:
    """A job whose file was stored without the request's check (e.g. uploaded before the fix)."""
    job = ImportJob(
        kind=kind, hospital=extra.pop("hospital", world.recipient_a), original_name="export.xlsx", **extra
    )
    job.file.save("export.xlsx", ContentFile(content), save=True)
    return job


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_attendance_job_ends_failed_with_the_message(world: Any, kind: str) -> None:
    # given a stored attendance job holding the hostile file
    job = _stored_job(world, ImportKind.ATTENDANCE, HOSTILE[kind](), created_by=world.users["alice"])
    # when the worker's task runs it (in process, as the worker would)
    result = run_import_job.apply(args=[job.pk])
    # then the task returns normally, the job is failed with the message, nothing was imported
    assert result.successful() and result.result == ImportStatus.FAILED
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and MESSAGES[kind] in job.errors[0] and job.progress == 100
    assert AttendancePunch.objects.count() == 0
    # and running it again (a redelivery) leaves it as it is
    assert import_job_run(job_id=job.pk).status == ImportStatus.FAILED
    poll = client_for(world.users["alice"]).get(reverse("api:attendance-import-detail", args=[job.pk]))
    assert poll.status_code == 200 and poll.json()["status"] == "failed"


def test_stored_roster_job_preview_and_error_file_refuse_it(world: Any, roster: Roster) -> None:
    job = ImportUpload(kind="roster", target_id=roster.pk, created_by=world.users["charlie"])
    job.file.save("export.xlsx", ContentFile(hostile.two_corner_cells()), save=True)
    before = _state()
    client = _page_client(world.users["charlie"])
    preview = client.post(reverse("teams:roster_preview", args=[job.pk]), follow=True)
    assert preview.status_code == 200 and any(LIMIT in str(m) for m in preview.context["messages"])
    errors = client.get(reverse("teams:roster_errors", args=[job.pk]), follow=True)
    assert errors.status_code == 200 and any(LIMIT in str(m) for m in errors.context["messages"])
    assert _state() == before


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_import_commands(world: Any, roster: Roster, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(HOSTILE[kind]())
    program = world.pairing_a.program
    before = _state()
    commands = [
        ["import_roster", str(path), "--team", str(roster.team_id), "--supporter", world.supporter_a.code],
        ["import_attendance", str(path), "--hospital", world.recipient_a.code],
        ["import_activity", str(path), "--hospital", world.recipient_a.code],
        ["import_pairings", str(path), "--program", program.code],
    ]
    for args in commands:
        with pytest.raises(CommandError, match=MESSAGES[kind]):
            call_command(*args, stdout=StringIO(), stderr=StringIO())
    assert _state() == before


def test_after_a_refused_file_a_normal_roster_still_imports(
    world: Any, roster: Roster, tmp_path: Path
) -> None:
    client = _page_client(world.users["charlie"])
    url = reverse("teams:roster_upload", args=[roster.pk])
    refused = client.post(url, {"file": SimpleUploadedFile("r.xlsx", hostile.two_corner_cells())})
    assert refused.status_code == 200 and ImportUpload.objects.count() == 0
    write_xlsx(tmp_path / "ok.xlsx", [("名单", [HEADER, *_good_rows(world)])])
    accepted = client.post(url, {"file": SimpleUploadedFile("ok.xlsx", (tmp_path / "ok.xlsx").read_bytes())})
    assert accepted.status_code == 302
    assert ImportUpload.objects.get().counts["new"] == 3


def test_a_csv_too_wide_is_refused_by_the_attendance_api(world: Any) -> None:
    wide = ",".join(f"c{i}" for i in range(201)).encode() + b"\n"
    resp = client_for(world.users["alice"]).post(
        reverse("api:attendance-import-list"),
        {"file": SimpleUploadedFile("export.csv", wide)},
        format="multipart",
    )
    assert resp.status_code == 400 and LIMIT in resp.json()["error"]["fields"]["file"][0]
    assert ImportJob.objects.count() == 0
