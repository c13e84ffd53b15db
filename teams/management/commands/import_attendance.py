"""`manage.py import_attendance FILE --hospital CODE [--dry-run]`: the operator's DingTalk import.

Same validation and summary as the upload page; exits non-zero when the file is refused or has errors.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.uploads import UploadError
from pairings.models import Hospital
from teams.services.attendance import attendance_import


class Command(BaseCommand):
    help = "Import a DingTalk attendance export (原始记录 or 每日统计) for a recipient hospital."

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
                # Operators run this on the server: no user, so no scope check (the CLI is already trusted).
                summary = attendance_import(
                    user=None,
                    hospital=hospital,
                    f=fh,
                    name=opts["file"],
                    dry_run=opts["dry_run"],
                    check_permission=False,
                )
        except UploadError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
        if summary.errors:
            for line in summary.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(summary.errors)} errors; nothing imported")
