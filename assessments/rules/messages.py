"""Finding messages as data: a message key (the untranslated Chinese msgid) and its parameters.

Rules run in a worker whose language is not the reader's, so they draft ``msg(gettext_noop("…%(n)s…"), n=…)``
and the finding stores the key and parameters (JSON); pages, the API, exports and reports render it in the
reader's language with ``render_message``. Parameters are plain values (dates become ISO strings); a value
may itself be a message or a lazy translation (a role, a title label, a party) so it is translated with the
rest, and a list of values is joined with the language's enumeration comma.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, override

# The language whose msgids the catalog is keyed by: a lazy label evaluated under it yields its msgid.
SOURCE_LANGUAGE = "zh-hans"


@dataclasses.dataclass(frozen=True)
class Message:
    """A finding message before translation; ``str()`` renders it in the active language."""

    key: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return render_message(self.key, self.params)

    def __contains__(self, text: str) -> bool:
        return text in str(self)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "params": self.params}


def msg(key: str, /, **params: Any) -> Message:
    """Draft a finding message: ``msg(gettext_noop("%(name)s 不足 %(n)s 个月"), name=…, n=…)``."""
    return Message(key=key, params={name: _dump(value) for name, value in params.items()})


# Parameters that are JSON as they are, tested by exact type first: most are (a national sweep drafts 32,000
# of them), and each isinstance() test below against an ABC or a lazy class costs more than the drafting.
_PLAIN = frozenset({str, int, float, type(None)})


def _dump(value: Any) -> Any:
    """A parameter as JSON: dates as ISO strings, decimals as text, messages and lazy labels nested."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Message):
        return value.as_json()
    if isinstance(value, Promise):
        with override(SOURCE_LANGUAGE):
            return {"key": str(value), "params": {}}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    return value


def _load(value: Any, translate: Callable[[str], str]) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping) and "key" in value:
        return render_message(str(value["key"]), value.get("params") or {}, translate=translate)
    if isinstance(value, list):
        # Translators: joins the items of a list inside a finding message (e.g. the parties that did not sign)
        return translate(gettext_noop("、")).join(str(_load(v, translate)) for v in value)
    return value


def render_message(
    key: str,
    params: Mapping[str, Any] | None = None,
    fallback: str = "",
    *,
    translate: Callable[[str], str] = gettext,
) -> str:
    """The message in the active language; ``fallback`` (the stored text) when there is no key.

    A catalog entry whose placeholders do not fit the stored parameters (a translation gone wrong) falls back
    to the Chinese original rather than failing the page. ``translate``: ``gettext``, or a memo of it when
    thousands of messages are rendered in one language (a run storing its findings' Chinese text).
    """
    if not key:
        return fallback
    values = {name: _load(value, translate) for name, value in (params or {}).items()}
    try:
        return translate(key) % values
    except (KeyError, TypeError, ValueError):
        try:
            return key % values
        except (KeyError, TypeError, ValueError):
            return fallback or key
