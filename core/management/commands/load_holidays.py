from typing import Any

from django.core.management.base import BaseCommand

from core.holidays import holidays_load


class Command(BaseCommand):
    help = "Reload China's public holidays and adjusted working weekends (调休) from chinese-calendar."

    def handle(self, *args: Any, **options: Any) -> None:
        n, last = holidays_load()
        self.stdout.write(f"{n} days loaded; the national calendar knows years up to {last}.")
