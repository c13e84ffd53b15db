"""`manage.py import_activity FILE --hospital CODE [--dry-run]`: monthly activity figures per deployment."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.uploads import UploadError
from pairings.models import Hospital
from teams.services.activity import activity_import


class Command(BaseCommand):
    help = "Import monthly activity figures (门诊人次, 手术台次, 授课次数, 教学查房, 病例讨论, 远程会诊)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--hospital", required=True, help="recipient hospital code (机构代码)")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            hospital = Hospital.objects.get(code=opts["hospital"])
        except Hospital.DoesNotExist as exc:
            raise CommandError(f"unknown hospital {opts['hospital']}") from exc
        try:
            with open(opts["file"], "rb") as fh:
                summary = activity_import(hospital=hospital, f=fh, name=opts["file"], dry_run=opts["dry_run"])
        except UploadError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"rows {summary.rows}, created {summary.created}, updated {summary.updated}")
        if summary.errors:
            for line in summary.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(summary.errors)} errors; nothing imported")
