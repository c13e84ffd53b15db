"""How long a stored upload lives. The file behind an import's preview is the uploader's working copy with
full ID numbers and phones, so it must not stay on disk once nobody needs it. After
``IMPORT_UPLOAD_RETENTION_DAYS`` the row and its file go, applied or not: the import's result lives in the
rows it wrote and in the audit trail, not in the upload."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from core.imports.models import ImportUpload

logger = logging.getLogger(__name__)


def uploads_purge(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete the uploads older than the retention period and their files; returns how many rows went.

    One DELETE … RETURNING names the files; they are removed after the commit, so a rollback never leaves a
    row whose file is gone. A file already missing is not an error (a previous run died between the two)."""
    keep_days = settings.IMPORT_UPLOAD_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {ImportUpload._meta.db_table} WHERE created_at < %s RETURNING file",  # noqa: S608
            [cutoff],
        )
        names = [name for (name,) in cur.fetchall() if name]
        transaction.on_commit(lambda: _remove_files(names))
    return len(names)


def _remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # the row is gone; a file we cannot remove is logged, the sweep goes on
            logger.warning("import upload file not removed: %s", name, exc_info=True)
