"""Test-only URLs: the project's, plus a page that starts a background job (stands in for imports)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from core.tasks import enqueue_on_commit, notify_if_delayed

# Set by the test: the task to start (bound to the Redis the test controls).
JOB_TASK: dict[str, Any] = {}


@login_required
def start_job(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        ticket = enqueue_on_commit(JOB_TASK["task"], "job-from-web", 1, 0)
    notify_if_delayed(request, ticket)
    return redirect("home")


urlpatterns = [*project_urlpatterns, path("faults/start-job/", start_job, name="faults_start_job")]
