"""`manage.py build_report --program CODE --year YYYY [--kind …] [--sync] [--output FILE]`."""

from __future__ import annotations

import shutil
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assessments.choices import ReportKind
from assessments.models import ReportFile
from assessments.services.reports import report_build
from assessments.tasks.reports import build_report
from pairings.models import Program

KINDS = {
    "workbook": ReportKind.ANNUAL_WORKBOOK,
    "pdf": ReportKind.PROVINCIAL_REPORT,
    "evaluation": ReportKind.EVALUATION,
}


class Command(BaseCommand):
    help = "Build an annual workbook, the provincial PDF report or the evaluation workbook of a program."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--program", required=True, help="program code, e.g. GS2022")
        parser.add_argument("--year", type=int, help="program year (all years for --kind evaluation)")
        parser.add_argument("--kind", default="workbook", choices=sorted(KINDS))
        parser.add_argument(
            "--sync", action="store_true", help="build here instead of queueing a Celery task"
        )
        parser.add_argument("--output", help="copy the built file here (implies --sync)")

    def handle(self, *args: Any, **opts: Any) -> None:

        try:
            program = Program.objects.get(code=opts["program"])
        except Program.DoesNotExist as exc:
            raise CommandError(f"no program {opts['program']!r}") from exc
        kind = KINDS[opts["kind"]]
        year = opts["year"]
        if year is None and kind != ReportKind.EVALUATION:
            raise CommandError("--year is required for this kind")
        if year is not None and year not in program.years:
            raise CommandError(
                f"{year} is not a year of {program.code} ({program.years[0]}–{program.years[-1]})"
            )
        # The command runs as the system (no user); the row is still the job record the UI shows.
        report = ReportFile.objects.create(program=program, kind=kind, year=year)
        if not (opts["sync"] or opts["output"]):
            build_report.delay(report.pk)
            self.stdout.write(f"queued report #{report.pk}")
            return
        report = report_build(report_id=report.pk)
        self.stdout.write(f"report #{report.pk} built: {report.file.name}")
        if opts["output"]:
            with report.file.open("rb") as src, open(opts["output"], "wb") as dst:
                shutil.copyfileobj(src, dst)
            self.stdout.write(f"written to {opts['output']}")
