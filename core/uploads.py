"""Upload safety: what a spreadsheet upload must pass before any parser sees it.

One module so every import (rosters, attendance, pairings, activity) and the security review share the same
checks: size limit, content sniffing (never trust the extension), zip-bomb limits read from the zip directory
*before* anything is decompressed, formula cells refused (never evaluated), and formula-injection escaping
for the spreadsheets we hand back (error files, templates).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

XLSX = "xlsx"
CSV = "csv"

# A real DingTalk export of a million punches is ~40 MB zipped and ~400 MB of XML; anything far beyond
# that, or with thousands of entries, is not a spreadsheet we asked for.
MAX_ZIP_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


class UploadError(ValueError):
    """A file we refuse as a whole; the message is shown to the user as is."""


def max_upload_bytes() -> int:
    return int(getattr(settings, "MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def _size(f: IO[bytes]) -> int:
    pos = f.tell()
    f.seek(0, 2)
    size = f.tell()
    f.seek(pos)
    return size


def check_size(f: IO[bytes]) -> int:
    size = _size(f)
    limit = max_upload_bytes()
    if size == 0:
        raise UploadError(_("文件为空。"))
    if size > limit:
        raise UploadError(
            _("文件过大：%(size).1f MB，上限 %(limit).1f MB。")
            % {"size": size / 2**20, "limit": limit / 2**20}
        )
    return size


def check_zip_limits(f: IO[bytes]) -> None:
    """Refuse zip bombs from the central directory alone (entry count, declared sizes), before extracting."""
    f.seek(0)
    try:
        zf = zipfile.ZipFile(f)
    except zipfile.BadZipFile as exc:
        raise UploadError(_("文件不是有效的 Excel (.xlsx) 文件。")) from exc
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UploadError(_("Excel 文件内部条目过多（%(n)d），拒绝处理。") % {"n": len(infos)})
    total = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or total / compressed > MAX_COMPRESSION_RATIO and total > 50 * 2**20:
        raise UploadError(_("Excel 文件解压后过大（%(mb)d MB），拒绝处理。") % {"mb": total // 2**20})
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise UploadError(_("文件不是有效的 Excel (.xlsx) 文件。"))
    f.seek(0)


def sniff(f: IO[bytes], name: str = "") -> str:
    """The real type of an upload: ``xlsx`` (zip with [Content_Types].xml) or ``csv`` (UTF-8/GBK text)."""
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"PK\x03\x04"):
        check_zip_limits(f)
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError(_("不支持旧版 Excel (.xls) 文件，请另存为 .xlsx 后上传。"))
    if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise UploadError(_("文件扩展名为 Excel，但内容不是 Excel 文件。"))
    sample = f.read(64 * 1024)
    f.seek(0)
    if b"\x00" in sample:
        raise UploadError(_("无法识别的文件类型：请上传 .xlsx 或 .csv 文件。"))
    if text_encoding(sample) is None:
        raise UploadError(_("无法识别的文件类型：请上传 .xlsx 或 .csv 文件。"))
    return CSV


def text_encoding(sample: bytes) -> str | None:
    """utf-8-sig or gb18030 (GBK superset), else None. A cut multi-byte character at the end is tolerated."""
    for enc in ("utf-8-sig", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)()
        try:
            dec.decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return enc
    return None


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def check_no_formulas(f: IO[bytes]) -> None:
    """Refuse an xlsx with any formula cell: we never evaluate formulas and cached values may lie."""
    f.seek(0)
    with zipfile.ZipFile(f) as zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            tail = b""
            with zf.open(info) as part:
                while chunk := part.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        raise UploadError(_("文件包含公式单元格，请将公式转换为数值后再上传。"))
                    tail = chunk[-16:]
    f.seek(0)


def check_upload(f: IO[bytes], name: str = "") -> str:
    """All the file-level checks; returns the sniffed type (``xlsx``/``csv``)."""
    check_size(f)
    kind = sniff(f, name)
    if kind == XLSX:
        check_no_formulas(f)
    return kind


# Scanned documents (agreements, evidence): the first bytes decide, never the name or the browser's type.
PDF, PNG, JPEG = "pdf", "png", "jpeg"
_DOCUMENT_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
DOCUMENT_CONTENT_TYPES = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg"}


def max_document_bytes() -> int:
    return int(getattr(settings, "MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))


def check_document(f: IO[bytes]) -> str:
    """A scan or evidence file: not empty, within the size limits, PDF/PNG/JPEG by content (returned)."""
    size = check_size(f)
    limit = max_document_bytes()
    if size > limit:
        raise UploadError(
            _("文件过大：%(size).1f MB，上限 %(limit).1f MB。")
            % {"size": size / 2**20, "limit": limit / 2**20}
        )
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    for magic, kind in _DOCUMENT_MAGIC:
        if head.startswith(magic):
            return kind
    raise UploadError(_("只接受 PDF 或图片（PNG、JPEG）文件：文件内容不是这几种格式。"))


# --- reading -------------------------------------------------------------------------------------------


def iter_rows(f: IO[bytes], kind: str, *, sheet: int | str = 0) -> Iterator[list[Any]]:
    """Rows of the first (or named) sheet as lists of cell values; strings stripped.

    xlsx is read with python-calamine (Rust, fast); openpyxl read-only is the fallback when calamine is
    missing. csv is decoded as UTF-8 or GBK.
    """
    f.seek(0)
    if kind == CSV:
        import csv
        import io

        enc = text_encoding(f.read(64 * 1024)) or "utf-8"
        f.seek(0)
        text = io.TextIOWrapper(f, encoding=enc, newline="")  # type: ignore[arg-type]
        try:
            for row in csv.reader(text):
                yield [c.strip() for c in row]
        finally:
            text.detach()
        return
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - calamine is in requirements
        yield from _iter_rows_openpyxl(f, sheet)
        return
    wb = CalamineWorkbook.from_filelike(f)  # type: ignore[arg-type]
    sheet_obj = wb.get_sheet_by_index(sheet) if isinstance(sheet, int) else wb.get_sheet_by_name(sheet)
    # Cells are handed over as read; the row parsers strip text (a million list copies cost seconds).
    yield from sheet_obj.iter_rows()


def _iter_rows_openpyxl(f: IO[bytes], sheet: int | str) -> Iterator[list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    for row in ws.iter_rows(values_only=True):
        yield [("" if c is None else c.strip() if isinstance(c, str) else c) for c in row]
    wb.close()


def sheet_names(f: IO[bytes]) -> list[str]:
    from python_calamine import CalamineWorkbook

    f.seek(0)
    names = list(CalamineWorkbook.from_filelike(f).sheet_names)  # type: ignore[arg-type]
    f.seek(0)
    return names


def header_index(
    header: list[Any], columns: dict[str, tuple[str, ...]], required: set[str]
) -> dict[str, int]:
    """Map our field names to column positions by any accepted header; missing required columns raise."""
    cleaned = [str(h).strip().replace(" ", "") if h is not None else "" for h in header]
    found: dict[str, int] = {}
    for field, names in columns.items():
        for n in names:
            if n in cleaned:
                found[field] = cleaned.index(n)
                break
    missing = [columns[k][0] for k in columns if k in required and k not in found]
    if missing:
        raise UploadError(_("缺少必需的列：%(cols)s（请使用模板中的列名）。") % {"cols": "、".join(missing)})
    return found


def column_letter(idx: int) -> str:
    """0 → A, 25 → Z, 26 → AA (to name a cell in an error message)."""
    out = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- dates -------------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def parse_date(value: Any) -> dt.date:
    """A date cell: a date, an Excel serial, or text as 2023-03-01, 2023/3/1 or 2023年3月1日.

    Raises ValueError (with a Chinese message) for anything else; callers name the cell.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_("日期数值超出范围"))
    text = str(value or "").strip()
    if not text:
        raise ValueError(_("日期为空"))
    # "2023-03-01 00:00:00" from a text export of a date cell.
    if len(text) > 10 and text[10] == " " and text[11:].strip("0: ") == "":
        text = text[:10]
    for rx in _DATE_RES:
        m = rx.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise ValueError(
        _("日期格式错误：“%(v)s”（可用格式：2023-03-01、2023/3/1、2023年3月1日）") % {"v": text[:30]}
    )


# --- exports --------------------------------------------------------------------------------------------

_INJECTION_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Neutralise formula injection in a spreadsheet we produce: prefix risky text with a quote."""
    if isinstance(value, str) and value.startswith(_INJECTION_START):
        return "'" + value
    return value


def save_upload(f: IO[bytes], dest: Path) -> None:
    f.seek(0)
    with open(dest, "wb") as out:
        while chunk := f.read(1 << 20):
            out.write(chunk)
