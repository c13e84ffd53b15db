"""Upload safety checks (teams/uploads.py): every bad file gets a clear message before any parser runs."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.test import override_settings

from core.uploads import CSV, XLSX, UploadError, check_upload, escape_cell, parse_date
from devtools.dingtalk_samples import write_xlsx


def _xlsx_bytes(tmp_path: Path, rows: list[list[object]]) -> io.BytesIO:
    write_xlsx(tmp_path / "a.xlsx", [("s", rows)])
    return io.BytesIO((tmp_path / "a.xlsx").read_bytes())


def test_real_xlsx_and_csv_are_recognised(tmp_path: Path) -> None:
    assert check_upload(_xlsx_bytes(tmp_path, [["a"]]), "a.xlsx") == XLSX
    assert check_upload(io.BytesIO("姓名,UserId\n张三,1\n".encode()), "a.csv") == CSV
    assert check_upload(io.BytesIO("姓名,UserId\n张三,1\n".encode("gbk")), "a.csv") == CSV


def test_wrong_file_renamed_to_xlsx_is_refused() -> None:
    with pytest.raises(UploadError, match="内容不是 Excel"):
        check_upload(io.BytesIO(b"%PDF-1.7 not a spreadsheet"), "roster.xlsx")
    with pytest.raises(UploadError, match="无法识别"):
        check_upload(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "roster.csv")


def test_zip_without_content_types_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(UploadError, match="不是有效的 Excel"):
        check_upload(buf, "a.xlsx")


def test_zip_bomb_is_refused_before_extraction() -> None:
    # given a small zip whose entry expands to 60 MiB of zeros (declared in the central directory)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            chunk = b"\0" * (1 << 20)
            for _i in range(60):
                out.write(chunk)
    assert len(buf.getvalue()) < 5 * 2**20
    with pytest.raises(UploadError, match="解压后过大"):
        check_upload(buf, "bomb.xlsx")


def test_too_many_zip_entries_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        for i in range(1001):
            zf.writestr(f"xl/worksheets/s{i}.xml", "")
    with pytest.raises(UploadError, match="条目过多"):
        check_upload(buf, "a.xlsx")


@override_settings(MAX_UPLOAD_BYTES=1000)
def test_file_over_the_size_limit_is_refused() -> None:
    with pytest.raises(UploadError, match="文件过大"):
        check_upload(io.BytesIO(b"a,b\n" * 500), "a.csv")


def test_empty_file_is_refused() -> None:
    with pytest.raises(UploadError, match="文件为空"):
        check_upload(io.BytesIO(b""), "a.csv")


def test_formula_cells_are_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "计划开始"])
    wb.active.append(["张三", "=TODAY()"])
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(UploadError, match="公式"):
        check_upload(io.BytesIO((tmp_path / "f.xlsx").read_bytes()), "f.xlsx")


@pytest.mark.parametrize(
    "value",
    ["2023-03-01", "2023/3/1", "2023年3月1日", 44986, dt.date(2023, 3, 1), dt.datetime(2023, 3, 1, 0, 0)],
)
def test_accepted_date_forms(value: object) -> None:
    assert parse_date(value) == dt.date(2023, 3, 1)


@pytest.mark.parametrize("value", ["03/01/2023", "2023.3.1", "2023-02-30", "明天", ""])
def test_rejected_date_forms(value: object) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize("value", ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_is_escaped(value: str) -> None:
    assert escape_cell(value) == "'" + value
    assert escape_cell("张三") == "张三" and escape_cell(3) == 3
