from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reminders"
    verbose_name = _("截止提醒")

    def ready(self) -> None:
        # App loading: the handler's module imports models, which exist only once the registry is ready.
        from core import events
        from reminders.services.notices import handle_notice

        # Lower layers announce what happened (a roster returned, a finding opened); we tell the people.
        events.on_notice(handle_notice)
