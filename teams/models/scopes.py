"""teams models: scopes."""

from __future__ import annotations

import dataclasses

from core.access import Scope

_PAIRING_SCOPE_PREFIX = "team__pairing__"


def _pairing_scope(prefix: str, *extra_hospital_paths: str) -> Scope:
    return Scope(
        province=f"{prefix}program__province",
        city=f"{prefix}recipient__city",
        county=f"{prefix}recipient__county",
        hospital=(f"{prefix}recipient", f"{prefix}supporters__hospital", *extra_hospital_paths),
    )


def _owned_scope(prefix: str, owner: str) -> Scope:
    """A record of one supporter's people inside a pairing: rosters, attendance, workload.

    The joint team's composition (deployments) is shared with every supporter of the pairing; the
    people's personal data and records belong to their employer (``owner``, the deploying supporter),
    the recipient and the commission — not to a co-supporter of the same pairing (SPEC §6).
    """
    return dataclasses.replace(_pairing_scope(prefix), hospital=(f"{prefix}recipient", owner))


def _person_records_scope() -> Scope:
    """A deployed person's day-to-day records (attendance, workload, leave): theirs and their leader's."""
    return dataclasses.replace(
        _owned_scope("deployment__team__pairing__", "deployment__supporter"),
        person="deployment__staff",
        team="deployment__team",
    )


def _hospital_scope(prefix: str = "") -> Scope:
    return Scope(
        province=f"{prefix}hospital__province",
        city=f"{prefix}hospital__city",
        county=f"{prefix}hospital__county",
        hospital=(f"{prefix}hospital",),
    )
