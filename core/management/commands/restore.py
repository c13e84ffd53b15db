"""manage.py restore DIR --yes: replace the database and MEDIA_ROOT with a backup made by ``backup``."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, restore_backup, verify_backup


class Command(BaseCommand):
    help = "Restore a backup folder: pg_restore --clean into the configured database, then the media files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path)
        parser.add_argument("--yes", action="store_true", help="confirm: current data will be replaced")

    def handle(self, *args: Any, source: Path, yes: bool, **options: Any) -> None:
        try:
            manifest = verify_backup(source)
            if not yes:
                raise CommandError(
                    f"this replaces the database and media with the backup of {manifest['created_at']}; "
                    "run again with --yes"
                )
            restore_backup(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"{exc.cmd[0]} failed: {exc.stderr.decode(errors='replace')[-2000:]}") from exc
        self.stdout.write(self.style.SUCCESS(f"restored backup of {manifest['created_at']} from {source}"))
