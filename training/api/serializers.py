"""Serializers of trainee stints, on-site training sessions and remote services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.base import national_id_field
from training.models import OnSiteTraining, RemoteService, TraineeStint


class TraineeStintSerializer(serializers.ModelSerializer[TraineeStint]):
    trainee_national_id = national_id_field()

    class Meta:
        model = TraineeStint
        fields = [
            "id",
            "pairing",
            "host",
            "trainee_name",
            "trainee_national_id",
            "department",
            "specialty",
            "kind",
            "start_date",
            "end_date",
            "is_free",
            "completed",
            "status",
            "decline_reason",
            "updated_at",
        ]


class StintRecordSerializer(serializers.Serializer[Any]):
    """The host's record of an accepted stint (PATCH): actual dates, completion, whether free."""

    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    completed = serializers.BooleanField(required=False)
    is_free = serializers.BooleanField(required=False)


class StintDeclineSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)


class OnSiteTrainingSerializer(serializers.ModelSerializer[OnSiteTraining]):
    class Meta:
        model = OnSiteTraining
        fields = ["id", "pairing", "date", "topic", "trainer", "attendees", "hours", "updated_at"]


class RemoteServiceSerializer(serializers.ModelSerializer[RemoteService]):
    class Meta:
        model = RemoteService
        fields = ["id", "pairing", "supporter", "month", "kind", "count", "updated_at"]
