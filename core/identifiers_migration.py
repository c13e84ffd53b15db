"""The data migration that brings stored national IDs and licence numbers to their canonical form.

What happens to each stored value (documented in docs/operations.md, "Identifier normalisation"):

- already canonical and valid: untouched;
- normalises to a well-formed value that no other row holds: rewritten (the audit trail records the change);
- well-formed after normalising but with a wrong check character or birth date: rewritten and *reported* —
  the CHECK constraint only holds the shape, and nobody can tell which digit is wrong; the next edit of the
  row asks for the right number;
- not well-formed even after normalising (15-digit old ID, letters, too long), or colliding with another
  row's value (one person stored twice — the very double deployment this fixes): nothing is rewritten, every
  such row is printed, and the migration stops. No data is dropped or merged by guesswork: an operator merges
  the duplicate people or corrects the numbers (docs/operations.md) and runs ``migrate`` again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from core.identifiers import (
    LICENCE_DB_REGEX,
    NATIONAL_ID_DB_REGEX,
    licence_error,
    national_id_error,
    normalize_licence,
    normalize_national_id,
)
from core.privacy import mask_national_id

_KINDS: dict[str, tuple[Callable[[Any], str], re.Pattern[str], Callable[[str], str | None]]] = {
    "national_id": (normalize_national_id, re.compile(NATIONAL_ID_DB_REGEX), national_id_error),
    "licence": (normalize_licence, re.compile(LICENCE_DB_REGEX), licence_error),
}


class IdentifierMigrationError(RuntimeError):
    pass


def normalise_stored_identifiers(
    model: Any, *, fields: dict[str, str], unique: bool, write: Callable[[str], None] = print
) -> list[str]:
    """Normalise ``fields`` (field name → "national_id" | "licence") of every row of ``model``.

    Returns the warnings (rewritten but still invalid values); raises ``IdentifierMigrationError`` listing
    the rows that cannot be stored, before writing anything.
    """
    label = model._meta.label
    rows = list(model.objects.order_by("pk").values("pk", *fields))
    blocking: list[str] = []
    warnings: list[str] = []
    changes: dict[int, dict[str, str]] = {}
    for field, kind in fields.items():
        normalise, shape, error = _KINDS[kind]
        holder: dict[str, tuple[int, str]] = {}
        # Rows already canonical claim their value first: the report names the look-alike, not the original.
        ordered = sorted(rows, key=lambda r, f=field: (normalise(r[f]) != r[f], r["pk"]))  # type: ignore[misc]
        for r in ordered:
            raw = r[field]
            if raw in (None, ""):
                continue
            new = normalise(raw)
            # Masked like everywhere else (deploy logs keep this output); the pk finds the row.
            where = f"{label} pk={r['pk']} {field}={mask_national_id(raw)!r}"
            if not shape.match(new):
                blocking.append(f"{where}: {error(new) or 'invalid'}")
                continue
            if unique and new in holder:
                other_pk, other_raw = holder[new]
                blocking.append(
                    f"{where}: same person as pk={other_pk} ({mask_national_id(other_raw)!r}) once normalised"
                )
                continue
            holder[new] = (r["pk"], raw)
            if (problem := error(new)) is not None:
                warnings.append(f"{where}: {problem}")
            if new != raw:
                changes.setdefault(r["pk"], {})[field] = new
    for line in warnings:
        write(f"  identifier warning: {line}")
    if blocking:
        for line in blocking:
            write(f"  identifier conflict: {line}")
        raise IdentifierMigrationError(
            f"{len(blocking)} stored identifier(s) of {label} cannot be normalised (listed above); "
            "nothing was changed. Merge the duplicate people or correct the numbers, then migrate again "
            "(docs/operations.md, 'Identifier normalisation')."
        )
    objs = []
    for pk, values in changes.items():
        obj = model(pk=pk)
        for field, value in values.items():
            setattr(obj, field, value)
        objs.append(obj)
    for field in fields:
        batch = [o for o in objs if field in changes[o.pk]]
        if batch:
            # One field at a time: bulk_update writes every named field, and untouched ones are unset here.
            model.objects.bulk_update(batch, [field], batch_size=1000)
    if changes:
        write(f"  normalised identifiers of {len(changes)} {label} row(s)")
    return warnings
