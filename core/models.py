"""Models of the platform app (Django looks for them here): the jobs layer's."""

from core.jobs.models import DeferredTask

__all__ = ["DeferredTask"]
