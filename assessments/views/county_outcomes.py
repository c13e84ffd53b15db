"""County outcome indicators (issue 14 item 9, SPEC §5): the page of a year against the program's targets.

Province staff see every county of the program's recipients, city staff their city's, county staff their
own; county staff (and province staff) enter a year's figures. Thin: reads through
``assessments.selectors.county_outcomes``, writes through ``assessments.services.county_outcomes``.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.capacity_forms import CountyOutcomeForm
from assessments.selectors import county_outcomes as sel
from assessments.services import county_outcomes as svc
from core.access import get_membership
from core.excel import safe_row
from core.permissions import is_commission_staff
from core.query_params import MAX_YEAR, MIN_YEAR
from pairings.models import County, Program

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(raw: str, lo: int, hi: int) -> int | None:
    return int(raw) if raw.isdigit() and lo <= int(raw) <= hi else None


def _export(rows: list[dict[str, Any]], year: int) -> bytes:
    import openpyxl  # heavy: only the export needs it

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _("县域指标")
    labels = [sel.field_label(f) for f, _p, _s in sel.TARGETS]
    header = [_("市州"), _("县区"), _("年度")]
    for label in labels:
        header += [label, _("目标（%）")]
    header += [_("上转人次"), _("下转人次"), _("县外转诊率（%）"), _("备注")]
    ws.append(header)
    for r in rows:
        o = r["outcome"]
        line: list[Any] = [r["county"].city.name, r["county"].name, year]
        for check in r["checks"]:
            line += [check["value"], check["target"]["target"] if check["target"] else None]
        line += [
            o.referrals_up if o else None,
            o.referrals_down if o else None,
            o.outward_transfer_rate if o else None,
            o.note if o else "",
        ]
        ws.append(safe_row(line))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@login_required
@require_http_methods(["GET", "POST"])
def county_outcomes(request: HttpRequest) -> HttpResponse:
    if not is_commission_staff(request.user):
        raise Http404
    programs = list(Program.objects.for_user(request.user).order_by("-start_date", "pk"))
    program_id = _int(request.GET.get("program", ""), 1, 2**31)
    program = next((p for p in programs if p.pk == program_id), programs[0] if programs else None)
    year = _int(request.GET.get("year", ""), MIN_YEAR, MAX_YEAR) or dt.date.today().year - 1
    rows = sel.county_outcome_rows(user=request.user, program=program, year=year) if program else []
    if program and request.GET.get("export") == "xlsx":
        resp = HttpResponse(_export(rows, year), content_type=XLSX_TYPE)
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''county-outcomes-{year}.xlsx"
        return resp
    editable = [r["county"] for r in rows if svc.may_enter_county_outcome(request.user, r["county"])]
    form = None
    if editable:
        form = CountyOutcomeForm(request.POST or None, initial={"year": year}, counties=editable)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            county: County = data.pop("county")
            try:
                svc.county_outcome_save(user=request.user, county=county, data=svc.CountyOutcomeData(**data))
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("已保存。"))
                query = f"?program={program.pk if program else ''}&year={data['year']}"
                return redirect(reverse("assessments:county_outcomes") + query)
    context = {
        "programs": programs,
        "program": program,
        "year": year,
        "years": range(dt.date.today().year, MIN_YEAR - 1, -1)[:12],
        "rows": rows,
        "form": form,
        "membership": get_membership(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/county_outcomes.html", context, status=status)


urlpatterns = [
    path("indicators/counties/", county_outcomes, name="county_outcomes"),
]
