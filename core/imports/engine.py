"""The one import engine: read (safe reader) → parse per cell → check → classify → write all or nothing;
the template and the error file of any spec.

Preview and confirm run the same code: both write inside one transaction, and everything is rolled back
unless it is a confirm with no error anywhere. A retried confirm finds every row unchanged and writes
nothing, so confirming twice is harmless.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.excel import safe_cell
from core.imports.spec import ERROR, ERROR_HEADER, ImportResult, ImportSpec, Preview, PreviewRow, text
from core.uploads import XLSX, UploadError, check_upload, column_letter, header_index, iter_rows, sheet_names


def read_sheet(
    f: IO[bytes], kind: str, *, sheet: int | str = 0, max_rows: int = 5000, empty_message: Any = ""
) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The header (first non-empty row) and the non-empty rows after it, with their row numbers."""
    header: list[str] | None = None
    body: list[tuple[int, list[Any]]] = []
    for i, row in enumerate(iter_rows(f, kind, sheet=sheet), start=1):
        if header is None:
            if any(text(c) for c in row):
                header = [text(c) for c in row]
            continue
        if any(text(c) for c in row):
            body.append((i, list(row) + [""] * (len(header) - len(row))))
        if len(body) > max_rows:
            raise UploadError(_("行数过多（超过 %(n)d 行）。") % {"n": max_rows})
    if header is None:
        raise UploadError(_("工作表为空。"))
    if not body:
        raise UploadError(str(empty_message) if empty_message else _("工作表中没有数据行。"))
    return header, body


def _parse(spec: ImportSpec, f: IO[bytes], kind: str, sheet: int | str) -> Preview:
    header, body = read_sheet(f, kind, sheet=sheet, max_rows=spec.max_rows, empty_message=spec.empty_message)
    columns = {c.key: c.headers for c in spec.columns}
    cols = header_index(header, columns, {c.key for c in spec.columns if c.required})
    for group in spec.one_of:
        if not any(k in cols for k in group):
            names = _(" 或 ").join(columns[k][0] for k in group)
            raise UploadError(_("缺少必需的列：%(cols)s。") % {"cols": names})
    preview = Preview(
        header=header,
        rows=[],
        sheet=spec.sheet,
        title=str(spec.title),
        labels={k: f"{header[i]} ({column_letter(i)})" for k, i in cols.items()},
    )
    for row_no, raw in body:
        row = PreviewRow(row_no=row_no, raw=raw, values={})
        spec.parse_row(row, {k: raw[i] for k, i in cols.items()}, preview)
        preview.rows.append(row)
    spec.validate(preview)
    return preview


def run_import(
    specs: Sequence[ImportSpec], *, f: IO[bytes], name: str = "", confirm: bool = False
) -> ImportResult:
    """Preview (``confirm`` False: nothing is kept) or confirm an upload of one sheet per spec.

    Raises PermissionDenied (the spec's check) and UploadError (a file-level problem: type, size, limits,
    missing sheet or column); row problems are in the result, each with row, column and reason.
    """
    for spec in specs:
        spec.check_permission()
    kind = check_upload(f, name)
    many = len(specs) > 1
    if many:
        if kind != XLSX:
            raise UploadError(
                _("须为 Excel 工作簿（含工作表：%(s)s）。") % {"s": "、".join(s.sheet for s in specs)}
            )
        present = sheet_names(f)
        for spec in specs:
            if spec.sheet not in present:
                raise UploadError(_("缺少工作表“%(s)s”。") % {"s": spec.sheet})
    result = ImportResult(previews=[])
    with transaction.atomic():
        for spec in specs:
            preview = _parse(spec, f, kind, spec.sheet if many else 0)
            spec.apply(preview)
            for r in preview.rows:
                if r.errors:
                    r.status = ERROR
            result.previews.append(preview)
        result.applied = confirm and not result.has_errors
        for p in result.previews:
            p.applied = result.applied
        if not result.applied:
            transaction.set_rollback(True)
    return result


# --- the spreadsheets we hand out -------------------------------------------------------------------------


def workbook_bytes(sheets: Iterable[tuple[str, Iterable[Sequence[Any]]]]) -> bytes:
    """An xlsx of the given sheets, the first row bold; every cell escaped against formula injection."""
    import openpyxl  # heavy: only the commands and pages that write a workbook need it
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for i, row in enumerate(rows):
            ws.append([safe_cell(str(v) if isinstance(v, Promise) else v) for v in row])
            if i == 0:
                for cell in ws[1]:
                    cell.font = Font(bold=True)
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_workbook(specs: Sequence[ImportSpec]) -> bytes:
    """One sheet per spec with its Chinese headers (pre-filled with the current data, else an example row)
    and a 说明 sheet: every column, whether it is required, what it takes, and the spec's own notes."""
    sheets: list[tuple[str, list[Sequence[Any]]]] = []
    instructions: list[list[Any]] = [[_("列名"), _("必填"), _("说明")]]
    for spec in specs:
        header = [c.header for c in spec.columns]
        rows = spec.template_rows() or [[c.example for c in spec.columns]]
        sheets.append((spec.sheet, [header, *rows]))
        if len(specs) > 1:
            instructions.append([_("工作表：%(s)s") % {"s": spec.sheet}, "", ""])
        for c in spec.columns:
            instructions.append([c.header, _("是") if c.required else _("否"), c.help])
        for group in spec.one_of:
            names = " / ".join(next(c.header for c in spec.columns if c.key == k) for k in group)
            instructions.append([names, _("至少填一项"), ""])
        for label, note in spec.extra_instructions():
            instructions.append([label, "", note])
        instructions.append([])
    instructions.append(
        [_("注意"), "", _("请勿使用公式；日期可写 2023-03-01、2023/3/1 或 2023年3月1日。全部正确才会导入。")]
    )
    return workbook_bytes([*sheets, (_("说明"), instructions)])


def error_workbook(specs: Sequence[ImportSpec], result: ImportResult) -> bytes:
    """The uploaded rows back, each with an error column (general errors on a first line), one sheet per
    spec. Personal cells (``Column.personal``) are masked unless the spec's user may see them: a masked
    cell is corrected in the user's own copy of the file."""
    sheets = []
    for spec, preview in zip(specs, result.previews, strict=True):
        maskers = []
        if not spec.may_see_personal_data():
            columns = {c.key: c.headers for c in spec.columns}
            cols = header_index(preview.header, columns, set())
            maskers = [(cols[c.key], c.personal) for c in spec.columns if c.personal and c.key in cols]
        width = len(preview.header)
        body: list[list[Any]] = []
        if preview.general_errors:
            body.append([*([""] * width), "；".join(preview.general_errors)])
        for r in preview.rows:
            raw = list(r.raw[:width])
            for idx, masker in maskers:
                if raw[idx] not in (None, ""):
                    raw[idx] = masker(text(raw[idx]))
            body.append([*raw, r.error_text])
        sheets.append(
            (
                spec.sheet if len(specs) > 1 else preview.sheet or spec.sheet,
                [[*preview.header, ERROR_HEADER], *body],
            )
        )
    return workbook_bytes(sheets)
