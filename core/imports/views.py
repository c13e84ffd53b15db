"""The one set of import pages: template download → upload → preview (row / column / reason) → error file →
confirm (all or nothing). Every import registered in ``core.imports.registry`` is served by these views;
the apps keep their own URLs where they had them (same views, ``kind`` fixed in the URL pattern).

Thin: the target is looked up scoped (404 for missing and not yours alike), the spec checks the permission
(403) and does the work in ``core.imports.engine``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.imports.engine import error_workbook, run_import, template_workbook
from core.imports.models import ImportUpload
from core.imports.registry import ImportDefinition, get_definition, target_id_of
from core.imports.spec import ImportResult, ImportSpec
from core.uploads import UploadError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件 (.xlsx / .csv)"))


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _bound(
    request: HttpRequest, kind: str, target_id: int, *, check: bool = True
) -> tuple[ImportDefinition, Any, list[ImportSpec]]:
    definition = get_definition(kind)
    target = definition.target(request.user, target_id)
    specs = definition.specs(request.user, target)
    for spec in specs if check else ():
        spec.check_permission()
    return definition, target, specs


def upload_url(kind: str, target: Any) -> str:
    return reverse("imports:upload", args=[kind, target_id_of(target)])


@login_required
def template_download(request: HttpRequest, kind: str, target_id: int = 0) -> HttpResponse:
    # Whoever sees the target may read the template (pre-filled as their role may see it).
    definition, _target, specs = _bound(request, kind, target_id, check=False)
    return xlsx_response(template_workbook(specs), f"{definition.filename}-template.xlsx")


@login_required
def upload(request: HttpRequest, kind: str, target_id: int = 0) -> HttpResponse:
    """Step 1: the file is checked and previewed; it is kept (for the preview and the confirm) only when the
    reader accepts it."""
    definition, target, specs = _bound(request, kind, target_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            result = run_import(specs, f=file, name=file.name)
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            file.seek(0)
            stored = ImportUpload(
                kind=kind,
                target_id=target_id_of(target),
                created_by=cast(Any, request.user),  # login_required: a signed-in user
                original_name=file.name[:200],
                counts=result.counts(),
            )
            stored.file.save(file.name[:100], file, save=True)
            return redirect("imports:preview", pk=stored.pk)
    context = {
        "definition": definition,
        "target": target,
        "form": form,
        "template_url": reverse("imports:template", args=[kind, target_id_of(target)]),
        "back_url": definition.back_url(target),
    }
    return render(request, "core/imports/upload.html", context)


def _stored(request: HttpRequest, pk: int) -> tuple[ImportUpload, ImportDefinition, Any, list[ImportSpec]]:
    stored = get_object_or_404(ImportUpload.objects.for_user(request.user), pk=pk)
    definition, target, specs = _bound(request, stored.kind, stored.target_id)
    return stored, definition, target, specs


def _sheets(specs: list[ImportSpec], result: ImportResult) -> list[dict[str, Any]]:
    return [
        {
            "spec": spec,
            "preview": preview,
            "counts": preview.counts(),
            "headings": [heading for _key, heading in spec.preview_columns],
            "rows": [(r, spec.display(r)) for r in preview.rows],
            "removed": [str(o) for o in preview.removed],
        }
        for spec, preview in zip(specs, result.previews, strict=True)
    ]


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: every row new / changed / unchanged / error; POST confirms in one transaction (a retried
    confirm finds everything unchanged and writes nothing)."""
    stored, definition, target, specs = _stored(request, pk)
    confirm = request.method == "POST"
    with stored.file.open("rb") as fh:
        try:
            result = run_import(specs, f=fh, name=stored.original_name, confirm=confirm)
        except UploadError as exc:
            messages.error(request, str(exc))
            return redirect(definition.back_url(target))
    if confirm:
        if result.applied:
            stored.applied_at = timezone.now()
            stored.counts = result.counts()
            stored.save(update_fields=["applied_at", "counts"])
            messages.success(request, str(definition.done_message))
            return redirect(definition.done_url(target, result))
        messages.error(request, _("文件有错误，未导入任何数据。"))
    context = {
        "definition": definition,
        "target": target,
        "stored": stored,
        "result": result,
        # The single-sheet imports' templates and tests read ``preview`` directly.
        "preview": result.previews[0],
        "sheets": _sheets(specs, result),
        "upload_url": upload_url(stored.kind, target),
        "back_url": definition.back_url(target),
    }
    return render(request, "core/imports/preview.html", context)


@login_required
def errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The upload back with an error column, personal data masked by role."""
    stored, definition, target, specs = _stored(request, pk)
    with stored.file.open("rb") as fh:
        try:
            result = run_import(specs, f=fh, name=stored.original_name)
        except UploadError as exc:  # a stored file the reader refuses (e.g. kept from before a limit)
            messages.error(request, str(exc))
            return redirect(definition.back_url(target))
    return xlsx_response(error_workbook(specs, result), f"{definition.filename}-errors.xlsx")
