"""The API's JSON renderer writes plain lists' pages with orjson: the same bytes as DRF's (issue 18).

tests/api/test_plain_lists.py compares whole answers (plain rows through this renderer against the
serializer through DRF's) for every role; here, the values where two JSON encoders could differ.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest
from rest_framework import renderers

from assessments.api.views import FindingViewSet
from core.api.base import Computed, serializer_plan
from core.api.renderers import JSONRenderer, PlainJSON
from pairings.api.views import PairingViewSet
from teams.api.serializers import DeploymentSerializer
from teams.api.views import DeploymentViewSet
from teams.models import Deployment

# Every character JSON escapes or might: the controls, quote, backslash, slash, DEL, the JavaScript line
# separators DRF escapes itself, Chinese text, a byte-order mark and a character beyond the BMP.
TEXT = "".join(chr(i) for i in range(0x80)) + "\u2028\u2029中文 \u00a0\ufeff\U0001f600"
VALUES: list[Any] = [
    TEXT,
    "",
    0,
    -(2**63),
    2**64 - 1,
    True,
    False,
    None,
    [],
    {},
    {'键\n"': [TEXT, {"nested": [1, None, "/"]}]},
]


def _drf(data: Any) -> bytes:
    return renderers.JSONRenderer().render(data)


@pytest.mark.parametrize("value", VALUES)
def test_plain_pages_render_drfs_bytes(value: Any) -> None:
    data = PlainJSON({"next": None, "results": [{"value": value, "text": TEXT}]})
    assert JSONRenderer().render(data) == _drf(dict(data))


@pytest.mark.parametrize(
    "value",
    [2**64, dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), dt.date(2024, 1, 2), decimal.Decimal("1.5")],
)
def test_a_value_orjson_would_write_differently_is_left_to_drf(value: Any) -> None:
    data = PlainJSON({"results": [{"value": value}]})
    assert JSONRenderer().render(data) == _drf(dict(data))
    # a key that is not a string, too
    assert JSONRenderer().render(PlainJSON({1: "a"})) == _drf({1: "a"})  # type: ignore[dict-item]


def test_other_data_and_indented_answers_are_drfs() -> None:
    data = {"results": [{"value": 1e16, "small": 1e-7}]}
    assert JSONRenderer().render(data) == _drf(data) == b'{"results":[{"value":1e+16,"small":1e-07}]}'
    indented = PlainJSON({"results": [1]})
    assert JSONRenderer().render(indented, "application/json; indent=2") == _drf_indented(indented)


def _drf_indented(data: Any) -> bytes:
    return renderers.JSONRenderer().render(dict(data), "application/json; indent=2")


def test_only_lists_that_cannot_hold_a_float_are_plain_json() -> None:
    # deployments and pairings: ids, text, dates, flags; findings: JSON evidence may hold a rate
    assert DeploymentViewSet().plain_plan().float_free
    assert PairingViewSet().plain_plan().float_free
    assert not FindingViewSet().plain_plan().float_free
    # a computed field not marked float_free makes the plan unsafe
    assert not serializer_plan(
        DeploymentSerializer(), Deployment, computed={"start": Computed(), "end": Computed()}
    ).float_free
