"""The API's default pagination (kept apart from base.py: DRF imports it while loading its generics)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound


class Cursor(pagination.CursorPagination):
    """Cursor pagination: stable under inserts, no COUNT(*) over large tables.

    DRF checks that a cursor decodes but not that its position fits the ordering field: a tampered
    ``?cursor=`` (``p=abc`` for an integer key) reached the database and answered 500. The position is
    converted by the ordering field here, and a bad one is DRF's own "Invalid cursor" 404.
    """

    ordering = "pk"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        """The asked ordering, then the primary key in the same direction when the ordering does not name it.

        DRF keeps the cursor's position on the first ordering column and counts the rows of a tie it has
        already served (the offset); that count is only right if tied rows come back in the same order every
        time. ``?ordering=-planned_start`` alone left ties to the database's sort, which may differ
        between two identical requests: pages repeated or skipped rows, and one question got another
        body and ETag."""
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not {o.lstrip("-") for o in ordering} & {"pk", "id"}:
            ordering = (*ordering, "-pk" if ordering and ordering[0].startswith("-") else "pk")
        return ordering

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Any) -> Any:
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        name = self.ordering[0].lstrip("-") if self.ordering else "pk"
        opts = self._model._meta
        try:
            field = opts.pk if name == "pk" else opts.get_field(name)
        except FieldDoesNotExist:
            return cursor
        try:
            field.get_prep_value(field.to_python(cursor.position))
        except (ValidationError, ValueError, TypeError, OverflowError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if "\x00" in str(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor
