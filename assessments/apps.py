from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("考核与评估")

    def ready(self) -> None:
        # App loading: services import models, which exist only once the registry is ready.
        from django.db.models.signals import post_migrate

        from assessments.selectors.indicator_facts import mark_all_stale
        from assessments.services.findings import request_pairing_recheck
        from core import events

        # A pairing whose data changed (a roster filed, a lead changed) is re-checked, coalesced.
        events.on_pairing_changed(request_pairing_recheck)
        # The rule presets live in code: after a deployment's migrate every pairing's facts are recomputed.
        post_migrate.connect(mark_all_stale, sender=self, dispatch_uid="assessments.indicator_facts")
