"""The API's default pagination (kept apart from base.py: DRF imports it while loading its generics)."""

from __future__ import annotations

from rest_framework import pagination


class Cursor(pagination.CursorPagination):
    """Cursor pagination: stable under inserts, no COUNT(*) over large tables."""

    ordering = "pk"
    page_size_query_param = "page_size"
    max_page_size = 500
