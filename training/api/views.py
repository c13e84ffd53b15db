"""API views of training records (read-only)."""

from __future__ import annotations

from core.api.base import ScopedReadOnlyViewSet
from training import filtersets as fs
from training.api import serializers as s
from training.models import OnSiteTraining, RemoteService, TraineeStint


class TraineeStintViewSet(ScopedReadOnlyViewSet):
    model = TraineeStint
    serializer_class = s.TraineeStintSerializer
    filterset_class = fs.TraineeStintFilterSet
    ordering_fields = ["pk", "start_date", "updated_at"]


class OnSiteTrainingViewSet(ScopedReadOnlyViewSet):
    model = OnSiteTraining
    serializer_class = s.OnSiteTrainingSerializer
    filterset_class = fs.OnSiteTrainingFilterSet
    ordering_fields = ["pk", "date", "updated_at"]


class RemoteServiceViewSet(ScopedReadOnlyViewSet):
    model = RemoteService
    serializer_class = s.RemoteServiceSerializer
    filterset_class = fs.RemoteServiceFilterSet
    ordering_fields = ["pk", "month", "updated_at"]
