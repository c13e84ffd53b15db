"""Shared pieces of every app's API: scoped read-only viewsets, cursor pagination, list ETags, masking.

Every queryset starts from ``Model.objects.for_user(request.user)``, so a foreign object is a 404 and a
list never shows another organisation's rows. Lists are answered from the shared answer cache while the
data is unchanged (``cache.py``) and carry a weak ETag over the page, so a dashboard polling with
``If-None-Match`` gets 304 when nothing changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable
from django.http import HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core import privacy
from core.access import scope_key
from core.api.cache import cached_answer, with_etag
from core.api.renderers import PlainJSON
from core.prepared import execute_planned_once


class ETagListMixin:
    """``list`` answers 304 Not Modified when If-None-Match holds the page's current ETag (never cached:
    for lists of bookkeeping rows that change without moving the data generation, e.g. API clients)."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().list(request, *args, **kwargs)  # type: ignore[misc]
        return with_etag(request, response)


class CachedListMixin:
    """``list`` answers from the shared answer cache (``core.api.cache``), with ETag / 304."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        view: Any = self
        return cached_answer(
            request,
            lambda: super(CachedListMixin, view).list(request, *args, **kwargs),  # type: ignore[misc]
            view.get_renderer_context(),
        )


# DRF's own rendering of a datetime (ISO 8601 in the request's time zone, "Z" for UTC): plain rows use the
# very same code as the serializers, so the bytes cannot differ.
_DATETIME = serializers.DateTimeField()


def plain_date(value: dt.date | None) -> str | None:
    """A date as ``serializers.DateField`` renders it."""
    return value.isoformat() if value else None


def plain_datetime(value: dt.datetime | None) -> str | None:
    """A datetime as ``serializers.DateTimeField`` renders it."""
    return _DATETIME.to_representation(value) if value else None


def datetime_renderer() -> Callable[[dt.datetime | None], str | None]:
    """``plain_datetime`` for the rows of one page: the request's time zone looked up once, not per value.

    Why: DRF's field looks the active time zone up (a context-local read) and its settings for every value;
    on a page of 100 rows with several timestamps that was a visible share of a computed answer (issue 18).
    Aware datetimes — all of ours, USE_TZ — take the same steps as ``DateTimeField.to_representation``
    (``astimezone``, ISO 8601, ``+00:00`` as ``Z``); anything else goes through the field itself.
    """
    if not settings.USE_TZ or str(api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return plain_datetime
    zone = timezone.get_current_timezone()

    def render(value: dt.datetime | None) -> str | None:
        if not value:
            return None
        if value.utcoffset() is None:
            return plain_datetime(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return plain_datetime(value)  # the field's own error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return render


@dataclasses.dataclass(frozen=True)
class Computed:
    """A field of a plain list's serializer that no column holds as it is: a property, a method, a list of
    related rows. ``columns`` are what it reads from the row, ``render`` turns one row into its value;
    without ``render`` the view's ``plain_page`` fills it in for the whole page (one query, not one a row)."""

    columns: tuple[str, ...] = ()
    render: Callable[[Mapping[str, Any]], Any] | None = None
    # Its values are only strings, integers, booleans, None (or lists and dicts of them): the page may be
    # written by the fast JSON encoder (core/api/renderers.py).
    float_free: bool = False


# Serializer fields whose ``to_representation`` gives back a column's value unchanged (None stays None
# anyway: DRF skips ``to_representation`` for it). Exact types: a subclass may render differently.
_AS_IS: tuple[type[serializers.Field[Any, Any, Any, Any]], ...] = (
    serializers.IntegerField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.BooleanField,
)


@dataclasses.dataclass(frozen=True)
class PlainPlan:
    """A serializer read as columns: the ``values()`` paths, and per output key how it renders."""

    columns: tuple[str, ...]
    # (key, kind, argument): "as_is" / "date" / "datetime" (a column), "personal" (column, employer
    # column or None, keep_start, keep_end), "nested" (a column that is None when the relation is, or
    # None; the nested plan), "computed" (the render or None).
    fields: tuple[tuple[str, str, Any], ...]
    # No field can render a float (a float column, a JSON column, a computed field not marked float_free):
    # the page is ``PlainJSON`` for the fast JSON encoder (core/api/renderers.py).
    float_free: bool = False

    @functools.cached_property
    def page_code(self) -> tuple[CodeType, tuple[Callable[[Mapping[str, Any]], Any], ...]]:
        """A function ``page(rows)`` shaping a page of rows as one list of dict displays, compiled once per
        plan, and the ``computed`` renders it calls.

        Why generated (as ``dataclasses`` generates ``__init__``): a closure per field and row cost the
        generic rows a third more than the hand-written dicts they replaced, on the lists where every
        tenth of a millisecond is a share of the cold answer (issue 18). Keys and columns come from the
        serializer and the model (``repr``-quoted), never from a request.
        """
        computed: list[Callable[[Mapping[str, Any]], Any]] = []

        def display(plan: PlainPlan) -> str:
            items = []
            for key, kind, arg in plan.fields:
                if kind == "as_is":
                    value = f"r[{arg!r}]"
                elif kind == "date":  # plain_date
                    value = f"(v.isoformat() if (v := r[{arg!r}]) else None)"
                elif kind == "datetime":
                    value = f"when(r[{arg!r}])"
                elif kind == "personal":
                    column, employer, keep_start, keep_end = arg
                    owner = f"r[{employer!r}]" if employer else "None"
                    value = f"personal(r[{column!r}], {owner}, {keep_start!r}, {keep_end!r})"
                elif kind == "nested":
                    null_column, sub = arg
                    value = display(sub)
                    if null_column is not None:
                        value = f"(None if r[{null_column!r}] is None else {value})"
                elif arg is None:  # computed, filled in by the view
                    value = "None"
                else:
                    computed.append(arg)
                    value = f"computed[{len(computed) - 1}](r)"
                items.append(f"{key!r}: {value}")
            return "{" + ", ".join(items) + "}"

        source = f"def page(rows):\n    return [{display(self)} for r in rows]\n"
        return compile(source, "<plain list rows>", "exec"), tuple(computed)


def serializer_plan(
    serializer: serializers.Serializer[Any],
    model: Any,
    *,
    prefix: str = "",
    computed: Mapping[str, Computed] | None = None,
) -> PlainPlan:
    """Read ``serializer``'s fields, in order, as columns of ``model`` (reached by ``prefix``).

    A field the plan cannot read safely — a property, a method, a list, a type whose rendering is not its
    value — must be named in ``computed``; anything else is an ``ImproperlyConfigured`` naming it, so a
    field added to the serializer either renders the same bytes here or stops the view, never differs.
    """
    computed = computed or {}
    columns: list[str] = []
    fields: list[tuple[str, str, Any]] = []
    float_free = True
    for key, field in serializer.fields.items():
        if field.write_only:
            continue
        if key in computed:
            columns += [prefix + c for c in computed[key].columns]
            fields.append((key, "computed", computed[key].render))
            float_free = float_free and computed[key].float_free
            continue
        path, target = _column(model, field, prefix=prefix)
        if isinstance(field, serializers.Serializer) and target is not None and target.is_relation:
            sub = serializer_plan(field, target.related_model, prefix=path + "__")
            null_column = path if target.null else None
            columns += ([null_column] if null_column else []) + list(sub.columns)
            fields.append((key, "nested", (null_column, sub)))
            float_free = float_free and sub.float_free
            continue
        if target is None or target.many_to_many or target.one_to_many:
            raise ImproperlyConfigured(
                f"{type(serializer).__name__}.{key}: not a column; name it in plain_computed"
            )
        columns.append(path)
        if isinstance(field, PersonalDataField):
            employer = prefix + "employer_id" if _has_field(model, "employer_id") else None
            columns += [employer] if employer else []
            fields.append((key, "personal", (path, employer, field.keep_start, field.keep_end)))
        elif type(field) is serializers.DateTimeField:
            fields.append((key, "datetime", path))
        elif type(field) is serializers.DateField:
            fields.append((key, "date", path))
        elif type(field) in _AS_IS or (
            (type(field) is serializers.PrimaryKeyRelatedField and field.pk_field is None)
            or (type(field) is serializers.JSONField and not field.binary)
            or (
                type(field) is serializers.BigIntegerField
                and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
            )
        ):
            fields.append((key, "as_is", path))
            float_free = (
                float_free
                and type(field) is not serializers.JSONField
                and target.get_internal_type() not in _MAY_HOLD_FLOATS
            )
        else:
            raise ImproperlyConfigured(
                f"{type(serializer).__name__}.{key}: {type(field).__name__} has no plain rendering; "
                "name it in plain_computed"
            )
    return PlainPlan(tuple(dict.fromkeys(columns)), tuple(fields), float_free)


# Model fields whose value, passed through as is, may be (or hold) a float or a Decimal.
_MAY_HOLD_FLOATS = frozenset({"FloatField", "DecimalField", "JSONField"})


def _has_field(model: Any, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _column(model: Any, field: serializers.Field[Any, Any, Any, Any], *, prefix: str) -> tuple[str, Any]:
    """The ``values()`` path of ``field``'s source and the model field it ends on (None: not a column).

    A relation on the way must not be nullable: DRF leaves a read-only field out of the row when an
    intermediate object is None, which a column cannot say.
    """
    if not field.source or field.source == "*":  # a bound field always has a source; "*" is the row
        return "", None
    parts = field.source.split(".")
    current, target = model, None
    for i, part in enumerate(parts):
        if part == "pk":
            part = current._meta.pk.name
        try:
            target = current._meta.get_field(part)
        except FieldDoesNotExist:
            return "", None
        if i < len(parts) - 1:
            if not target.is_relation or target.many_to_many or target.one_to_many or target.null:
                return "", None
            current = target.related_model
        parts[i] = part
    return prefix + "__".join(parts), target


# Per (view or model, serializer): fields are read once per process, not per request.
_PLANS: dict[tuple[type[Any], type[Any]], PlainPlan] = {}
# Per (view, columns, scope key): the scoped values() queryset of ``PlainListMixin.scoped_values``. One
# entry per view and kind of user seen by the process (a province, a city, a hospital …); bounded.
_SCOPED_VALUES: dict[tuple[Any, ...], QuerySet[Any]] = {}
_SCOPED_VALUES_KEPT = 512


class _RecordedOps:
    """A mixin of the plain lists' request querysets: the operations applied to a kept scoped base
    (``PlainListMixin.scoped_values``), so that the statement they compile to can be kept too.

    ``_ops`` is the tuple of ``filter`` / ``exclude`` / ``order_by`` calls made since the kept base, with
    their arguments; any other operation that clones the queryset (``_chain``) sets it to None: the
    statement is then compiled as usual. The SQL Django compiles is a function of the query, and the
    query a function of the base and these calls, so (base key, ``_ops``, the slice, the time zone) names
    one statement (``_PreparedValues``). ``API_PREPARED_LISTS_CHECK`` (on in tests) compiles every time and
    compares.
    """

    _ops: tuple[Any, ...] | None = None
    _base_key: Any = None

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._ops, clone._base_key = self._ops, self._base_key
        return clone

    def _chain(self) -> Any:
        clone = super()._chain()  # type: ignore[misc]
        clone._ops = None  # an operation not recorded: compiled as usual
        return clone

    def _recorded(self, clone: Any, op: tuple[Any, ...]) -> Any:
        if self._ops is not None:
            try:
                hash(op)
            except TypeError:  # a value with no hash (a list): compiled as usual
                return clone
            clone._ops = (*self._ops, op)
        return clone

    def all(self) -> Any:
        clone = super().all()  # type: ignore[misc]
        clone._ops = self._ops
        return clone

    def _filter_or_exclude(self, negate: bool, args: Any, kwargs: Any) -> Any:
        clone = super()._filter_or_exclude(negate, args, kwargs)  # type: ignore[misc]
        return self._recorded(clone, ("exclude" if negate else "filter", tuple(args), _items(kwargs)))

    def order_by(self, *field_names: Any) -> Any:
        clone = super().order_by(*field_names)  # type: ignore[misc]
        return self._recorded(clone, ("order_by", field_names))

    def __getitem__(self, k: Any) -> Any:
        result = super().__getitem__(k)  # type: ignore[misc]
        if isinstance(k, slice) and isinstance(result, _RecordedOps):
            result._ops = self._ops  # the limits are read from the query (low and high marks)
        return result


def _items(kwargs: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    # Values compared with their type: 1 == 1.0 == True would otherwise name one statement.
    return tuple((k, type(v), v) for k, v in sorted(kwargs.items()))  # type: ignore[misc]


_RECORDING: dict[type[Any], type[Any]] = {}


def _recording(cls: type[Any]) -> type[Any]:
    """``cls`` with ``_RecordedOps`` (a class per queryset class: ScopedQuerySet and its subclasses)."""
    recording = _RECORDING.get(cls)
    if recording is None:
        recording = _RECORDING[cls] = type(f"Recorded{cls.__name__}", (_RecordedOps, cls), {})
    return recording


# Per (base key, operations, slice, time zone, database): the statement, its parameters, the row keys and
# the converters of its columns. One entry per distinct request of a view and scope key (cursor positions
# included); bounded.
_STATEMENTS: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], list[str], list[Any]]] = {}
_STATEMENTS_KEPT = 2048


class _PreparedValues(ValuesIterable):
    """``ValuesIterable`` whose SQL is compiled once per recorded request shape (``_RecordedOps``) and
    whose statement is planned once per database session (``core.prepared.execute_planned_once``: from
    its second request, a statement prepared with its values inlined).

    Why: a computed deployments page spent ~1.25 ms of PostgreSQL's ~3 ms planning its five joins, the
    same plan for every request of the same page (issue 18), and compiling the query to SQL was ~0.6 ms of
    the worker's ~4.5 ms. The rows, their converters and their dicts are Django's (``ValuesIterable`` /
    ``SQLCompiler.results_iter``); only the compilation and the execution differ.
    """

    def __iter__(self) -> Any:
        queryset: Any = self.queryset
        query = queryset.query
        ops = getattr(queryset, "_ops", None)
        cache_key = None
        if ops is not None and queryset._base_key is not None:
            cache_key = (
                queryset._base_key,
                ops,
                query.low_mark,
                query.high_mark,
                timezone.get_current_timezone_name(),
                queryset.db,
            )
        kept = _STATEMENTS.get(cache_key) if cache_key is not None else None
        if kept is None or getattr(settings, "API_PREPARED_LISTS_CHECK", False):
            compiler = query.get_compiler(queryset.db)
            names = (
                list(query.selected)
                if query.selected
                else [*query.extra_select, *query.values_select, *query.annotation_select]
            )
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return
            if not sql:
                return
            fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
            converters = list(compiler.get_converters(fields).items())
            compiled = (sql, tuple(params), names, converters)
            if kept is not None and kept[:3] != compiled[:3]:
                raise AssertionError(f"kept statement differs: {kept[:3]!r} != {compiled[:3]!r}")
            kept = compiled
            if cache_key is not None:
                if len(_STATEMENTS) >= _STATEMENTS_KEPT:
                    _STATEMENTS.clear()  # a bound, not a policy
                _STATEMENTS[cache_key] = kept
        sql, params, names, converters = kept
        connection = connections[queryset.db]
        with connection.cursor() as cursor:
            execute_planned_once(cursor, sql, params)
            rows: Any = cursor.fetchall()
        if converters:  # SQLCompiler.apply_converters, without the compiler
            rows = [list(row) for row in rows]
            for row in rows:
                for pos, (convs, expression) in converters:
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[pos] = value
        for row in rows:
            yield dict(zip(names, row, strict=True))


class PlainListMixin:
    """The list of a hot endpoint from ``values()`` rows, rendered as its serializer renders them.

    Why: on the lists dashboards read most, building model instances and running DRF's serializer fields
    cost most of an answer computed without the cache (issue 18). A view with ``plain_list = True`` answers
    its list from plain rows: the columns and their rendering are read from the serializer's own fields
    (``serializer_plan``: model fields, nested serializers, personal data masked by ``core.privacy`` as
    ``PersonalDataField`` masks it), so the serializer stays the one list of the answer's fields; what no
    column holds is named in ``plain_computed``. The filters, ordering, cursor pagination and scoping are
    the same code on the same queryset; the serializer stays for details, writes and the schema.
    tests/api/test_plain_lists.py holds each such view to the serializer's bytes for every role;
    ``API_PLAIN_LISTS = False`` switches back to the serializer.
    """

    plain_list: ClassVar[bool] = False
    plain_computed: ClassVar[Mapping[str, Computed]] = {}

    def plain_plan(self) -> PlainPlan:
        view: Any = self
        serializer_class = view.get_serializer_class()
        key = (type(self), serializer_class)
        plan = _PLANS.get(key)
        if plan is None:
            plan = _PLANS[key] = serializer_plan(serializer_class(), view.model, computed=self.plain_computed)
        return plan

    def scoped_values(self, columns: tuple[str, ...]) -> QuerySet[Any]:
        """``get_queryset()`` as ``values(*columns)`` rows, before the request's filters.

        Why kept: the scoped queryset's ``values()`` of some twenty columns across their joins is built
        the same way for every request of a view by users of one ``scope_key`` — ``for_user`` reads
        nothing else of a user, and puts only ids and constants into its filter (no date, no data) — and
        building it was about 0.9 ms of a computed deployments page (issue 18). So it is built once per
        (view, columns, scope key) and cloned; the filters, ordering and cursor are applied to the clone
        per request as before. Only for a view whose ``get_queryset`` is the scoped base one (an override
        may read the request) and when ``API_PLAIN_BASES`` is on (the default).
        """
        view: Any = self
        get_queryset = type(view).get_queryset
        if get_queryset is not ScopedReadOnlyViewSet.get_queryset or not getattr(
            settings, "API_PLAIN_BASES", True
        ):
            return view.get_queryset().prefetch_related(None).values(*columns)  # type: ignore[no-any-return]
        key = (type(view), columns, scope_key(view.request.user))
        base = _SCOPED_VALUES.get(key)
        if base is None:
            if len(_SCOPED_VALUES) >= _SCOPED_VALUES_KEPT:
                _SCOPED_VALUES.clear()  # a bound, not a policy (and safe with threaded workers)
            base = _SCOPED_VALUES[key] = view.get_queryset().prefetch_related(None).values(*columns)
        clone: Any = base.all()  # a clone: the kept queryset is never evaluated nor changed
        if getattr(settings, "API_PREPARED_LISTS", True):
            # The request's operations recorded from here: its statement is kept per (key, operations).
            clone.__class__ = _recording(type(clone))
            clone._ops, clone._base_key = (), key
        return clone  # type: ignore[no-any-return]

    def plain_page(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's rows as the serializer's dicts: same keys in the same order, values rendered as its
        fields render them. A view extends it to fill in the ``plain_computed`` fields it renders itself."""
        return self._plain_renderer(self.plain_plan())(rows)

    def plain_many(
        self, queryset: QuerySet[Any], serializer_class: type[serializers.Serializer[Any]], *, by: str
    ) -> dict[Any, list[dict[str, Any]]]:
        """The rows of ``queryset`` (a to-many relation of the page's rows: one query) rendered as
        ``serializer_class`` renders them, grouped by the column ``by``, in the queryset's order."""
        key = (queryset.model, serializer_class)
        plan = _PLANS.get(key)
        if plan is None:
            plan = _PLANS[key] = serializer_plan(serializer_class(), queryset.model)
        related = queryset.values(*dict.fromkeys([*plan.columns, by]))
        if getattr(settings, "API_PREPARED_LISTS", True):
            related._iterable_class = _PreparedValues  # planned once per session from its second request
        rows = list(related)
        grouped: dict[Any, list[dict[str, Any]]] = {}
        for r, rendered in zip(rows, self._plain_renderer(plan)(rows), strict=True):
            grouped.setdefault(r[by], []).append(rendered)
        return grouped

    def _plain_renderer(self, plan: PlainPlan) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
        view: Any = self
        return _page_renderer(plan, user=view.request.user, when=datetime_renderer())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        if not self.plain_list or not getattr(settings, "API_PLAIN_LISTS", True):
            return super().list(request, *args, **kwargs)  # type: ignore[misc,no-any-return]
        plan = self.plain_plan()
        # The cursor reads each row's ordering column, so every orderable one is fetched too.
        columns = (*plan.columns, *(f for f in view.ordering_fields if f not in plan.columns))
        queryset = self.scoped_values(columns)
        if getattr(settings, "API_PREPARED_LISTS", True):
            queryset._iterable_class = _PreparedValues
        queryset = view.filter_queryset(queryset)
        page = view.paginate_queryset(queryset)
        if page is None:
            return Response(self.plain_page(list(queryset)))
        response: Response = view.get_paginated_response(self.plain_page(page))
        if plan.float_free and isinstance(response.data, dict):
            response.data = PlainJSON(response.data)  # the same keys in the same order
        return response


def _page_renderer(
    plan: PlainPlan, *, user: Any, when: Callable[[dt.datetime | None], str | None]
) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """One page's renderer: the request's time zone and the masking rule asked once per page (once per
    employer), not per value; the rows shaped by the plan's generated function (``PlainPlan.page_code``)."""
    sees: dict[int | None, bool] = {}

    def personal(value: Any, employer_id: int | None, keep_start: int, keep_end: int) -> Any:
        # PersonalDataField.to_representation, with its one question asked once per employer.
        if value is None:
            return None
        if employer_id not in sees:
            sees[employer_id] = privacy.can_see_personal_data(user, employer_id=employer_id)
        if sees[employer_id]:
            return value or ""
        return privacy.mask(value, keep_start=keep_start, keep_end=keep_end)

    code, computed = plan.page_code
    namespace: dict[str, Any] = {"when": when, "personal": personal, "computed": computed}
    exec(code, namespace)  # defines ``page``: generated from the serializer's fields, no request input
    return namespace["page"]  # type: ignore[no-any-return]


def dict_renderer(serializer: serializers.Serializer[Any]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """``type(serializer)(data).data`` for ``data`` made of plain dicts and lists (a computed answer, not
    model rows), without DRF's per-field machinery: the same keys in the same order, each value rendered by
    the serializer's own field (``to_representation``), None left None, nested serializers and lists of them
    followed. So the serializer stays the one definition of the answer (issue 18: the indicators' answer).

    Each field's source must be a key of its dict (the default, its name); anything else is an
    ``ImproperlyConfigured`` naming it, so a field added to the serializer renders the same or stops.
    """
    fields: list[tuple[str, str, Callable[[Any], Any]]] = []
    for key, field in serializer.fields.items():
        if field.write_only:
            continue
        if not field.source or "." in field.source or field.source == "*":
            name = f"{type(serializer).__name__}.{key}"
            raise ImproperlyConfigured(f"{name}: source {field.source!r} is not a key of the data")
        fields.append((key, field.source, _value_renderer(field)))

    def render(data: Mapping[str, Any]) -> dict[str, Any]:
        return {key: None if (v := data[source]) is None else r(v) for key, source, r in fields}

    return render


def _value_renderer(field: serializers.Field[Any, Any, Any, Any]) -> Callable[[Any], Any]:
    """A value as ``field.to_representation`` renders it, nested serializers included."""
    if isinstance(field, serializers.ListSerializer) and field.child is not None:
        item = _value_renderer(field.child)
        return lambda values: [item(v) for v in values]
    if isinstance(field, serializers.Serializer):
        return dict_renderer(field)
    if isinstance(field, serializers.DictField):  # its child renders the values, None stays None
        child = _value_renderer(field.child)
        return lambda d: {str(k): None if v is None else child(v) for k, v in d.items()}
    return field.to_representation


class ScopedReadOnlyViewSet(  # type: ignore[misc]  # CachedListMixin.list wraps ListModelMixin.list
    CachedListMixin,
    PlainListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Any],
):
    """List and detail of one model scoped by ``for_user``; subclasses name the joins to load."""

    model: ClassVar[Any]
    # Ids are integers: anything else is a 404 at the URL, never a database error.
    lookup_value_regex = r"\d+"
    select: ClassVar[tuple[str, ...]] = ()
    prefetch: ClassVar[tuple[Any, ...]] = ()
    ordering_fields: ClassVar[list[str]] = ["pk"]

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.model.objects.for_user(self.request.user)
        if self.select:
            qs = qs.select_related(*self.select)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return qs  # type: ignore[no-any-return]


def can_see_personal_data(context: Mapping[str, Any], *, employer_id: int | None = None) -> bool:
    """The serializer context's user may see full national IDs / phones (one rule: ``core.privacy``)."""
    request = context.get("request")
    return request is not None and privacy.can_see_personal_data(request.user, employer_id=employer_id)


@extend_schema_field(OpenApiTypes.STR)
class PersonalDataField(serializers.Field[str, str, str, Any]):
    """A national ID or phone number: in full for those who may see it, else masked (SPEC §6)."""

    def __init__(self, *, keep_start: int, keep_end: int, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        self.keep_start = keep_start
        self.keep_end = keep_end
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        # The row's employer decides too: a co-supporter's member sees the shared team, masked.
        value = super().get_attribute(instance)
        return None if value is None else (getattr(instance, "employer_id", None), value)

    def to_representation(self, value: Any) -> str:
        employer_id, value = value
        if can_see_personal_data(self.context, employer_id=employer_id):
            return value or ""
        return privacy.mask(value, keep_start=self.keep_start, keep_end=self.keep_end)


def national_id_field(**kwargs: Any) -> PersonalDataField:
    return PersonalDataField(keep_start=6, keep_end=4, **kwargs)


def phone_field(**kwargs: Any) -> PersonalDataField:
    return PersonalDataField(keep_start=3, keep_end=4, **kwargs)
