"""Hostile spreadsheets built by hand (a few hundred bytes each) for the reader's tests and the upload paths.

Each is a well-formed .xlsx that a trusting parser would try to hold in memory at once: python-calamine
allocates the whole used range, so ``two_corner_cells`` alone asks for ~512 GiB.
"""

from __future__ import annotations

import io
import zipfile

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def xlsx(
    sheet_body: str, *, shared_strings: str | None = None, sheet_name: str = "名单", doctype: str = ""
) -> bytes:
    """A minimal workbook whose only sheet's XML is ``<worksheet>`` + ``sheet_body`` + ``</worksheet>``."""
    rels = f'<Relationship Id="rId1" Type="{_REL_TYPE}worksheet" Target="worksheets/sheet1.xml"/>'
    if shared_strings is not None:
        rels += f'<Relationship Id="rId2" Type="{_REL_TYPE}sharedStrings" Target="sharedStrings.xml"/>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK.format(name=sheet_name))
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>",
        )
        if shared_strings is not None:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
            f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet_body}'
            "</worksheet>",
        )
    return buf.getvalue()


def two_corner_cells() -> bytes:
    """The file of issue 13: A1 and XFD1048576, no dimension (calamine: ~512 GiB)."""
    return xlsx(
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )


def lying_dimension() -> bytes:
    """Declares A1:B2 but holds a cell at the far corner: the dimension must not be believed."""
    return xlsx(
        '<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )


def huge_dimension() -> bytes:
    """Declares the whole grid though it holds one cell."""
    return xlsx(
        '<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    )


def implied_columns(n: int = 500) -> bytes:
    """One row of ``n`` cells without ``r``: each is the next column, so the row is ``n`` wide."""
    return xlsx('<sheetData><row r="1">' + "<c><v>1</v></c>" * n + "</row></sheetData>")


def tall_rows(rows: int) -> bytes:
    """``rows`` rows of one cell each, positions implied (no ``r`` at all)."""
    return xlsx("<sheetData>" + "<row><c><v>1</v></c></row>" * rows + "</sheetData>")


def shared_strings_bomb() -> bytes:
    """A shared-strings table declaring four billion entries (calamine reserves them up front)."""
    return xlsx(
        '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>',
        shared_strings='<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" '
        'uniqueCount="4000000000"><si><t>x</t></si></sst>',
    )


def with_dtd() -> bytes:
    """Entity expansion (billion laughs style): any DTD is refused."""
    return xlsx(
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol;</t></is></c></row></sheetData>',
        doctype='<!DOCTYPE worksheet [<!ENTITY lol "lol">]>',
    )


def broken_xml() -> bytes:
    return xlsx('<sheetData><row r="1"><c r="A1"><v>1</v></row></sheetData>')


def zip_bomb(mib: int = 60) -> bytes:
    """A small zip whose one member declares ``mib`` MiB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("xl/workbook.xml", _WORKBOOK.format(name="s"))
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            chunk = b"\0" * (1 << 20)
            for _i in range(mib):
                out.write(chunk)
    return buf.getvalue()
