"""Statements run as server-side prepared statements, planned once per connection.

Why: the indicators' one statement (``assessments.selectors.indicator_read``) joins a dozen CTEs; PostgreSQL
spent 3–4 ms planning it on every request, as long as executing it (issue 18). psycopg2 sends every query as
text with its parameters inlined, so nothing is ever reused; ``execute_prepared`` PREPAREs the statement
once per database session (named by a digest of its text) and EXECUTEs it with the parameters after that.
PostgreSQL re-plans a prepared statement by itself when a table it reads changes (DDL, statistics).

Prepared statements belong to the session and survive a rolled-back transaction; the names prepared are
kept per raw connection, so a reconnected worker prepares again, and a session holding ``_PREPARED_MAX``
of them deallocates them all before preparing another (the hot lists' statements differ by filters, page
size and scope: a bound, not a policy).

``execute_prepared_args`` does the same for a statement compiled by Django (positional ``%s``
parameters): the plain lists' page query (``core.api.base``), whose planning was ~1.25 ms of PostgreSQL's
~3 ms a computed deployments page. ``key`` names a separate statement per value (the lists' scope key):
PostgreSQL switches a prepared statement to a generic plan after five custom ones when it costs no more,
and a plan chosen for a province with all the rows should not serve one with a handful.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.db import DatabaseError, connection, transaction

_NAMED = re.compile(r"%\((\w+)\)s")
# Django's positional parameters; "%%" is a literal "%" (psycopg2's escape), which PREPARE takes as it is.
_POSITIONAL = re.compile(r"%[s%]")
_PREPARED_MAX = 200


def _prepared_names() -> dict[str, tuple[str, ...]]:
    """The statements prepared on the current raw connection, with the integer types of their parameters
    where ``execute_prepared_args`` read them (else empty)."""
    raw = connection.connection
    held = getattr(connection, "_prepared_statements", None)
    if held is None or held[0] is not raw:
        held = (raw, {})
        connection._prepared_statements = held  # type: ignore[attr-defined]
    return held[1]


def _room(cursor: Any, prepared: dict[str, tuple[str, ...]]) -> None:
    """Deallocate every statement of the session when it holds ``_PREPARED_MAX`` (each keeps its plans)."""
    if len(prepared) >= _PREPARED_MAX:
        cursor.execute("DEALLOCATE ALL")
        prepared.clear()


# Per statement text: its numbered text, its name and the order of its named parameters. A process asks the
# same few statements again and again; rewriting and hashing a 12 kB text cost ~0.1 ms a request. Cleared when
# full.
_TEXTS: dict[str, tuple[str, str, tuple[str, ...]]] = {}
_TEXTS_MAX = 256


def _numbered(sql: str) -> tuple[str, str, tuple[str, ...]]:
    """``sql`` with ``$1, $2, …`` for its named parameters, the statement's name, the names in order."""
    hit = _TEXTS.get(sql)
    if hit is None:
        order: dict[str, int] = {}

        def number(m: re.Match[str]) -> str:
            return f"${order.setdefault(m.group(1), len(order) + 1)}"

        text = _NAMED.sub(number, sql)
        name = "stmt_" + hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        hit = _TEXTS[sql] = (text, name, tuple(order))
    return hit


def execute_prepared(cursor: Any, sql: str, params: dict[str, Any]) -> None:
    """``cursor.execute(sql, params)`` (named ``%(name)s`` parameters) through a prepared statement."""
    text, name, order = _numbered(sql)
    try:
        values = [_value(params[key]) for key in order]
    except TypeError:
        cursor.execute(sql, params)  # a parameter this module does not pass: planned as before
        return
    prepared = _prepared_names()
    if name not in prepared:
        _room(cursor, prepared)
        try:
            # In a savepoint: a statement PostgreSQL cannot prepare leaves the caller's transaction usable.
            with transaction.atomic():
                cursor.execute(f"PREPARE {name} AS {text}")
        except DatabaseError:
            cursor.execute(sql, params)  # answered all the same, planned as before
            return
        prepared[name] = ()
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(values))})", values)


def _value(value: Any) -> Any:
    """A parameter as EXECUTE takes it. Arrays go as their text form ('{1,NULL}'): an untyped literal that
    PostgreSQL converts to the parameter's type, where psycopg2's ARRAY[NULL] would be a text[] it refuses."""
    if not isinstance(value, list | tuple):
        return value
    items = []
    for item in value:
        if item is None:
            items.append("NULL")
        elif isinstance(item, bool | int | dt.date):
            items.append(str(item))
        else:
            raise TypeError(item)
    return "{" + ",".join(items) + "}"


# Per (statement text, key): its numbered text and name. Cleared when full.
_ARG_TEXTS: dict[tuple[str, Any], tuple[str, str]] = {}
# Statements PostgreSQL refused to prepare (a parameter whose type it cannot infer): run as they are, without
# a savepoint and a failed PREPARE on every request.
_UNPREPARABLE: set[str] = set()


def _numbered_args(sql: str, key: Any) -> tuple[str, str]:
    hit = _ARG_TEXTS.get((sql, key))
    if hit is None:
        count = 0

        def number(m: re.Match[str]) -> str:
            nonlocal count
            if m.group(0) == "%%":
                return "%"
            count += 1
            return f"${count}"

        text = _POSITIONAL.sub(number, sql)
        digest = hashlib.blake2b(f"{text}\x00{key!r}".encode(), digest_size=10).hexdigest()
        if len(_ARG_TEXTS) >= _TEXTS_MAX:
            _ARG_TEXTS.clear()
        hit = _ARG_TEXTS[(sql, key)] = (text, "args_" + digest)
    return hit


def execute_prepared_args(
    cursor: Any, sql: str, params: tuple[Any, ...] | list[Any], *, key: Any = None
) -> None:
    """``cursor.execute(sql, params)`` (Django's positional ``%s`` parameters) through a statement prepared
    once per session and ``key`` (hashable, its ``repr`` stable: a scope key)."""
    text, name = _numbered_args(sql, key)
    try:
        if name in _UNPREPARABLE:
            raise TypeError(name)
        values = [_value(v) for v in params]
    except TypeError:
        cursor.execute(sql, params)
        return
    prepared = _prepared_names()
    if name not in prepared:
        _room(cursor, prepared)
        try:
            with transaction.atomic():  # as in execute_prepared: a failure leaves the transaction usable
                cursor.execute(f"PREPARE {name} AS {text}")
        except DatabaseError:
            if len(_UNPREPARABLE) < _TEXTS_MAX:
                _UNPREPARABLE.add(name)
            cursor.execute(sql, params)
            return
        cursor.execute("SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = %s", [name])
        prepared[name] = tuple(cursor.fetchone()[0])
    if not _in_range(values, prepared[name]):
        cursor.execute(sql, params)
        return
    if values:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(values))})", values)
    else:
        cursor.execute(f"EXECUTE {name}")


_INTEGER_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}


def _in_range(values: list[Any], types: tuple[str, ...]) -> bool:
    """Every integer fits its parameter's type. A statement with the value inlined compares it across
    types (``year = 99999`` on a smallint is false); as a parameter of the column's type it is an error
    ("out of range"), which the plain statement never raised (tests/api/test_bad_query_strings.py)."""
    for value, kind in zip(values, types, strict=False):
        bound = _INTEGER_RANGES.get(kind)
        if bound is not None and type(value) is int and not -bound <= value < bound:
            return False
    return True
