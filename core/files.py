"""Stored files (uploads, error files, reports, agreement scans) are served only after a permission check.

Nothing under MEDIA_ROOT is published as static files. A file is reached through the object that owns it:
``/files/<app>/<model>/<pk>/<field>/`` finds the row with ``Model.objects.for_user(user)`` (404 when it is
missing or not the user's, alike) and answers with the file. A model opts in by naming its file fields in
``PROTECTED_FILES``; any other model or field is a 404 too.

In production the web server sends the bytes: the answer carries ``X-Accel-Redirect`` to
``MEDIA_ACCEL_REDIRECT_PREFIX`` + the file's storage name, an nginx ``internal`` location that aliases
MEDIA_ROOT (docs/operations.md). Without the setting (development, tests) the view streams the file itself.
"""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import content_disposition_header

PROTECTED_FILES_ATTR = "PROTECTED_FILES"


def protected_file_url(obj: Any, field: str) -> str:
    """The URL that serves ``obj``'s file ``field`` through the permission check."""
    meta = obj._meta
    return reverse("protected_file", args=[meta.app_label, meta.model_name, obj.pk, field])


def file_response(
    file: FieldFile, *, filename: str | None = None, content_type: str | None = None
) -> HttpResponseBase:
    """Answer with a stored file as an attachment: nginx sends it when configured, else Django streams it.

    Call only after the caller has checked that the user may have the file.
    """
    name = file.name
    if not file or not name:
        raise Http404
    filename = filename or name.rsplit("/", 1)[-1]
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    prefix: str = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    response: HttpResponseBase
    if prefix:
        if not file.storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        # nginx decodes the URI: non-ASCII and reserved characters of the stored name are percent-encoded.
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        try:
            handle = file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    # Personal data may be inside: never kept by a shared cache or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def protected_file(request: HttpRequest, app_label: str, model: str, pk: int, field: str) -> HttpResponseBase:
    try:
        model_cls = apps.get_model(app_label, model)
    except LookupError as exc:
        raise Http404 from exc
    if field not in getattr(model_cls, PROTECTED_FILES_ATTR, ()):
        raise Http404
    obj = get_object_or_404(model_cls.objects.for_user(request.user), pk=pk)
    return file_response(getattr(obj, field))
