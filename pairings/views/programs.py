"""Program pages for province staff (项目管理): list, create from a preset, parameters, status, copy, history.

Thin: reads through ``pairings.selectors.programs`` (scoped, 404 for "not yours"), writes through the services
(``registry.program_create`` and ``pairings.services.programs``), which check the permission themselves.
Everyone who may see a program reads its page; only its province's staff get the forms.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import get_membership
from core.audit import history_for
from core.permissions import is_commission_staff, is_province_staff
from pairings.forms import (
    ProgramCopyForm,
    ProgramCreateForm,
    ProgramEditForm,
    ProgramParamsForm,
    ProgramStatusForm,
)
from pairings.models import Program
from pairings.selectors.programs import get_program_for_user, program_list, program_parameters
from pairings.services import programs as svc
from pairings.services.registry import program_create


def _errors_to_form(form: Form, exc: ValidationError, prefix: str = "") -> None:
    """A service's ValidationError shown on the form field it names (``p_<param>`` for parameters)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = f"{prefix}{field}" if f"{prefix}{field}" in form.fields else None
            for error in errors:
                form.add_error(name, error)
    else:
        form.add_error(None, exc)


@login_required
def program_list_view(request: HttpRequest) -> HttpResponse:
    if not is_commission_staff(request.user):
        raise Http404
    can_create = get_membership(request.user) is not None and is_province_staff(request.user)
    return render(
        request,
        "pairings/program_list.html",
        {"programs": program_list(user=request.user), "can_create": can_create},
    )


@login_required
def program_create_view(request: HttpRequest) -> HttpResponse:
    m = get_membership(request.user)
    if m is None or m.province_id is None or not is_province_staff(request.user, province_id=m.province_id):
        raise Http404
    form = ProgramCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            program = program_create(user=request.user, province=m.province, **data)  # type: ignore[arg-type]
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except (TypeError, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("项目已创建。"))
            return redirect("programs:detail", pk=program.pk)
    return render(request, "pairings/program_create.html", {"form": form})


def _detail_context(request: HttpRequest, program: Program, **forms: Any) -> dict[str, Any]:
    editable = is_province_staff(request.user, province_id=program.province_id)
    ctx: dict[str, Any] = {
        "program": program,
        "editable": editable,
        "history": history_for(program, viewer=request.user)[::-1],
    }
    if editable:
        ctx["edit_form"] = forms.get("edit_form") or ProgramEditForm(
            initial={
                "name": program.name,
                "start_date": program.start_date,
                "end_date": program.end_date,
                "agreement_deadline": program.agreement_deadline,
                "roster_deadline": program.roster_deadline,
            },
            prefix="edit",
        )
        ctx["status_form"] = forms.get("status_form") or ProgramStatusForm(
            initial={"status": program.status}, prefix="status"
        )
        ctx["copy_form"] = forms.get("copy_form") or ProgramCopyForm(prefix="copy")
    return ctx


@login_required
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_commission_staff(request.user):
        raise Http404
    program = get_program_for_user(user=request.user, pk=pk)
    return render(request, "pairings/program_detail.html", _detail_context(request, program))


@login_required
@require_POST
def program_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """edit / status / copy: each a service call; a refused write answers 403 and changes nothing."""
    if not is_commission_staff(request.user):
        raise Http404
    program = get_program_for_user(user=request.user, pk=pk)
    user = request.user
    form: Form
    if action == "edit":
        form = ProgramEditForm(request.POST, prefix="edit")
        if form.is_valid():
            try:
                svc.program_update(user=user, program=program, **form.cleaned_data)
            except ValidationError as exc:
                program.refresh_from_db()
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("项目信息已保存。"))
                return redirect("programs:detail", pk=pk)
        return render(
            request, "pairings/program_detail.html", _detail_context(request, program, edit_form=form)
        )
    if action == "status":
        form = ProgramStatusForm(request.POST, prefix="status")
        if form.is_valid():
            svc.program_set_status(user=user, program=program, **form.cleaned_data)
            messages.success(request, _("项目状态已改为“%(s)s”。") % {"s": program.get_status_display()})
            return redirect("programs:detail", pk=pk)
        return render(
            request, "pairings/program_detail.html", _detail_context(request, program, status_form=form)
        )
    if action == "copy":
        form = ProgramCopyForm(request.POST, prefix="copy")
        if form.is_valid():
            try:
                new = svc.program_copy(user=user, program=program, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("已复制为新项目（筹备中）。"))
                return redirect("programs:detail", pk=new.pk)
        return render(
            request, "pairings/program_detail.html", _detail_context(request, program, copy_form=form)
        )
    raise Http404


@login_required
def program_params(request: HttpRequest, pk: int) -> HttpResponse:
    """Every rule parameter: effective value, source, explanation; province staff edit them with a reason."""
    if not is_commission_staff(request.user):
        raise Http404
    program = get_program_for_user(user=request.user, pk=pk)
    editable = is_province_staff(request.user, province_id=program.province_id)
    rows = program_parameters(program)
    form = ProgramParamsForm(request.POST or None, rows=rows) if editable else None
    if request.method == "POST":
        if form is None:  # the service refuses (403) before reading anything
            svc.program_update_params(
                user=request.user, program=program, values={}, reason=request.POST.get("reason", "")
            )
        elif form.is_valid():
            try:
                svc.program_update_params(
                    user=request.user,
                    program=program,
                    values=form.values(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                program.refresh_from_db()
                _errors_to_form(form, exc, prefix="p_")
            else:
                messages.success(request, _("规则参数已保存。"))
                return redirect("programs:params", pk=pk)
    return render(request, "pairings/program_params.html", {"program": program, "rows": rows, "form": form})
