"""A streaming XLSX writer for the report workbooks (issue 18).

openpyxl's write-only mode spends ~15 µs a cell building an XML element per cell; the national annual
workbook has over half a million cells, so the writer was most of the build's time. The report sheets need
little of what openpyxl offers: one header row with a style, a number format per column, column widths, a
frozen header, landscape A4 print setup with repeated titles. This module writes exactly that, streaming
each sheet's XML straight into the zip (nothing held per row), strings inline (no shared-strings table in
memory). Any reader of OOXML opens the result (Excel, WPS, LibreOffice, openpyxl — the tests read it back
with openpyxl and compare every value and format with the openpyxl-built workbook).

Values: ``str`` (inline string), ``bool``, ``int`` / ``float`` / ``Decimal`` (written as openpyxl writes them,
``%.16g``), ``date`` / ``datetime`` (Excel serial, with the column's format or ``yyyy-mm-dd``), ``None``
and ``""`` (no cell). Characters XML 1.0 cannot carry (control characters) are dropped instead of
corrupting the file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

# (header, width, number format or None) — the annual workbook's column description.
Column = tuple[str, float, str | None]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Built-in number formats (ECMA-376 §18.8.30) keep their ids; any other gets a custom id from 164.
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10}
DATE_FORMAT = "yyyy-mm-dd"

# Not allowed in XML 1.0 (openpyxl refuses them with IllegalCharacterError).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = dt.datetime(1899, 12, 30)
# Fixed entry timestamps: the same data gives the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _text(value: str) -> str:
    value = escape(_ILLEGAL.sub("", value))
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{value}</t></is>'
    return f"<is><t>{value}</t></is>"


def _serial(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
        return f"{delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6:.16g}"
    return str((value - _EPOCH.date()).days)


class StreamingWorkbook:
    """``with StreamingWorkbook(out, title=…) as wb: wb.sheet(title, columns, rows)`` — sheets in order."""

    def __init__(
        self, out: IO[bytes] | str, *, title: str = "", creator: str = "", created: dt.datetime | None = None
    ) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self._title, self._creator = title, creator
        self._created = created or dt.datetime(2000, 1, 1)
        self._sheets: list[str] = []
        # cellXfs: 0 default, 1 header; then one per number format in first-use order.
        self._formats: dict[str, int] = {}

    def __enter__(self) -> StreamingWorkbook:
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self._zip.close()

    def _style(self, fmt: str | None) -> int:
        if fmt is None:
            return 0
        return self._formats.setdefault(fmt, len(self._formats) + 2)

    def _open(self, name: str) -> IO[bytes]:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        # Level 1: several times faster than zlib's default 6, the file only slightly larger. (A ZipInfo
        # passed to open() carries its own level; Python 3.13 also names it compress_level.)
        info._compresslevel = 1  # type: ignore[attr-defined]
        return self._zip.open(info, "w")

    def _write(self, name: str, text: str) -> None:
        with self._open(name) as fh:
            fh.write(text.encode())

    def sheet(self, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
        """Write one sheet: the header row, then ``rows`` (one value per column) as they come; returns
        the number of data rows."""
        index = len(self._sheets) + 1
        self._sheets.append(title)
        letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        styles = [self._style(fmt) for _h, _w, fmt in columns]
        date_style = self._style(DATE_FORMAT)
        width = len(columns)
        n = 0
        with self._open(f"xl/worksheets/sheet{index}.xml") as raw:
            buffer: list[str] = []
            out = buffer.append
            out(
                f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
                '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
                '<sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                '<sheetFormatPr defaultRowHeight="15"/><cols>'
            )
            for i, (_h, w, _f) in enumerate(columns, start=1):
                out(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>')
            out('</cols><sheetData><row r="1">')
            for letter, (header, _w, _f) in zip(letters, columns, strict=True):
                out(f'<c r="{letter}1" s="1" t="inlineStr">{_text(header)}</c>')
            out("</row>")
            for r, row in enumerate(rows, start=2):
                if len(row) != width:
                    raise ValueError(f"{title}: row {r} has {len(row)} values for {width} columns")
                out(f'<row r="{r}">')
                for letter, style, value in zip(letters, styles, row):  # noqa: B905 - length checked
                    if value is None or value == "":  # an empty cell, as openpyxl writes ""
                        continue
                    s = f' s="{style}"' if style else ""
                    if isinstance(value, str):
                        out(f'<c r="{letter}{r}"{s} t="inlineStr">{_text(value)}</c>')
                    elif isinstance(value, bool):
                        out(f'<c r="{letter}{r}"{s} t="b"><v>{int(value)}</v></c>')
                    elif isinstance(value, int | float | Decimal):
                        if isinstance(value, Decimal):
                            value = float(value)  # as openpyxl writes it ("%.16g" of the float)
                        if isinstance(value, float) and not math.isfinite(value):
                            continue
                        out(f'<c r="{letter}{r}"{s}><v>{value:.16g}</v></c>')
                    elif isinstance(value, dt.date):
                        out(f'<c r="{letter}{r}" s="{style or date_style}"><v>{_serial(value)}</v></c>')
                    else:
                        out(f'<c r="{letter}{r}"{s} t="inlineStr">{_text(str(value))}</c>')
                out("</row>")
                n += 1
                if len(buffer) > 4096:
                    raw.write("".join(buffer).encode())
                    buffer.clear()
            out(
                '</sheetData><printOptions gridLines="1"/>'
                '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
                "</worksheet>"
            )
            raw.write("".join(buffer).encode())
        return n

    def close(self) -> None:
        sheets = self._sheets
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        self._write(
            "[Content_Types].xml",
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            f"{overrides}</Types>",
        )
        self._write(
            "_rels/.rels",
            f'{_XML}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>",
        )
        stamp = self._created.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._write(
            "docProps/core.xml",
            f"{_XML}<cp:coreProperties "
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(self._creator)}</dc:creator><dc:title>{escape(self._title)}</dc:title>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>",
        )
        self._write(
            "docProps/app.xml",
            f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>Microsoft Excel</Application></Properties>",
        )
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
            f"{escape(_quote_sheet(title))}!$1:$1</definedName>"
            for i, title in enumerate(sheets)
        )
        self._write(
            "xl/workbook.xml",
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews><sheets>'
            + "".join(
                f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
                for i, title in enumerate(sheets, start=1)
            )
            + f"</sheets>{f'<definedNames>{names}</definedNames>' if names else ''}</workbook>",
        )
        self._write(
            "xl/_rels/workbook.xml.rels",
            f'{_XML}<Relationships xmlns="{_PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        self._write("xl/styles.xml", self._styles_xml())
        self._zip.close()

    def _styles_xml(self) -> str:
        custom, xfs = [], []
        next_id = 164
        for fmt in self._formats:  # in style-id order (insertion order)
            fmt_id = _BUILTIN_FORMATS.get(fmt)
            if fmt_id is None:
                fmt_id, next_id = next_id, next_id + 1
                custom.append(f'<numFmt numFmtId="{fmt_id}" formatCode={quoteattr(fmt)}/>')
            xfs.append(
                f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            )
        num_fmts = f'<numFmts count="{len(custom)}">{"".join(custom)}</numFmts>' if custom else ""
        return (
            f'{_XML}<styleSheet xmlns="{_MAIN}">{num_fmts}'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="00DDE7F3"/><bgColor indexed="64"/>'
            "</patternFill></fill></fills>"
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs) + 2}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
            'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
            f"{''.join(xfs)}</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _quote_sheet(title: str) -> str:
    # A sheet name in a formula reference is quoted, an apostrophe in it doubled.
    return "'" + title.replace("'", "''") + "'"
