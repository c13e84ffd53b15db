"""Operational models of the security/reliability area: the users' audit trail (deferred Celery jobs moved
to core.jobs.models).

Imported by ``pairings/models/__init__.py`` so Django registers them with the pairings app.
"""

from __future__ import annotations

import pghistory
from django.contrib.auth import get_user_model

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
