"""Thin views: they read through selectors, which scope through ``for_user``; a foreign pairing is a 404."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import ChoiceField, ModelChoiceField, NullBooleanSelect
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django_htmx.middleware import HtmxDetails

from assessments.rules.base import all_rules
from core import charts
from core.access import get_membership
from core.permissions import (
    has_any_role,
    is_commission_staff,
    is_province_staff,
    is_recipient_coordinator,
    is_supporter_coordinator,
)
from core.roles import Role
from pairings.filtersets import HospitalFilterSet, PairingFilterSet
from pairings.forms import AsOfForm, YearForm
from pairings.services.agreements import can_enter_agreements
from web.selectors import dashboard as selectors_dashboard
from web.selectors import pairings as selectors

PAGE_SIZE = 25


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (``request.htmx``)."""

    htmx: HtmxDetails


# API-only filters that make no sense in a browser form.
_HIDDEN_FILTERS = ("updated_since",)


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    """The requested page; an out-of-range or malformed ``?page=`` shows the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _browser_form(filterset: Any) -> Any:
    form = filterset.form
    for name in _HIDDEN_FILTERS:
        form.fields.pop(name, None)
    for field in form.fields.values():
        if isinstance(field.widget, NullBooleanSelect):
            # "Unknown" reads as a value; in a filter it means "do not filter".
            field.widget.choices = [("", _("全部")), ("true", _("是")), ("false", _("否"))]
        elif isinstance(field, ModelChoiceField):
            field.empty_label = _("全部")
        elif isinstance(field, ChoiceField):
            choices: list[Any] = list(cast(Any, field.choices))
            if choices and choices[0][0] == "":
                field.choices = [("", _("全部")), *choices[1:]]
    # The search box first: it is what most visitors use.
    form.order_fields(["q"])
    return form


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One home page per role (SPEC §6); ``?as_of=YYYY-MM-DD`` replays another day for the demo."""
    user = request.user
    membership = get_membership(user)
    as_of = AsOfForm.day(request.GET)
    context: dict[str, Any] = {
        "membership": membership,
        "as_of": as_of,
        "kind": "none",
        # The demo program is 2022–2025: offer its last day when "today" lies outside every program.
        "programs": list(selectors.program_list(user=user)[:5]),
    }
    if is_commission_staff(user):
        dash = selectors_dashboard.commission_dashboard(user=user, as_of=as_of)
        context.update(kind="commission", dash=dash, charts=_commission_charts(dash))
    elif is_supporter_coordinator(user):
        context.update(kind="supporter", dash=selectors_dashboard.supporter_dashboard(user=user, as_of=as_of))
    elif is_recipient_coordinator(user):
        context.update(kind="recipient", dash=selectors_dashboard.recipient_dashboard(user=user, as_of=as_of))
    elif has_any_role(user, {Role.DASHBOARD}):
        context["kind"] = "dashboard"
    return render(request, "pairings/home.html", context)


def _commission_charts(dash: selectors_dashboard.CommissionDashboard) -> dict[str, Any]:
    cov = dash.coverage
    titles = {rule.code: rule.title for rule in all_rules()}
    return {
        "findings": charts.bar_chart(
            # the rule's title in the reader's language, never its code
            [(str(_(titles.get(row.rule_code, row.rule_code))), row.total) for row in dash.findings[:12]],
            title=str(_("按规则统计的未整改问题")),
            color=charts.DANGER,
        ),
        "coverage": charts.donut(
            cov.covered_days,
            cov.period_days,
            title=str(_("本月有人在岗的天数占比")),
            caption=str(_("有人在岗")),
        ),
        "full_strength": charts.donut(
            cov.full_strength_days,
            cov.period_days,
            title=str(_("本月人数达标的天数占比")),
            caption=str(_("人数达标")),
            color=charts.ACCENT,
        ),
        "training": charts.progress_bar(
            dash.training.met, dash.training.pairings, title=str(_("完成进修培训任务的帮扶关系"))
        ),
    }


@login_required
def pairing_list(request: HtmxHttpRequest) -> HttpResponse:
    """Pairings filtered by the PairingFilterSet the API shares, paginated; htmx swaps the results."""
    user = request.user
    base = selectors.pairing_filter_base(user=user)
    filterset = PairingFilterSet(request.GET, queryset=base, request=request)
    page = paginate(request, filterset.qs.values_list("pk", flat=True))
    page.object_list = selectors.pairing_rows(user=user, pks=list(page.object_list))
    context = {
        "form": _browser_form(filterset),
        "page": page,
        "query": _query_without_page(request),
    }
    template = "pairings/_pairing_results.html" if request.htmx else "pairings/pairing_list.html"
    return _vary_on_htmx(render(request, template, context))


@login_required
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    detail = selectors.pairing_detail(
        user=user, pk=pk, year=YearForm.year_of(request.GET), today=timezone.localdate()
    )
    tl = detail.timeline
    timeline_svg = charts.coverage_timeline(
        date_from=tl.date_from,
        date_to=tl.date_to,
        bars=tl.bars,
        spans=tl.spans,
        minimum=tl.minimum,
        title=str(_("%(year)s 年派驻覆盖时间线") % {"year": detail.year}),
    )
    context = {
        "d": detail,
        "pairing": detail.pairing,
        "timeline_svg": timeline_svg,
        "can_edit": is_province_staff(user, province_id=detail.pairing.program.province_id),
        "can_enter_agreements": can_enter_agreements(user, pairing=detail.pairing),
    }
    return render(request, "pairings/pairing_detail.html", context)


@login_required
def hospital_list(request: HtmxHttpRequest) -> HttpResponse:
    """The hospital registry of the user's province, filtered with the shared HospitalFilterSet."""
    filterset = HospitalFilterSet(
        request.GET, queryset=selectors.hospital_list(user=request.user), request=request
    )
    context = {
        "form": _browser_form(filterset),
        "page": paginate(request, filterset.qs),
        "query": _query_without_page(request),
    }
    template = "pairings/_hospital_results.html" if request.htmx else "pairings/hospital_list.html"
    return _vary_on_htmx(render(request, template, context))


def _vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # One URL answers with a fragment (htmx) or a whole page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
