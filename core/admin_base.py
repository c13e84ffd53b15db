"""Admin classes scope through ``for_user`` like every other interface."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest


class ScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return qs.for_user(request.user)  # type: ignore[attr-defined,no-any-return]
