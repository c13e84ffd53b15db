"""Operational models of the security/reliability area: the users' audit trail and deferred Celery jobs.

Imported at the end of ``pairings/models.py`` so Django registers them with the pairings app.
"""

from __future__ import annotations

import pghistory
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

User = get_user_model()

# Django's own User is tracked like our audited models: who changed a user's name, rights or activity,
# and when their password changed, by database triggers (bulk updates included). The password hash and
# the last_login timestamp are not copied into the history: one is a secret, the other changes on every login.
pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    pghistory.UpdateEvent("password_change", condition=pghistory.AnyChange("password")),
    exclude=["password", "last_login"],
    model_name="UserEvent",
    app_label="pairings",
    obj_field=pghistory.ObjForeignKey(db_constraint=False, related_name="+"),
)(User)
# pgtrigger would put these triggers into the *auth* app's migration state (makemigrations would then
# want a migration inside Django itself). They stay registered, and our migration
# 0002_security_user_events_deferred_tasks installs them.
User._meta.triggers = []  # type: ignore[attr-defined]
User._meta.original_attrs.pop("triggers", None)


class DeferredTask(models.Model):
    """A Celery job the broker could not take (Redis down); ``requeue_deferred_tasks`` resends it.

    Tasks are idempotent, so a job resent after it also got through by other means does no harm.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("延迟的后台任务 (deferred task)")
        verbose_name_plural = verbose_name
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"
