"""/api/v1/deadlines/ (the caller's scoped deadlines with status) and /api/v1/notifications/ (the inbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import User
from reminders.api.serializers import DeadlineQuerySerializer, DeadlineSerializer, NotificationSerializer
from reminders.models import Notification
from reminders.selectors.deadlines import deadlines_for
from reminders.selectors.notifications import inbox_for
from reminders.services.inbox import notification_mark_read, notifications_mark_all_read


class DeadlineViewSet(viewsets.ViewSet):
    """The caller's deadlines (scoped like every list), due between ``start`` and ``end`` (default: 60 days
    back to 90 ahead), with status done / due_soon / overdue / upcoming."""

    serializer_class = DeadlineSerializer

    @extend_schema(
        parameters=[DeadlineQuerySerializer],
        responses=DeadlineSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        today = timezone.localdate()
        start = data.get("start") or today - dt.timedelta(days=60)
        end = data.get("end") or max(start, today) + dt.timedelta(days=90)
        items = deadlines_for(
            request.user,
            first=start,
            last=end,
            today=today,
            kinds=[data["kind"]] if data.get("kind") else None,
            statuses=[data["status"]] if data.get("status") else None,
        )
        return Response(DeadlineSerializer(items, many=True).data)


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's inbox, newest first; ``read`` marks one message read, ``read-all`` every one."""

    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Notification]:
        return inbox_for(self.request.user)

    def paginate_queryset(self, queryset: Any) -> Any:
        paginator = self.paginator
        if paginator is not None:
            paginator.ordering = "-pk"  # type: ignore[attr-defined]
        return super().paginate_queryset(queryset)

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="只看未读")],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.request.query_params.get("unread") in ("1", "true", "True"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        notification_mark_read(user=cast(User, request.user), notification=notification)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user=cast(User, request.user))})
