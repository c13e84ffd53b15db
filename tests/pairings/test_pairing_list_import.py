"""Pairing list (附件1) from Excel through the shared import framework: page, API and the same specs as
``manage.py import_pairings`` — a good file, a bad row (row / column / reason, error file, nothing written),
hostile files refused, a role matrix where refused writes change nothing, and an idempotent confirm."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.imports.models import ImportUpload
from core.imports.spec import ERROR_HEADER
from devtools.dingtalk_samples import write_xlsx
from pairings.models import Hospital, Pairing, PairingSupporter
from tests import hostile_sheets as hostile
from tests.api.conftest import client_for

HOSPITALS = ["机构代码", "医院名称", "角色", "类别", "等级", "来源", "所在省市", "市州", "县区", "住培基地"]
PAIRS = ["受援医院", "支援医院", "牵头", "帮扶开始", "帮扶结束"]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _workbook(tmp_path: Path, *, bad: bool = False) -> bytes:
    hospitals = [
        HOSPITALS,
        ["TJ901", "天津市第九医院", "支援", "综合", "三级甲等", "省外", "天津市", "兰州市", "", "是"],
        ["R901", "榆中县妇幼保健院", "受援", "综合", "二级", "省内", "", "兰州市", "榆中县", "否"],
    ]
    pairs = [PAIRS, ["R901", "天津市第九医院", "是", "2022-01-01", "2025-12-31"]]
    if bad:
        hospitals.append(["R902", "某县医院", "受援", "综合", "", "省内", "", "不存在市", "", ""])
        pairs.append(["R901", "兰州大学第一医院", "否", "2022-01-01", "2021-12-31"])
    path = tmp_path / ("bad.xlsx" if bad else "good.xlsx")
    write_xlsx(path, [("医院", hospitals), ("对口帮扶关系", pairs)])
    return path.read_bytes()


def _state() -> tuple[Any, ...]:
    return (
        list(Hospital.objects.order_by("pk").values_list("pk", "code", "name", "grade", "city_id")),
        list(
            Pairing.objects.order_by("pk").values_list("pk", "recipient_id", "service_start", "service_end")
        ),
        list(
            PairingSupporter.objects.order_by("pk").values_list("pk", "pairing_id", "hospital_id", "is_lead")
        ),
    )


def _page(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(client: Client, world: Any, content: bytes, name: str = "附件1.xlsx") -> Any:
    url = reverse("imports:upload", args=["pairing-list", world.program.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_good_file_preview_saves_nothing_confirm_saves_all_and_a_retry_changes_nothing(
    world: Any, tmp_path: Path
) -> None:
    # given the province officer and a valid pairing list
    client = _page(world.users["province"])
    before = _state()
    # when uploaded, then the preview lists every row as new and nothing is written
    resp = _upload(client, world, _workbook(tmp_path))
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "imports:preview", args=[ImportUpload.objects.get().pk]
    )
    page = client.get(resp["Location"])
    assert page.status_code == 200 and [s["counts"]["new"] for s in page.context["sheets"]] == [2, 1]
    assert _state() == before
    # when confirmed, then hospitals, the pairing and its lead supporter are saved
    done = client.post(resp["Location"])
    assert done.status_code == 302 and done["Location"] == reverse("programs:detail", args=[world.program.pk])
    pairing = Pairing.objects.get(program=world.program, recipient__code="R901")
    lead = PairingSupporter.objects.get(pairing=pairing)
    assert lead.hospital.code == "TJ901" and lead.is_lead and lead.hospital.origin == "other_province"
    # when the confirm is retried (a double click, a resent form), then every row is unchanged, nothing moves
    after = _state()
    again = client.post(resp["Location"])
    assert again.status_code == 302 and _state() == after
    page = client.get(resp["Location"])
    assert [s["counts"]["unchanged"] for s in page.context["sheets"]] == [2, 1]


def test_template_is_prefilled_with_the_current_list_and_has_instructions(world: Any) -> None:
    client = _page(world.users["province"])
    resp = client.get(reverse("imports:template", args=["pairing-list", world.program.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["医院", "对口帮扶关系", "说明"]
    assert [c.value for c in wb["医院"][1]] == HOSPITALS and [c.value for c in wb["对口帮扶关系"][1]] == PAIRS
    codes = {r[0] for r in wb["医院"].iter_rows(min_row=2, values_only=True)}
    assert {world.recipient_a.code, world.supporter_a.code} <= codes
    notes = " ".join(str(c) for r in wb["说明"].iter_rows(values_only=True) for c in r if c)
    assert "须有且仅有一家牵头医院" in notes and "省外医院必填" in notes


def test_bad_rows_are_named_by_row_column_and_reason_in_preview_and_error_file(
    world: Any, tmp_path: Path
) -> None:
    client = _page(world.users["province"])
    before = _state()
    resp = _upload(client, world, _workbook(tmp_path, bad=True))
    page = client.get(resp["Location"]).content.decode()
    assert "市州 (H)：未知市州：“不存在市”" in page
    assert "帮扶结束 (E)：帮扶结束早于帮扶开始" in page
    # confirming writes nothing, not even the good rows
    assert client.post(resp["Location"]).status_code == 200
    assert _state() == before
    # the error file is the upload with an error column on each sheet
    upload = ImportUpload.objects.get()
    errors = client.get(reverse("imports:errors", args=[upload.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(errors.content))
    hospitals = list(wb["医院"].iter_rows(values_only=True))
    assert hospitals[0][-1] == ERROR_HEADER and hospitals[1][-1] in ("", None)
    assert "未知市州" in hospitals[3][-1]
    pairs = list(wb["对口帮扶关系"].iter_rows(values_only=True))
    assert "帮扶结束早于帮扶开始" in pairs[2][-1]


def test_command_runs_the_same_specs(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(_workbook(tmp_path))
    call_command("import_pairings", str(path), "--program", world.program.code, stdout=io.StringIO())
    assert Pairing.objects.filter(program=world.program, recipient__code="R901").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not a workbook", "内容不是 Excel"),
        (hostile.huge_dimension(), "上限"),
        (hostile.two_corner_cells(), "200 列的上限"),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_kept(world: Any, content: bytes, message: str) -> None:
    before = _state()
    resp = _upload(_page(world.users["province"]), world, content)
    assert resp.status_code == 200 and message in resp.content.decode()
    assert ImportUpload.objects.count() == 0 and _state() == before


def test_a_csv_is_refused_for_a_two_sheet_import(world: Any) -> None:
    resp = _upload(_page(world.users["province"]), world, "机构代码,医院名称\n".encode(), "p.csv")
    assert resp.status_code == 200 and "须为 Excel 工作簿" in resp.content.decode()


@pytest.mark.parametrize(
    ("who", "code"),
    [("city_a", 403), ("county_a", 403), ("charlie", 403), ("erin", 403), ("alice", 403), ("zoe", 404),
     ("yan", 404)],
)  # fmt: skip
def test_role_matrix_refused_writes_change_nothing(
    co_world: Any, tmp_path: Path, who: str, code: int
) -> None:
    world = co_world
    before = _state()
    client = _page(world.users[who])
    assert _upload(client, world, _workbook(tmp_path)).status_code == code
    api = client_for(world.users[who])
    for step in ("preview", "confirm"):
        url = reverse(f"api:program-pairing-list-{step}", args=[world.program.pk])
        file = SimpleUploadedFile("p.xlsx", _workbook(tmp_path))
        assert api.post(url, {"file": file}, format="multipart").status_code == code, (who, step)
    # a province officer's stored upload is the officer's alone
    upload = _upload(_page(world.users["province"]), world, _workbook(tmp_path))
    assert client.get(upload["Location"]).status_code == 404
    assert client.post(upload["Location"]).status_code == 404
    assert _state() == before


def test_api_preview_confirm_and_retry(world: Any, tmp_path: Path) -> None:
    api = client_for(world.users["province"])
    preview_url = reverse("api:program-pairing-list-preview", args=[world.program.pk])
    confirm_url = reverse("api:program-pairing-list-confirm", args=[world.program.pk])
    before = _state()
    bad = api.post(preview_url, {"file": SimpleUploadedFile("p.xlsx", _workbook(tmp_path, bad=True))})
    body = bad.json()
    assert bad.status_code == 200 and body["applied"] is False and _state() == before
    errors = [e for s in body["sheets"] for r in s["rows"] for e in r["errors"]]
    assert {"row": 4, "column": "市州 (H)", "message": "未知市州：“不存在市”"} in errors
    refused = api.post(confirm_url, {"file": SimpleUploadedFile("p.xlsx", _workbook(tmp_path, bad=True))})
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["rows"] and _state() == before
    done = api.post(confirm_url, {"file": SimpleUploadedFile("p.xlsx", _workbook(tmp_path))})
    assert done.status_code == 201 and done.json()["applied"] is True
    after = _state()
    again = api.post(confirm_url, {"file": SimpleUploadedFile("p.xlsx", _workbook(tmp_path))})
    assert again.status_code == 200 and again.json()["counts"]["unchanged"] == 3 and _state() == after
    hostile_file = api.post(confirm_url, {"file": SimpleUploadedFile("p.xlsx", hostile.huge_dimension())})
    assert hostile_file.status_code == 400 and "file" in hostile_file.json()["error"]["fields"]
