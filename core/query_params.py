"""The query parameters an API answer depends on, so the answer cache keys on those and nothing else.

Why: the answer cache (``core/api/cache.py``) used to key on the whole URL, so ``?junk=1``, ``?junk=2``, …
each stored a new copy of the same answer and a client could fill Redis at will. A view's answer depends
only on the parameters its filters, ordering, search, pagination and format read (plus any it declares in
``cache_query_params``, e.g. the indicators' query serializer); every other parameter is ignored by the view
anyway. So the key is built from the known ones, and unknown ones are dropped from the request before the
answer is computed — the answer stored is exactly the one computed without them (its pagination links
included), and ``?junk=N`` adds no key.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.settings import api_settings

_PAGINATION_PARAMS = (
    "cursor_query_param",
    "page_query_param",
    "page_size_query_param",
    "limit_query_param",
    "offset_query_param",
)


@functools.lru_cache(maxsize=256)
def _filterset_params(filterset_class: type[Any]) -> frozenset[str]:
    """The parameters a FilterSet reads: a range filter's widget reads ``name_min`` / ``name_after`` etc."""
    names: set[str] = set()
    for name, flt in filterset_class.base_filters.items():
        # From the classes only: building ``flt.field`` here would cache a form field (and a queryset
        # scoped to no request) on the shared base filter.
        widget = flt.extra.get("widget") or getattr(flt.field_class, "widget", None)
        suffixes = getattr(widget, "suffixes", None)
        if suffixes:
            names.update(f"{name}_{suffix}" if suffix else name for suffix in suffixes)
        else:
            names.add(name)
    return frozenset(names)


def known_query_params(view: Any) -> frozenset[str]:
    """Every query parameter ``view`` reads (None: only the format override)."""
    names: set[str] = set()
    if api_settings.URL_FORMAT_OVERRIDE:
        names.add(api_settings.URL_FORMAT_OVERRIDE)
    if view is None:
        return frozenset(names)
    for backend in getattr(view, "filter_backends", None) or ():
        if issubclass(backend, DjangoFilterBackend):
            filterset_class = getattr(view, "filterset_class", None)
            if filterset_class is not None:
                names |= _filterset_params(filterset_class)
        elif issubclass(backend, OrderingFilter):
            names.add(backend.ordering_param)
        elif issubclass(backend, SearchFilter):
            names.add(backend.search_param)
    paginator = getattr(view, "paginator", None)
    if paginator is not None:
        names.update(v for attr in _PAGINATION_PARAMS if (v := getattr(paginator, attr, None)))
    names.update(getattr(view, "cache_query_params", ()))
    return frozenset(names)


def canonical_query(query: QueryDict, known: Iterable[str]) -> str:
    """The known parameters in a stable order (all values of each, in the order given)."""
    keep = QueryDict(mutable=True)
    for name in sorted(set(known) & set(query.keys())):
        keep.setlist(name, query.getlist(name))
    return keep.urlencode()


def drop_unknown_params(request: HttpRequest, known: frozenset[str]) -> bool:
    """Remove unknown parameters from ``request`` (GET and QUERY_STRING alike); True when any was removed."""
    unknown = [name for name in request.GET if name not in known]
    if not unknown:
        return False
    query = request.GET.copy()
    for name in unknown:
        del query[name]
    query._mutable = False
    # django-stubs types GET as an immutable QueryDict; this one is, from the line above.
    request.GET = query  # type: ignore[assignment]
    request.META["QUERY_STRING"] = query.urlencode()
    return True
