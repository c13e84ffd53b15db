"""Scanned documents (agreement scans, progress evidence): PDF or image, recognised by content, size-capped.

The first bytes decide, never the file name or the browser's content type; the size limit is
``MAX_DOCUMENT_BYTES`` (default 20 MB). Stored documents are served only through ``core.files``.
"""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from core.uploads import UploadError

PDF, PNG, JPEG = "pdf", "png", "jpeg"
_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
CONTENT_TYPES = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg"}
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}


def max_document_bytes() -> int:
    return int(getattr(settings, "MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))


def check_document(f: IO[bytes]) -> str:
    """The document's type (``pdf``/``png``/``jpeg``); ``UploadError`` if empty, too large or other."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    if size == 0:
        raise UploadError(_("文件为空。"))
    limit = max_document_bytes()
    if size > limit:
        raise UploadError(
            _("文件过大：%(size).1f MB，上限 %(limit).1f MB。")
            % {"size": size / 2**20, "limit": limit / 2**20}
        )
    head = f.read(8)
    f.seek(0)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    raise UploadError(_("只接受 PDF 或图片（PNG、JPEG）文件：文件内容不是这几种格式。"))
