"""Pages of rosters and attendance imports (thin: scoped reads through selectors, writes through services).

A roster, job or hospital the user may not see answers 404, the same as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import get_membership
from core.jobs.web import job_started_message
from core.lookups import get_by_pk_or_404
from core.permissions import is_commission_staff, is_filing_staff, own_hospital_id
from core.query_params import month_param
from core.roles import Role
from core.uploads import UploadError
from pairings.choices import HospitalRole
from pairings.models import Hospital
from pairings.selectors.workdays import years_counted_as_weekdays
from teams.filtersets import DeploymentFilterSet
from teams.forms import (
    AssignForm,
    AttendanceUploadForm,
    CommentForm,
    DeploymentDatesForm,
    ReplacementForm,
    RosterCreateForm,
    RosterEntryForm,
    UploadForm,
)
from teams.models import Deployment, ImportJob, ImportKind, Roster, RosterEntry, Staff
from teams.resources import deployments_workbook, roster_template
from teams.selectors import rosters as sel
from teams.selectors.attendance import monthly_attendance_table
from teams.services import deployments as dep_svc
from teams.services import rosters as svc
from teams.services.attendance import unmatched_assign
from teams.services.imports import roster_error_file, roster_import
from teams.services.jobs import attendance_job_create, job_progress

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return resp


# --- rosters -------------------------------------------------------------------------------------------


@login_required
def roster_list(request: HttpRequest) -> HttpResponse:
    m = get_membership(request.user)
    supporter_id = own_hospital_id(request.user, Role.SUPPORTER_COORDINATOR)
    form = None
    if supporter_id is not None:
        form = RosterCreateForm(request.POST or None, user=request.user, supporter_id=supporter_id)
        if request.method == "POST" and form.is_valid():
            try:
                roster = svc.roster_create(
                    user=request.user,
                    team=form.cleaned_data["team"],
                    supporter=m.hospital,  # type: ignore[union-attr]
                )
            except svc.RosterError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("teams:roster_detail", pk=roster.pk)
    page = _page(request, sel.roster_list(user=request.user))
    return render(request, "teams/roster_list.html", {"page": page, "create_form": form})


def _roster_context(request: HttpRequest, roster: Roster) -> dict[str, Any]:
    user = request.user
    editable = roster.status in svc.EDITABLE and svc.is_supporter_coordinator(user, roster.supporter_id)
    history = []
    prev = roster.previous
    while prev is not None and len(history) < 20:
        history.append(prev)
        prev = prev.previous
    return {
        "roster": roster,
        "entries": sel.roster_entries(roster),
        "deadlines": sel.roster_deadlines(roster),
        "diff": sel.roster_diff(roster.previous, roster) if roster.previous_id else [],
        "history": history,
        "next_version": Roster.objects.filter(previous=roster).first(),
        "editable": editable,
        "can_new_version": roster.is_locked and svc.is_supporter_coordinator(user, roster.supporter_id),
        "can_forward": svc.can_forward(user, roster),
        "can_decide": svc.can_decide(user, roster),
        "can_take_over": svc.can_take_over(user, roster),
        "problems": svc.roster_problems(roster) if editable else [],
        "entry_form": (
            RosterEntryForm(supporter_id=roster.supporter_id, q=request.GET.get("staff_q", "")[:60])
            if editable
            else None
        ),
        "staff_q": request.GET.get("staff_q", "")[:60],
        "carried_leaders": list(sel.carried_over_leaders(roster)),
        "upload_form": UploadForm() if editable else None,
        "comment_form": CommentForm(),
    }


@login_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roster = sel.get_roster_for_user(user=request.user, pk=pk)
    return render(request, "teams/roster_detail.html", _roster_context(request, roster))


@login_required
@require_POST
def roster_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """submit / forward / take_over / file / return / new_version / add_entry / remove_entry (services)."""
    roster = sel.get_roster_for_user(user=request.user, pk=pk)
    user = request.user
    comment = request.POST.get("comment", "")
    try:
        if action == "submit":
            svc.roster_submit(user=user, roster=roster)
        elif action == "forward":
            svc.roster_forward(user=user, roster=roster, comment=comment)
        elif action == "file":
            svc.roster_file(user=user, roster=roster, comment=comment)
        elif action == "return":
            svc.roster_return(user=user, roster=roster, comment=comment)
        elif action == "take_over":
            svc.roster_take_over(user=user, roster=roster, reason=request.POST.get("reason", ""))
        elif action == "new_version":
            roster = svc.roster_new_version(user=user, roster=roster)
        elif action == "add_entry":
            form = RosterEntryForm(request.POST, supporter_id=roster.supporter_id)
            if not form.is_valid():
                raise svc.RosterError("；".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            svc.roster_entry_add(user=user, roster=roster, **form.cleaned_data)
        elif action == "remove_entry":
            entry = get_by_pk_or_404(RosterEntry, request.POST.get("entry"), roster=roster)
            svc.roster_entry_remove(user=user, entry=entry)
        else:
            raise Http404
    except PermissionDenied:
        raise
    except svc.RosterError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("操作成功。"))
    if action in ("forward", "take_over", "file", "return") and request.POST.get("next") == "queue":
        return redirect("teams:roster_queue")
    return redirect("teams:roster_detail", pk=roster.pk)


@login_required
def roster_template_download(request: HttpRequest, pk: int) -> HttpResponse:
    roster = sel.get_roster_for_user(user=request.user, pk=pk)
    return _xlsx(roster_template(roster=roster, user=request.user), "roster-template.xlsx")


def _roster_job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.for_user(request.user).filter(kind=ImportKind.ROSTER).select_related("roster"),
        pk=pk,
    )


@login_required
def roster_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Wizard step 1: upload → the file is kept as an ImportJob and previewed (nothing else is saved)."""
    roster = sel.get_roster_for_user(user=request.user, pk=pk)
    if not svc.is_supporter_coordinator(request.user, roster.supporter_id):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = roster_import(user=request.user, roster=roster, f=upload, name=upload.name)
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            upload.seek(0)
            job = ImportJob(
                kind=ImportKind.ROSTER,
                hospital=roster.supporter,
                roster=roster,
                created_by=request.user,
                original_name=upload.name[:200],
                counts=preview.counts(),
            )
            job.file.save(upload.name[:100], upload, save=True)
            return redirect("teams:roster_preview", pk=job.pk)
    return render(request, "teams/roster_upload.html", {"roster": roster, "form": form})


@login_required
def roster_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Wizard step 2: every row new / changed / unchanged / error; confirm is one transaction."""
    job = _roster_job(request, pk)
    roster = sel.get_roster_for_user(user=request.user, pk=job.roster_id)  # type: ignore[arg-type]
    with job.file.open("rb") as fh:
        try:
            preview = roster_import(
                user=request.user,
                roster=roster,
                f=fh,
                name=job.original_name,
                dry_run=request.method != "POST",
            )
        except UploadError as exc:
            messages.error(request, str(exc))
            return redirect("teams:roster_detail", pk=roster.pk)
    if request.method == "POST":
        if preview.applied:
            messages.success(request, _("名单已导入。"))
            return redirect("teams:roster_detail", pk=roster.pk)
        messages.error(request, _("名单有错误，未导入任何数据。"))
    return render(request, "teams/roster_preview.html", {"job": job, "roster": roster, "preview": preview})


@login_required
def roster_error_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _roster_job(request, pk)
    roster = sel.get_roster_for_user(user=request.user, pk=job.roster_id)  # type: ignore[arg-type]
    with job.file.open("rb") as fh:
        try:
            data = roster_error_file(user=request.user, roster=roster, f=fh, name=job.original_name)
        except UploadError as exc:  # a stored file the reader refuses (e.g. kept from before a limit)
            messages.error(request, str(exc))
            return redirect("teams:roster_detail", pk=roster.pk)
    return _xlsx(data, "roster-errors.xlsx")


@login_required
def roster_queue(request: HttpRequest) -> HttpResponse:
    if not is_filing_staff(request.user):
        raise Http404
    page = _page(request, sel.roster_queue(user=request.user))
    return render(request, "teams/roster_queue.html", {"page": page, "comment_form": CommentForm()})


# --- attendance ----------------------------------------------------------------------------------------


def _import_hospitals(user: Any) -> Any:
    qs = Hospital.objects.for_user(user).filter(role=HospitalRole.RECIPIENT)
    own = own_hospital_id(user, Role.RECIPIENT_COORDINATOR)
    if own is not None:
        qs = qs.filter(pk=own)
    elif not is_commission_staff(user):
        qs = qs.none()
    return qs.order_by("code")


@login_required
def attendance_upload(request: HttpRequest) -> HttpResponse:
    hospitals = _import_hospitals(request.user)
    if not hospitals.exists():
        raise Http404
    form = AttendanceUploadForm(request.POST or None, request.FILES or None, hospitals=hospitals)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = attendance_job_create(
                user=request.user, hospital=form.cleaned_data["hospital"], f=upload, name=upload.name
            )
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            job_started_message(request, job)
            return redirect("teams:attendance_job", pk=job.pk)
    jobs = _page(request, sel.import_jobs(user=request.user).filter(kind=ImportKind.ATTENDANCE))
    return render(request, "teams/attendance_upload.html", {"form": form, "page": jobs})


def _attendance_job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(sel.import_jobs(user=request.user).filter(kind=ImportKind.ATTENDANCE), pk=pk)


@login_required
def attendance_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _attendance_job(request, pk)
    return render(request, "teams/attendance_job.html", {"job": job, "progress": job_progress(job)})


@login_required
def attendance_job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The small fragment the job page polls: progress bar while running, the summary when done."""
    job = _attendance_job(request, pk)
    return render(request, "teams/_job_status.html", {"job": job, "progress": job_progress(job)})


@login_required
def attendance_unmatched(request: HttpRequest) -> HttpResponse:
    hospitals = _import_hospitals(request.user)
    if not hospitals.exists():
        raise Http404
    if request.method == "POST":
        form = AssignForm(request.POST)
        if form.is_valid():
            hospital = get_object_or_404(hospitals, pk=form.cleaned_data["hospital"])
            staff = get_object_or_404(
                sel.assignable_staff(user=request.user, hospital_id=hospital.pk),
                pk=form.cleaned_data["staff"],
            )
            written = unmatched_assign(
                user=request.user, hospital=hospital, userid=form.cleaned_data["userid"], staff=staff
            )
            messages.success(request, _("已匹配，生成考勤记录 %(n)d 条。") % {"n": written})
        return redirect("teams:attendance_unmatched")
    page = _page(request, sel.unmatched_queue(user=request.user).filter(hospital__in=hospitals))
    hospital_ids = {row["hospital_id"] for row in page}
    staff_by_hospital: dict[int, list[Staff]] = {}
    for hid in hospital_ids:
        staff_by_hospital[hid] = list(
            sel.assignable_staff(user=request.user, hospital_id=hid).only("id", "name")
        )
    rows = [{**row, "staff_choices": staff_by_hospital.get(row["hospital_id"], [])} for row in page]
    return render(request, "teams/attendance_unmatched.html", {"page": page, "rows": rows})


@login_required
def attendance_monthly(request: HttpRequest) -> HttpResponse:
    """Monthly attendance per deployment, from the same computation the rules and appraisals use."""
    month = month_param(request.GET, "month") or timezone.localdate().replace(day=1)
    rows = _page(request, monthly_attendance_table(user=request.user, month=month))
    membership = get_membership(request.user)
    weekday_years = years_counted_as_weekdays(
        province_id=membership.province_id if membership else None, years=[month.year]
    )
    return render(
        request,
        "teams/attendance_monthly.html",
        {"month": month, "page": rows, "weekday_years": weekday_years},
    )


# --- deployments: actual arrival, departure, early return, replacement --------------------------------


def _deployments(user: Any) -> Any:
    return Deployment.objects.for_user(user).select_related(
        "staff", "supporter", "team__pairing__recipient", "replaces__staff"
    )


@login_required
def deployment_list(request: HttpRequest) -> HttpResponse:
    """Deployments the user may see, filtered by the FilterSet the API shares; ``?export=xlsx`` exports
    the filtered list."""
    filterset = DeploymentFilterSet(request.GET, queryset=_deployments(request.user), request=request)
    qs = filterset.qs.order_by(
        "-team__year", "team__pairing__recipient__name", "-role", "planned_start", "pk"
    )
    if request.GET.get("export") == "xlsx":
        return _xlsx(deployments_workbook(qs), "deployments.xlsx")
    query = request.GET.copy()
    query.pop("page", None)
    form = filterset.form
    for name in ("updated_since", "pairing", "team", "on_date"):
        form.fields.pop(name, None)
    for field in form.fields.values():
        # "全部" rather than "---------" for "do not filter" (issue 15, Chinese UI).
        if hasattr(field, "empty_label"):
            field.empty_label = _("全部")
        if hasattr(field, "queryset"):
            continue
        choices = list(getattr(field, "choices", []) or [])
        if choices and choices[0][0] == "":
            field.choices = [("", _("全部")), *choices[1:]]
    return render(
        request,
        "teams/deployment_list.html",
        {"page": _page(request, qs), "form": form, "query": query.urlencode()},
    )


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                form.add_error(field if field in form.fields else None, e)
    else:
        form.add_error(None, exc)


@login_required
def deployment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One deployment: its planned and actual dates; the recipient's coordinator records arrival,
    departure, early return and a replacement (the other roles read)."""
    deployment = get_object_or_404(_deployments(request.user), pk=pk)
    may_edit = dep_svc.may_record_stay(request.user, deployment)
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not may_edit:
        raise PermissionDenied
    dates_form = DeploymentDatesForm(
        request.POST if action == "dates" else None,
        initial={
            "actual_start": deployment.actual_start,
            "actual_end": deployment.actual_end,
            "early_return_reason": deployment.early_return_reason,
        },
    )
    replace_form = ReplacementForm(
        request.POST if action == "replace" else None,
        supporter_id=deployment.supporter_id,
        exclude_staff_id=deployment.staff_id,
    )
    if action == "dates" and dates_form.is_valid():
        try:
            dep_svc.deployment_record_dates(
                user=request.user, deployment=deployment, **dates_form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(dates_form, exc)
        else:
            messages.success(request, _("到岗、离岗日期已保存。"))
            return redirect("teams:deployment_detail", pk=deployment.pk)
    if action == "replace" and replace_form.is_valid():
        try:
            newcomer = dep_svc.deployment_replace(
                user=request.user, deployment=deployment, **replace_form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(replace_form, exc)
        else:
            messages.success(request, _("已登记替换：%(name)s 到岗。") % {"name": newcomer.staff.name})
            return redirect("teams:deployment_detail", pk=deployment.pk)
    return render(
        request,
        "teams/deployment_detail.html",
        {
            "deployment": deployment,
            "may_edit": may_edit,
            "dates_form": dates_form,
            "replace_form": replace_form,
            "replacements": deployment.replacements.select_related("staff").order_by("planned_start"),
        },
    )
