from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台"
    default_auto_field = "django.db.models.BigAutoField"
