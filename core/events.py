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


# --- Notices: things people must hear about (issue 17) ------------------------------------------------------
# The closed list of notices a lower layer announces; the reminders app turns each into inbox messages and
# channel deliveries for the people concerned. ``object_ids`` are primary keys of the rows the notice names.
ROSTER_RETURNED = "roster_returned"  # teams.Roster: the commission returned it with a comment
ROSTER_FILED = "roster_filed"  # teams.Roster: filed (备案)
FINDING_OPENED = "finding_opened"  # assessments.Finding: a new open finding on a hospital
RESULTS_PUBLISHED = "results_published"  # pairings.Program: annual appraisal results published
REPORT_READY = "report_ready"  # assessments.ReportFile: a requested report finished
RECTIFICATION_ASSIGNED = "rectification_assigned"  # assessments.Rectification: assigned to a hospital
RECTIFICATION_ANSWERED = "rectification_answered"  # assessments.Rectification: the hospital answered
NOTICES = frozenset(
    {
        ROSTER_RETURNED,
        ROSTER_FILED,
        FINDING_OPENED,
        RESULTS_PUBLISHED,
        REPORT_READY,
        RECTIFICATION_ASSIGNED,
        RECTIFICATION_ANSWERED,
    }
)


class NoticeHandler(Protocol):
    def __call__(self, *, notice: str, object_ids: list[int], actor_id: int | None) -> object: ...


_notice_handlers: list[NoticeHandler] = []


def on_notice(handler: NoticeHandler) -> None:
    """Register ``handler`` (once) to hear every notice of :data:`NOTICES`."""
    if handler not in _notice_handlers:
        _notice_handlers.append(handler)


def notice(name: str, *, object_ids: list[int], actor_id: int | None = None) -> None:
    """Announce ``name`` about ``object_ids`` to the layers above.

    Runs inside the caller's transaction, so a rolled-back write announces nothing that survives: handlers
    write rows in the same transaction and send only after commit. Without a handler (the reminders app
    not installed) a notice is simply not heard: nothing in the lower layer depends on it.
    """
    if name not in NOTICES:
        raise ValueError(f"unknown notice {name!r}")
    if not object_ids:
        return
    for handler in _notice_handlers:
        handler(notice=name, object_ids=object_ids, actor_id=actor_id)
