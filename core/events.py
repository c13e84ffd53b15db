"""Explicit hooks from a lower layer to the layers above it.

A roster filed in ``teams`` must make the rule engine in ``assessments`` re-check the pairing, but a lower
layer never imports a higher one. The lower layer announces what happened (``pairing_changed``); the app
that cares registers its handler in its ``AppConfig.ready``. Unlike Django signals, the hook names are a
closed list here, handlers are typed, and a missing handler is an error at start-up, not a silent no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class PairingChanged(Protocol):
    def __call__(self, *, pairing_id: int, reason: str) -> object: ...


_pairing_changed: list[PairingChanged] = []


def on_pairing_changed(handler: PairingChanged) -> None:
    """Register ``handler`` (once) to run when a pairing's data changed in a way rules read."""
    if handler not in _pairing_changed:
        _pairing_changed.append(handler)


def pairing_changed(*, pairing_id: int, reason: str) -> None:
    """Tell the layers above that ``pairing_id`` changed (e.g. a roster was filed).

    Runs inside the caller's transaction; handlers must be safe there (the rule engine queues its run on
    commit, so a rolled-back edit leaves nothing behind).
    """
    if not _pairing_changed:
        raise RuntimeError("no handler registered for pairing_changed: is the rule engine installed?")
    for handler in _pairing_changed:
        handler(pairing_id=pairing_id, reason=reason)


def handlers() -> tuple[Callable[..., object], ...]:
    return tuple(_pairing_changed)
