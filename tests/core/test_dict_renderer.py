"""``core.api.base.dict_renderer``: a computed answer rendered as its serializer renders it, byte for byte,
from the serializer's own fields (the indicators' plain rendering, issue 18)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from core.api.base import dict_renderer


class _Row(serializers.Serializer[Any]):
    n = serializers.IntegerField()
    day = serializers.DateField(allow_null=True)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class _Answer(serializers.Serializer[Any]):
    name = serializers.CharField()
    share = serializers.FloatField(allow_null=True)
    flag = serializers.BooleanField()
    row = _Row()
    rows = _Row(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    targets = serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=2))


def _data(**changes: Any) -> dict[str, Any]:
    row = {"n": 3, "day": dt.date(2023, 2, 1), "rate": Decimal("91.5")}
    return {
        "name": "榆中县",
        "share": 0.1234,
        "flag": 1,
        "row": row,
        "rows": [row, {"n": 0, "day": None, "rate": None}],
        "counts": {"A": 2, "B": None},
        "targets": {"in_county_visit_rate": Decimal("90"), "x": 85.5},
        **changes,
    }


@pytest.mark.parametrize(
    "changes", [{}, {"share": None, "row": None, "rows": []}, {"share": 1, "counts": {}, "name": 12}]
)
def test_a_dict_renders_as_its_serializer_renders_it(changes: dict[str, Any]) -> None:
    # given an answer of every kind of field, with None values and numbers of other types
    data = _data(**changes)
    # when it is rendered from the serializer's fields and by the serializer itself
    plain = dict_renderer(_Answer())(data)
    # then the JSON is the same bytes, keys in the same order
    assert JSONRenderer().render(plain) == JSONRenderer().render(_Answer(data).data)
    assert list(plain) == list(_Answer().fields)


def test_a_field_whose_source_is_no_key_stops_the_renderer() -> None:
    class _Dotted(serializers.Serializer[Any]):
        n = serializers.IntegerField(source="row.n")

    # a source the renderer cannot read as a key is refused, naming the field
    with pytest.raises(ImproperlyConfigured, match=r"_Dotted\.n"):
        dict_renderer(_Dotted())
