"""URLs of the assessments app; each area appends its own patterns module here."""

import importlib
import pkgutil

from django.urls import URLPattern, URLResolver

from assessments import views

app_name = "assessments"
urlpatterns: list[URLPattern | URLResolver] = []

# Each views submodule may define `urlpatterns`; gathering them here keeps areas in separate files.
for _mod in pkgutil.iter_modules(views.__path__):
    _module = importlib.import_module(f"{views.__name__}.{_mod.name}")
    urlpatterns += getattr(_module, "urlpatterns", [])
