"""``core.access.scope_key``: users with the same key get the same ``for_user`` filter, so SQL compiled for
one serves the other (the indicators' statement, issue 18); users whose filters differ have different keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from assessments.models import CountyOutcome, Finding
from assessments.selectors.indicators import IndicatorQuery, indicators
from core.access import scope_key
from core.roles import Role
from devtools import factories as f
from pairings.models import Membership, Pairing
from teams.models import Deployment
from training.models import TraineeStint

MODELS = (Pairing, Finding, CountyOutcome, TraineeStint, Deployment)


def _sql(user: Any, model: Any) -> str:
    qs = model.objects.for_user(user)
    if not qs.query.is_empty():
        return str(qs.query)
    return "none"


def test_equal_keys_compile_to_the_same_sql_and_different_scopes_to_different_keys(co_world: Any) -> None:
    # given every role of the world and a second province staff member of the same province
    users = {
        **co_world.users,
        "province_2": f.make_member("prov2", Role.PROVINCE_STAFF, province=co_world.province),
    }
    keys = {name: scope_key(user) for name, user in users.items()}
    for a, user_a in users.items():
        for b, user_b in users.items():
            same_sql = all(_sql(user_a, m) == _sql(user_b, m) for m in MODELS)
            # then equal keys mean the same filter on every model
            if keys[a] == keys[b]:
                assert same_sql, (a, b)
            # and different filters mean different keys
            if not same_sql:
                assert keys[a] != keys[b], (a, b)
    # and the two province staff members share one key, while the two cities do not
    assert keys["province"] == keys["province_2"]
    assert keys["city_a"] != keys["city_b"]


def test_a_changed_membership_is_a_new_scope_for_the_indicators(world: Any) -> None:
    # given a province staff member who has read the indicators (their scope's SQL compiled)
    user = world.users["province"]
    query = IndicatorQuery(
        program_id=world.program.pk, date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)
    )
    assert indicators(user=user, query=query)["pairings"] == 2
    # when the same account becomes city staff of city A (a fresh request: the membership read again)
    Membership.objects.filter(user=user).update(role=Role.CITY_STAFF, province=None, city=world.city_a)
    fresh = get_user_model().objects.get(pk=user.pk)
    # then the indicators cover city A's pairing only, and a deactivated account sees nothing
    assert indicators(user=fresh, query=query)["pairings"] == 1
    Membership.objects.filter(user=user).update(is_active=False)
    assert indicators(user=get_user_model().objects.get(pk=user.pk), query=query)["pairings"] == 0
