"""Annual report workbook: the demo province (program GS2022) and a national-scale dataset.

Targets (issue 5): province < 10 s, national < 120 s on 2 cores, peak memory < 1 GiB. The provincial PDF
(issue 18): GS2022 ≤ 5 s, national ≤ 60 s, measured against the full per-pairing appendix in the same run.

At ``--scale national`` the dataset is the national benchmark program NAT2022 (``pairings.demo.national``,
2,500 pairings, 62,000 deployments), used as loaded or built inside a transaction that is rolled back.
Without the demo, ``generate`` makes a comparable province (1.5 M attendance days at 1,000 pairings).

The national workbook's memory target (≤ 300 MiB) is "peak RSS of the worker doing the job":
``workbook_national_worker`` runs the ``build_report`` task in a fresh process (``report_worker``) on the
committed NAT2022 data and reads that process's VmHWM, next to the openpyxl baseline in a fresh process of
its own. The in-process rows keep their per-phase peaks (VmHWM reset before each phase), which start from
what the benchmark process already holds. Nothing is kept: the measured phases run in rolled-back
transactions and the worker deletes its report row and file (``report_worker.cleanup``, also run first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from assessments.reports.provincial import build_provincial_pdf
from assessments.reports.workbook import build_annual_workbook
from assessments.services.appraisals import annual_appraisal_compute
from devtools.benchmarks import report_worker
from devtools.benchmarks.reports_before import build_annual_workbook_before
from devtools.benchmarks.runner import BenchContext, phase, stopwatch
from devtools.demo import national
from pairings.models import Program

YEAR = 2023


class _Rollback(Exception):
    pass


def _measure_pdf(
    ctx: BenchContext, name: str, program: Program, year: int, target: str, baseline: str | None = "serial"
) -> None:
    """The PDF as built, against a baseline in the same run: ``"full_appendix"`` forces the per-pairing
    appendix into the PDF (what every report did before issue 18), ``"serial"`` lays the same PDF out in
    one process (before the two-process layout of ``pdf.write_pdf``), None measures no baseline."""
    fd, path = tempfile.mkstemp(suffix=".pdf")
    os.close(fd)
    try:
        base_name = base_s = None
        if baseline is not None:
            with stopwatch() as t0:
                before = build_provincial_pdf(
                    program=program,
                    year=year,
                    out=path,
                    full_appendix=baseline == "full_appendix",
                    parallel=baseline != "serial",
                )
            base_name, base_s = f"{name}_{baseline}", t0["seconds"]
            ctx.out(f"  ({base_name}: {base_s:.1f} s, {before['pages']} pages)")
        with stopwatch() as t:
            built = build_provincial_pdf(program=program, year=year, out=path)
        ctx.report(
            name,
            t["seconds"],
            baseline_name=base_name,
            baseline_seconds=base_s,
            target=target,
            pages=built["pages"],
            attachments=built["attachments"],
            file_mib=round(os.path.getsize(path) / 2**20, 2),
        )
    finally:
        os.unlink(path)


def _measure(ctx: BenchContext, name: str, program: Program, year: int, target: str) -> None:
    """The annual workbook, then the same workbook with main's openpyxl writer before issue 18 (the
    baseline, ``reports_before``) in the same run; each phase reports its own peak RSS."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        # Each phase measures its own peak RSS (the process-wide peak would carry an earlier suite's).
        with phase() as t_compute:
            annual_appraisal_compute(user=None, program=program, year=year)
        with phase() as t:
            counts = build_annual_workbook(program=program, year=year, out=path)
        size = os.path.getsize(path)
        with phase() as t_base:
            build_annual_workbook_before(program=program, year=year, out=path)
        ctx.report(
            name,
            t["seconds"],
            baseline_name=f"{name}_openpyxl_before",
            baseline_seconds=t_base["seconds"],
            target=target,
            appraisal_compute_s=round(t_compute["seconds"], 2),
            appraisal_compute_peak_rss_mib=t_compute["peak_rss_mib"],
            rows=sum(counts.values()),
            deployments=counts.get("派驻人员"),
            file_mib=round(size / 2**20, 1),
            peak_rss_mib=t["peak_rss_mib"],
            # The peak starts from what earlier phases left resident (WeasyPrint's fonts, the appraisal
            # compute): a fresh worker building only this workbook holds about peak - start + ~120 MiB.
            start_rss_mib=t["start_rss_mib"],
            baseline_peak_rss_mib=t_base["peak_rss_mib"],
            baseline_file_mib=round(os.path.getsize(path) / 2**20, 1),
        )
    finally:
        os.unlink(path)


def _worker(program: Program, year: int, *, before: bool = False) -> dict[str, float]:
    """The annual workbook job in a fresh process (``report_worker``): its seconds and its own peak RSS."""
    args = ["--program", program.code, "--year", str(year)] + (["--before"] if before else [])
    done = subprocess.run(
        [sys.executable, "-m", "devtools.benchmarks.report_worker", *args],
        cwd=settings.BASE_DIR,  # the environment (DJANGO_SETTINGS_MODULE) is this process's
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _measure_worker(ctx: BenchContext, name: str, program: Program, year: int, target: str) -> None:
    """Issue 18's memory figure: peak RSS of the worker doing the job, i.e. the ``build_report`` task run
    in a fresh process on the committed data, against the openpyxl writer in an equally fresh process."""
    job = _worker(program, year)
    base = _worker(program, year, before=True)
    ctx.report(
        name,
        job["seconds"],
        baseline_name=f"{name}_openpyxl_before",
        baseline_seconds=base["seconds"],
        target=target,
        peak_rss_mib=job["peak_rss_mib"],
        # what the process held once Django and the task modules were loaded, before the job
        start_rss_mib=job["start_rss_mib"],
        baseline_peak_rss_mib=base["peak_rss_mib"],
        file_mib=round(job["file_bytes"] / 2**20, 1),
    )


def run(ctx: BenchContext) -> None:
    # An interrupted run may have left its worker's report rows behind.
    report_worker.cleanup()
    demo = Program.objects.filter(code="GS2022").first()
    if demo is not None:
        year = YEAR if YEAR in demo.years else demo.years[0]
        with transaction.atomic():
            _measure(ctx, "workbook_province_GS2022", demo, year, "< 10 s")
            _measure_pdf(ctx, "provincial_pdf_GS2022", demo, year, "≤ 5 s (issue 18: 9.8 s before)")
            transaction.set_rollback(True)  # the bench's appraisal drafts are not kept
    else:
        _generated(
            ctx, "workbook_province_generated", pairings=20 if ctx.quick else 90, target="< 10 s", pdf=True
        )
    if ctx.scale != "national":
        return

    seeded = Program.objects.filter(code="NAT2022").first()
    if seeded is not None:
        # Before the rolled-back transaction below: the worker process reads the committed data only (the
        # job runs against the year's data as it stands: no appraisal drafts unless they were computed).
        _measure_worker(
            ctx, "workbook_national_worker", seeded, YEAR, "<= 10 s, <= 300 MiB peak RSS of the worker"
        )
    else:
        ctx.out("  (workbook_national_worker: skipped, NAT2022 is not loaded: seed_demo --scale national)")
    with transaction.atomic():
        # The national benchmark program (seed_demo --scale national), built here when absent; the
        # transaction is rolled back either way, so a program built here is not kept.
        program = Program.objects.filter(code="NAT2022").first()
        if program is None:
            national.build_national(program_code="NAT2022")
            program = Program.objects.get(code="NAT2022")
        _measure(
            ctx, "workbook_national", program, YEAR, "<= 10 s, <= 300 MiB (issue 18; main before: 19.3 s)"
        )
        # The full-appendix baseline alone takes minutes (issue 18: 249 s): skipped by --quick and by
        # --skip-slow-baselines.
        _measure_pdf(
            ctx,
            "provincial_pdf_national",
            program,
            YEAR,
            "≤ 60 s (issue 18: 249 s before)",
            None if ctx.quick or ctx.skip_slow_baselines else "full_appendix",
        )
        transaction.set_rollback(True)


def _generated(ctx: BenchContext, name: str, *, pairings: int, target: str, pdf: bool = False) -> None:
    try:
        with transaction.atomic():
            with stopwatch() as t:
                program = generate(pairings=pairings)
            ctx.out(f"  (generated {pairings} pairings in {t['seconds']:.1f} s)")
            _measure(ctx, name, program, YEAR, target)
            if pdf:
                _measure_pdf(ctx, name.replace("workbook", "provincial_pdf"), program, YEAR, "(no target)")
            raise _Rollback
    except _Rollback:
        pass


def generate(*, pairings: int, per_rotation: int = 6) -> Program:
    """A province with ``pairings`` pairings, two rotations of ``per_rotation`` people in YEAR, weekday
    attendance, monthly assessments and activity, trainees and findings. Set-based SQL, audit triggers off
    (the caller's transaction is rolled back)."""
    with connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            (Path(__file__).parent / "generate_dataset.sql").read_text(),
            {"n": pairings, "per": per_rotation, "year": YEAR},
        )
    return Program.objects.get(code="BENCHNAT")
