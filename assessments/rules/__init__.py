"""The rule engine (SPEC §3): one module per rule family, each rule registered by code in ``base.REGISTRY``.

Import ``all_rules``/``get_rule`` from ``base``; they load every family module first.
"""

from __future__ import annotations

import importlib

FAMILIES = (
    "team",
    "staff",
    "designation",
    "stay",
    "roster",
    "agreement",
    "training",
    "visits",
    "appraisal",
    "capacity",
    "grade",
)


def load_all() -> None:
    for name in FAMILIES:
        importlib.import_module(f"{__name__}.{name}")
