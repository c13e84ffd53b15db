from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"
    verbose_name = _("帮扶队与人员")

    def ready(self) -> None:
        from teams.imports import register_imports  # app loading: the models must be ready first

        register_imports()
