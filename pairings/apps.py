from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pairings"
    verbose_name = _("登记与帮扶关系")

    def ready(self) -> None:
        # Every database connection reports committed writes, so cached API answers know when they are old.
        from core import data_changes

        data_changes.connect()
        # The pairing list on the shared import pages (app loading: the models must be ready first).
        from pairings.imports import register_imports

        register_imports()
