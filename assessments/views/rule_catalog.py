"""The rule catalog (read-only): every rule, the clause it enforces, its parameters and its findings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET

from assessments.selectors import rules as selectors_rules


@login_required
@require_GET
def rule_catalog(request: HttpRequest) -> HttpResponse:
    programs = selectors_rules.catalog_programs(user=request.user)
    program = None
    if request.GET.get("program", "").isdigit():
        program = get_object_or_404(programs, pk=int(request.GET["program"]))
    else:
        program = programs.first()
    rows = selectors_rules.rule_catalog(user=request.user, program=program) if program else []
    context = {
        "programs": programs,
        "program": program,
        "rows": rows,
    }
    return render(request, "assessments/rules/catalog.html", context)


urlpatterns = [path("rules/", rule_catalog, name="rule_catalog")]
