"""Which imports exist: each app registers an ``ImportDefinition`` in its ``AppConfig.ready()`` so the one
set of import pages (``core.imports.views``) and the API mixin can serve it without core importing apps."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy

from core.imports.spec import ImportResult, ImportSpec


@dataclasses.dataclass(frozen=True)
class ImportDefinition:
    kind: str
    title: Any
    # The specs (one per sheet) bound to the user (None: the command line) and the target.
    specs: Callable[[Any, Any], list[ImportSpec]]  # (user or None, target)
    # The target by id, scoped with for_user: Http404 when it is missing or not the user's alike. An
    # import without a target (the user's own hospital) receives 0.
    target: Callable[[Any, int], Any]  # (user, target id)
    # Where the user goes after a confirm, and back from an upload the reader refused.
    done_url: Callable[[Any, ImportResult], str]
    back_url: Callable[[Any], str]
    filename: str = "import"
    done_message: Any = gettext_lazy("已导入。")


_REGISTRY: dict[str, ImportDefinition] = {}


def register(definition: ImportDefinition) -> None:
    _REGISTRY[definition.kind] = definition


def get_definition(kind: str) -> ImportDefinition:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise Http404 from None


def target_id_of(target: Any) -> int:
    return int(getattr(target, "pk", 0) or 0)
