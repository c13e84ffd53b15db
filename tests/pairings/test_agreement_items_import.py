"""Agreement items (协议事项) from Excel through the shared import framework: good file, bad row, hostile
file, role matrix (refused writes change nothing), idempotent confirm, API."""

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
from pairings.models import AgreementItem
from tests import hostile_sheets as hostile
from tests.api.conftest import client_for

HEADER = ["类型", "内容", "责任科室", "完成时限"]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def agreement(world: Any) -> Any:
    return f.AgreementFactory(pairing=world.pairing_a)


def _file(tmp_path: Path, rows: list[list[Any]]) -> bytes:
    path = tmp_path / "items.xlsx"
    write_xlsx(path, [("协议事项", [HEADER, *rows])])
    return path.read_bytes()


GOOD = [["任务", "开展胸痛中心建设", "心内科", "2024-06-30"], ["技术", "开展经皮冠状动脉介入治疗", "", ""]]


def _state() -> list[Any]:
    return list(AgreementItem.objects.order_by("pk").values_list("pk", "kind", "description", "due_date"))


def _page(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(client: Client, agreement: Any, content: bytes) -> Any:
    url = reverse("imports:upload", args=["agreement-items", agreement.pk])
    return client.post(url, {"file": SimpleUploadedFile("items.xlsx", content)})


@pytest.mark.parametrize("who", ["province", "charlie"])
def test_good_file_by_the_editors_confirm_is_all_or_nothing_and_idempotent(
    world: Any, agreement: Any, tmp_path: Path, who: str
) -> None:
    client = _page(world.users[who])
    resp = _upload(client, agreement, _file(tmp_path, GOOD))
    assert resp.status_code == 302 and not AgreementItem.objects.exists()
    assert "新增 2" in client.get(resp["Location"]).content.decode()
    assert client.post(resp["Location"]).status_code == 302
    assert [(i.kind, str(i.due_date)) for i in AgreementItem.objects.order_by("pk")] == [
        ("task", "2024-06-30"),
        ("technology", "None"),
    ]
    after = _state()
    assert client.post(resp["Location"]).status_code == 302 and _state() == after
    # a changed due date is a change of that item, not a new one
    changed = [[*GOOD[0][:3], "2024-09-30"], GOOD[1]]
    resp = _upload(client, agreement, _file(tmp_path, changed))
    page = client.get(resp["Location"]).content.decode()
    assert "修改 1" in page and "未变 1" in page
    client.post(resp["Location"])
    assert AgreementItem.objects.count() == 2 and str(AgreementItem.objects.first().due_date) == "2024-09-30"


def test_bad_row_named_nothing_written_and_error_file(world: Any, agreement: Any, tmp_path: Path) -> None:
    client = _page(world.users["charlie"])
    rows = [*GOOD, ["目的", "某事", "", "2024-13-01"], ["任务", "", "", ""]]
    resp = _upload(client, agreement, _file(tmp_path, rows))
    page = client.get(resp["Location"]).content.decode()
    assert (
        "类型 (A)：未知事项类型：“目的”" in page
        and "完成时限 (D)：" in page
        and "内容 (B)：必填项为空" in page
    )
    assert client.post(resp["Location"]).status_code == 200 and not AgreementItem.objects.exists()
    errors = client.get(reverse("imports:errors", args=[ImportUpload.objects.get().pk]))
    sheet = list(openpyxl.load_workbook(io.BytesIO(errors.content)).active.iter_rows(values_only=True))
    assert sheet[1][-1] in ("", None) and "未知事项类型" in sheet[3][-1] and "必填项为空" in sheet[4][-1]


def test_hostile_file_refused(world: Any, agreement: Any) -> None:
    for content, message in ((hostile.two_corner_cells(), "200 列的上限"), (b"PK\x03\x04junk", "")):
        resp = _upload(_page(world.users["charlie"]), agreement, content)
        assert resp.status_code == 200 and message in resp.content.decode()
    assert not ImportUpload.objects.exists() and not AgreementItem.objects.exists()


@pytest.mark.parametrize(
    ("who", "code"),
    [("city_a", 403), ("county_a", 403), ("alice", 403), ("erin", 403), ("dana", 404), ("zoe", 404)],
)
def test_role_matrix_refused_writes_change_nothing(
    co_world: Any, tmp_path: Path, who: str, code: int
) -> None:
    agreement = f.AgreementFactory(pairing=co_world.pairing_a)
    AgreementItem.objects.create(agreement=agreement, kind="task", description="原有事项")
    before = _state()
    assert _upload(_page(co_world.users[who]), agreement, _file(tmp_path, GOOD)).status_code == code
    api = client_for(co_world.users[who])
    for step in ("preview", "confirm"):
        url = reverse(f"api:agreement-item-list-{step}", args=[agreement.pk])
        file = SimpleUploadedFile("items.xlsx", _file(tmp_path, GOOD))
        assert api.post(url, {"file": file}, format="multipart").status_code == code, (who, step)
    assert _state() == before


def test_api_preview_and_confirm(world: Any, agreement: Any, tmp_path: Path) -> None:
    api = client_for(world.users["charlie"])
    url = reverse("api:agreement-item-list-confirm", args=[agreement.pk])
    bad = api.post(url, {"file": SimpleUploadedFile("i.xlsx", _file(tmp_path, [["目的", "x", "", ""]]))})
    assert (
        bad.status_code == 400
        and bad.json()["error"]["fields"]["rows"][0]["errors"][0]["column"] == "类型 (A)"
    )
    done = api.post(url, {"file": SimpleUploadedFile("i.xlsx", _file(tmp_path, GOOD))})
    assert done.status_code == 201 and AgreementItem.objects.count() == 2
    again = api.post(url, {"file": SimpleUploadedFile("i.xlsx", _file(tmp_path, GOOD))})
    assert again.status_code == 200 and AgreementItem.objects.count() == 2
