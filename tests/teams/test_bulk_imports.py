"""Bulk staff (人员库) and expert-visit batches (柔性帮扶) from Excel through the shared import framework:
a good file, a bad row (row / column / reason, error file masked, nothing written), a hostile file refused,
a role matrix (refused writes change nothing) on the page and the API, an idempotent confirm."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.imports.models import ImportUpload
from devtools import factories as f
from devtools.dingtalk_samples import write_xlsx
from teams.models import ExpertVisitBatch, Staff
from tests import hostile_sheets as hostile
from tests.api.conftest import client_for

STAFF = ["姓名", "身份证号", "执业证书编号", "性别", "手机号", "职称", "专业", "科室", "从事临床工作起始"]
VISITS = ["受援医院", "开始日期", "结束日期", "人次", "专家及专业", "工作内容"]
ROLES = [("province", 403), ("city_a", 403), ("county_a", 403), ("alice", 403), ("zoe", 403)]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _file(tmp_path: Path, sheet: str, header: list[str], rows: list[list[Any]]) -> bytes:
    path = tmp_path / "f.xlsx"
    write_xlsx(path, [(sheet, [header, *rows])])
    return path.read_bytes()


def _page(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(client: Client, kind: str, content: bytes) -> Any:
    return client.post(
        reverse("imports:upload", args=[kind, 0]), {"file": SimpleUploadedFile("f.xlsx", content)}
    )


def _staff_rows() -> list[list[Any]]:
    return [
        ["崔慧", f.valid_national_id(1), "", "女", "13912345678", "副高", "心内科", "内科", "2005-07-01"],
        ["崔慧", f.valid_national_id(2), "", "女", "", "中级", "麻醉", "麻醉科", ""],
    ]


def _staff_state() -> list[Any]:
    return list(Staff.objects.order_by("pk").values_list("pk", "employer_id", "name", "national_id", "title"))


def test_staff_good_file_two_namesakes_confirm_and_retry(world: Any, tmp_path: Path) -> None:
    client = _page(world.users["charlie"])
    before = Staff.objects.count()
    resp = _upload(client, "staff", _file(tmp_path, "人员库", STAFF, _staff_rows()))
    assert resp.status_code == 302 and Staff.objects.count() == before
    assert "新增 2" in client.get(resp["Location"]).content.decode()
    assert client.post(resp["Location"]).status_code == 302
    added = Staff.objects.filter(name="崔慧", employer=world.supporter_a)
    assert added.count() == 2 and {s.title for s in added} == {3, 2}
    after = _staff_state()
    assert client.post(resp["Location"]).status_code == 302 and _staff_state() == after
    # a new phone of one of them is a change of that person
    rows = _staff_rows()
    rows[1][4] = "13700000000"
    resp = _upload(client, "staff", _file(tmp_path, "人员库", STAFF, rows))
    page = client.get(resp["Location"]).content.decode()
    assert "修改 1" in page and "未变 1" in page


def test_staff_bad_rows_named_masked_error_file_nothing_written(world: Any, tmp_path: Path) -> None:
    other = f.StaffFactory(employer=world.supporter_b, national_id=f.valid_national_id(9))
    rows = [
        *_staff_rows(),
        ["甲", "620102198001011235", "", "男", "", "中级", "", "", ""],  # wrong check character
        ["乙", other.national_id, "", "男", "", "中级", "", "", ""],  # another hospital's person
        ["丙", "", "", "男", "", "主任", "", "", ""],  # no key, unknown title
    ]
    client = _page(world.users["charlie"])
    before = _staff_state()
    resp = _upload(client, "staff", _file(tmp_path, "人员库", STAFF, rows))
    page = client.get(resp["Location"]).content.decode()
    assert "身份证号 (B)：" in page and "该人员登记在其他医院" in page and "职称 (F)：未知职称" in page
    assert client.post(resp["Location"]).status_code == 200 and _staff_state() == before
    errors = client.get(reverse("imports:errors", args=[ImportUpload.objects.get().pk]))
    sheet = list(openpyxl.load_workbook(io.BytesIO(errors.content)).active.iter_rows(values_only=True))
    assert sheet[1][-1] in ("", None) and "身份证号 (B)" in sheet[3][-1] and "其他医院" in sheet[4][-1]
    # charlie may not see full IDs or phones: the error file masks them
    assert sheet[1][1] == f"{f.valid_national_id(1)[:6]}********{f.valid_national_id(1)[-4:]}"
    assert sheet[1][4] == "139****5678"


@pytest.mark.parametrize("kind", ["staff", "expert-visits"])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (hostile.lying_dimension(), "200 列的上限"),
        (hostile.huge_dimension(), "上限"),
        (b"%PDF-1.4", "内容不是 Excel"),
    ],
)
def test_hostile_files_refused(world: Any, kind: str, content: bytes, message: str) -> None:
    before = _staff_state()
    resp = _upload(_page(world.users["charlie"]), kind, content)
    assert resp.status_code == 200 and message in resp.content.decode()
    assert not ImportUpload.objects.exists() and _staff_state() == before
    assert not ExpertVisitBatch.objects.exists()


def _visit_rows(world: Any) -> list[list[Any]]:
    start = world.pairing_a.service_start
    return [[world.recipient_a.name, start.isoformat(), start.isoformat(), 5, "心内科 2 人", "义诊"]]


def test_visits_good_file_bad_row_and_retry(world: Any, tmp_path: Path) -> None:
    client = _page(world.users["charlie"])
    start = world.pairing_a.service_start.isoformat()
    bad = [
        *_visit_rows(world),
        [world.recipient_b.name, start, start, 3, "", ""],
        [world.recipient_a.name, start, start, 0, "", ""],
    ]
    resp = _upload(client, "expert-visits", _file(tmp_path, "专家柔性帮扶", VISITS, bad))
    page = client.get(resp["Location"]).content.decode()
    assert "受援医院 (A)：“秦安县人民医院”不是本院帮扶的受援医院" in page and "人次 (D)：" in page
    assert client.post(resp["Location"]).status_code == 200 and not ExpertVisitBatch.objects.exists()
    resp = _upload(client, "expert-visits", _file(tmp_path, "专家柔性帮扶", VISITS, _visit_rows(world)))
    assert client.post(resp["Location"]).status_code == 302
    visit = ExpertVisitBatch.objects.get()
    assert (
        visit.supporter == world.supporter_a and visit.pairing == world.pairing_a and visit.person_times == 5
    )
    assert client.post(resp["Location"]).status_code == 302 and ExpertVisitBatch.objects.count() == 1


@pytest.mark.parametrize(("who", "code"), [*ROLES, ("dana", 302)])
def test_role_matrix_refused_writes_change_nothing(
    co_world: Any, tmp_path: Path, who: str, code: int
) -> None:
    world = co_world
    staff_before, visits_before = _staff_state(), list(ExpertVisitBatch.objects.values_list("pk"))
    client = _page(world.users[who])
    staff_file = _file(tmp_path, "人员库", STAFF, _staff_rows())
    visit_file = _file(tmp_path, "专家柔性帮扶", VISITS, _visit_rows(world))
    assert _upload(client, "staff", staff_file).status_code == code
    assert _upload(client, "expert-visits", visit_file).status_code == code
    if code == 302:  # dana coordinates supporter B: her upload is a preview; pairing A is not hers
        client.post(reverse("imports:preview", args=[ImportUpload.objects.get(kind="expert-visits").pk]))
    api = client_for(world.users[who])
    for name, content in (("staff", staff_file), ("expert-visit", visit_file)):
        url = reverse(f"api:{name}-import-preview")
        expected = 200 if who == "dana" else 403
        assert api.post(url, {"file": SimpleUploadedFile("f.xlsx", content)}).status_code == expected
        if who != "dana":
            url = reverse(f"api:{name}-import-confirm")
            assert api.post(url, {"file": SimpleUploadedFile("f.xlsx", content)}).status_code == 403
    if who == "dana":  # her staff rows are her own hospital's: nothing of supporter A changed
        assert not Staff.objects.filter(employer=world.supporter_a, name="崔慧").exists()
        assert list(ExpertVisitBatch.objects.values_list("pk")) == visits_before
    else:
        assert (
            _staff_state() == staff_before
            and list(ExpertVisitBatch.objects.values_list("pk")) == visits_before
        )


def test_api_staff_confirm(world: Any, tmp_path: Path) -> None:
    api = client_for(world.users["charlie"])
    url = reverse("api:staff-import-confirm")
    content = _file(tmp_path, "人员库", STAFF, _staff_rows())
    done = api.post(url, {"file": SimpleUploadedFile("f.xlsx", content)})
    assert done.status_code == 201 and done.json()["counts"]["new"] == 2
    again = api.post(url, {"file": SimpleUploadedFile("f.xlsx", content)})
    assert again.status_code == 200 and again.json()["counts"]["unchanged"] == 2
