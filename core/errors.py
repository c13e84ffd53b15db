"""Error pages. A 400 names the bad parameter and says why (``QueryParameterError``), instead of Django's
bare "Bad Request"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.utils.translation import gettext as _

from core.query_params import QueryParameterError


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = exception.message if isinstance(exception, QueryParameterError) else _("请求无效。")
    html = loader.render_to_string("400.html", {"message": message}, request)
    return HttpResponseBadRequest(html)
