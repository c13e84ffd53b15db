"""Statements run as server-side prepared statements, planned once per connection.

Why: the indicators' one statement (``assessments.selectors.indicator_read``) joins a dozen CTEs; PostgreSQL
spent 3–4 ms planning it on every request, as long as executing it (issue 18). psycopg2 sends every query as
text with its parameters inlined, so nothing is ever reused; ``execute_prepared`` PREPAREs the statement
once per database session (named by a digest of its text) and EXECUTEs it with the parameters after that.
PostgreSQL re-plans a prepared statement by itself when a table it reads changes (DDL, statistics).

Prepared statements belong to the session and survive a rolled-back transaction; the names prepared are
kept per raw connection, so a reconnected worker prepares again, and a session holding ``_PREPARED_MAX``
of them deallocates them all before preparing another (a bound, not a policy).

``execute_planned_once`` is for a statement Django compiled (positional ``%s`` parameters): the plain
lists' page (``core.api.base``), whose planning was ~1.25 ms of PostgreSQL's ~3 ms a computed deployments
page (issue 18). Its values are inlined (psycopg2's own quoting, the very text a plain execution sends) and
the statement is prepared the second time the same text comes: a statement without parameters has one
plan, the one its values call for. Parameters would share one generic plan between values — PostgreSQL
switches to it after five custom plans when it costs no more — and the generic plan of a year's
deployments walked the whole index for a year with a handful (241 ms instead of 1 ms). A cursor walk
asks each page once and prepares nothing; a dashboard polling a page has it planned once per session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, connection, transaction

try:  # pghistory's execute wrapper, which puts the audit context in front of a data-changing statement
    from pghistory.runtime import _inject_history_context
except ImportError:  # pragma: no cover - another pghistory: the context is left in front, as before
    _inject_history_context = None  # type: ignore[assignment]

_NAMED = re.compile(r"%\((\w+)\)s")
_PREPARED_MAX = 200
_SPACE = re.compile(r"\s")


def _prepared_names() -> set[str]:
    """The statements prepared on the current raw connection."""
    raw = connection.connection
    held = getattr(connection, "_prepared_statements", None)
    if held is None or held[0] is not raw:
        held = (raw, set())
        connection._prepared_statements = held  # type: ignore[attr-defined]
    return held[1]


def _room(cursor: Any, prepared: set[str]) -> None:
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
        prepared.add(name)
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


# Per (statement, values) seen in this process: None once, then the prepared statement's name and text.
# Cleared when full.
_SEEN: dict[tuple[str, tuple[Any, ...]], tuple[str, str] | None] = {}
_SEEN_MAX = 1024  # each entry holds a statement of a few kB, twice once prepared
# Values inlined into a prepared text: no whitespace in a string, so no value can read as a write to the
# data-generation tracker (``core.data_changes``: "update <table>"); anything else runs as it is.
_INLINED = (int, float, Decimal, dt.date, dt.time, dt.timedelta, type(None))


def execute_planned_once(cursor: Any, sql: str, params: tuple[Any, ...]) -> None:
    """``cursor.execute(sql, params)``; from the second time the same statement comes with the same values,
    through a statement prepared once per session with the values inlined (see the module)."""
    key = (sql, params)
    try:
        if not all(isinstance(v, _INLINED) or (type(v) is str and not _SPACE.search(v)) for v in params):
            raise TypeError
        first = key not in _SEEN
    except TypeError:  # a value without a hash, or not inlined
        cursor.execute(sql, params)
        return
    if first:  # the first time: as it is
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[key] = None
        cursor.execute(sql, params)
        return
    seen = _SEEN.get(key)
    if seen is None:
        text = cursor.mogrify(sql, params).decode()  # psycopg2's text of the plain execution
        seen = _SEEN[key] = ("plan_" + hashlib.blake2b(text.encode(), digest_size=10).hexdigest(), text)
    name, text = seen
    prepared = _prepared_names()
    if name not in prepared:
        _room(cursor, prepared)
        try:
            with transaction.atomic():  # as in execute_prepared: a failure leaves the transaction usable
                # Given as a format with no values ("%%" for "%"): an execute wrapper that adds
                # parameters of its own (pghistory's context) must not read the text's "%" as one.
                cursor.execute(f"PREPARE {name} AS {text.replace('%', '%%')}", [])
        except DatabaseError:
            cursor.execute(sql, params)  # answered all the same, planned as before
            return
        prepared.add(name)
    _execute_read(cursor, f"EXECUTE {name}")


def _execute_read(cursor: Any, sql: str) -> None:
    """``cursor.execute(sql)`` for the EXECUTE of a statement that only reads (Django's compiled SELECT),
    without pghistory's audit context in front of it; every other execute wrapper runs as usual.

    Why: pghistory puts ``SELECT set_config(…), set_config(…);`` in front of every statement that does not
    start with ``select`` while a request's context is open, GETs included, so each EXECUTE of a list's page
    was two statements for PostgreSQL and a JSON dump for the worker (~0.05 ms a statement, issue 18). The
    context is transaction-local and read only by the audit triggers, which a SELECT never fires; a write
    later in the request still gets it in front of its own statement.
    """
    db = cursor.db
    wrappers = db.execute_wrappers
    if _inject_history_context is None or _inject_history_context not in wrappers:
        cursor.execute(sql)
        return
    db.execute_wrappers = [w for w in wrappers if w is not _inject_history_context]
    try:
        cursor.execute(sql)
    finally:
        db.execute_wrappers = wrappers
