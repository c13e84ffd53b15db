"""The API's filter backend keeps only the filters a request names (core/api/filters.py, issue 18).

A filter whose parameter is absent filters nothing, so the narrowed FilterSet must give every API list the
same rows and the same 400 as the whole FilterSet, for any mix of parameters, good values and bad ones.
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.http import QueryDict
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from assessments.api import urls as assessments_urls
from core.api.filters import PresentFiltersBackend, narrowed
from pairings.api import urls as pairings_urls
from reminders.api import urls as reminders_urls
from teams.api import urls as teams_urls
from teams.api.views import DeploymentViewSet
from teams.filtersets import DeploymentFilterSet
from teams.models import Deployment
from tests.api.conftest import populate
from training.api import urls as training_urls


class _Ranged(df.FilterSet):
    span = df.DateFromToRangeFilter(field_name="planned_start")
    size = df.NumericRangeFilter(field_name="pk")
    role = df.CharFilter()
    must = df.NumberFilter(field_name="pk", required=True)

    class Meta:
        model = Deployment
        fields: list[str] = []


def test_only_the_named_filters_are_kept() -> None:
    lean = narrowed(DeploymentFilterSet, ["year", "page_size", "cursor"])
    assert list(lean.base_filters) == ["year"]
    assert issubclass(lean, DeploymentFilterSet)
    # the same narrowing is one class, built once
    assert narrowed(DeploymentFilterSet, ["page_size", "year"]) is lean
    # no parameter: no filter; every filter named: the FilterSet itself
    assert list(narrowed(DeploymentFilterSet, []).base_filters) == []
    assert narrowed(DeploymentFilterSet, list(DeploymentFilterSet.base_filters)) is DeploymentFilterSet
    # the shared FilterSet (and so the UI's filter forms) keeps all of them
    assert "city" in DeploymentFilterSet.base_filters


def test_a_range_parameter_keeps_its_filter_and_a_required_one_is_always_kept() -> None:
    assert list(narrowed(_Ranged, ["span_after"]).base_filters) == ["span", "must"]
    assert list(narrowed(_Ranged, ["size_max", "role"]).base_filters) == ["size", "role", "must"]
    # a required filter left out would turn its 400 into an answer
    lean = narrowed(_Ranged, [])(QueryDict(""), Deployment.objects.all())
    assert not lean.is_valid()
    assert list(lean.errors) == ["must"]


def _api_filtersets() -> list[type[Any]]:
    """Every FilterSet an API viewset filters with."""
    found: list[type[Any]] = []
    for routes in (pairings_urls, teams_urls, training_urls, assessments_urls, reminders_urls):
        for _prefix, viewset, _basename in routes.router.registry:
            filterset_class = getattr(viewset, "filterset_class", None)
            if filterset_class is not None and filterset_class not in found:
                found.append(filterset_class)
    return found


VALUES = ["1", "abc", "2023-03-01", "true", "2023-01-01T00:00:00Z", "²", ""]


def test_narrowed_filtersets_give_the_whole_filtersets_rows_and_errors(co_world: Any) -> None:
    # given rows of every endpoint in two pairings and the province's staff
    populate(co_world.pairing_a)
    populate(co_world.pairing_b)
    user = co_world.users["province"]
    filtersets = _api_filtersets()
    assert len(filtersets) > 20
    compared = 0
    for filterset_class in filtersets:
        names = list(filterset_class.base_filters)
        queries = [{name: value} for name in names for value in VALUES]
        queries += [{a: "1", b: "abc"} for a, b in zip(names, names[1:], strict=False)]
        queries += [{"page_size": "1"}, {name: "1" for name in names}]
        for query in queries:
            data = QueryDict(mutable=True)
            data.update(query)
            request = Request(APIRequestFactory().get("/", query))
            request.user = user
            queryset = filterset_class._meta.model.objects.for_user(user)
            # when the whole FilterSet and the narrowed one filter the same request
            whole = filterset_class(data, queryset, request=request)
            lean = narrowed(filterset_class, data.keys())(data, queryset, request=request)
            # then both accept or refuse it, with the same errors, and keep the same rows
            assert whole.is_valid() == lean.is_valid(), (filterset_class.__name__, query)
            assert whole.errors == lean.errors, (filterset_class.__name__, query)
            if whole.is_valid():
                assert list(whole.qs.order_by("pk").values_list("pk", flat=True)) == list(
                    lean.qs.order_by("pk").values_list("pk", flat=True)
                ), (filterset_class.__name__, query)
            compared += 1
    assert compared > 500


def test_the_browsable_api_form_still_lists_every_filter(co_world: Any) -> None:
    # given the deployments list's view, asked in HTML with one filter
    request = Request(APIRequestFactory().get("/api/v1/deployments/", {"year": "2023"}))
    request.user = co_world.users["province"]
    view = DeploymentViewSet(request=request, format_kwarg=None, action="list")
    # when the filter form is rendered
    html = PresentFiltersBackend().to_html(request, Deployment.objects.for_user(request.user), view)
    # then it offers every filter of the FilterSet, not only the one named
    assert html is not None
    for name in ("year", "city", "supporter", "on_date", "updated_since"):
        assert f'name="{name}"' in html
