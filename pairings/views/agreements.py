"""Agreement pages: the overview (who has not signed, what is overdue, export), one agreement with its items,
entry and edit forms, progress reports. Thin: selectors read (scoped), services write and decide who may.
The scan and evidence files are served by core.files (``PROTECTED_FILES``), after the same scoping."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from core.excel import safe_row
from pairings.forms import AgreementForm, AgreementItemForm, AgreementItemReportForm, AgreementOverviewForm
from pairings.models import Hospital, Pairing
from pairings.selectors import agreements as sel
from pairings.services import agreements as svc

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARTY_LABELS = {
    svc.SUPPORTER: gettext_lazy("支援医院"),
    svc.GOVERNMENT: gettext_lazy("县政府"),
    svc.RECIPIENT: gettext_lazy("受援医院"),
}
STATE_LABELS = {
    sel.MISSING: gettext_lazy("未录入"),
    sel.UNSIGNED: gettext_lazy("未签齐"),
    sel.SIGNED: gettext_lazy("已签署"),
    sel.FILED: gettext_lazy("已报备"),
}


def _party_names(parties: tuple[str, ...]) -> str:
    return "、".join(str(PARTY_LABELS[p]) for p in parties)


def _state_text(state: sel.AgreementState) -> str:
    text = str(STATE_LABELS[state.state])
    if state.state == sel.UNSIGNED:
        text += _("（缺：%(parties)s）") % {"parties": _party_names(state.missing_parties)}
    elif state.signed_on:
        text += f" {state.signed_on:%Y-%m-%d}"
    return text


@login_required
def agreement_overview(request: HttpRequest) -> HttpResponseBase:
    programs = sel.program_choices(user=request.user)
    form = AgreementOverviewForm(request.GET or None, programs=programs)
    data = form.cleaned_data if form.is_valid() else {}
    program = data.get("program") or programs.first()
    if program is None:
        raise Http404
    today = timezone.localdate()
    year = data.get("year") or min(max(today.year, program.start_date.year), program.end_date.year)
    overview = sel.agreement_overview(
        user=request.user,
        program=program,
        year=year,
        today=today,
        problems_only=bool(data.get("problems")),
        q=data.get("q") or "",
    )
    overdue = sel.overdue_items(user=request.user, program=program, today=today)
    if request.GET.get("format") == "xlsx":
        return _overview_xlsx(overview, list(overdue))
    rows = [
        {"row": r, "tripartite": _state_text(r.tripartite), "annual": _state_text(r.annual)}
        for r in overview.rows
    ]
    export = request.GET.copy()
    export["format"] = "xlsx"
    context = {
        "form": form,
        "overview": overview,
        "rows": rows,
        "overdue": overdue[:200],
        "export_query": export.urlencode(),
        "parties": _party_names(svc.agreement_parties(program)),
    }
    return render(request, "pairings/agreements/overview.html", context)


def _overview_xlsx(overview: sel.Overview, overdue: list[Any]) -> HttpResponse:
    """The filtered overview and the overdue items, cells escaped (a hospital name may start with '=')."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("签署情况")
    ws.append(
        [
            _("市州"),
            _("受援医院"),
            _("支援医院"),
            _("牵头"),
            _("三方协议"),
            _("%(year)s 年度补充协议") % {"year": overview.year},
        ]
        + [_("事项数"), _("逾期事项")]
    )
    for r in overview.rows:
        recipient = r.link.pairing.recipient
        ws.append(
            safe_row(
                [
                    recipient.city.name if recipient.city else "",
                    recipient.name,
                    r.link.hospital.name,
                    _("是") if r.link.is_lead else "",
                    _state_text(r.tripartite),
                    _state_text(r.annual),
                    r.items,
                    r.overdue,
                ]
            )
        )
    items = wb.create_sheet(_("逾期事项"))
    items.append(
        [_("受援医院"), _("支援医院"), _("类型"), _("内容"), _("责任科室"), _("完成时限"), _("进展")]
    )
    for it in overdue:
        a = it.agreement
        items.append(
            safe_row(
                [
                    a.pairing.recipient.name,
                    a.supporter.name,
                    it.get_kind_display(),
                    it.description,
                    it.responsible_department,
                    it.due_date,
                    it.get_status_display(),
                ]
            )
        )
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    filename = f"agreements-{overview.program.code}-{overview.year}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _editable_supporters(request: HttpRequest, pairing: Pairing) -> Any:
    ids = [
        link.hospital_id
        for link in pairing.supporters.all()
        if svc.can_edit_agreement(request.user, pairing=pairing, supporter_id=link.hospital_id)
    ]
    return Hospital.objects.filter(pk__in=ids).order_by("name")


@login_required
def agreement_create(request: HttpRequest, pairing_pk: int) -> HttpResponse:
    pairing = get_object_or_404(
        Pairing.objects.for_user(request.user).select_related("program", "recipient"), pk=pairing_pk
    )
    supporters = _editable_supporters(request, pairing)
    if not svc.can_enter_agreements(request.user, pairing=pairing):
        raise PermissionDenied(_("只有省级卫健委或签约的支援医院可以录入协议。"))
    parties = svc.agreement_parties(pairing.program)
    form = AgreementForm(request.POST or None, request.FILES or None, supporters=supporters, parties=parties)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["goals"] = data.get("goals") or ""
        try:
            agreement = svc.agreement_create(user=request.user, pairing=pairing, **data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("协议已录入。"))
            return redirect("agreements:detail", pk=agreement.pk)
    context = {"form": form, "pairing": pairing, "parties": _party_names(parties)}
    return render(request, "pairings/agreements/form.html", context)


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = sel.agreement_detail(user=request.user, pk=pk)
    pairing = agreement.pairing
    if not svc.can_edit_agreement(request.user, pairing=pairing, supporter_id=agreement.supporter_id):
        raise PermissionDenied(_("只有省级卫健委或签约的支援医院可以修改协议。"))
    parties = svc.agreement_parties(pairing.program)
    initial = {f: getattr(agreement, f) for f in svc.AGREEMENT_FIELDS}
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        supporters=Hospital.objects.none(),
        parties=parties,
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "scan"}
        data["goals"] = data.get("goals") or ""
        try:
            svc.agreement_update(
                user=request.user, agreement=agreement, scan=form.cleaned_data["scan"], **data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("协议已保存。"))
            return redirect("agreements:detail", pk=agreement.pk)
    context = {"form": form, "pairing": pairing, "agreement": agreement, "parties": _party_names(parties)}
    return render(request, "pairings/agreements/form.html", context)


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = sel.agreement_detail(user=request.user, pk=pk)
    user = request.user
    can_edit = svc.can_edit_agreement(user, pairing=agreement.pairing, supporter_id=agreement.supporter_id)
    items = list(agreement.items.all())
    today = timezone.localdate()
    reportable = {it.pk for it in items if svc.can_report_item(user, it)} if items else set()
    parties = svc.agreement_parties(agreement.pairing.program)
    signatures = [(PARTY_LABELS[p], getattr(agreement, svc.SIGNATURE_FIELDS[p])) for p in parties]
    context = {
        "a": agreement,
        "items": [
            {
                "item": it,
                "overdue": it.due_date is not None and it.due_date < today and it.status in svc.OPEN_STATUSES,
                # One form per item: its own ids, so the labels of every item's form stay unique.
                "report_form": AgreementItemReportForm(auto_id=f"id_item{it.pk}_%s")
                if it.pk in reportable
                else None,
            }
            for it in items
        ],
        "signatures": signatures,
        "can_edit": can_edit,
        "item_form": AgreementItemForm() if can_edit else None,
    }
    return render(request, "pairings/agreements/detail.html", context)


@login_required
@require_POST
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = sel.agreement_detail(user=request.user, pk=pk)
    form = AgreementItemForm(request.POST)
    if form.is_valid():
        try:
            svc.agreement_item_create(user=request.user, agreement=agreement, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("事项已添加。"))
    else:
        messages.error(request, _("事项未添加：%(errors)s") % {"errors": _flat(form)})
    return redirect("agreements:detail", pk=agreement.pk)


@login_required
@require_POST
def item_report(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.item_for_user(user=request.user, pk=pk)
    form = AgreementItemReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            svc.agreement_item_report(user=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("进展已报告。"))
    else:
        messages.error(request, _("进展未报告：%(errors)s") % {"errors": _flat(form)})
    return redirect("agreements:detail", pk=item.agreement_id)


def _flat(form: Any) -> str:
    return "；".join(
        f"{form.fields[f].label if f in form.fields else ''}：{'，'.join(e)}" for f, e in form.errors.items()
    )
