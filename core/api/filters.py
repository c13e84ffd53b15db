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

A choice filter's lookup (``?program=7``: the scoped queryset's ``get(pk="7")``, one query and the ORM
building it) is kept per process for a dashboard token's request, keyed by the filter, the user's
``scope_key``, the value and the data generation the token check read (``_KeptLookup``): it was a third of
a computed findings page's Python (issue 18). The queryset callables of our choice filters read the request
only through ``for_user(request.user)`` (``pairings.filtersets.scoped``), which reads nothing of a user but
its ``scope_key`` (tests/api/test_filter_backend.py holds every API filter to it), and every committed
business write moves the generation on, so the kept object is the one the query would find.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from typing import Any

from django.forms import ModelChoiceField
from django_filters import utils
from django_filters.filters import ModelChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend

from core import data_changes
from core.access import scope_key

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
        generation = getattr(request.auth, "data_generation", None)
        if isinstance(generation, int) and not data_changes.dirty():
            _keep_lookups(filterset, request, generation)
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


# Per (FilterSet, filter, scope key, data generation, lookup): the object the filter's scoped queryset found
# for the value, or None when it found none. Bounded: cleared when full.
_LOOKUPS: dict[tuple[Any, ...], Any] = {}
_LOOKUPS_KEPT = 2048
_MISSING = object()


class _KeptLookup:
    """A choice field's queryset whose ``get(pk=…)`` is answered from ``_LOOKUPS`` (see the module)."""

    _lookup_key: tuple[Any, ...] = ()

    def get(self, *args: Any, **kwargs: Any) -> Any:
        try:
            key = (*self._lookup_key, tuple((k, type(v), v) for k, v in sorted(kwargs.items())))
            hit = _MISSING if args else _LOOKUPS.get(key, _MISSING)
        except TypeError:  # a value without a hash
            return super().get(*args, **kwargs)  # type: ignore[misc]
        if hit is _MISSING:
            try:
                hit = super().get(*args, **kwargs)  # type: ignore[misc]
            except self.model.DoesNotExist:  # type: ignore[attr-defined]
                hit = None
            if not args:
                if len(_LOOKUPS) >= _LOOKUPS_KEPT:
                    _LOOKUPS.clear()  # a bound, not a policy
                _LOOKUPS[key] = hit
        if hit is None:
            raise self.model.DoesNotExist  # type: ignore[attr-defined]  # the field's "not a valid choice"
        return copy.copy(hit)  # the request's own instance, as the query would give


_KEPT_CLASSES: dict[type[Any], type[Any]] = {}


def _keep_lookups(filterset: Any, request: Any, generation: int) -> None:
    """The named choice filters of ``filterset`` look their value up through ``_LOOKUPS``."""
    fields = None
    for name, flt in filterset.filters.items():
        if type(flt) is not ModelChoiceFilter or name not in request.query_params:
            continue
        if fields is None:
            fields = filterset.form.fields
        field = fields.get(name)
        queryset = getattr(field, "queryset", None) if isinstance(field, ModelChoiceField) else None
        if queryset is None:
            continue
        cls = type(queryset)
        kept = _KEPT_CLASSES.get(cls)
        if kept is None:
            kept = _KEPT_CLASSES[cls] = type(f"Kept{cls.__name__}", (_KeptLookup, cls), {})
        queryset.__class__ = kept  # the field's own clone (ModelChoiceField copies it per form)
        queryset._lookup_key = (type(filterset), name, scope_key(request.user), generation)
