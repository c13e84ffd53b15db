"""`manage.py refresh_indicator_facts`: recompute every pairing's indicator facts now (after a deployment's
migrate, which marks them all stale, so the first dashboard request does not pay for it)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from assessments.selectors.indicator_facts import refresh_all


class Command(BaseCommand):
    help = "Recompute the facts /api/v1/indicators/ sums (every pairing)."

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.monotonic()
        n = refresh_all()
        self.stdout.write(f"{n} pairings recomputed in {time.monotonic() - started:.1f} s")
