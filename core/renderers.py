"""The project's form renderer: Django's templates, except a ``<select>`` built in Python.

Django renders a select through ``select.html``, which includes ``select_option.html`` and ``attrs.html``
per option: about a millisecond an option. The pairing list's filter form lists every visible hospital,
city and county (over a thousand options at provincial scale), and its render took most of the page's
half second. ``render_select`` writes the same bytes as those templates (with the project's override of
``select_option.html``: the empty choice reads 「请选择」) — a test compares the two on every kind of option.
A widget whose options use another template falls back to the templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.translation import gettext

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# Django's empty label, which the project's select_option.html shows as 「请选择」.
DJANGO_EMPTY_LABEL = "---------"


def _attrs(attrs: Mapping[str, Any]) -> str:
    # attrs.html: ` name` for True, nothing for False, else ` name="value"` (stringformat:'s', escaped
    # unless the value is already safe).
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            shown = value if hasattr(value, "__html__") else str(value)
            parts.append(f' {conditional_escape(name)}="{conditional_escape(shown)}"')
    return "".join(parts)


def render_select(widget: Mapping[str, Any]) -> str | None:
    """The HTML of ``select.html`` for ``widget`` (a widget's template context), or None when an option
    uses another template than ``select_option.html`` (the caller then renders the templates)."""
    context = Context(autoescape=True)
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{render_value_in_context(group_name, context)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION_TEMPLATE:
                return None
            value = option["value"]
            shown = value if hasattr(value, "__html__") else str(value)
            label = option["label"]
            text = (
                conditional_escape(gettext("请选择"))
                if label == DJANGO_EMPTY_LABEL
                else render_value_in_context(label, context)
            )
            out.append(
                f'\n  <option value="{conditional_escape(shown)}"{_attrs(option["attrs"])}>{text}</option>\n'
            )  # the template file's last newline
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FormRenderer(TemplatesSetting):
    """``TemplatesSetting`` (widgets through the project's templates) with selects built in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name == SELECT_TEMPLATE and "widget" in context:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return str(super().render(template_name, context, request=request))
