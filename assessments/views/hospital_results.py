"""本院考核结果: a supporter's or recipient's coordinator sees its pairings' published annual results, the
figures behind each score, the 通报批评 / 表扬 naming them and the rectifications addressed to it, with
links to answer a rectification and to update the agreement items (issue 15 "Both").

Thin: the reads are ``assessments.selectors.hospital_results`` (scoped with ``for_user``, published only).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from assessments.selectors.hospital_results import hospital_rectifications, hospital_results
from assessments.selectors.rectifications import WAITING
from assessments.services.rectifications import may_answer_rectification
from core.permissions import is_recipient_coordinator, is_supporter_coordinator


@login_required
@require_GET
def own_results(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (is_supporter_coordinator(user) or is_recipient_coordinator(user)):
        # Commission staff have the full annual list (年度考核); this page is the hospital's view of it.
        raise PermissionDenied
    rectifications = [
        {"r": r, "can_answer": r.status in WAITING and may_answer_rectification(user, r)}
        for r in hospital_rectifications(user=user)[:200]
    ]
    return render(
        request,
        "assessments/appraisals/own_results.html",
        {"results": hospital_results(user=user), "rectifications": rectifications},
    )


urlpatterns = [path("results/own/", own_results, name="own_results")]
