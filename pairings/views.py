"""Thin views: they read through selectors, which scope through ``for_user``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .access import get_membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = get_membership(request.user)
    context = {
        "membership": membership,
        "status_counts": selectors.pairing_status_counts(user=request.user),
        "programs": selectors.program_list(user=request.user)[:10],
    }
    return render(request, "pairings/home.html", context)


@login_required
def pairing_list(request: HttpRequest) -> HttpResponse:
    pairings = selectors.pairing_list(user=request.user)[:200]
    return render(request, "pairings/pairing_list.html", {"pairings": pairings})
