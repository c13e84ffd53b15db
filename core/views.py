"""The audit trail of one object, for commission staff (SPEC §6). Other pages link here:
``{% url 'audit_history' app_label=... model=... pk=obj.pk %}``, or include ``includes/history.html``.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.access import is_commission, is_global
from core.audit import history_for, is_tracked


@login_required
def object_history(request: HttpRequest, app_label: str, model: str, pk: str) -> HttpResponse:
    # Same answer (404) for "no such model", "not audited", "not yours" and "not allowed to see audits":
    # the URL must not reveal which objects exist.
    if not is_commission(request.user):
        raise Http404
    try:
        model_class = apps.get_model(app_label, model)
    except LookupError as exc:
        raise Http404 from exc
    if not is_tracked(model_class):
        raise Http404
    manager = model_class._default_manager
    if hasattr(manager, "for_user"):
        queryset = manager.for_user(request.user)
    elif is_global(request.user):
        # Unscoped models (users) are for system administrators only.
        queryset = manager.all()
    else:
        raise Http404
    obj = get_object_or_404(queryset, pk=pk)
    return render(
        request,
        "pairings/object_history.html",
        {"object": obj, "opts": model_class._meta, "history": history_for(obj, viewer=request.user)},
    )
