"""Objects named by the request: a key that cannot be a key is "not found", like a missing row.

``get_object_or_404(qs, pk=request.POST.get("program"))`` answered 500 for ``abc`` or an empty string
(the database adapter refuses to compare an integer column with text). Views pass request-supplied keys
through :func:`get_by_pk_or_404` instead of converting them one by one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

M = TypeVar("M", bound=Model)


def get_by_pk_or_404(queryset: QuerySet[M] | type[M], pk: Any, **filters: Any) -> M:
    """``get_object_or_404(queryset, pk=pk, **filters)`` for a ``pk`` taken from the URL, query or form."""
    model = queryset if isinstance(queryset, type) else queryset.model
    try:
        key = model._meta.pk.to_python(pk)
    except ValidationError as exc:
        raise Http404 from exc
    if key in (None, ""):
        raise Http404
    return get_object_or_404(queryset, pk=key, **filters)
