"""Write endpoints for hospital systems: roster preview / confirm / submit and the DingTalk attendance upload.

Every refusal is checked to have changed nothing: no roster, staff, entry or job row appears.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from devtools import factories as f
from devtools.dingtalk_samples import write_sample, write_xlsx
from teams.choices import RosterStatus
from teams.models import AttendancePunch, ImportJob, Roster, RosterEntry, Staff
from teams.resources import ROSTER_HEADERS
from teams.services import rosters as svc
from teams.services.jobs import import_job_run
from tests.api.conftest import client_for, token_client

HEADER = [h for h, _r, _h in ROSTER_HEADERS]
PREVIEW = reverse("api:roster-preview")
CONFIRM = reverse("api:roster-confirm")
UPLOAD = reverse("api:attendance-import-list")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def team(world: Any) -> Any:
    return f.TeamFactory(pairing=world.pairing_a, start_date=dt.date(2023, 3, 1))


def _entry(name: str, nid: str, role: str = "member", **over: Any) -> dict[str, Any]:
    entry = {
        "name": name,
        "national_id": nid,
        "gender": "M",
        "title": 2,
        "role": role,
        "post": "副院长" if role == "leader" else "医师",
        "planned_start": "2023-03-01",
        "planned_end": "2023-08-31",
    }
    entry.update(over)
    return entry


def _entries() -> list[dict[str, Any]]:
    return [
        _entry("王队长", "620102197001011111", "leader", title=4, planned_end="2024-02-28"),
        _entry("李医生", "620102198001012222"),
        _entry("赵医生", "620102198001013333", title="副高"),
    ]


def _xlsx(tmp_path: Path, world: Any, entries: list[dict[str, Any]]) -> SimpleUploadedFile:
    labels = {"leader": "队长", "member": "队员"}
    titles = {2: "中级", 4: "正高"}
    rows = []
    for e in entries:
        values = {
            "姓名": e["name"],
            "身份证号": e["national_id"],
            "工作单位": world.supporter_a.name,
            "职称": titles.get(e["title"], e["title"]),
            "角色": labels[e["role"]],
            "挂职岗位": e["post"],
            "计划开始": e["planned_start"],
            "计划结束": e["planned_end"],
        }
        rows.append([values.get(h, "") for h in HEADER])
    path = tmp_path / "roster.xlsx"
    write_xlsx(path, [("名单", [HEADER, *rows])])
    return SimpleUploadedFile("roster.xlsx", path.read_bytes())


def _json(user: Any, url: str, body: dict[str, Any]) -> Any:
    return client_for(user).post(url, body, format="json")


def _entry_rows() -> list[tuple[Any, ...]]:
    entries = RosterEntry.objects.values_list(
        "pk", "staff_id", "role", "post", "planned_start", "planned_end"
    )
    return sorted(entries) + sorted(Staff.objects.values_list("pk", "updated_at"))


def _state() -> tuple[int, int, int, int]:
    return (
        Roster.objects.count(),
        RosterEntry.objects.count(),
        Staff.objects.count(),
        ImportJob.objects.count(),
    )


# --- roster preview ------------------------------------------------------------------------------------


def test_preview_of_an_excel_upload_shows_new_rows_and_saves_nothing(
    world: Any, team: Any, tmp_path: Path
) -> None:
    # given charlie's roster of three new people as the template's Excel file
    before = _state()
    # when previewed
    response = client_for(world.users["charlie"]).post(
        PREVIEW, {"team": team.pk, "file": _xlsx(tmp_path, world, _entries())}, format="multipart"
    )
    # then every row is new, without errors, and nothing was saved (not even the roster)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["status"] for r in body["rows"]] == ["new"] * 3
    assert body["counts"]["new"] == 3 and body["applied"] is False and body["errors"] == []
    assert _state() == before


def test_preview_of_json_entries_names_row_column_and_reason(world: Any, team: Any) -> None:
    # given entries of which the second has an unknown post and the third a bad national ID
    entries = _entries()
    entries[1]["post"] = "扫地僧"
    entries[2]["national_id"] = "12345"
    before = _state()
    # when previewed
    response = _json(world.users["charlie"], PREVIEW, {"team": team.pk, "entries": entries})
    # then the bad rows are errors naming the entry, the field and the reason; the good one is new
    assert response.status_code == 200, response.json()
    rows = response.json()["rows"]
    assert [r["status"] for r in rows] == ["new", "error", "error"]
    assert [r["entry"] for r in rows] == [0, 1, 2]
    assert rows[1]["errors"] == [{"row": 3, "column": "post", "message": "未知挂职岗位：“扫地僧”"}]
    assert (
        rows[2]["errors"][0]["column"] == "national_id"
        and "身份证号格式错误" in rows[2]["errors"][0]["message"]
    )
    assert _state() == before


def test_leader_missing_is_a_roster_level_error(world: Any, team: Any) -> None:
    # given the lead supporter's roster without a leader
    response = _json(world.users["charlie"], PREVIEW, {"team": team.pk, "entries": _entries()[1:]})
    # then the preview reports it for the whole roster
    assert response.status_code == 200
    assert any("缺少队长" in e for e in response.json()["errors"])


def test_malformed_json_names_the_field_and_saves_nothing(world: Any, team: Any) -> None:
    before = _state()
    response = _json(world.users["charlie"], CONFIRM, {"team": team.pk, "entries": []})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "entries" in response.json()["error"]["fields"]
    assert _state() == before


# --- roster confirm --------------------------------------------------------------------------------------


def test_confirm_saves_everything_and_reposting_changes_nothing(world: Any, team: Any) -> None:
    # given charlie's three entries
    body = {"team": team.pk, "entries": _entries()}
    # when confirmed
    response = _json(world.users["charlie"], CONFIRM, body)
    # then a draft roster with three entries exists, staff employed by charlie's hospital
    assert response.status_code == 201, response.json()
    roster = Roster.objects.get()
    data = response.json()
    assert data["roster"]["id"] == roster.pk and data["roster"]["status"] == RosterStatus.DRAFT
    assert len(data["roster"]["entries"]) == 3 and roster.entries.count() == 3
    assert Staff.objects.get(name="李医生").employer == world.supporter_a
    stamps = _entry_rows()
    # when the same body is posted again
    again = _json(world.users["charlie"], CONFIRM, body)
    # then every row is unchanged, the answer is 200 and no row was touched
    assert again.status_code == 200, again.json()
    assert [r["status"] for r in again.json()["preview"]["rows"]] == ["unchanged"] * 3
    assert Roster.objects.count() == 1 and _entry_rows() == stamps


def test_confirm_of_an_excel_upload(world: Any, team: Any, tmp_path: Path) -> None:
    response = client_for(world.users["charlie"]).post(
        CONFIRM,
        {"team": team.pk, "supporter": world.supporter_a.pk, "file": _xlsx(tmp_path, world, _entries())},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert Roster.objects.get().entries.count() == 3


def test_confirm_with_one_bad_row_saves_nothing(world: Any, team: Any) -> None:
    # given three entries, the last ending before it starts
    entries = _entries()
    entries[2]["planned_end"] = "2023-01-31"
    before = _state()
    # when confirmed
    response = _json(world.users["charlie"], CONFIRM, {"team": team.pk, "entries": entries})
    # then 400 names only the bad row, and no roster, staff or entry was written
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [r["entry"] for r in error["fields"]["rows"]] == [2]
    assert error["fields"]["rows"][0]["errors"][0]["column"] == "planned_end"
    assert _state() == before


def test_confirm_replaces_the_draft_and_reports_removed_people(world: Any, team: Any) -> None:
    # given a confirmed roster of three
    _json(world.users["charlie"], CONFIRM, {"team": team.pk, "entries": _entries()})
    # when confirmed again without 赵医生 and with 李医生's end moved
    entries = _entries()[:2]
    entries[1]["planned_end"] = "2023-09-30"
    response = _json(world.users["charlie"], CONFIRM, {"team": team.pk, "entries": entries})
    # then it is one roster, 李医生 changed and 赵医生 removed
    assert response.status_code == 201, response.json()
    preview = response.json()["preview"]
    assert [r["status"] for r in preview["rows"]] == ["unchanged", "changed"]
    assert preview["removed"] == ["赵医生"] and preview["counts"]["removed"] == 1
    assert Roster.objects.count() == 1 and RosterEntry.objects.count() == 2


def test_bad_upload_file_is_a_400_naming_the_file(world: Any, team: Any) -> None:
    before = _state()
    response = client_for(world.users["charlie"]).post(
        CONFIRM,
        {"team": team.pk, "file": SimpleUploadedFile("roster.xlsx", b"just some text, not excel")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "内容不是 Excel" in response.json()["error"]["fields"]["file"][0]
    assert _state() == before


@pytest.mark.parametrize("url", [PREVIEW, CONFIRM])
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("dashboard_token", 403),
        ("dashboard", 403),
        ("dana", 404),  # another supporter: the team is not hers to see
        ("bob", 404),
        ("alice", 403),  # the recipient's coordinator sees the team but may not submit its roster
        ("province", 403),
    ],
)
def test_roster_import_role_matrix_changes_nothing(
    world: Any, team: Any, dashboard_token: Any, url: str, who: str, expected: int
) -> None:
    # given someone other than charlie
    if who == "anonymous":
        client = client_for(None)
    elif who == "dashboard_token":
        client = token_client(dashboard_token[1])
    else:
        client = client_for(world.users[who])
    before = _state()
    # when they post charlie's team's roster
    response = client.post(url, {"team": team.pk, "entries": _entries()}, format="json")
    # then they are refused and nothing is written
    assert response.status_code == expected, response.json()
    assert "error" in response.json()
    assert _state() == before


def test_naming_another_supporter_is_refused(world: Any, team: Any) -> None:
    # given charlie naming supporter B (not his hospital) for his team
    before = _state()
    response = _json(
        world.users["charlie"],
        CONFIRM,
        {"team": team.pk, "supporter": world.supporter_b.pk, "entries": _entries()},
    )
    assert response.status_code == 403
    assert _state() == before


def test_submitted_roster_cannot_be_replaced(world: Any, team: Any) -> None:
    # given charlie's roster, confirmed and submitted
    _json(world.users["charlie"], CONFIRM, {"team": team.pk, "entries": _entries()})
    roster = Roster.objects.get()
    svc.roster_submit(user=world.users["charlie"], roster=roster)
    stamps = _entry_rows()
    # when he confirms a changed roster
    response = _json(world.users["charlie"], CONFIRM, {"team": team.pk, "entries": _entries()[:2]})
    # then it is refused and the submitted roster is as it was
    assert response.status_code == 403
    assert _entry_rows() == stamps


# --- roster submit ---------------------------------------------------------------------------------------


@pytest.fixture
def roster(world: Any, team: Any) -> Any:
    _json(world.users["charlie"], CONFIRM, {"team": team.pk, "entries": _entries()})
    return Roster.objects.get()


def test_coordinator_submits_his_roster(world: Any, roster: Any) -> None:
    response = client_for(world.users["charlie"]).post(reverse("api:roster-submit", args=[roster.pk]))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == RosterStatus.SUBMITTED
    roster.refresh_from_db()
    assert roster.status == RosterStatus.SUBMITTED and roster.submitted_by == world.users["charlie"]


def test_submitting_an_incomplete_roster_is_a_400_and_changes_nothing(world: Any, team: Any) -> None:
    # given an empty draft roster
    roster = svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)
    response = client_for(world.users["charlie"]).post(reverse("api:roster-submit", args=[roster.pk]))
    assert response.status_code == 400
    assert "名单为空" in response.json()["error"]["message"]
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("dashboard_token", 403),
        ("dana", 404),
        ("bob", 404),
        ("alice", 403),
        ("province", 403),
    ],
)
def test_submit_role_matrix_changes_nothing(
    world: Any, roster: Any, dashboard_token: Any, who: str, expected: int
) -> None:
    if who == "anonymous":
        client = client_for(None)
    elif who == "dashboard_token":
        client = token_client(dashboard_token[1])
    else:
        client = client_for(world.users[who])
    response = client.post(reverse("api:roster-submit", args=[roster.pk]))
    assert response.status_code == expected
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT and roster.submitted_at is None


# --- attendance upload -----------------------------------------------------------------------------------


def _export(tmp_path: Path, rows: int = 20, name: str = "a.xlsx") -> SimpleUploadedFile:
    sample = write_sample(tmp_path / name, rows, n_people=2)
    return SimpleUploadedFile(name, sample.read_bytes())


def test_attendance_upload_is_accepted_then_polled_to_done(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given alice's DingTalk export of 20 punches
    client = client_for(world.users["alice"])
    # when she uploads it
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(UPLOAD, {"file": _export(tmp_path)}, format="multipart")
    # then 202 with the job to poll, enqueued once on commit, nothing imported yet
    assert response.status_code == 202, response.json()
    body = response.json()
    job = ImportJob.objects.get()
    assert body["id"] == job.pk and body["status"] == "pending" and job.hospital == world.recipient_a
    assert body["url"].endswith(reverse("api:attendance-import-detail", args=[job.pk]))
    assert response["Location"] == body["url"]
    assert len(callbacks) == 1 and AttendancePunch.objects.count() == 0
    # when the worker runs it, then polling shows it done with its counts
    import_job_run(job_id=job.pk)
    polled = client.get(reverse("api:attendance-import-detail", args=[job.pk]))
    assert polled.status_code == 200
    assert polled.json()["status"] == "done" and polled.json()["progress"] == 100
    assert polled.json()["counts"]["inserted"] == 20 and AttendancePunch.objects.count() == 20


def test_commission_staff_upload_for_a_named_hospital(world: Any, tmp_path: Path) -> None:
    response = client_for(world.users["province"]).post(
        UPLOAD, {"file": _export(tmp_path), "hospital": world.recipient_b.pk}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    assert ImportJob.objects.get().hospital == world.recipient_b


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            chunk = b"\0" * (1 << 20)
            for _i in range(60):
                out.write(chunk)
    return buf.getvalue()


def _missing_columns(tmp_path: Path) -> bytes:
    path = tmp_path / "bad.xlsx"
    write_xlsx(path, [("原始记录", [["姓名", "UserId", "部门"], ["张三", "ding01", "内科"]])])
    return path.read_bytes()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("renamed", "内容不是 Excel"),
        ("legacy", "不支持旧版 Excel"),
        ("bomb", "解压后过大"),
        ("no_header", "未找到表头"),
        ("missing_columns", "缺少必需的列"),
        ("empty", "空文件"),
    ],
)
def test_bad_attendance_files_are_a_400_with_the_reason(
    world: Any, tmp_path: Path, kind: str, message: str
) -> None:
    content = {
        "renamed": lambda: b"%PDF-1.4 not a spreadsheet",
        "legacy": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        "bomb": _zip_bomb,
        "no_header": lambda: b"a,b,c\n1,2,3\n",
        "missing_columns": lambda: _missing_columns(tmp_path),
        "empty": lambda: b"",
    }[kind]()
    name = "export.csv" if kind == "no_header" else "export.xlsx"
    response = client_for(world.users["alice"]).post(
        UPLOAD, {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error" and message in error["fields"]["file"][0]
    assert ImportJob.objects.count() == 0


@override_settings(MAX_UPLOAD_BYTES=1000)
def test_too_big_attendance_file_is_a_400(world: Any, tmp_path: Path) -> None:
    response = client_for(world.users["alice"]).post(
        UPLOAD, {"file": _export(tmp_path, 50)}, format="multipart"
    )
    assert response.status_code == 400
    assert "文件过大" in response.json()["error"]["fields"]["file"][0]
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "hospital", "expected"),
    [
        ("anonymous", None, 401),
        ("dashboard_token", "recipient_a", 403),
        ("bob", "recipient_a", 403),  # another recipient's coordinator
        ("charlie", None, 400),  # a supporter coordinator has no recipient to default to
        ("charlie", "recipient_a", 403),
        ("city_b", "recipient_a", 404),  # outside her city
        ("province", "supporter_a", 403),  # attendance is recorded by recipients only
    ],
)
def test_attendance_upload_role_matrix_changes_nothing(
    world: Any, tmp_path: Path, dashboard_token: Any, who: str, hospital: str | None, expected: int
) -> None:
    if who == "anonymous":
        client = client_for(None)
    elif who == "dashboard_token":
        client = token_client(dashboard_token[1])
    else:
        client = client_for(world.users[who])
    body: dict[str, Any] = {"file": _export(tmp_path)}
    if hospital is not None:
        body["hospital"] = getattr(world, hospital).pk
    response = client.post(UPLOAD, body, format="multipart")
    assert response.status_code == expected, response.json()
    assert ImportJob.objects.count() == 0 and AttendancePunch.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("alice", 200),
        ("province", 200),
        ("city_a", 200),
        ("bob", 404),
        ("charlie", 404),
        ("city_b", 404),
        ("nobody", 404),
        ("anonymous", 401),
    ],
)
def test_poll_is_scoped_to_the_jobs_hospital_and_commission_staff(
    world: Any, who: str, expected: int
) -> None:
    # given a job of recipient A
    job = ImportJob.objects.create(kind="attendance", hospital=world.recipient_a, file="x.xlsx")
    client = client_for(None if who == "anonymous" else world.users[who])
    response = client.get(reverse("api:attendance-import-detail", args=[job.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["id"] == job.pk and response.json()["status"] == "pending"


def test_roster_import_jobs_are_not_served_as_attendance_imports(world: Any) -> None:
    job = ImportJob.objects.create(kind="roster", hospital=world.recipient_a, file="x.xlsx")
    response = client_for(world.users["alice"]).get(reverse("api:attendance-import-detail", args=[job.pk]))
    assert response.status_code == 404
