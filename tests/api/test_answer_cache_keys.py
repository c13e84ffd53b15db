"""Issue 13 item 6: the answer cache keys only on the parameters a view reads, so junk cannot fill Redis."""

from __future__ import annotations

from typing import Any

import django_filters
import pytest
from django.core.cache import cache
from django.urls import reverse

from assessments.api.views import IndicatorsView
from config.settings.base import _next_redis_db
from core.query_params import _filterset_params, known_query_params
from pairings.filtersets import PairingFilterSet
from tests.api.conftest import client_for


@pytest.fixture
def committed(transactional_db: Any, world: Any) -> Any:
    """The world, committed (the data generation only moves on commit); a clean Redis."""
    cache.clear()
    return world


def _answer_keys() -> set[bytes]:
    client = cache._cache.get_client(write=False)  # type: ignore[attr-defined]
    return set(client.keys("*api-answer:*"))


@pytest.mark.parametrize("url", [reverse("api:pairing-list"), reverse("api:indicators")])
def test_junk_parameters_add_no_keys(committed: Any, url: str) -> None:
    # given one cached answer
    client = client_for(committed.users["province"])
    plain = client.get(url)
    assert plain.status_code == 200
    keys = _answer_keys()
    assert len(keys) == 1
    # when 300 requests add junk parameters
    for i in range(300):
        response = client.get(url, {"junk": i, f"x{i}": "y"})
        # then each gets the answer computed without them (links included)
        assert response.status_code == 200 and response.content == plain.content
    # and Redis holds no new key
    assert _answer_keys() == keys


def test_known_parameters_still_make_their_own_answers(committed: Any) -> None:
    client = client_for(committed.users["province"])
    url = reverse("api:pairing-list")
    everything = client.get(url).json()
    only_b = client.get(url, {"city": committed.city_b.pk, "junk": 1}).json()
    assert len(_answer_keys()) == 2
    assert {r["id"] for r in only_b["results"]} < {r["id"] for r in everything["results"]}
    # the page size is known too: a next link built without the junk parameter
    paged = client.get(url, {"page_size": 1, "junk": 2}).json()
    assert len(paged["results"]) == 1 and "junk" not in (paged["next"] or "")
    assert len(_answer_keys()) == 3


def test_parameter_order_and_repeats_do_not_matter(committed: Any) -> None:
    client = client_for(committed.users["province"])
    url = reverse("api:pairing-list")
    client.get(url + "?page_size=5&ordering=-pk")
    client.get(url + "?ordering=-pk&page_size=5&junk=3")
    assert len(_answer_keys()) == 1


def test_the_known_parameters_of_views() -> None:
    class Ranged(django_filters.FilterSet):
        made = django_filters.DateFromToRangeFilter()
        size = django_filters.RangeFilter()

    assert _filterset_params(Ranged) == {"made_after", "made_before", "size_min", "size_max"}
    indicators = known_query_params(IndicatorsView())
    assert {"program", "city", "pairing", "date_from", "date_to", "format"} <= indicators
    assert known_query_params(None) == frozenset({"format"})
    # the shared base filters that choose rows are not given a form field here (it would hold a queryset
    # scoped to no request); plain choice filters may carry one (schema generation builds them, harmlessly)
    model_filters = [
        f
        for f in PairingFilterSet.base_filters.values()
        if isinstance(f, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter)
    ]
    assert model_filters and all("_field" not in vars(f) for f in model_filters)


def test_the_answer_cache_has_its_own_redis_database(settings: Any) -> None:
    assert _next_redis_db("redis://h:6379/0") == "redis://h:6379/1"
    assert _next_redis_db("redis://:secret@h:6379") == "redis://:secret@h:6379/1"
    assert _next_redis_db("unix:///run/redis.sock?db=0") == "unix:///run/redis.sock?db=0"
    # without CACHE_REDIS_URL (the test run's case) the cache is not the queue's database
    assert settings.CACHES["default"]["LOCATION"] != settings.CELERY_BROKER_URL
