"""manage.py backup --output DIR: database (pg_dump -Fc) + MEDIA_ROOT (tar.gz) + manifest with checksums."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and uploaded files into an empty folder (see docs/operations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="empty or new folder for the backup")

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        try:
            manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = ", ".join(f"{name} {meta['bytes']} B" for name, meta in manifest["files"].items())
        self.stdout.write(
            self.style.SUCCESS(f"backup of {manifest['database']} written to {output}: {files}")
        )
