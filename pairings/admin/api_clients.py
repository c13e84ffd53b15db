"""Admin of dashboard API clients: create (token shown once), list, revoke. Imported by pairings/admin.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_base import ScopedAdmin
from pairings.models import ApiClient
from pairings.services.api_clients import api_client_create, api_client_revoke


class ApiClientAddForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ApiClient
        fields = ["name", "province", "city"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].required = False
        self.fields["province"].help_text = _("省级看板选省份；市州看板只选市州")


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdmin):
    list_display = [
        "name",
        "prefix",
        "province",
        "city",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["province"]
    search_fields = ["name", "prefix"]
    list_select_related = ["province", "city", "created_by"]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiClientAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return [
            "name",
            "province",
            "city",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "province", "city"]
        return self.get_readonly_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        city = data.get("city")
        client, token = api_client_create(
            user=request.user, name=data["name"], province=None if city else data.get("province"), city=city
        )
        obj.__dict__.update({k: v for k, v in client.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
        messages.warning(request, _("令牌只显示这一次，请立即保存：%(token)s") % {"token": token})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the record of who had access stays

    @admin.action(description=_("吊销所选客户端"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset.filter(revoked_at__isnull=True):
            api_client_revoke(user=request.user, client=client)
