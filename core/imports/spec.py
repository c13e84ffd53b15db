"""The shape of an Excel import: a declarative spec per sheet, and the preview it produces.

An import is one or more ``ImportSpec`` instances (one per sheet), each bound to the user and the object it
imports into (a roster, a hospital, a program). The engine (``core.imports.engine``) reads the file through
the safe reader, parses every cell through the spec's columns, lets the spec check the rows against each
other and the database (set-based), classifies each row new / changed / unchanged / error and, on confirm,
writes in one transaction. Apps subclass ``ImportSpec`` in their ``services/`` (the spec is a service: it
checks the permission and writes); core never imports an app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import User

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {
    NEW: gettext_lazy("新增"),
    CHANGED: gettext_lazy("修改"),
    UNCHANGED: gettext_lazy("未变"),
    ERROR: gettext_lazy("错误"),
}
# The error column added to the uploaded sheet in the error file.
ERROR_HEADER = "错误 (errors)"


def text(value: Any) -> str:
    """A cell as stripped text; an integral float (Excel's numbers) without its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of the sheet: the field it fills, its Chinese header (and accepted aliases), whether it
    must be present and filled, how a cell is parsed (``parse`` raises ValueError with the reason) and how
    the error file masks it for those who may not see personal data."""

    key: str
    header: str
    required: bool = False
    help: Any = ""  # str or a lazy translation
    aliases: tuple[str, ...] = ()
    parse: Callable[[Any], Any] | None = None
    max_length: int | None = None
    example: Any = ""
    personal: Callable[[str | None], str] | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclasses.dataclass
class PreviewRow:
    row_no: int
    raw: list[Any]
    values: dict[str, Any]
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (column label, reason)
    status: str = ""
    obj: Any = None  # the existing object the row matched, if any

    @property
    def error_text(self) -> str:
        return "；".join(f"{c}：{m}" if c else m for c, m in self.errors)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


@dataclasses.dataclass
class Preview:
    """One sheet of an upload, row by row. ``labels`` names each column as the file does ("姓名 (A)")."""

    header: list[Any]
    rows: list[PreviewRow]
    sheet: str = ""
    title: str = ""
    general_errors: list[str] = dataclasses.field(default_factory=list)
    removed: list[Any] = dataclasses.field(default_factory=list)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    applied: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.general_errors) or any(r.errors for r in self.rows)

    def counts(self) -> dict[str, int]:
        out = {NEW: 0, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        out["removed"] = len(self.removed)
        return out

    def label(self, key: str) -> str:
        return self.labels.get(key, "")

    def error_lines(self) -> list[str]:
        lines = list(self.general_errors)
        for r in self.rows:
            for col, msg in r.errors:
                lines.append(
                    _("第 %(row)d 行，%(col)s：%(msg)s") % {"row": r.row_no, "col": col or "—", "msg": msg}
                )
        return lines


@dataclasses.dataclass
class ImportResult:
    """Every sheet of one upload; ``applied`` when the confirm wrote them all."""

    previews: list[Preview]
    applied: bool = False

    @property
    def has_errors(self) -> bool:
        return any(p.has_errors for p in self.previews)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.previews:
            for k, v in p.counts().items():
                out[k] = out.get(k, 0) + v
        return out

    def error_lines(self) -> list[str]:
        many = len(self.previews) > 1
        return [f"{p.sheet}：{line}" if many else line for p in self.previews for line in p.error_lines()]


class ImportSpec:
    """One sheet of an import. Subclasses declare ``columns`` and override the hooks they need.

    The defaults give a plain keyed upsert: each cell parsed by its column, ``row_key`` finds duplicates in
    the file and the stored object (``existing``), ``same`` tells unchanged rows, ``write`` saves the new and
    changed rows. An import whose rows can only be classified by writing them (django-import-export) may
    override ``apply`` instead: the engine runs it in a transaction it rolls back unless confirmed.
    """

    kind: ClassVar[str] = ""
    title: ClassVar[Any] = ""
    sheet: ClassVar[str] = "数据"
    columns: ClassVar[Sequence[Column]] = ()
    # At least one of each group must be present as a column (e.g. national ID or licence number).
    one_of: ClassVar[Sequence[tuple[str, ...]]] = ()
    max_rows: ClassVar[int] = 5000
    instructions: ClassVar[Sequence[tuple[Any, Any]]] = ()  # extra lines of the 说明 sheet
    # The file is the whole set (a roster): rows missing from it are removed, and the preview says how many.
    removes: ClassVar[bool] = False
    empty_message: ClassVar[Any] = gettext_lazy("工作表中没有数据行。")
    # Values shown per row on the preview page (keys of ``PreviewRow.values``) and their headings.
    preview_columns: ClassVar[Sequence[tuple[str, Any]]] = ()

    def __init__(self, *, user: User | None, target: Any = None) -> None:
        self.user = user  # None: the command line (the operator)
        self.target = target

    # --- permission and privacy -----------------------------------------------------------------------

    def allowed(self, user: User) -> bool:
        """May ``user`` import into ``target``? Use core.permissions predicates."""
        return False

    def check_permission(self) -> None:
        if self.user is not None and not self.allowed(self.user):
            raise PermissionDenied(self.refused_message())

    def refused_message(self) -> str:
        return _("您没有权限导入此数据。")

    def may_see_personal_data(self) -> bool:
        """Unless true, ``Column.personal`` cells are masked in the error file."""
        return self.user is None

    # --- the template --------------------------------------------------------------------------------

    def template_rows(self) -> list[list[Any]]:
        """Rows the template is pre-filled with (the current data); empty: one example row."""
        return []

    def extra_instructions(self) -> list[tuple[Any, Any]]:
        """Lines of the 说明 sheet that depend on the target (deadlines, allowed values)."""
        return list(self.instructions)

    def display(self, row: PreviewRow) -> list[Any]:
        """The preview page's cells of ``row`` (``preview_columns``)."""
        return [row.values.get(key) for key, _heading in self.preview_columns]

    # --- parsing and checks ----------------------------------------------------------------------------

    def parse_row(self, row: PreviewRow, cells: dict[str, Any], preview: Preview) -> None:
        """Fill ``row.values`` from the cells; each problem is ``row.errors.append((label, reason))``."""
        for col in self.columns:
            if col.key not in cells:
                row.values[col.key] = None
                continue
            cell = cells[col.key]
            label = preview.label(col.key)
            if text(cell) == "":
                row.values[col.key] = None
                if col.required:
                    row.errors.append((label, _("必填项为空")))
                continue
            if col.max_length is not None and len(text(cell)) > col.max_length:
                row.errors.append((label, _("超过 %(n)d 个字符") % {"n": col.max_length}))
                continue
            try:
                row.values[col.key] = col.parse(cell) if col.parse is not None else text(cell)
            except ValueError as exc:
                row.errors.append((label, str(exc)))

    def validate(self, preview: Preview) -> None:
        """Checks across rows and against the database (set-based: one query for the whole file)."""

    def row_key(self, row: PreviewRow) -> Hashable | None:
        return None

    def existing(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        return {}

    def same(self, obj: Any, row: PreviewRow) -> bool:
        return False

    def write(self, rows: list[PreviewRow]) -> None:
        raise NotImplementedError

    def apply(self, preview: Preview) -> None:
        """Classify the valid rows and write the new and changed ones (inside the engine's transaction)."""
        seen: dict[Hashable, int] = {}
        keyed: list[tuple[PreviewRow, Hashable]] = []
        for r in preview.rows:
            if r.errors:
                continue
            key = self.row_key(r)
            if key is None:
                continue
            if key in seen:
                r.errors.append(("", _("与第 %(n)d 行重复") % {"n": seen[key]}))
                continue
            seen[key] = r.row_no
            keyed.append((r, key))
        found = self.existing([k for _r, k in keyed]) if keyed else {}
        for r, key in keyed:
            r.obj = found.get(key)
            r.status = NEW if r.obj is None else UNCHANGED if self.same(r.obj, r) else CHANGED
        # Valid rows are written even when others have errors: the engine rolls the transaction back then,
        # and a later sheet of the same upload (pairings after hospitals) sees them while it is checked.
        pending = [r for r in preview.rows if not r.errors and r.status in (NEW, CHANGED)]
        if pending:
            self.write(pending)
