"""Celery tasks of the assessments app; each area's module is imported here so autodiscovery finds it."""

import importlib
import pkgutil

# Import every submodule (rules.py, reports.py, …) so their @shared_task functions register.
for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")
