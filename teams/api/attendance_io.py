"""Up-front checks of a DingTalk export posted to the API, so a client hears "bad file" as a 400 at once
rather than as a failed job later. The checks are the importer's own: ``check_upload`` (type, size, zip
bomb, formulas) and the export's header as ``dingtalk.normalise`` finds and maps it.
"""

from __future__ import annotations

from itertools import islice
from typing import IO, Any

from core.uploads import check_upload, head_rows, header_index
from teams.dingtalk import RAW_COLUMNS, RAW_REQUIRED, SUMMARY_COLUMNS, SUMMARY_REQUIRED, find_header


def check_export(f: IO[bytes], name: str) -> None:
    """Raise UploadError naming the problem: unsafe or unknown file, no header row, missing columns."""
    kind = check_upload(f, name)
    # Only the first rows are needed: head_rows streams them, where calamine loads the whole sheet.
    rows: Any = head_rows(f, kind)
    try:
        _row, header, export = find_header(islice(rows, 6))
        if export == "summary":
            header_index(header, SUMMARY_COLUMNS, SUMMARY_REQUIRED)
        else:
            header_index(header, RAW_COLUMNS, RAW_REQUIRED)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
        f.seek(0)
