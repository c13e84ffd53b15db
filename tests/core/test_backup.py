"""Backup and restore round trip: rows and uploaded files come back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from core import data_changes
from devtools import factories as f
from pairings.models import Pairing


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_rows_and_media(tmp_path: Path) -> None:
    # given: a pairing and an uploaded file
    media = tmp_path / "media"
    (media / "rosters").mkdir(parents=True)
    (media / "rosters" / "名单.xlsx").write_bytes(b"PK\x03\x04 roster bytes")
    with override_settings(MEDIA_ROOT=media):
        pairing = f.PairingFactory(note="备份前")
        backup_dir = tmp_path / "backup"

        # when: backed up, then the data is lost, then restored
        call_command("backup", output=backup_dir)
        Pairing.objects.filter(pk=pairing.pk).delete()
        (media / "rosters" / "名单.xlsx").unlink()
        (media / "stray.txt").write_text("written after the backup")
        with pytest.raises(CommandError, match="--yes"):
            call_command("restore", str(backup_dir))
        generation = data_changes.generation()
        call_command("restore", str(backup_dir), yes=True)

        # then: the row and the file are back, the later file is gone, cached API answers are out of date
        assert Pairing.objects.get(pk=pairing.pk).note == "备份前"
        assert data_changes.generation() != generation
        assert (media / "rosters" / "名单.xlsx").read_bytes() == b"PK\x03\x04 roster bytes"
        assert not (media / "stray.txt").exists()
    assert {p.name for p in backup_dir.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_corrupted_backup(tmp_path: Path) -> None:
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        call_command("backup", output=tmp_path / "b")
        with (tmp_path / "b" / "database.dump").open("ab") as fh:
            fh.write(b"tampered")
        pairing_count = Pairing.objects.count()
        with pytest.raises(CommandError, match="checksum"):
            call_command("restore", str(tmp_path / "b"), yes=True)
        assert Pairing.objects.count() == pairing_count


def test_backup_refuses_a_non_empty_folder(tmp_path: Path, db: Any) -> None:
    (tmp_path / "old").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", output=tmp_path)
