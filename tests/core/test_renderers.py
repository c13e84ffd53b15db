"""The project's form renderer writes a select's bytes exactly as Django's templates do."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.test import override_settings
from django.utils import translation
from django.utils.safestring import mark_safe

from core.renderers import FormRenderer, render_select
from pairings.models import City

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---------"), ("a", "甲 & <乙>"), (3, 3)], required=False)
    grouped = forms.ChoiceField(
        choices=[
            ("", "---------"),
            ("东部", [("x", "X"), ("y", 'Y "quoted"')]),
            ("z", mark_safe("<b>z</b>")),
        ],
        required=False,
        widget=forms.Select(attrs={"class": "form-select", "data-x": "1 < 2", "hx-get": "/a?b=1&c=2"}),
    )
    many = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二"), (3, "三")], required=False)
    day = forms.ChoiceField(choices=[(dt.date(2024, 5, 1).isoformat(), dt.date(2024, 5, 1))], required=False)
    flag = forms.NullBooleanField(required=False)
    city = forms.ModelChoiceField(queryset=City.objects.order_by("pk"), required=False)


def _both(form: forms.Form) -> list[tuple[str, str]]:
    fast, slow = FormRenderer(), TemplatesSetting()
    pairs = []
    for bound in form:
        widget = bound.field.widget
        context = widget.get_context(bound.html_name, bound.value(), bound.build_widget_attrs({}))
        pairs.append(
            (fast.render(widget.template_name, context), slow.render(widget.template_name, context).strip())
        )
    return pairs


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "a", "grouped": "y", "many": ["1", "3"], "flag": "true"},
        {"plain": "3", "grouped": "z", "flag": "false"},
    ],
)
def test_selects_are_byte_identical_to_the_templates(data: dict[str, object], language: str) -> None:
    from devtools import factories as f

    f.CityFactory(name="兰州 & <市>")
    f.CityFactory()
    with translation.override(language):
        pairs = _both(_Form(data=data or None))
    assert len(pairs) == 6
    for fast, slow in pairs:
        assert fast == slow
    # The empty choice reads 「请选择」 (English: its translation), never Django's dashes.
    assert "---------" not in pairs[0][0]
    assert ("请选择" if language == "zh-hans" else "Choose") in pairs[0][0]
    assert "&lt;乙&gt;" in pairs[0][0] and "<b>z</b>" in pairs[1][0]


def test_an_option_with_another_template_falls_back_to_the_templates() -> None:
    widget = forms.Select(choices=[("a", "A")])
    context = widget.get_context("n", "a", {})
    context["widget"]["optgroups"][0][1][0]["template_name"] = "django/forms/widgets/attrs.html"
    assert render_select(context["widget"]) is None
    with override_settings(FORM_RENDERER="core.renderers.FormRenderer"):
        html = FormRenderer().render(widget.template_name, context)
    assert html.startswith('<select name="n">') and "<option" not in html


def test_the_settings_use_the_project_renderer() -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
    rendered = str(forms.Select(choices=[("", "---------"), ("a", "A")]).render("n", "a"))
    assert rendered.startswith('<select name="n">') and '<option value="">请选择</option>' in rendered
    assert '<option value="a" selected>A</option>' in rendered
