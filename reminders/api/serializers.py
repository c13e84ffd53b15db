from __future__ import annotations

from rest_framework import serializers

from core.query_params import MAX_YEAR, MIN_YEAR
from reminders.choices import DeadlineKind, DeadlineStatus
from reminders.models import Notification


class DeadlineSerializer(serializers.Serializer):
    """A computed deadline (reminders.selectors.deadlines.Deadline); read-only."""

    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=DeadlineKind.choices)
    title = serializers.CharField()
    due = serializers.DateField(help_text="截止日期（节假日顺延后）")
    set_due = serializers.DateField(help_text="规定日期")
    status = serializers.ChoiceField(choices=DeadlineStatus.choices)
    pairing_id = serializers.IntegerField()
    hospital_id = serializers.IntegerField(help_text="须办理的医院")
    url = serializers.CharField(help_text="办理页面")


class DeadlineQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=DeadlineKind.choices, required=False)
    status = serializers.ChoiceField(choices=DeadlineStatus.choices, required=False)

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        start, end = attrs.get("start"), attrs.get("end")
        # The years every other parameter accepts (core.query_params): 9999-12-31 overflows month arithmetic.
        for name in ("start", "end"):
            day = attrs.get(name)
            if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
                raise serializers.ValidationError({name: f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间。"})
        if start and end and end < start:
            raise serializers.ValidationError({"end": "end 不能早于 start。"})
        if start and end and (end - start).days > 400:
            raise serializers.ValidationError({"end": "一次最多查询 400 天。"})
        return attrs


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "item_key", "title", "body", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None
