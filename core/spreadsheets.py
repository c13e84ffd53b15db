"""The one safe reader for untrusted spreadsheets (uploads, import commands, jobs).

Why: spreadsheet parsers trust the file. python-calamine allocates the whole used range of a sheet at once, so
an .xlsx of 1.5 KB holding only A1 and XFD1048576 asks for ~512 GiB and kills the web process or the worker;
a shared-strings table declaring four billion entries does the same. Nothing here hands a file to a parser
before these checks have passed, each against a limit from settings (``SPREADSHEET_LIMITS``):

- the file's size and real type (content sniffing, never the extension; .xls, .xlsb and .ods are refused);
- the zip itself, from its central directory before anything is decompressed: member count, declared
  uncompressed size (per member and in total) and compression ratio (zip bombs);
- every XML part, streamed through expat with no DTD allowed (no entities, no billion laughs), reading at most
  the declared number of bytes: each worksheet's declared ``<dimension ref>`` *and* the cells actually
  present (max row, max column, bounding area, cell count; a missing or lying dimension does not help),
  merged ranges, and the shared-strings table's declared and actual counts; formula cells are refused;
- csv: rows, columns and cells counted in one streaming pass, fields bounded by ``csv.field_size_limit``.

A refused file raises :class:`UploadError` whose message names the file, the sheet and the limit, before any
row is written. Files that passed are remembered (weakly, by object) so reading them does not scan twice;
:func:`iter_rows` checks any file it was not shown before.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import itertools
import posixpath
import queue
import re
import threading
import weakref
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

XLSX = "xlsx"
CSV = "csv"

# Excel's own grid: nothing a real export holds can lie beyond it.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384

DEFAULT_LIMITS: dict[str, int] = {
    # Rows and columns of one sheet (csv: of the file). A DingTalk export of a million punches has
    # 1,000,002 rows and 9 or 10 columns; a roster has about 20 columns.
    "max_rows": EXCEL_MAX_ROWS,
    "max_columns": 200,
    # The bounding area rows x columns of one sheet: what calamine allocates at once (~32 bytes a cell,
    # so 15 million cells is ~0.5 GB). Also bounds the shared-strings table.
    "max_cells": 15_000_000,
    # The zip: members, declared uncompressed bytes in total, and the ratio uncompressed/compressed
    # (judged only past ratio_floor_bytes, since tiny parts compress extremely well).
    "max_zip_members": 1000,
    "max_uncompressed_bytes": 1024 * 1024 * 1024,
    "max_compression_ratio": 200,
    "ratio_floor_bytes": 50 * 1024 * 1024,
}


class UploadError(ValueError):
    """A file we refuse as a whole; the message is shown to the user as is."""


@dataclass(frozen=True)
class SheetLimits:
    max_rows: int
    max_columns: int
    max_cells: int
    max_zip_members: int
    max_uncompressed_bytes: int
    max_compression_ratio: int
    ratio_floor_bytes: int
    max_upload_bytes: int


def limits() -> SheetLimits:
    """The limits in force: ``DEFAULT_LIMITS`` overridden by ``settings.SPREADSHEET_LIMITS``."""
    values = {**DEFAULT_LIMITS, **getattr(settings, "SPREADSHEET_LIMITS", {})}
    return SheetLimits(
        max_upload_bytes=int(getattr(settings, "MAX_UPLOAD_BYTES", 50 * 1024 * 1024)),
        **{k: int(v) for k, v in values.items()},
    )


@dataclass
class Inspection:
    """What the checks found: the file's kind and, for xlsx, its sheets and their extents."""

    kind: str
    size: int
    sheets: list[str] = field(default_factory=list)
    extents: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # sheet -> (rows, cols, cells)
    parts: dict[str, str] = field(default_factory=dict)  # sheet -> zip member holding it
    # Big worksheets whose rows are checked while they are read (their extents are not known before).
    streamed: set[str] = field(default_factory=set)


# Files that passed, so that iter_rows after check_upload does not scan a million-row sheet twice; and the
# name each was checked under (a streamed sheet's refusal names the file as the upload named it).
_checked: weakref.WeakKeyDictionary[Any, Inspection] = weakref.WeakKeyDictionary()
_labels: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _label_of(f: IO[bytes]) -> str:
    try:
        label = _labels.get(f)
    except TypeError:
        label = None
    return label or _display(getattr(f, "name", "") or "")


def _display(name: str) -> str:
    return (name.replace("\\", "/").rsplit("/", 1)[-1] or _("上传的文件"))[:100]


def _size(f: IO[bytes]) -> int:
    pos = f.tell()
    f.seek(0, 2)
    size = f.tell()
    f.seek(pos)
    return size


# --- entry points -----------------------------------------------------------------------------------


def inspect_upload(f: IO[bytes], name: str = "") -> Inspection:
    """Every check for an untrusted spreadsheet; returns what was found or raises UploadError.

    ``name`` is only used to name the file in messages (and to catch an Excel name on non-Excel content).
    """
    lim = limits()
    label = _display(name)
    size = _size(f)
    if size == 0:
        raise UploadError(_("文件为空。"))
    if size > lim.max_upload_bytes:
        raise UploadError(
            _("文件过大：%(size).1f MB，上限 %(limit).1f MB。")
            % {"size": size / 2**20, "limit": lim.max_upload_bytes / 2**20}
        )
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"PK\x03\x04"):
        result = _remembered(f, size, lim, lambda: _inspect_xlsx(f, label, size, lim))
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError(_("不支持旧版 Excel (.xls) 文件，请另存为 .xlsx 后上传。"))
    elif name.lower().endswith((".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")):
        raise UploadError(_("文件扩展名为 Excel，但内容不是 Excel 文件。"))
    else:
        result = _remembered(f, size, lim, lambda: _inspect_csv(f, label, size, lim))
    f.seek(0)
    try:
        _checked[f] = result
        _labels[f] = label
    except TypeError:  # an object that takes no weak reference is simply checked again when read
        pass
    return result


# --- files checked before, by content -------------------------------------------------------------------
#
# An import is checked in the request that uploads it and again by the worker that runs it (which cannot
# trust that its stored file is the one checked), and a coordinator uploads the same or a grown export again.
# What the checks found depends only on the bytes and the limits, so a file that passed is remembered in the
# cache under the SHA-256 of its content (a CRC or the sizes could be forged to match another file; a
# SHA-256 cannot) and the limits in force: the same bytes are not scanned twice. Refusals are not remembered.

# Files smaller than this are scanned every time (milliseconds), bigger ones hashed (~0.1 s per 40 MB).
INSPECTION_CACHE_FROM_BYTES = 1 << 20
INSPECTION_CACHE_SECONDS = 24 * 3600
_INSPECTION_VERSION = "2"  # raise when the checks change: what an older scan found no longer counts


def _inspection_key(f: IO[bytes], lim: SheetLimits) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    while chunk := f.read(1 << 20):
        digest.update(chunk)
    f.seek(0)
    limits_digest = hashlib.sha256(repr(lim).encode()).hexdigest()[:16]
    return f"spreadsheets:inspection:{_INSPECTION_VERSION}:{digest.hexdigest()}:{limits_digest}"


def _remembered(f: IO[bytes], size: int, lim: SheetLimits, inspect: Callable[[], Inspection]) -> Inspection:
    if size < INSPECTION_CACHE_FROM_BYTES:
        return inspect()
    key = _inspection_key(f, lim)
    found = cache.get(key)
    if isinstance(found, Inspection) and found.size == size:
        return found
    result = inspect()
    cache.set(key, result, INSPECTION_CACHE_SECONDS)
    return result


def forget_inspection(f: IO[bytes]) -> None:
    """Forget that ``f``'s content passed the checks (the benchmark measures a first check)."""
    cache.delete(_inspection_key(f, limits()))
    try:
        _checked.pop(f, None)
    except TypeError:
        pass


def iter_rows(f: IO[bytes], kind: str, *, sheet: int | str = 0) -> Iterator[list[Any]]:
    """Rows of the first (or named) sheet as lists of cell values, read only after the checks passed.

    xlsx is read with python-calamine (Rust, fast; it holds the sheet in memory, which the checks bound);
    csv is decoded as UTF-8 or GBK and streamed. Strings of csv cells are stripped; xlsx cells are handed
    over as read (the row parsers strip text: a million list copies cost seconds).
    """
    found = _checked_inspection(f)
    if found.kind != kind:
        raise UploadError(_("文件类型与内容不符。"))
    f.seek(0)
    if kind == CSV:
        yield from _iter_csv(f)
        return
    name = found.sheets[sheet] if isinstance(sheet, int) and 0 <= sheet < len(found.sheets) else sheet
    rows_found, cols_found, _cells = (
        found.extents.get(name, (0, 0, 0)) if isinstance(name, str) else (0, 0, 0)
    )
    if (
        isinstance(name, str)
        and name in found.parts
        and (rows_found > CHUNKED_FROM_ROWS or name in found.streamed)
    ):
        yield from _iter_xlsx_chunked(f, found.parts[name], cols_found, name in found.streamed)
        return
    try:
        wb = CalamineWorkbook.from_filelike(f)
        sheet_obj = wb.get_sheet_by_index(sheet) if isinstance(sheet, int) else wb.get_sheet_by_name(sheet)
        rows = sheet_obj.iter_rows()
    except Exception as exc:  # calamine's own errors (broken parts the checks let through): a file error
        raise _unreadable(f, exc) from exc
    yield from rows


def iter_row_blocks(
    f: IO[bytes], kind: str, *, sheet: int | str = 0, text: TextWidth | None = None
) -> Iterator[list[list[Any]] | TextBlock]:
    """The rows of :func:`iter_rows` in blocks (lists of rows; a big sheet's slices), read ahead by a thread.

    For bulk imports that hand a block at a time to the database: a big sheet's next slice is decompressed
    and parsed by calamine (which releases the GIL) while the caller works on this one. At most two blocks
    are held. The file is read only by the reading thread until the blocks are exhausted or closed.

    With ``text``, once the caller has set ``text.width`` (the sheet's width, from its header), a big sheet's
    slice whose cells are all plain inline strings comes as a :class:`TextBlock` instead: its rows as text,
    made from the sheet XML by one regular expression, without calamine's parse or a Python object per cell.
    """
    found = _checked_inspection(f)
    if found.kind != kind:
        raise UploadError(_("文件类型与内容不符。"))
    name = found.sheets[sheet] if isinstance(sheet, int) and 0 <= sheet < len(found.sheets) else sheet
    rows_found, cols_found, _cells = (
        found.extents.get(name, (0, 0, 0)) if isinstance(name, str) else (0, 0, 0)
    )
    streamed = name in found.streamed
    if (
        kind == XLSX
        and isinstance(name, str)
        and name in found.parts
        and (rows_found > CHUNKED_FROM_ROWS or streamed)
    ):
        # Half-size slices: two are held at a time (one read ahead), and the peak RSS stays that of one.
        chunk = CHUNK_BYTES // 2
        yield from _read_ahead(_xlsx_blocks(f, found.parts[name], cols_found, chunk, text, streamed))
        return
    yield from _batched(iter_rows(f, kind, sheet=sheet), BLOCK_ROWS)


# Rows per block where a sheet is not read in slices (csv, small sheets).
BLOCK_ROWS = 20_000


def _batched(rows: Iterable[list[Any]], n: int) -> Iterator[list[list[Any]]]:
    it = iter(rows)
    while block := list(itertools.islice(it, n)):
        yield block


def _read_ahead(blocks: Iterator[Any]) -> Iterator[Any]:
    """``blocks``, the next one produced by a thread while the caller holds this one (errors re-raised here).

    The thread starts a block only once the caller has taken the one before: two blocks in memory, not three.
    """
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
    may_read = threading.Semaphore(1)
    stop = threading.Event()

    def produce() -> None:
        try:
            while True:
                while not may_read.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                block = next(blocks, None)
                if block is None:
                    handoff.put(("end", None))
                    return
                handoff.put(("block", block))
                del block
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            handoff.put(("error", exc))
        finally:
            blocks.close()  # type: ignore[attr-defined]

    reader = threading.Thread(target=produce, name="sheet-reader", daemon=True)
    reader.start()
    try:
        while True:
            what, value = handoff.get()
            if what == "end":
                return
            if what == "error":
                raise value
            may_read.release()
            yield value
            del value
    finally:
        stop.set()
        may_read.release()
        while reader.is_alive():  # unblock a producer waiting to hand over a block
            try:
                handoff.get(timeout=0.1)
            except queue.Empty:
                pass
        reader.join()


def _unreadable(f: IO[bytes], exc: Exception) -> UploadError:
    label = _display(getattr(f, "name", "") or "")
    return UploadError(_("“%(file)s”无法读取：%(why)s") % {"file": label, "why": str(exc)[:200]})


# --- big sheets in chunks ---------------------------------------------------------------------------
#
# calamine holds a whole sheet in memory (~60 bytes a text cell: a million DingTalk punches of 9 columns is
# ~900 MB) and cannot iterate lazily (python-calamine #42: pyo3 cannot hand out a Rust iterator). So a big
# sheet is cut into slices of whole rows while its XML is decompressed, and each slice is handed to calamine
# as a small workbook of its own (stored, not compressed; the original's other parts — workbook, styles for
# dates, shared strings — copied as they are). Memory stays at one slice; speed stays calamine's.

# Sheets with more rows than this are read in slices (smaller ones as one, exactly as before).
CHUNKED_FROM_ROWS = 100_000
# Uncompressed sheet XML per slice (~13,000 DingTalk rows): the slice, its copy and calamine's cells
# stay around 100 MB.
CHUNK_BYTES = 8 * 1024 * 1024
# A shared-strings table bigger than this would be parsed again for every slice: read such files whole.
CHUNKED_MAX_SHARED_BYTES = 8 * 1024 * 1024

_SHEET_DATA_START = re.compile(rb"<(?:(\w+):)?sheetData\b[^>]*?(/?)>")


def _read_to_sheet_data(part: IO[bytes]) -> tuple[bytes, re.Match[bytes] | None]:
    """Read a worksheet part until the start of its ``<sheetData>`` (looked for in the first MiB): the bytes
    read, and the match (None when not found)."""
    buf = b""
    m = None
    while m is None and len(buf) < (1 << 20) and (more := part.read(1 << 16)):
        buf += more
        m = _SHEET_DATA_START.search(buf)
    return buf, m


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")
_EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)


def _iter_xlsx_chunked(f: IO[bytes], part: str, width: int, streamed: bool = False) -> Iterator[list[Any]]:
    """Rows of the (already checked) worksheet ``part``, read slice by slice; same values as one read.

    Positions match the whole-sheet read (calamine's iter_rows pads from A1): rows and columns are absolute;
    blank rows before a slice's first row are yielded as empty lists.
    """
    for block in _xlsx_blocks(f, part, width, streamed=streamed):
        yield from block


def _xlsx_blocks(
    f: IO[bytes],
    part: str,
    width: int,
    chunk: int | None = None,
    text: TextWidth | None = None,
    streamed: bool = False,
) -> Iterator[Any]:
    """The rows of ``part`` a slice at a time (the whole sheet as one read when its strings are shared).

    A ``streamed`` part (not scanned before) is checked slice by slice before calamine reads the slice.
    """
    f.seek(0)
    with zipfile.ZipFile(f) as zf:
        infos = zf.infolist()
        shared = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
        if shared > CHUNKED_MAX_SHARED_BYTES:
            if streamed:  # calamine will hold the whole sheet: scan it first, as a smaller one is
                label, sheet = _label_of(f), _sheet_of(f, part)
                try:
                    _scan_part(zf, zf.getinfo(part), label, sheet, limits(), formulas_refused=True)
                except _Refused as exc:
                    raise UploadError(exc.message) from exc
            f.seek(0)
            yield from _batched(_iter_xlsx_whole(f, part), BLOCK_ROWS)
            return
        # Every small part as is, other worksheets emptied: workbook.xml still names them.
        others = {
            i.filename: (_EMPTY_SHEET if i.filename.startswith("xl/worksheets/") else zf.read(i))
            for i in infos
            if i.filename != part
            and not i.is_dir()
            and (i.file_size < (1 << 20) or i.filename.lower().endswith("sharedstrings.xml"))
        }
        with zf.open(part) as xml_part:
            yield from _slices(xml_part, part, others, f, width, chunk or CHUNK_BYTES, text, streamed)


def _iter_xlsx_whole(f: IO[bytes], part: str) -> Iterator[list[Any]]:
    try:
        wb = CalamineWorkbook.from_filelike(f)
        idx = _sheet_index_of(wb, part, f)
        rows = wb.get_sheet_by_index(idx).iter_rows()
    except Exception as exc:
        raise _unreadable(f, exc) from exc
    yield from rows


def _sheet_of(f: IO[bytes], part: str) -> str:
    """The name of the sheet held by zip member ``part`` (to name it in a refusal)."""
    found = _checked_inspection(f)
    return next((name for name, p in found.parts.items() if p == part), part)


def _sheet_index_of(wb: Any, part: str, f: IO[bytes]) -> int:
    found = _checked_inspection(f)
    for i, name in enumerate(found.sheets):
        if found.parts.get(name) == part:
            return i
    return 0


def _slices(
    xml_part: IO[bytes],
    part: str,
    others: dict[str, bytes],
    f: IO[bytes],
    width: int,
    chunk: int,
    text: TextWidth | None = None,
    streamed: bool = False,
) -> Iterator[list[list[Any]] | TextBlock]:
    buf, m = _read_to_sheet_data(xml_part)
    if m is None or m.group(2) == b"/":
        return  # no rows (an empty <sheetData/>)
    prefix = (m.group(1) + b":") if m.group(1) else b""
    # Text blocks only for the usual form: no namespace prefix, UTF-8, and never the first slice (the caller
    # finds its header in rows).
    plain = not prefix and not _NOT_UTF8.search(buf[: m.end()])
    check = _SheetStream(_label_of(f), _sheet_of(f, part), buf[: m.end()], prefix) if streamed else None
    head = _DIMENSION.sub(b"", buf[: m.end()])
    tail = b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"
    row_end = b"</" + prefix + b"row>"
    buf = buf[m.end() :]
    next_row = 0  # 0-based row the next yielded row stands for
    eof = False
    while not eof:
        more = xml_part.read(chunk)
        eof = not more
        buf += more
        cut = len(buf) if eof else buf.rfind(row_end)
        if cut < 0:
            continue  # a single row longer than a slice: read on
        if not eof:
            cut += len(row_end)
        body, buf = buf[:cut], buf[cut:]
        after = b""
        if eof:
            # The rest holds the closing tags and whatever follows sheetData (merges, page setup): checked
            # (a streamed part), then dropped.
            end = body.rfind(row_end)
            body, after = (
                (body[: end + len(row_end)], body[end + len(row_end) :]) if end >= 0 else (b"", body)
            )
        if body.strip():
            as_text = None
            if plain and text is not None and text.width and next_row:
                as_text = _text_block(body, text.width, text.shapes)
            if as_text is not None:
                if check is not None:
                    check.text_slice(body, as_text)
                next_row = as_text.last_row
                yield as_text
            else:
                document = head + body + tail
                if check is not None:
                    check.slice(body, document)
                block, next_row = _slice_block(document, part, others, next_row, f, width)
                width = max(width, max(map(len, block), default=0))
                if block:
                    yield block
        if eof and check is not None:
            check.finish(after)


# --- slices of plain inline strings as text ---------------------------------------------------------------
#
# calamine costs ~0.25 s a slice of 8 MB (parsing, then a Python string per cell); an export's own form —
# DingTalk (POI/EasyExcel) writes every cell as an inline string — is turned into text by one substitution
# of a regular expression in C (~0.1 s a slice). The expression takes only what calamine reads as the same
# text: a row's cells in column order, each of its own row, an inline string or an empty cell, and text
# needing nothing done to it — no entity (&), no markup, no control character or backslash (COPY's escapes),
# no whitespace around it (calamine trims some), no ``_xHHHH_`` escape (calamine decodes it). Any slice with
# anything else is read by calamine.


class TextWidth:
    """Set ``width`` (cells a row) to have :func:`iter_row_blocks` hand over :class:`TextBlock` slices.

    ``shapes`` (column → a regular expression of its value, and whether the cell must be there) marks the
    blocks whose every such cell has its shape (``TextBlock.shaped``): the caller need not check them again.
    A value must also be plain text as above; an optional cell may be absent, which reads as "".
    """

    width: int | None = None
    shapes: dict[int, tuple[bytes, bool]] | None = None


@dataclass(frozen=True)
class TextBlock:
    """A slice's rows as text: a line per row, its 1-based number then ``width`` cells, tab-separated.

    No cell holds a tab, a newline, a backslash or a control character, so the text is COPY text as is.
    A row without cells is a line of empty cells.
    """

    text: str
    rows: int  # lines
    width: int
    last_row: int  # number of the last line's row
    shaped: bool = False  # every cell with a shape (TextWidth.shapes) has it
    # The highest row number when every line has a value (each of its rows then holds a cell), else None:
    # the checks of a streamed sheet take it instead of finding the rows holding cells in the XML once more.
    top_row: int | None = field(default=None, compare=False)

    def numbered_rows(self) -> Iterator[tuple[int, list[str]]]:
        for line in self.text.splitlines():
            number, *cells = line.split("\t")
            yield int(number), cells


# str.isspace() characters other than ASCII controls, as UTF-8 (tests/core/test_spreadsheets.py checks the
# list against Python's own): a value may not start or end with one.
_SPACE = rb"(?: |\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80)"
_NOT_AFTER_SPACE = (
    rb"(?<! )(?<!\xc2[\x85\xa0])(?<!\xe1\x9a\x80)(?<!\xe2\x80[\x80-\x8a\xa8\xa9\xaf])(?<!\xe2\x81\x9f)"
    rb"(?<!\xe3\x80\x80)"
)
_PLAIN = rb"(?:(?!" + _SPACE + rb")[^<&\\\]\x00-\x1f]++" + _NOT_AFTER_SPACE + rb")?"
_PLAIN_TEXT = rb"(" + _PLAIN + rb")"
_STYLE = rb' s="[0-9]{1,9}"'
_INLINE = rb"(?:" + _STYLE + rb' t="inlineStr"| t="inlineStr"(?:' + _STYLE + rb")?)"
_ESCAPED_CHAR = re.compile(rb"_x[0-9A-Fa-f]{4}_")
_ROW_START = re.compile(rb"[ \t\r\n]*+<row ")
# Most columns a text block is made for (one letter each).
TEXT_MAX_COLUMNS = 26


@functools.lru_cache(maxsize=8)
def _text_rows(width: int, shapes: tuple[tuple[int, tuple[bytes, bool]], ...] = ()) -> re.Pattern[bytes]:
    """The expression of a row of ``width`` columns, its groups the row's number, then the cells; with
    ``shapes``, cells of those columns must have their shape."""
    shaped = dict(shapes)
    cells = []
    for i in range(width):
        letter = bytes([65 + i])
        if i in shaped:
            shape, required = shaped[i]
            value = rb"(?=" + _PLAIN + rb"</t>)(" + shape + rb")"
            cell = rb'<c r="' + letter + rb'(?P=row)"' + _INLINE + rb"><is><t(?: xml:space=\"preserve\")?>"
            if required:
                cells.append(cell + value + rb"</t></is></c>")
            else:
                cells.append(
                    rb'(?:<c r="'
                    + letter
                    + rb'(?P=row)"(?:'
                    + _INLINE
                    + rb"(?:/>|><is><t(?: xml:space=\"preserve\")?"
                    rb"(?:/>|>" + value + rb"</t>)</is></c>)|(?:" + _STYLE + rb")?/>))?"
                )
            continue
        cells.append(
            rb'(?:<c r="'
            + letter
            + rb'(?P=row)"(?:'
            + _INLINE
            + rb"(?:/>|><is><t(?: xml:space=\"preserve\")?"
            rb"(?:/>|>" + _PLAIN_TEXT + rb"</t>)</is></c>)|(?:" + _STYLE + rb")?/>))?"
        )
    row = (
        rb'[ \t\r\n]*+<row r="(?P<row>[1-9][0-9]{0,6})"(?: (?!r=)[A-Za-z_][\w:.-]*+="[^"<>&]*+")*+>'
        + b"".join(cells)
        + rb"</row>(?=[ \t\r\n]*+(?:<row[ >/]|\Z))"
    )
    return re.compile(row)


# Bytes of sheet XML one call of the expression reads (~1 ms): a call holds the GIL until it returns, and the
# import's loader thread needs the GIL after each statement it sends (a slice in one call kept it waiting
# ~50 ms each time).
_FIND_PIECE = 1 << 16


def _find_rows(expression: re.Pattern[bytes], body: bytes) -> list[Any]:
    """The matches of ``expression`` in ``body``, found a piece at a time; each piece ends where a row
    starts (``endpos``: the row before it sees the end there, as at the end of a slice, and nothing but
    whitespace lies between it and the next row)."""
    rows: list[Any] = []
    start = 0
    while start < len(body):
        end = body.find(b"<row", start + _FIND_PIECE)
        if end < 0:
            end = len(body)
        rows += expression.findall(body, start, end)
        start = end
    return rows


def _text_block(
    body: bytes, width: int, shapes: dict[int, tuple[bytes, bool]] | None = None
) -> TextBlock | None:
    """``body`` (whole rows of sheet XML) as a TextBlock of ``width`` columns, or None when not plain."""
    if not 0 < width <= TEXT_MAX_COLUMNS or not _ROW_START.match(body):
        return None
    # The groups of each row, joined in C: a substitution with a template expands it in Python for every
    # row on Python 3.11 (the same expression: ~6.4 CPU-seconds a million rows by substitution, ~4.8 so).
    # Every row is taken when there are as many matches as rows: a match holds one row (no value holds a
    # "<"), and it ends only where the next row or the slice's end follows, so nothing lies between two.
    in_body = body.count(b"<row")
    shaped = bool(shapes)
    for shape in (tuple(sorted(shapes.items())), ()) if shapes else ((),):
        rows = _find_rows(_text_rows(width, shape), body)
        if rows and len(rows) == in_body:
            break
        shaped = False  # some cell lacks its shape (or is not plain): the plain expression, once more
    else:
        return None
    joined = b"\n".join(map(b"\t".join, rows)) + b"\n"
    # An _xHHHH_ escape (calamine decodes it) can only matter in a value: looked for in the values joined, a
    # fifth of the slice's bytes (in the whole slice: ~0.5 CPU-seconds a million rows; the substring first,
    # a regular search alone cost more).
    if b"_x" in joined and _ESCAPED_CHAR.search(joined):
        return None
    try:
        text = joined.decode("utf-8")
    except UnicodeDecodeError:
        return None
    del joined
    if text.count("\n") != len(rows):  # every row taken is one line
        return None
    rows_taken = len(rows)
    # A line holds its number and ``width`` tabs: ``width`` of them before its end only when it has no value.
    top_row = None if "\t" * width + "\n" in text else max(map(int, [row[0] for row in rows]))
    del rows
    last = text.rfind("\n", 0, len(text) - 1) + 1
    return TextBlock(
        text=text,
        rows=rows_taken,
        width=width,
        last_row=int(text[last : text.index("\t", last)]),
        shaped=shaped,
        top_row=top_row,
    )


def _slice_block(
    sheet_xml: bytes, part: str, others: dict[str, bytes], next_row: int, f: IO[bytes], width: int
) -> tuple[list[list[Any]], int]:
    """The rows of one slice (blank rows before it included) and the 0-based row that follows them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zw:
        for name, data in others.items():
            zw.writestr(name, data)
        zw.writestr(part, sheet_xml)
    del sheet_xml
    out.seek(0)
    try:
        wb = CalamineWorkbook.from_filelike(out)
        idx = _sheet_index_of(wb, part, f)
        sheet_obj = wb.get_sheet_by_index(idx)
        start = sheet_obj.start
        # iter_rows() would pad from A1 (absolute positions, as a whole-sheet read gives): for a slice deep
        # in the sheet that is tens of thousands of empty rows. Read the used area and place it ourselves.
        rows = sheet_obj.to_python(skip_empty_area=True)
    except Exception as exc:
        raise _unreadable(f, exc) from exc
    if start is None or not rows:
        return [], next_row
    first_row, first_col = start
    block: list[list[Any]] = [[] for _gap in range(first_row - next_row)]
    # The sheet's width, as the whole-sheet read gives (a slice whose last column is empty is narrower).
    pad, fill = [""] * first_col, width - first_col - (len(rows[0]) if rows else 0)
    if first_col or fill > 0:
        tail = [""] * max(fill, 0)
        block.extend(pad + row + tail for row in rows)
    elif block:
        block.extend(rows)
    else:
        block = rows
    return block, first_row + len(rows)


def head_rows(f: IO[bytes], kind: str, *, sheet: int | str = 0) -> Iterator[list[Any]]:
    """The first rows only, streamed by openpyxl read-only without loading the sheet; checked first."""
    found = _checked_inspection(f)
    if found.kind != kind:
        raise UploadError(_("文件类型与内容不符。"))
    f.seek(0)
    if kind == CSV:
        yield from _iter_csv(f)
        return
    wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        for row in ws.iter_rows(values_only=True):
            yield [("" if c is None else c.strip() if isinstance(c, str) else c) for c in row]
    finally:
        wb.close()


def sheet_names(f: IO[bytes]) -> list[str]:
    """The workbook's sheet names in order (from the checked workbook.xml, no parser involved)."""
    found = _checked_inspection(f)
    f.seek(0)
    return list(found.sheets)


def _checked_inspection(f: IO[bytes]) -> Inspection:
    try:
        found = _checked.get(f)
    except TypeError:
        found = None
    if found is None or found.size != _size(f):
        found = inspect_upload(f, getattr(f, "name", "") or "")
    return found


# --- csv ---------------------------------------------------------------------------------------------


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


def _iter_csv(f: IO[bytes]) -> Iterator[list[Any]]:
    f.seek(0)
    enc = text_encoding(f.read(64 * 1024)) or "utf-8"
    f.seek(0)
    text = io.TextIOWrapper(f, encoding=enc, errors="replace", newline="")
    try:
        for row in csv.reader(text):
            yield [c.strip() for c in row]
    finally:
        text.detach()


def _inspect_csv(f: IO[bytes], label: str, size: int, lim: SheetLimits) -> Inspection:
    sample = f.read(64 * 1024)
    f.seek(0)
    if b"\x00" in sample or text_encoding(sample) is None:
        raise UploadError(_("无法识别的文件类型：请上传 .xlsx 或 .csv 文件。"))
    rows = cols = cells = 0
    try:
        for row in _iter_csv(f):
            rows += 1
            cols = max(cols, len(row))
            cells += len(row)
            if rows > lim.max_rows or cols > lim.max_columns or cells > lim.max_cells:
                break
    except csv.Error as exc:
        raise UploadError(
            _("“%(file)s”第 %(row)d 行无法读取：%(why)s。") % {"file": label, "row": rows + 1, "why": exc}
        ) from exc
    except UnicodeDecodeError as exc:  # pragma: no cover - errors="replace" decodes everything
        raise UploadError(_("无法识别的文件类型：请上传 .xlsx 或 .csv 文件。")) from exc
    _check_extent(label, "CSV", rows, cols, cells, lim)  # one table: named by its format
    return Inspection(kind=CSV, size=size, sheets=[""], extents={"": (rows, cols, cells)})


def _check_extent(label: str, sheet: str, rows: int, cols: int, cells: int, lim: SheetLimits) -> None:
    where = {"file": label, "sheet": sheet}
    if rows > lim.max_rows:
        raise UploadError(
            _("“%(file)s”工作表“%(sheet)s”的数据超过 %(limit)d 行的上限，拒绝处理。")
            % {**where, "limit": lim.max_rows}
        )
    if cols > lim.max_columns:
        raise UploadError(
            _("“%(file)s”工作表“%(sheet)s”的数据超过 %(limit)d 列的上限，拒绝处理。")
            % {**where, "limit": lim.max_columns}
        )
    if cells > lim.max_cells:
        raise UploadError(
            _("“%(file)s”工作表“%(sheet)s”的数据范围超过 %(limit)d 个单元格的上限，拒绝处理。")
            % {**where, "limit": lim.max_cells}
        )


# --- xlsx --------------------------------------------------------------------------------------------

_REF = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]{1,7})?$")
# A cell's own reference (no $, both parts); anything longer than XFD / 7 digits is refused as invalid.
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})$")
_ASCII_DIGITS = "0123456789"
# Elements that carry no position or count: the common ones answer at the first test.
_PASSIVE = frozenset({"v", "is", "t", "r", "rPr", "rFont", "sz", "color", "family", "scheme", "b", "i", "u"})
_MAX_META_BYTES = 16 * 1024 * 1024  # workbook.xml and its relationships: a few KB in any real file
_MAIN_PARTS = ("[Content_Types].xml", "xl/workbook.xml")


class _Refused(Exception):
    """Raised inside an expat handler to stop parsing; turned into UploadError by the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """``B7`` → (7, 2); a bare column or row gives 0 for the missing part; None when not a reference."""
    m = _REF.match(ref.strip())
    if m is None or (m[1] is None and m[2] is None):
        return None
    return (int(m[2]) if m[2] else 0, _column_number(m[1]) if m[1] else 0)


def _range_extent(ref: str) -> tuple[int, int] | None:
    """The bottom-right corner of ``A1:D20`` (or of a single ``D20``) as (row, col)."""
    corners = [_parse_ref(p) for p in ref.split(":")[:2]]
    if not corners or any(c is None for c in corners):
        return None
    return max(c[0] for c in corners if c), max(c[1] for c in corners if c)


def _inspect_xlsx(f: IO[bytes], label: str, size: int, lim: SheetLimits) -> Inspection:
    invalid = _("“%(file)s”不是有效的 Excel (.xlsx) 文件。") % {"file": label}
    f.seek(0)
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UploadError(invalid) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > lim.max_zip_members:
            raise UploadError(
                _("“%(file)s”内部条目过多（%(n)d 个，上限 %(limit)d），拒绝处理。")
                % {"file": label, "n": len(infos), "limit": lim.max_zip_members}
            )
        total = sum(i.file_size for i in infos)
        compressed = sum(i.compress_size for i in infos) or 1
        if total > lim.max_uncompressed_bytes or (
            total > lim.ratio_floor_bytes and total / compressed > lim.max_compression_ratio
        ):
            raise UploadError(
                _("“%(file)s”解压后过大（%(mb)d MB，上限 %(limit)d MB，压缩比上限 %(ratio)d 倍），拒绝处理。")
                % {
                    "file": label,
                    "mb": total // 2**20,
                    "limit": lim.max_uncompressed_bytes // 2**20,
                    "ratio": lim.max_compression_ratio,
                }
            )
        names = {i.filename for i in infos}
        if any(p not in names for p in _MAIN_PARTS):
            raise UploadError(invalid)
        # xlsb (binary parts) would reach calamine's binary reader, which none of the checks below cover.
        if any(n.lower().endswith(".bin") and not n.lower().endswith("vbaproject.bin") for n in names):
            raise UploadError(_("不支持二进制 Excel (.xlsb) 文件，请另存为 .xlsx 后上传。"))
        try:
            sheets, sheet_parts = _workbook_sheets(zf, names)
            result = Inspection(kind=XLSX, size=size, sheets=sheets, parts=dict(sheet_parts))
            part_names = {part: sheet for sheet, part in sheet_parts.items()}
            for info in infos:
                fn = info.filename
                if not fn.lower().endswith(".xml") or info.is_dir():
                    continue
                is_sheet = fn in part_names or fn.startswith("xl/worksheets/")
                sheet = part_names.get(fn, fn.rsplit("/", 1)[-1])
                if (
                    fn in part_names
                    and info.file_size >= STREAMED_FROM_BYTES
                    and _streamable_head(zf, info, label, sheet, lim)
                ):
                    # Checked slice by slice as the sliced reader reads it (below): not read twice.
                    result.extents[sheet] = (0, 0, 0)
                    result.streamed.add(sheet)
                    continue
                extent = _scan_part(zf, info, label, sheet, lim, formulas_refused=is_sheet)
                if is_sheet:
                    result.extents[sheet] = extent
        except _Refused as exc:
            raise UploadError(exc.message) from exc
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise UploadError(invalid) from exc
    if not result.extents:
        raise UploadError(invalid)
    return result


def _parse_xml(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, start: Callable[[str, dict[str, str]], None]
) -> None:
    """Stream one part through expat with ``start`` called per element; a DTD or broken XML is refused."""
    # zipfile reads at most the declared size (and checks the CRC), so a member cannot outgrow its header.
    with zf.open(info) as part:
        _parse_chunks(iter(lambda: part.read(1 << 20), b""), info, start)


def _parse_chunks(
    chunks: Iterable[bytes], info: zipfile.ZipInfo, start: Callable[[str, dict[str, str]], None]
) -> None:
    parser = xml.parsers.expat.ParserCreate()

    def no_dtd(*_args: Any) -> None:
        raise _Refused(_("Excel 文件包含 DTD 声明（%(part)s），拒绝处理。") % {"part": info.filename})

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = start
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise _Refused(
            _("Excel 文件内容已损坏（%(part)s 第 %(line)d 行：%(why)s），无法读取。")
            % {
                "part": info.filename,
                "line": exc.lineno or 0,
                "why": xml.parsers.expat.errors.messages.get(exc.code or 0, str(exc)),
            }
        ) from exc


def _local(tag: str) -> str:
    return tag[tag.rfind(":") + 1 :]


def _workbook_sheets(zf: zipfile.ZipFile, names: set[str]) -> tuple[list[str], dict[str, str]]:
    """Sheet names in order and, for each, the zip member holding it (via xl/_rels/workbook.xml.rels)."""
    sheets: list[tuple[str, str]] = []
    targets: dict[str, str] = {}

    def on_sheet(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id" and k != "id"), "")
            sheets.append((attrs.get("name", ""), rid))

    def on_rel(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    for part, handler in (("xl/workbook.xml", on_sheet), ("xl/_rels/workbook.xml.rels", on_rel)):
        if part not in names:
            continue
        info = zf.getinfo(part)
        if info.file_size > _MAX_META_BYTES:
            raise _Refused(_("Excel 文件的工作簿结构过大（%(part)s），拒绝处理。") % {"part": part})
        _parse_xml(zf, info, handler)
    parts: dict[str, str] = {}
    for sheet_name, rid in sheets:
        target = targets.get(rid, "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            parts[sheet_name] = path
    return [s for s, _rid in sheets], parts


def _scan_part(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    label: str,
    sheet: str,
    lim: SheetLimits,
    *,
    formulas_refused: bool,
) -> tuple[int, int, int]:
    """Stream one XML part, tracking what a parser would allocate; returns (max row, max col, cells).

    Positions follow the format's rules so a file cannot hide cells: a ``<c>`` without ``r`` is the next
    column of its row, a ``<row>`` without ``r`` the next row. Limits are checked as the scan goes, so a
    hostile part is refused after at most one limit's worth of work.

    A big worksheet in the usual form is checked by :func:`_scan_sheet_fast` instead (same figures, same
    refusals, ~10x less CPU); anything it does not recognise comes back here.
    """
    if formulas_refused and info.file_size >= FAST_SCAN_FROM_BYTES:
        fast = _scan_sheet_fast(zf, info, label, sheet, lim)
        if fast is not None:
            return fast
    return _scan_part_expat(zf, info, label, sheet, lim, formulas_refused=formulas_refused)


def _scan_part_expat(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    label: str,
    sheet: str,
    lim: SheetLimits,
    *,
    formulas_refused: bool,
) -> tuple[int, int, int]:
    """The reference scan: every element through expat and a Python handler (~1.5 µs an element)."""
    start, _result = _element_checker(label, sheet, lim, formulas_refused=formulas_refused)
    _parse_xml(zf, info, start)
    return _result()


def _element_checker(
    label: str, sheet: str, lim: SheetLimits, *, formulas_refused: bool
) -> tuple[Callable[[str, dict[str, str]], None], Callable[[], tuple[int, int, int]]]:
    """The expat start-element handler of the scan and a function returning what it found so far."""
    max_rows, max_cols, max_cells = lim.max_rows, lim.max_columns, lim.max_cells
    # Plain local variables and a column cache: this handler runs for every element of a million-row sheet.
    cur_row = cur_col = top_row = top_col = cells = strings = 0
    col_numbers: dict[str, int] = {}
    cell_ref = _CELL_REF.match

    def too_big(rows: int, cols: int, n: int) -> None:
        try:
            _check_extent(label, sheet, rows, cols, n, lim)
        except UploadError as exc:
            raise _Refused(str(exc)) from exc

    def bad_ref(ref: str) -> None:
        raise _Refused(
            _("“%(file)s”工作表“%(sheet)s”含无效的单元格引用“%(ref)s”，无法读取。")
            % {"file": label, "sheet": sheet, "ref": ref[:20]}
        )

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal cur_row, cur_col, top_row, top_col, cells, strings
        if tag in _PASSIVE:
            return
        if ":" in tag:
            tag = tag[tag.rfind(":") + 1 :]
            if tag in _PASSIVE:
                return
        if tag == "c":
            ref = attrs.get("r")
            if ref is None:
                row, col = cur_row or 1, cur_col + 1
            else:
                # str methods, not a regex: this runs for every cell of a million-row sheet.
                letters = ref.rstrip(_ASCII_DIGITS)
                digits = ref[len(letters) :]
                col = col_numbers.get(letters, 0)
                if not col:
                    if cell_ref(ref) is None:
                        bad_ref(ref)
                        return
                    col = col_numbers[letters] = _column_number(letters)
                if not (digits.isascii() and digits.isdigit() and len(digits) <= 7):
                    bad_ref(ref)
                    return
                row = int(digits)
            cur_col = col
            cells += 1
            if row > top_row or col > top_col:
                top_row, top_col = max(row, top_row), max(col, top_col)
                if top_row > max_rows or top_col > max_cols or top_row * top_col > max_cells:
                    too_big(top_row, top_col, top_row * top_col)
            if cells > max_cells:
                too_big(top_row, top_col, cells)
        elif tag == "row":
            ref = attrs.get("r")
            if ref is None:
                cur_row += 1
            elif ref.isdigit() and len(ref) <= 8:
                cur_row = int(ref)
            else:
                bad_ref(ref)
            cur_col = 0
        elif tag == "f":
            if formulas_refused:
                raise _Refused(
                    _("“%(file)s”工作表“%(sheet)s”包含公式单元格，请将公式转换为数值后再上传。")
                    % {"file": label, "sheet": sheet}
                )
        elif tag in ("dimension", "mergeCell"):
            ref = attrs.get("ref", "")
            corner = _range_extent(ref)
            if corner is None:
                bad_ref(ref)
                return
            too_big(corner[0], corner[1], corner[0] * corner[1])
        elif tag == "si":
            strings += 1
            if strings > max_cells:
                raise _Refused(
                    _("“%(file)s”的共享字符串超过 %(limit)d 个的上限，拒绝处理。")
                    % {"file": label, "limit": max_cells}
                )
        elif tag == "sst":
            for key in ("count", "uniqueCount"):
                declared = attrs.get(key, "0")
                if not declared.isdigit() or int(declared) > max_cells:
                    raise _Refused(
                        _("“%(file)s”声明的共享字符串数量（%(n)s）超过 %(limit)d 个的上限，拒绝处理。")
                        % {"file": label, "n": declared[:20], "limit": max_cells}
                    )

    def result() -> tuple[int, int, int]:
        return top_row, top_col, cells

    return start, result


# --- big worksheets of the usual form, checked without Python per cell ---------------------------------
#
# The expat scan calls Python for every element: ~25 elements a DingTalk row, ~40 s of CPU for a million
# punches — more than the whole import may take. Worksheets as Excel, WPS, POI/EasyExcel (DingTalk's export)
# and openpyxl write them have one regular form: every <row> and <c> carries its reference as its first
# attribute, a cell's reference names its own row, and a cell holds only a <v> or an inline string. For such
# a sheet one regular expression, matched in C slice by slice, proves the form; the figures then need no
# Python per cell: cells are counted with bytes.count, rows read from the <row r> of the rows holding cells,
# columns bounded by the letter class of the expression (widened when a slice shows a new letter). The part
# before the rows and whatever follows them still go through expat and the handler above (DTD, dimension,
# merges, well-formedness). Anything else — a cell without r, a second r, a formula, a comment, an entity,
# rich text, a prefix other than the sheet's — sends the whole part back to the reference scan, so the
# figures and the refusals are the same ones.

# Worksheet parts smaller than this take the reference scan (a few ms).
FAST_SCAN_FROM_BYTES = 1 << 20
# What may follow the last row (page setup, merges): more than this and the reference scan takes over.
_FAST_MAX_TAIL = 16 << 20
_WS = rb"[ \t\r\n]"
# Any attribute but r (a second r would be a position the expression did not read); no <, >, & in values.
_ATTR = rb"(?:" + _WS + rb'+(?!r[ \t\r\n=])[\w:.-]+="[^"<>&]*")'
# Text of a value: no markup, no control character XML forbids, no "]]>", and no entity but the five
# predefined ones (a file with no DTD has no others) and character references (openpyxl writes every
# Chinese character as one: &#20154;), which calamine decodes as text.
_PLAIN = rb"[^<&\]\x00-\x08\x0b\x0c\x0e-\x1f]*+"
_ENTITY = rb"&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
_TEXT = _PLAIN + rb"(?:(?:" + _ENTITY + rb"|\](?!\]>))" + _PLAIN + rb")*+"
# A row or a cell outside the rows (before <sheetData> or after the last </row>).
_STRAY_CELLS = re.compile(rb"<(?:[\w.-]+:)?(?:c|row)[ \t\r\n/>]")
_NOT_UTF8 = re.compile(rb"""^[^>]*<\?xml[^>]*encoding=["'](?!utf-8["'])""", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _sheet_grammar(prefix: bytes, columns: bytes) -> re.Pattern[bytes]:
    """Whole rows of the usual form whose cells' column letters match ``columns`` (a regex class)."""
    p = re.escape(prefix)
    ws = _WS + b"*+"
    value = b"<" + p + b"v>" + _TEXT + b"</" + p + b"v>"
    inline = b"<" + p + b"is><" + p + b"t" + _ATTR + b"*+>" + _TEXT + b"</" + p + b"t></" + p + b"is>"
    cell = (
        b"<"
        + p
        + b'c r="'
        + columns
        + b'(?P=row)"'
        + _ATTR
        + b"*+"
        + ws
        + b"(?:/>|>"
        + ws
        + b"(?:"
        + value
        + b"|"
        + inline
        + b")?+"
        + ws
        + b"</"
        + p
        + b"c>)"
    )
    row = (
        b"<"
        + p
        + b'row r="(?P<row>[1-9][0-9]{0,6})"'
        + _ATTR
        + b"*+"
        + ws
        + b"(?:/>|>"
        + ws
        + b"(?:"
        + cell
        + ws
        + b")*+</"
        + p
        + b"row>)"
    )
    return re.compile(ws + b"(?:" + row + ws + b")*+")


def _column_class(widest: int) -> bytes:
    """The letters of columns 1..widest as a regex: one class up to Z, any reference beyond."""
    if widest <= 0:
        return b"(?!)"
    if widest <= 26:
        return b"[A-" + bytes([64 + widest]) + b"]"
    return b"[A-Z]{1,3}"


def _sheet_head(part: IO[bytes]) -> tuple[bytes, bytes, bytes] | None:
    """The XML of a worksheet part before its rows, the bytes read past it, and its namespace prefix (with
    the colon, or b""); None when the part is not of the usual form the fast checks take: no ``<sheetData>``
    in the first MiB, an empty one, a cell or bytes that are not UTF-8 before it (the reference scan reads
    such a part whole)."""
    buf, m = _read_to_sheet_data(part)
    if m is None or m.group(2) == b"/":
        return None
    head = buf[: m.end()]
    if _STRAY_CELLS.search(head) or _NOT_UTF8.search(head):
        return None
    prefix = (m.group(1) + b":") if m.group(1) else b""
    return head, buf[m.end() :], prefix


def _scan_sheet_fast(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, sheet: str, lim: SheetLimits
) -> tuple[int, int, int] | None:
    """The figures of the reference scan for a worksheet of the usual form, or None when it is not."""
    start, found = _element_checker(label, sheet, lim, formulas_refused=True)
    with zf.open(info) as part:
        if (usual := _sheet_head(part)) is None:
            return None
        head, rest, prefix = usual
        p = re.escape(prefix)
        row_end = b"</" + prefix + b"row>"
        cell_start = b"<" + prefix + b'c r="'
        rows_with_cells = re.compile(b"<" + p + b'row r="([0-9]+)"[^>]*+>' + _WS + b"*+<" + p + b'c r="')
        column_letters = re.compile(b"<" + p + b'c r="([A-Z]{1,3})[0-9]')
        top_row = top_col = cells = 0
        grammar: re.Pattern[bytes] | None = None
        eof = False
        while not eof:
            more = part.read(CHUNK_BYTES)
            eof = not more
            rest += more
            cut = rest.rfind(row_end)
            if cut < 0:
                if len(rest) > _FAST_MAX_TAIL:
                    return None
                continue
            cut += len(row_end)
            body, rest = rest[:cut], rest[cut:]
            if top_col > 26 or grammar is None or not grammar.fullmatch(body):
                letters = column_letters.findall(body)
                widest = max((_column_number(x.decode("ascii")) for x in set(letters)), default=0)
                grammar = _sheet_grammar(prefix, _column_class(max(top_col, widest)))
                if not grammar.fullmatch(body):
                    return None
                top_col = max(top_col, widest)
            rows = rows_with_cells.findall(body)
            if rows:
                top_row = max(top_row, *map(int, rows))
            cells += body.count(cell_start)
            area = top_row * top_col
            if top_row > lim.max_rows or top_col > lim.max_columns or max(area, cells) > lim.max_cells:
                try:
                    _check_extent(label, sheet, top_row, top_col, max(area, cells), lim)
                except UploadError as exc:
                    raise _Refused(str(exc)) from exc
        if len(rest) > _FAST_MAX_TAIL or _STRAY_CELLS.search(rest):
            return None
    # The prolog and the end as one document with an empty <sheetData>: DTD, dimension, merges, formulas.
    _parse_chunks((head, rest), info, start)
    if found()[2]:  # pragma: no cover - _STRAY_CELLS keeps cells out of head and tail
        return None
    return top_row, top_col, cells


# --- big worksheets checked while they are read ---------------------------------------------------------
#
# A big worksheet scanned before it is read is decompressed and matched twice: ~5 s of a million-punch
# import went to the scan alone. So inspect_upload checks only what such a part declares — its zip entry's
# sizes and ratio with the rest, and the XML before its rows (a DTD, the declared dimension) — and the
# sliced reader checks each slice before calamine sees it: the same limits, by the same expressions (the
# form of the usual slices, or the reference handler for any other), on the figures so far. A refusal
# midway raises UploadError from the reader: the imports write all or nothing, so nothing is kept.

# Worksheet parts at least this big (uncompressed, as declared by the zip) are checked while read.
STREAMED_FROM_BYTES = 16 << 20
_ROW_NUMBER = re.compile(rb'<row r="([0-9]+)"')


def _streamable_head(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, sheet: str, lim: SheetLimits
) -> bool:
    """Check the XML before a big worksheet's rows (DTD, declared dimension); False when the part is not of
    the form the sliced reader checks (it is then scanned whole, as a smaller one is)."""
    with zf.open(info) as part:
        usual = _sheet_head(part)
    if usual is None:
        return False
    head, _rest, prefix = usual
    start, _found = _element_checker(label, sheet, lim, formulas_refused=True)
    _parse_chunks((head, b"</" + prefix + b"sheetData></" + prefix + b"worksheet>"), info, start)
    return True


class _SheetStream:
    """The checks of a streamed worksheet, slice by slice (figures as the reference scan counts them)."""

    def __init__(self, label: str, sheet: str, head: bytes, prefix: bytes) -> None:
        self.label, self.sheet, self.lim = label, sheet, limits()
        self.head, self.prefix = head, prefix
        self.info = zipfile.ZipInfo(sheet)  # names the part in the reference handler's messages
        # The reference handler, for slices not of the usual form: its own counts add to the ones below.
        self.start, self.found = _element_checker(label, sheet, self.lim, formulas_refused=True)
        p = re.escape(prefix)
        self.rows_with_cells = re.compile(b"<" + p + b'row r="([0-9]+)"[^>]*+>' + _WS + b"*+<" + p + b'c r="')
        self.column_letters = re.compile(b"<" + p + b'c r="([A-Z]{1,3})[0-9]')
        self.cell_start = b"<" + prefix + b'c r="'
        self.grammar: re.Pattern[bytes] | None = None
        self.top_row = self.top_col = self.cells = 0

    def text_slice(self, body: bytes, block: TextBlock) -> None:
        """A slice _text_block took: of the usual form, its cells in columns A to ``block.width`` at most."""
        width = block.width
        top = next((i for i in range(width, 0, -1) if body.find(self.cell_start + bytes([64 + i])) >= 0), 0)
        self._add(body, top, block.top_row)

    def slice(self, body: bytes, document: bytes) -> None:
        """A slice calamine will read (``document``: it as a worksheet of its own)."""
        if self.top_col <= 26 and self.grammar is not None and self.grammar.fullmatch(body):
            self._add(body, 0)
            return
        letters = self.column_letters.findall(body)
        widest = max((_column_number(x.decode("ascii")) for x in set(letters)), default=0)
        self.grammar = _sheet_grammar(self.prefix, _column_class(max(self.top_col, widest)))
        if self.grammar.fullmatch(body):
            self._add(body, widest)
            return
        self.grammar = None
        self._refused_as_upload(lambda: _parse_chunks((document,), self.info, self.start))
        self._check()

    def finish(self, after: bytes) -> None:
        """What follows the last row (merges, page setup, stray cells), then the figures of the whole part."""
        self._refused_as_upload(lambda: _parse_chunks((self.head, after), self.info, self.start))
        self._check()

    def _add(self, body: bytes, top_col: int, top_row: int | None = None) -> None:
        """Count a slice of the usual form (``top_row``: its highest row holding cells, when known)."""
        if top_row is not None:
            self.top_row = max(self.top_row, top_row)
        elif rows := self.rows_with_cells.findall(body):
            self.top_row = max(self.top_row, *map(int, rows))
        self.top_col = max(self.top_col, top_col)
        self.cells += body.count(self.cell_start)
        self._check()

    def _check(self) -> None:
        rows, cols, cells = self.found()
        rows, cols, cells = max(rows, self.top_row), max(cols, self.top_col), cells + self.cells
        _check_extent(self.label, self.sheet, rows, cols, max(rows * cols, cells), self.lim)

    @staticmethod
    def _refused_as_upload(parse: Callable[[], None]) -> None:
        try:
            parse()
        except _Refused as exc:
            raise UploadError(exc.message) from exc
