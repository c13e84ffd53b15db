"""Stored import uploads (the uploader's working copy, full IDs and phones) are deleted with their files once
past the retention period; recent ones stay; a missing file does not stop the sweep."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from core.imports.models import ImportUpload
from core.imports.retention import uploads_purge
from core.tasks import purge_import_uploads
from devtools import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 7


def _upload(user: Any, *, age_days: float, name: str) -> ImportUpload:
    upload = ImportUpload(kind="roster", created_by=user, original_name=name)
    upload.file.save(name, ContentFile(b"PK\x03\x04 not really a workbook"), save=True)
    ImportUpload.objects.filter(pk=upload.pk).update(created_at=timezone.now() - dt.timedelta(days=age_days))
    return upload


def test_old_uploads_and_their_files_go_recent_ones_stay(settings: Any) -> None:
    user = f.UserFactory(username="uploader")
    old = _upload(user, age_days=8, name="old.xlsx")
    applied = _upload(user, age_days=30, name="applied.xlsx")
    ImportUpload.objects.filter(pk=applied.pk).update(applied_at=timezone.now())
    fresh = _upload(user, age_days=6.9, name="fresh.xlsx")
    media = Path(settings.MEDIA_ROOT)
    old_path, applied_path, fresh_path = (media / u.file.name for u in (old, applied, fresh))
    assert old_path.exists() and applied_path.exists() and fresh_path.exists()

    assert uploads_purge() == 2

    assert list(ImportUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not old_path.exists() and not applied_path.exists()
    assert fresh_path.exists()
    assert uploads_purge() == 0  # a second sweep finds nothing: idempotent


def test_a_file_already_gone_does_not_stop_the_sweep(settings: Any) -> None:
    user = f.UserFactory(username="uploader")
    gone = _upload(user, age_days=10, name="gone.xlsx")
    other = _upload(user, age_days=10, name="other.xlsx")
    (Path(settings.MEDIA_ROOT) / gone.file.name).unlink()

    assert uploads_purge() == 2
    assert not ImportUpload.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / other.file.name).exists()


def test_nightly_task_uses_the_configured_period(settings: Any) -> None:
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 2
    user = f.UserFactory(username="uploader")
    _upload(user, age_days=3, name="three-days.xlsx")
    kept = _upload(user, age_days=1, name="one-day.xlsx")

    assert purge_import_uploads.apply().get() == 1
    assert list(ImportUpload.objects.values_list("pk", flat=True)) == [kept.pk]
    assert "import-uploads-purge" in settings.CELERY_BEAT_SCHEDULE
