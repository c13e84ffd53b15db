"""Evidence files a hospital attaches to a rectification answer: PDF, images, office documents.

The type is read from the content, never from the name (a renamed executable is refused), the size is capped
(``MAX_EVIDENCE_BYTES``, default 20 MB) and office documents must be OOXML zips whose directory (read before
anything is decompressed) has the document's main part and stays within the entry and size limits.
"""

from __future__ import annotations

import zipfile
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from core.spreadsheets import limits as sheet_limits
from core.uploads import UploadError

# Office documents by the part their package must contain.
_OOXML = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx"))
KINDS = ("pdf", "png", "jpeg", "docx", "xlsx", "pptx")
MAX_FILES_PER_ANSWER = 10
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


def max_evidence_bytes() -> int:
    return int(getattr(settings, "MAX_EVIDENCE_BYTES", 20 * 1024 * 1024))


def sniff_evidence(f: IO[bytes], name: str = "") -> tuple[str, int]:
    """``(kind, size)`` of an acceptable evidence file; ``UploadError`` (naming the file) otherwise."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    label = name or _("文件")
    if size == 0:
        raise UploadError(_("%(name)s：文件为空。") % {"name": label})
    limit = max_evidence_bytes()
    if size > limit:
        raise UploadError(
            _("%(name)s：文件过大（%(size).1f MB），上限 %(limit).1f MB。")
            % {"name": label, "size": size / 2**20, "limit": limit / 2**20}
        )
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf", size
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", size
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg", size
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(f) as z:
                infos = z.infolist()
        except zipfile.BadZipFile:
            infos = []
        finally:
            f.seek(0)
        if (
            len(infos) > sheet_limits().max_zip_members
            or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES
        ):
            raise UploadError(_("%(name)s：文档内部过大，拒绝处理。") % {"name": label})
        names = {i.filename for i in infos}
        for part, kind in _OOXML:
            if "[Content_Types].xml" in names and part in names:
                return kind, size
    raise UploadError(
        _("%(name)s：不支持的文件类型，请上传 PDF、图片（PNG/JPEG）或 Word/Excel/PowerPoint 文档。")
        % {"name": label}
    )
