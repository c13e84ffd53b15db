"""The one place that decides who sees what (SPEC §6).

Every model that holds scoped data declares a ``SCOPE``: the lookup path from the model to the
province, city, county and hospital it belongs to. ``ScopedQuerySet.for_user(user)`` turns the user's
membership into a filter. Views, API endpoints, exports, reports and tasks all call ``for_user``;
nothing filters by organisation by hand.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, cast

import pghistory
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

from core.roles import COMMISSION_ROLES, HOSPITAL_ROLES, PERSON_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.contrib.auth.models import User as AuthUser

    # What services and selectors receive: a signed-in user (every page and endpoint requires log-in;
    # ``for_user`` itself also takes an anonymous user and scopes it to nothing). Annotations only: with
    # postponed evaluation the name is never looked up at run time.
    User: TypeAlias = AuthUser
    # Whoever makes a request: scoping and the role predicates also answer for anonymous users (nothing).
    AnyUser: TypeAlias = AuthUser | AnonymousUser | AbstractBaseUser
else:
    User = AnyUser = Any


class Membership(Protocol):
    """What scoping reads of a user's membership (the model is ``settings.MEMBERSHIP_MODEL``).

    The platform layer names the registry's model by setting, as Django names the user model, so that
    ``core`` never imports the apps built on it.
    """

    role: str
    province_id: int | None
    city_id: int | None
    county_id: int | None
    hospital_id: int | None
    can_see_personal_data: bool

    @property
    def hospital(self) -> Any: ...


_M = TypeVar("_M", bound=models.Model)


@dataclasses.dataclass(frozen=True)
class Scope:
    """Lookup paths from a model to the organisations that may see it.

    ``hospital`` lists paths to a Hospital; a hospital coordinator sees a row when any path reaches its
    hospital. ``hospital_province`` is for registry data that every member of the province may read.
    ``None`` means that level sees nothing of this model.

    ``oversight`` narrows what the commission levels (province, city, county) and dashboards see of the
    rows their path reaches: a hospital's own working files (a roster upload before it is submitted) are
    the hospital's, while attendance imports are supervised. ``dashboard=False`` hides the model from
    dashboard clients altogether (they read statistics, not jobs and files).

    ``person`` is the path to the deployed person (a ``teams.Staff`` id) a row is about: a deployed person
    or team leader sees the rows about themselves. ``team`` is the path to a ``teams.Team``: a team leader
    also sees the rows of the teams they lead (the team's work, leave and reports — never its scores, so
    models with scores leave ``team`` unset). ``None`` means those roles see nothing of the model.
    """

    province: str | None = None
    city: str | None = None
    county: str | None = None
    hospital: tuple[str, ...] = ()
    hospital_province: str | None = None
    oversight: Q | None = None
    dashboard: bool = True
    person: str | None = None
    team: str | None = None


def get_membership(user: AbstractBaseUser | AnonymousUser | None) -> Membership | None:
    """The user's membership, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return None
    cached: Membership | None | bool = getattr(user, "_pairing_membership", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    model = apps.get_model(settings.MEMBERSHIP_MODEL)
    membership = (
        model._default_manager.select_related("province", "city", "county", "hospital")
        .filter(user_id=user.pk, is_active=True)
        .first()
    )
    user._pairing_membership = membership  # type: ignore[attr-defined]
    return cast("Membership | None", membership)


def get_person_staff_id(user: AbstractBaseUser | AnonymousUser | None) -> int | None:
    """The ``teams.Staff`` id of a deployed person's account, cached on the user object for the request.

    The account model lives in ``teams`` (above this floor); it is named by setting
    (``PERSON_ACCOUNT_MODEL``) as the membership model is.
    """
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_person_staff_id", False)
    if cached is not False:
        return cast("int | None", cached)
    model = apps.get_model(settings.PERSON_ACCOUNT_MODEL)
    staff_id = model._default_manager.filter(user_id=user.pk).values_list("staff_id", flat=True).first()
    user._person_staff_id = staff_id  # type: ignore[attr-defined]
    return cast("int | None", staff_id)


def is_global(user: AnyUser | None) -> bool:
    """System administrators (Django superusers) see everything."""
    return bool(user is not None and user.is_authenticated and getattr(user, "is_superuser", False))


def scope_q(scope: Scope, membership: Membership, *, staff_id: int | None = None) -> Q | None:
    """The filter a membership puts on a model with ``scope``; None means nothing is visible.

    ``staff_id`` is the person behind a deployed person's or team leader's account.
    """
    role = membership.role
    if role in PERSON_ROLES:
        return _person_q(scope, role, staff_id)
    if role == Role.DASHBOARD and not scope.dashboard:
        return None
    level_q = _level_q(scope, membership)
    if level_q is not None:
        return level_q if scope.oversight is None else level_q & scope.oversight
    if role in HOSPITAL_ROLES and membership.hospital_id:
        q = Q()
        found = False
        for path in scope.hospital:
            q |= Q(**{path: membership.hospital_id})
            found = True
        if scope.hospital_province and membership.hospital is not None:
            q |= Q(**{scope.hospital_province: membership.hospital.province_id})
            found = True
        return q if found else None
    return None


def _person_q(scope: Scope, role: str, staff_id: int | None) -> Q | None:
    """A deployed person's own rows; a team leader's also those of the teams they lead (issue 19)."""
    if staff_id is None or scope.person is None:
        return None
    q = Q(**{scope.person: staff_id})
    if role == Role.TEAM_LEADER and scope.team is not None:
        # Both conditions in one Q on the same join: one deployment of this person, as leader, on the team.
        led = {f"{scope.team}__deployments__staff": staff_id, f"{scope.team}__deployments__role": "leader"}
        q |= Q(**led)
    return q


def _level_q(scope: Scope, membership: Membership) -> Q | None:
    """The filter of a commission level or dashboard: the rows of its province, city or county."""
    role = membership.role
    if role in (Role.PROVINCE_STAFF, Role.DASHBOARD) and membership.province_id and scope.province:
        return Q(**{scope.province: membership.province_id})
    if role in (Role.CITY_STAFF, Role.DASHBOARD) and membership.city_id and scope.city:
        return Q(**{scope.city: membership.city_id})
    if role == Role.COUNTY_STAFF and membership.county_id and scope.county:
        return Q(**{scope.county: membership.county_id})
    return None


def scope_key(user: AnyUser | None) -> tuple[Any, ...]:
    """Everything ``for_user`` reads of ``user``, as a hashable key: users with equal keys get the same
    filter on every model, so SQL compiled from ``for_user`` may be reused for the key (the indicators'
    one statement, ``assessments.selectors.indicator_read``). Kept next to ``for_user`` and ``scope_q``:
    what they come to read of a user is added here too (``tests/core/test_access.py`` holds the two)."""
    if is_global(user):
        return ("global",)
    membership = get_membership(user)
    if membership is None:
        return ("nobody",)
    staff_id = get_person_staff_id(user) if membership.role in PERSON_ROLES else None
    hospital = membership.hospital if membership.hospital_id else None
    return (
        membership.role,
        membership.province_id,
        membership.city_id,
        membership.county_id,
        membership.hospital_id,
        hospital.province_id if hospital is not None else None,
        staff_id,
    )


class ScopedQuerySet(models.QuerySet[_M]):
    def for_user(self, user: AnyUser | None, *, scope: Scope | None = None) -> ScopedQuerySet[_M]:
        """Rows ``user`` may see. Multi-valued paths are applied as a semi-join so rows never repeat.

        ``scope`` replaces the model's ``SCOPE`` for a narrower view of the same rows declared on the model
        (``Deployment.RECORDS_SCOPE``: the deployments whose personal records the user may see).
        """
        if is_global(user):
            return self
        membership = get_membership(user)
        if membership is None:
            return self.none()
        scope = scope or getattr(self.model, "SCOPE", None)
        if scope is None:
            return self.none()
        staff_id = get_person_staff_id(user) if membership.role in PERSON_ROLES else None
        q = scope_q(scope, membership, staff_id=staff_id)
        if q is None:
            return self.none()
        if _single_valued(self.model, q):
            # Only forward foreign keys: a row joins one row per path and cannot repeat, so the filter
            # goes on the query itself. The semi-join made PostgreSQL collect every row of the area
            # before a list could take its first page (a province's 60,000 deployments for 100 of
            # them: 1.4 s instead of a few ms; issue 18).
            return self.filter(q)
        inner = self.model._base_manager.filter(q).values("pk")
        return self.filter(pk__in=inner)


def _single_valued(model: type[models.Model], q: Q) -> bool:
    """Every lookup of ``q`` follows only forward many-to-one / one-to-one relations from ``model``."""
    for child in q.children:
        if isinstance(child, Q):
            if not _single_valued(model, child):
                return False
            continue
        current: Any = model
        lookup: str = child[0]  # type: ignore[index]  # a (lookup, value) pair
        for part in lookup.split("__"):
            try:
                field = current._meta.get_field(part)
            except FieldDoesNotExist:  # a lookup or transform ("in", "year"): the path ends here
                break
            if not field.is_relation:
                break
            if field.many_to_many or field.one_to_many or not field.concrete:
                return False  # reverse relations and many-to-many can repeat a row
            current = field.related_model
    return True


def is_commission(user: AnyUser | None) -> bool:
    m = get_membership(user)
    return is_global(user) or (m is not None and m.role in COMMISSION_ROLES)


def has_role(user: AnyUser | None, *roles: str) -> bool:
    m = get_membership(user)
    return m is not None and m.role in roles


def audited(*, ignore_updates_of: tuple[str, ...] = ()) -> Any:
    """Audit trail by database triggers (django-pghistory): bulk writes and imports are recorded too.

    Inserts, updates and deletes are kept with the request context (user, URL) that HistoryMiddleware sets.
    ``ignore_updates_of`` names bookkeeping fields whose change alone is not worth an event (the rule
    engine's "still seen at" stamp on every finding of every run); an update that also changes anything
    else is recorded in full.
    """
    update = (
        pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude=list(ignore_updates_of)))
        if ignore_updates_of
        else pghistory.UpdateEvent()
    )
    return pghistory.track(pghistory.InsertEvent(), update, pghistory.DeleteEvent())
