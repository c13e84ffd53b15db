"""`manage.py import_roster FILE --team ID --supporter CODE [--dry-run]`: the operator's roster import.

Creates the draft roster if the team has none for the supporter; refuses a submitted or filed one.
Same validation and preview as the upload page; exits non-zero on errors (and then writes nothing).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from core.uploads import UploadError
from pairings.models import Hospital
from teams.models import Roster, Team
from teams.services.imports import roster_import


class Command(BaseCommand):
    help = "Import a roster Excel file (template columns) for a team and supporter."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--team", type=int, required=True)
        parser.add_argument("--supporter", required=True, help="supporter hospital code (机构代码)")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            team = Team.objects.get(pk=opts["team"])
            supporter = Hospital.objects.get(code=opts["supporter"])
        except (Team.DoesNotExist, Hospital.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        roster = Roster.objects.filter(team=team, supporter=supporter).order_by("-version").first()
        if roster is None:
            roster = Roster.objects.create(team=team, supporter=supporter)
        # The operator acts as a system administrator (superuser semantics) for the permission checks.
        operator = get_user_model()(username="manage.py", is_superuser=True)
        try:
            with open(opts["file"], "rb") as fh:
                preview = roster_import(
                    user=operator, roster=roster, f=fh, name=opts["file"], dry_run=opts["dry_run"]
                )
        except (UploadError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        counts = preview.counts()
        self.stdout.write(
            f"roster {roster.pk} v{roster.version}: new {counts['new']}, changed {counts['changed']}, "
            f"unchanged {counts['unchanged']}, removed {counts['removed']}, errors {counts['error']}"
            + (" (dry run)" if opts["dry_run"] else "")
        )
        if preview.has_errors:
            for line in preview.error_lines():
                self.stderr.write(line)
            raise CommandError("roster has errors; nothing imported")
