"""`manage.py import_pairings FILE --program CODE [--dry-run]`: the program's hospitals and pairing list."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.uploads import UploadError
from pairings.models import Program
from pairings.services.pairing_list import import_pairing_workbook


class Command(BaseCommand):
    help = "Import hospitals (sheet 医院) and pairings (sheet 对口帮扶关系, 附件1) for a program."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--program", required=True)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            program = Program.objects.get(code=opts["program"])
        except Program.DoesNotExist as exc:
            raise CommandError(f"unknown program {opts['program']}") from exc
        try:
            with open(opts["file"], "rb") as fh:
                s = import_pairing_workbook(program=program, f=fh, name=opts["file"], dry_run=opts["dry_run"])
        except UploadError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"hospitals new {s.hospitals_new}, changed {s.hospitals_changed}; pairings new {s.pairings_new}, "
            f"supporters new {s.supporters_new}" + (" (dry run)" if opts["dry_run"] else "")
        )
        if s.errors:
            for line in s.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(s.errors)} errors; nothing imported")
