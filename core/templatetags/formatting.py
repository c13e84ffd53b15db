"""``{% load formatting %}``: numbers as Chinese users expect them in statistics (12,345).

Django's zh-hans locale groups digits with no separator, so ``intcomma`` prints 12345 there; official
statistics and the policy documents write 12,345, in either language.
"""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def thousands(value: object) -> str:
    """12345 → "12,345"; 1234.5 → "1,234.5"; anything that is not a number is returned unchanged."""
    if isinstance(value, bool) or value is None or value == "":
        return "" if value in (None, "") else str(value)
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,}"
