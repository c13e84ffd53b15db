"""Pages of rosters and attendance imports: role matrix (who sees, who gets 404), wizard, constant queries."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.imports.models import ImportUpload
from devtools import factories as f
from devtools.dingtalk_samples import write_sample, write_xlsx
from pairings.choices import HospitalOrigin
from teams.choices import DeploymentRole, Post, RosterStatus
from teams.models import AttendancePunch, AttendanceRecord, ImportJob, Roster
from teams.services import rosters as svc
from teams.services.jobs import import_job_run
from tests.teams.test_imports_roster import HEADER, _good_rows

START, END = dt.date(2023, 3, 1), dt.date(2023, 8, 31)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _roster(world: Any, supporter: Any = None, pairing: Any = None, user: str = "charlie") -> Roster:
    team = f.TeamFactory(pairing=pairing or world.pairing_a)
    roster = svc.roster_create(user=world.users[user], team=team, supporter=supporter or world.supporter_a)
    svc.roster_entry_add(
        user=world.users[user],
        roster=roster,
        staff=f.StaffFactory(employer=roster.supporter),
        role=DeploymentRole.LEADER,
        post=Post.VICE_PRESIDENT,
        planned_start=START,
        planned_end=dt.date(2024, 2, 28),
    )
    return roster


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("charlie", 200),
        ("alice", 200),
        ("province", 200),
        ("city_a", 200),
        ("county_a", 200),
        ("dana", 404),
        ("bob", 404),
        ("city_b", 404),
        ("dashboard", 200),
        ("nobody", 404),
    ],
)
def test_roster_detail_role_matrix(world: Any, who: str, status: int) -> None:
    roster = _roster(world)
    resp = _client(world.users[who]).get(reverse("teams:roster_detail", args=[roster.pk]))
    assert resp.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("province", 200), ("city_a", 200), ("charlie", 404), ("alice", 404), ("county_a", 404)],
)
def test_roster_queue_role_matrix(world: Any, who: str, status: int) -> None:
    assert _client(world.users[who]).get(reverse("teams:roster_queue")).status_code == status


def test_roster_list_is_scoped_with_constant_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    _roster(world)
    client = _client(world.users["province"])
    client.get(reverse("teams:roster_list"))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("teams:roster_list"))
    for _i in range(5):
        _roster(world)
        _roster(world, supporter=world.supporter_b, pairing=world.pairing_b, user="dana")
    with django_assert_max_num_queries(len(small.captured_queries)):
        resp = client.get(reverse("teams:roster_list"))
    assert len(resp.context["page"]) == 11
    dana_page = _client(world.users["dana"]).get(reverse("teams:roster_list")).context["page"]
    assert {r.supporter_id for r in dana_page} == {world.supporter_b.pk}


def test_wizard_upload_preview_confirm_and_error_file(world: Any, tmp_path: Path) -> None:
    # given a draft roster and the coordinator's filled-in template
    team = f.TeamFactory(pairing=world.pairing_a)
    roster = svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)
    client = _client(world.users["charlie"])
    assert client.get(reverse("teams:roster_template", args=[roster.pk])).status_code == 200
    write_xlsx(tmp_path / "r.xlsx", [("名单", [HEADER, *_good_rows(world)])])
    upload = SimpleUploadedFile("r.xlsx", (tmp_path / "r.xlsx").read_bytes())
    # when uploaded, then the preview shows three new rows and nothing is saved
    resp = client.post(reverse("teams:roster_upload", args=[roster.pk]), {"file": upload})
    job = ImportUpload.objects.get(kind="roster", target_id=roster.pk)
    assert resp.status_code == 302 and resp["Location"] == reverse("imports:preview", args=[job.pk])
    page = client.get(resp["Location"])
    assert page.context["preview"].counts()["new"] == 3 and roster.entries.count() == 0
    # another supporter cannot open the preview
    assert _client(world.users["dana"]).get(resp["Location"]).status_code == 404
    # when confirmed, then the entries are saved
    done = client.post(resp["Location"])
    assert done.status_code == 302 and roster.entries.count() == 3
    # and a file with errors offers the error file download
    bad = [*_good_rows(world)[1:]]
    write_xlsx(tmp_path / "b.xlsx", [("名单", [HEADER, *bad])])
    resp = client.post(
        reverse("teams:roster_upload", args=[roster.pk]),
        {"file": SimpleUploadedFile("b.xlsx", (tmp_path / "b.xlsx").read_bytes())},
    )
    errors = client.get(reverse("teams:roster_errors", args=[ImportUpload.objects.latest("pk").pk]))
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxmlformats")


def test_wizard_refuses_a_renamed_file_with_a_message(world: Any) -> None:
    team = f.TeamFactory(pairing=world.pairing_a)
    roster = svc.roster_create(user=world.users["charlie"], team=team, supporter=world.supporter_a)
    resp = _client(world.users["charlie"]).post(
        reverse("teams:roster_upload", args=[roster.pk]), {"file": SimpleUploadedFile("x.xlsx", b"%PDF-1.4")}
    )
    assert resp.status_code == 200 and "内容不是 Excel" in resp.content.decode()
    assert not ImportUpload.objects.exists()


def test_actions_by_role_through_the_pages(world: Any) -> None:
    # given an out-of-province supporter's submitted roster
    world.supporter_a.origin, world.supporter_a.origin_region = HospitalOrigin.OTHER_PROVINCE, "山东省"
    world.supporter_a.save()
    roster = _roster(world)
    charlie, city_a, prov = (_client(world.users[u]) for u in ("charlie", "city_a", "province"))
    charlie.post(reverse("teams:roster_action", args=[roster.pk, "submit"]))
    # a supporter cannot forward; the wrong city gets 404; the province cannot file before the city
    assert charlie.post(reverse("teams:roster_action", args=[roster.pk, "forward"])).status_code == 403
    assert (
        _client(world.users["city_b"])
        .post(reverse("teams:roster_action", args=[roster.pk, "forward"]))
        .status_code
        == 404
    )
    assert prov.post(reverse("teams:roster_action", args=[roster.pk, "file"])).status_code == 403
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.SUBMITTED
    # city forwards, province files
    city_a.post(reverse("teams:roster_action", args=[roster.pk, "forward"]))
    prov.post(reverse("teams:roster_action", args=[roster.pk, "file"]), {"comment": "同意备案"})
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.FILED


def test_attendance_upload_job_progress_and_summary(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given a deployed person and an export
    team = f.TeamFactory(pairing=world.pairing_a)
    f.DeploymentFactory(team=team, planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 12, 31))
    sample = write_sample(tmp_path / "a.xlsx", 40, n_people=2)
    client = _client(world.users["alice"])
    # when uploaded, a job is created and (on commit) enqueued
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = client.post(
            reverse("teams:attendance_upload"),
            {"hospital": world.recipient_a.pk, "file": SimpleUploadedFile("a.xlsx", sample.read_bytes())},
        )
    job = ImportJob.objects.get()
    assert resp.status_code == 302 and len(callbacks) == 1
    assert "progress" in client.get(reverse("teams:attendance_job_status", args=[job.pk])).content.decode()
    # when the worker runs it (twice: a redelivery), then the summary shows and nothing doubles
    import_job_run(job_id=job.pk)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.counts["inserted"] == 40 and job.counts["unmatched"] == 40
    assert AttendancePunch.objects.count() == 40
    html = client.get(reverse("teams:attendance_job_status", args=[job.pk])).content.decode()
    assert "data-finished" in html and "40" in html
    # bob (another recipient) cannot see the job
    assert _client(world.users["bob"]).get(reverse("teams:attendance_job", args=[job.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 200), ("province", 200), ("charlie", 404), ("nobody", 404)]
)
def test_attendance_pages_role_matrix(world: Any, who: str, status: int) -> None:
    client = _client(world.users[who])
    assert client.get(reverse("teams:attendance_upload")).status_code == status
    assert client.get(reverse("teams:attendance_unmatched")).status_code == status


def test_unmatched_queue_assign_through_the_page(
    world: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    team = f.TeamFactory(pairing=world.pairing_a)
    dep = f.DeploymentFactory(team=team, planned_start=dt.date(2023, 1, 1), planned_end=dt.date(2023, 12, 31))
    sample = write_sample(tmp_path / "a.csv", 60, n_people=3)
    from teams.services.attendance import attendance_import

    attendance_import(
        user=world.users["alice"], hospital=world.recipient_a, f=io.BytesIO(sample.read_bytes())
    )
    client = _client(world.users["alice"])
    with django_assert_max_num_queries(15):
        resp = client.get(reverse("teams:attendance_unmatched"))
    assert len(resp.context["rows"]) == 3
    # bob's queue is empty: another hospital's punches are invisible
    assert len(_client(world.users["bob"]).get(reverse("teams:attendance_unmatched")).context["rows"]) == 0
    client.post(
        reverse("teams:attendance_unmatched"),
        {"hospital": world.recipient_a.pk, "userid": "ding000000", "staff": dep.staff.pk},
    )
    assert AttendanceRecord.objects.filter(deployment=dep).count() == 10
    assert len(client.get(reverse("teams:attendance_unmatched")).context["rows"]) == 2


def test_monthly_attendance_page_shows_each_persons_month(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    # given alice's recipient has a person on site in March 2023 with 2 present days and 1 leave day
    team = f.TeamFactory(pairing=world.pairing_a)
    dep = f.DeploymentFactory(team=team, planned_start=dt.date(2023, 3, 1), planned_end=dt.date(2023, 3, 31))
    for day, status in [(1, "present"), (2, "present"), (3, "leave")]:
        f.AttendanceFactory(deployment=dep, date=dt.date(2023, 3, day), status=status)
    # and bob's hospital has someone on site too
    f.DeploymentFactory(team=f.TeamFactory(pairing=world.pairing_b), planned_start=dt.date(2023, 3, 1))
    # when alice opens March
    client = _client(world.users["alice"])
    with django_assert_max_num_queries(8):
        resp = client.get(reverse("teams:attendance_monthly"), {"month": "2023-03"})
    # then she sees only her person, with the month's figures (23 weekdays, 1 excused, 2 present)
    assert resp.status_code == 200 and resp.context["month"] == dt.date(2023, 3, 1)
    rows = list(resp.context["page"])
    assert [(r["deployment"], r["expected_days"], r["present_days"], r["leave_days"]) for r in rows] == [
        (dep.pk, 22, 2, 1)
    ]


def test_roster_queue_constant_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    client = _client(world.users["province"])
    r = _roster(world)
    svc.roster_submit(user=world.users["charlie"], roster=r)
    client.get(reverse("teams:roster_queue"))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("teams:roster_queue"))
    for _i in range(4):
        svc.roster_submit(user=world.users["charlie"], roster=_roster(world))
    with django_assert_max_num_queries(len(small.captured_queries)):
        resp = client.get(reverse("teams:roster_queue"))
    assert len(resp.context["page"]) == 5


def test_attendance_job_list_constant_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    client = _client(world.users["alice"])
    ImportJob.objects.create(kind="attendance", hospital=world.recipient_a, file="x.xlsx")
    client.get(reverse("teams:attendance_upload"))
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("teams:attendance_upload"))
    for _i in range(6):
        ImportJob.objects.create(
            kind="attendance", hospital=world.recipient_a, file="x.xlsx", created_by=world.users["alice"]
        )
    ImportJob.objects.create(kind="attendance", hospital=world.recipient_b, file="y.xlsx")
    with django_assert_max_num_queries(len(small.captured_queries)):
        resp = client.get(reverse("teams:attendance_upload"))
    assert len(resp.context["page"]) == 7
