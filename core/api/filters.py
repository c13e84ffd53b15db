"""The API's filter backend: a view's FilterSet with only the filters the request's parameters name.

Why: django-filter deep-copies every filter of the FilterSet and builds a form class with a field per
filter on every request — the scoped choice filters (``scoped(City)``, ``scoped(Hospital)``) each build a
``for_user`` queryset for their field — although a filter whose parameter is absent filters nothing. On
the deployments list (``?year=2023``: one parameter, nine filters) that was the largest share of a
computed answer's Python after the rows (issue 18).

A filter whose parameter is absent is a no-op in django-filter: its field cleans to an empty value and
``Filter.filter`` (and a ``method=`` filter) returns the queryset unchanged. So the answer, and a bad
value's 400 (the form's error for that field), are the same with the absent filters left out. A filter
that is ``required`` is always kept (its absence is the 400). A filter is kept when a parameter is its
name or starts with its name and "_" (a range widget reads ``name_min`` / ``name_after``, a multi-widget
``name_0``): keeping one too many changes nothing, leaving one out would. The browsable API's filter form
(``to_html``) and the OpenAPI schema still see the whole FilterSet.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend

# Distinct (FilterSet, filters present) pairs kept; beyond this a narrowed class is built per request.
_CACHED_NARROWINGS = 512


def narrowed(filterset_class: Any, present: Iterable[str]) -> Any:
    """``filterset_class`` reduced to the filters that read one of the ``present`` parameters (or are
    required); the class itself when that is all of them."""
    keys = tuple(present)
    kept = tuple(
        name
        for name, flt in filterset_class.base_filters.items()
        if flt.extra.get("required") or any(k == name or k.startswith(name + "_") for k in keys)
    )
    if len(kept) == len(filterset_class.base_filters):
        return filterset_class
    return _subclass(filterset_class, kept)


@functools.lru_cache(maxsize=_CACHED_NARROWINGS)
def _subclass(filterset_class: Any, kept: tuple[str, ...]) -> type[Any]:
    # The metaclass gathers the parent's filters; only the kept ones stay, in the parent's order (the
    # order ``filter_queryset`` applies them and the form lists its errors in).
    lean: type[Any] = type(
        filterset_class.__name__, (filterset_class,), {"__module__": filterset_class.__module__}
    )
    lean.base_filters = {name: filterset_class.base_filters[name] for name in kept}
    return lean


class PresentFiltersBackend(DjangoFilterBackend):  # type: ignore[misc]  # django-filter is untyped
    """``DjangoFilterBackend`` filtering with only the filters the request names (see the module)."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        lean = narrowed(filterset_class, request.query_params.keys())
        filterset = lean(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs
