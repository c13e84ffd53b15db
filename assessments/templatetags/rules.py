"""``{{ code|rule_title }}``: a rule's title in the reader's language, never its code (issue 15). Pages
that list findings anywhere (home, pairing page, rectifications) show the title through this one filter."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from assessments.rules.base import all_rules

register = template.Library()


@register.filter
def rule_title(code: str) -> str:
    titles = {r.code: r.title for r in all_rules()}
    return _(titles[code]) if code in titles else code
