"""``manage.py demo_logins``: the demo users with their role, organisation and password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from devtools.demo.users import DEMO_USERNAMES, demo_password, organisation_label
from pairings.models import Membership


class Command(BaseCommand):
    help = "Print the demo users (username / role / organisation / password)."

    def handle(self, *args: Any, **opts: Any) -> None:

        users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
        if not users:
            self.stdout.write("no demo users: run `manage.py seed_demo` first")
            return
        memberships = {
            m.user_id: m
            for m in Membership.objects.select_related("province", "city", "county", "hospital").filter(
                user__in=users.values()
            )
        }
        password = demo_password()
        rows = [("username", "role", "organisation", "password")]
        for name in DEMO_USERNAMES:
            user = users.get(name)
            if user is None:
                continue
            m = memberships.get(user.pk)
            role = m.get_role_display() if m else ("superuser" if user.is_superuser else "-")
            rows.append((name, str(role), organisation_label(m), password))
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
