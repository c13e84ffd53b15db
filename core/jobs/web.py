"""What the pages say about a job they just started."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.jobs.models import Job

DELAYED_MESSAGE = _("后台队列暂时不可用：任务已保存，不会丢失，队列恢复后将自动开始。")


def job_started_message(request: HttpRequest, job: Job) -> bool:
    """Warn the user when the job could not be handed to the queue now (``job.delayed``); True if so.

    Call it after the service that started the job returned (its transaction committed, so the send was
    tried)."""
    if job.delayed:
        messages.warning(request, DELAYED_MESSAGE)
        return True
    return False
