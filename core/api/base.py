"""Shared pieces of every app's API: scoped read-only viewsets, cursor pagination, list ETags, masking.

Every queryset starts from ``Model.objects.for_user(request.user)``, so a foreign object is a 404 and a
list never shows another organisation's rows. Lists are answered from the shared answer cache while the
data is unchanged (``cache.py``) and carry a weak ETag over the page, so a dashboard polling with
``If-None-Match`` gets 304 when nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core import privacy
from core.api.cache import cached_answer, with_etag


class ETagListMixin:
    """``list`` answers 304 Not Modified when If-None-Match holds the page's current ETag (never cached:
    for lists of bookkeeping rows that change without moving the data generation, e.g. API clients)."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        return with_etag(request, response)


class CachedListMixin:
    """``list`` answers from the shared answer cache (``core.api.cache``), with ETag / 304."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        view: Any = self
        return cached_answer(
            request,
            lambda: super(CachedListMixin, view).list(request, *args, **kwargs),  # type: ignore[misc]
            view.get_renderer_context(),
        )


# DRF's own rendering of a datetime (ISO 8601 in the request's time zone, "Z" for UTC): plain rows use the
# very same code as the serializers, so the bytes cannot differ.
_DATETIME = serializers.DateTimeField()


def plain_date(value: dt.date | None) -> str | None:
    """A date as ``serializers.DateField`` renders it."""
    return value.isoformat() if value else None


def plain_datetime(value: dt.datetime | None) -> str | None:
    """A datetime as ``serializers.DateTimeField`` renders it."""
    return _DATETIME.to_representation(value) if value else None


def datetime_renderer() -> Callable[[dt.datetime | None], str | None]:
    """``plain_datetime`` for the rows of one page: the request's time zone looked up once, not per value.

    Why: DRF's field looks the active time zone up (a context-local read) and its settings for every value;
    on a page of 100 rows with several timestamps that was a visible share of a computed answer (issue 18).
    Aware datetimes — all of ours, USE_TZ — take the same steps as ``DateTimeField.to_representation``
    (``astimezone``, ISO 8601, ``+00:00`` as ``Z``); anything else goes through the field itself.
    """
    if not settings.USE_TZ or str(api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return plain_datetime
    zone = timezone.get_current_timezone()

    def render(value: dt.datetime | None) -> str | None:
        if not value:
            return None
        if value.utcoffset() is None:
            return plain_datetime(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return plain_datetime(value)  # the field's own error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


class PlainListMixin:
    """The list of a hot endpoint from ``values()`` rows, shaped into the serializer's JSON by the view.

    Why: on the lists dashboards read most, building model instances and running DRF's serializer fields
    cost most of an answer computed without the cache (issue 18). A view that names ``plain_values`` (the
    columns) and implements ``plain_page`` (the rows of one page → the serializer's dicts, same keys in the
    same order, values rendered as its fields render them) answers its list from plain rows. The filters,
    ordering, cursor pagination and scoping are the same code on the same queryset; the serializer stays
    for details, writes and the schema. tests/api/test_plain_lists.py holds each such view to the
    serializer's bytes for every role; ``API_PLAIN_LISTS = False`` switches back to the serializer.
    """

    plain_values: ClassVar[tuple[str, ...]] = ()

    def plain_page(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        if not self.plain_values or not getattr(settings, "API_PLAIN_LISTS", True):
            return super().list(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
        # The cursor reads each row's ordering column, so every orderable one is fetched too.
        columns = [*self.plain_values, *(f for f in view.ordering_fields if f not in self.plain_values)]
        queryset = view.filter_queryset(view.get_queryset()).prefetch_related(None).values(*columns)
        page = view.paginate_queryset(queryset)
        if page is None:
            return Response(self.plain_page(list(queryset)))
        return view.get_paginated_response(self.plain_page(page))  # type: ignore[no-any-return]


class ScopedReadOnlyViewSet(  # type: ignore[misc]  # CachedListMixin.list wraps ListModelMixin.list
    CachedListMixin,
    PlainListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Any],
):
    """List and detail of one model scoped by ``for_user``; subclasses name the joins to load."""

    model: ClassVar[Any]
    # Ids are integers: anything else is a 404 at the URL, never a database error.
    lookup_value_regex = r"\d+"
    select: ClassVar[tuple[str, ...]] = ()
    prefetch: ClassVar[tuple[Any, ...]] = ()
    ordering_fields: ClassVar[list[str]] = ["pk"]

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.model.objects.for_user(self.request.user)
        if self.select:
            qs = qs.select_related(*self.select)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return qs  # type: ignore[no-any-return]


def can_see_personal_data(context: Mapping[str, Any], *, employer_id: int | None = None) -> bool:
    """The serializer context's user may see full national IDs / phones (one rule: ``core.privacy``)."""
    request = context.get("request")
    return request is not None and privacy.can_see_personal_data(request.user, employer_id=employer_id)


@extend_schema_field(OpenApiTypes.STR)
class PersonalDataField(serializers.Field[str, str, str, Any]):
    """A national ID or phone number: in full for those who may see it, else masked (SPEC §6)."""

    def __init__(self, *, keep_start: int, keep_end: int, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        self.keep_start = keep_start
        self.keep_end = keep_end
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        # The row's employer decides too: a co-supporter's member sees the shared team, masked.
        value = super().get_attribute(instance)
        return None if value is None else (getattr(instance, "employer_id", None), value)

    def to_representation(self, value: Any) -> str:
        employer_id, value = value
        if can_see_personal_data(self.context, employer_id=employer_id):
            return value or ""
        return privacy.mask(value, keep_start=self.keep_start, keep_end=self.keep_end)


def national_id_field(**kwargs: Any) -> PersonalDataField:
    return PersonalDataField(keep_start=6, keep_end=4, **kwargs)


def phone_field(**kwargs: Any) -> PersonalDataField:
    return PersonalDataField(keep_start=3, keep_end=4, **kwargs)
